//! Per-query additions to the shared graph: route hints (private channels towards the target),
//! first hops (the source's own channels), nodes outside the public graph, and exclusions.
//! Nothing here touches the graph itself; the search sees graph halves `0..2C` and overlay
//! halves `2C..`, graph nodes `0..N` and virtual nodes `N..`.

use roaring::RoaringBitmap;

use super::query::Query;
use crate::graph::Graph;
use crate::types::{NodeId, Scid};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    Hint,
    FirstHop,
}

/// A half that exists only for this query.
#[derive(Clone, Copy, Debug)]
pub struct VirtualEdge {
    pub from: u32,
    pub to: u32,
    pub scid: Scid,
    pub base_fee_msat: u32,
    pub fee_ppm: u32,
    pub cltv_expiry_delta: u16,
    pub htlc_minimum_msat: u64,
    pub htlc_maximum_msat: u64,
    /// For first hops: the spendable amount (certain). For hints: the htlc maximum, or
    /// unbounded when the hint gives none.
    pub capacity_msat: u64,
    pub kind: EdgeKind,
}

/// A query resolved against one graph.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub source: u32,
    pub target: u32,
    pub graph_nodes: u32,
    pub graph_halves: u32,
    pub virtual_nodes: Vec<NodeId>,
    pub edges: Vec<VirtualEdge>,
    /// With `first_hops`, the source's public channels are not used.
    pub first_hops_only: bool,
    pub excluded_nodes: RoaringBitmap,
    /// Excluded graph channels (by `ChanIdx`).
    pub excluded_chans: RoaringBitmap,
    pub excluded_scids: Vec<Scid>,
}

/// Why a query could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// Bad input: the answer is `status: error` with this message.
    Invalid(String),
    /// A node the query needs is unknown: `no_route` / `unknown_node`.
    UnknownNode(String),
}

impl Resolved {
    pub fn node_count(&self) -> usize {
        self.graph_nodes as usize + self.virtual_nodes.len()
    }
    pub fn half_count(&self) -> usize {
        self.graph_halves as usize + self.edges.len()
    }
    pub fn node_id(&self, g: &Graph, v: u32) -> NodeId {
        if v < self.graph_nodes {
            g.node_id(crate::types::NodeIdx(v))
        } else {
            self.virtual_nodes[(v - self.graph_nodes) as usize]
        }
    }
    pub fn virtual_edge(&self, half: u32) -> Option<&VirtualEdge> {
        half.checked_sub(self.graph_halves)
            .and_then(|i| self.edges.get(i as usize))
    }
    fn intern(&mut self, g: &Graph, id: NodeId) -> u32 {
        if let Some(i) = g.node_idx(&id) {
            return i.0;
        }
        if let Some(p) = self.virtual_nodes.iter().position(|v| *v == id) {
            return self.graph_nodes + p as u32;
        }
        self.virtual_nodes.push(id);
        self.graph_nodes + self.virtual_nodes.len() as u32 - 1
    }
    fn lookup(&self, g: &Graph, id: &NodeId) -> Option<u32> {
        g.node_idx(id).map(|i| i.0).or_else(|| {
            self.virtual_nodes
                .iter()
                .position(|v| v == id)
                .map(|p| self.graph_nodes + p as u32)
        })
    }
}

fn parse_node(field: &str, s: &str) -> Result<NodeId, ResolveError> {
    s.parse()
        .map_err(|e| ResolveError::Invalid(format!("{field}: {e}")))
}
fn parse_scid(field: &str, s: &str) -> Result<Scid, ResolveError> {
    s.parse()
        .map_err(|e| ResolveError::Invalid(format!("{field}: {e}")))
}

/// Checks a query and resolves its ids and overlays against `g`.
pub fn resolve(g: &Graph, q: &Query) -> Result<Resolved, ResolveError> {
    let source = parse_node("source", &q.source)?;
    let target = parse_node("target", &q.target)?;
    if source == target {
        return Err(ResolveError::Invalid(
            "source and target are the same node".into(),
        ));
    }
    if q.amount_msat == 0 {
        return Err(ResolveError::Invalid("amount_msat must be positive".into()));
    }
    if q.amount_msat > 21_000_000 * 100_000_000 * 1000 {
        return Err(ResolveError::Invalid(
            "amount_msat exceeds 21 million BTC".into(),
        ));
    }
    if q.max_parts == Some(0) {
        return Err(ResolveError::Invalid("max_parts must be at least 1".into()));
    }
    if q.max_hops == Some(0) {
        return Err(ResolveError::Invalid("max_hops must be at least 1".into()));
    }
    let mut r = Resolved {
        graph_nodes: g.node_count() as u32,
        graph_halves: g.half_count() as u32,
        ..Default::default()
    };
    for (i, hint) in q.route_hints.iter().enumerate() {
        if hint.is_empty() {
            return Err(ResolveError::Invalid(format!("route_hints[{i}] is empty")));
        }
        for (j, h) in hint.iter().enumerate() {
            let from = parse_node(&format!("route_hints[{i}][{j}].from"), &h.from)?;
            let scid = parse_scid(&format!("route_hints[{i}][{j}].channel"), &h.channel)?;
            let to = match hint.get(j + 1) {
                Some(next) => parse_node(&format!("route_hints[{i}][{}].from", j + 1), &next.from)?,
                None => target,
            };
            if from == to {
                return Err(ResolveError::Invalid(format!(
                    "route_hints[{i}][{j}] goes from a node to itself"
                )));
            }
            let (from, to) = (r.intern(g, from), r.intern(g, to));
            let htlc_max = h.htlc_maximum_msat.unwrap_or(u64::MAX);
            r.edges.push(VirtualEdge {
                from,
                to,
                scid,
                base_fee_msat: h.base_fee_msat,
                fee_ppm: h.fee_ppm,
                cltv_expiry_delta: h.cltv_expiry_delta,
                htlc_minimum_msat: h.htlc_minimum_msat.unwrap_or(0),
                htlc_maximum_msat: htlc_max,
                capacity_msat: htlc_max,
                kind: EdgeKind::Hint,
            });
        }
    }
    for (i, fh) in q.first_hops.iter().enumerate() {
        let scid = parse_scid(&format!("first_hops[{i}].channel"), &fh.channel)?;
        let to = parse_node(&format!("first_hops[{i}].to"), &fh.to)?;
        if to == source {
            return Err(ResolveError::Invalid(format!(
                "first_hops[{i}] leads back to the source"
            )));
        }
        let from = r.intern(g, source);
        let to = r.intern(g, to);
        r.edges.push(VirtualEdge {
            from,
            to,
            scid,
            base_fee_msat: 0,
            fee_ppm: 0,
            cltv_expiry_delta: 0,
            htlc_minimum_msat: 0,
            htlc_maximum_msat: fh.outbound_msat,
            capacity_msat: fh.outbound_msat,
            kind: EdgeKind::FirstHop,
        });
    }
    r.first_hops_only = !q.first_hops.is_empty();
    r.source = r
        .lookup(g, &source)
        .ok_or_else(|| ResolveError::UnknownNode(format!("source {source} is not in the graph")))?;
    r.target = r
        .lookup(g, &target)
        .ok_or_else(|| ResolveError::UnknownNode(format!("target {target} is not in the graph")))?;
    for (i, s) in q.exclude_nodes.iter().enumerate() {
        let id = parse_node(&format!("exclude_nodes[{i}]"), s)?;
        if let Some(v) = r.lookup(g, &id) {
            r.excluded_nodes.insert(v);
        }
    }
    for (i, s) in q.exclude_channels.iter().enumerate() {
        let scid = parse_scid(&format!("exclude_channels[{i}]"), s)?;
        if let Some(c) = g.chan_idx(scid) {
            r.excluded_chans.insert(c.0);
        }
        r.excluded_scids.push(scid);
    }
    if r.excluded_nodes.contains(r.source) || r.excluded_nodes.contains(r.target) {
        return Err(ResolveError::Invalid("source or target is excluded".into()));
    }
    let excluded_scids = r.excluded_scids.clone();
    r.edges.retain(|e| !excluded_scids.contains(&e.scid));
    Ok(r)
}
