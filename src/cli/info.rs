use std::path::PathBuf;

use crate::graph::Graph;
use crate::types::{HalfIdx, NodeId, NodeIdx, Scid};

use super::Failure;

#[derive(clap::Args)]
pub struct InfoArgs {
    /// Graph file.
    #[arg(long, default_value = super::DEFAULT_GRAPH)]
    pub graph: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Show one channel's two halves.
    #[arg(long)]
    pub channel: Option<String>,
    /// Show one node's channels.
    #[arg(long)]
    pub node: Option<String>,
}

pub fn run(a: InfoArgs) -> Result<i32, Failure> {
    let g = Graph::open(&a.graph).map_err(Failure::bad_input)?;
    if let Some(c) = &a.channel {
        let scid: Scid = c
            .parse()
            .map_err(|e| Failure::bad_input(format!("--channel: {e}")))?;
        let Some(ci) = g.chan_idx(scid) else {
            eprintln!("error: channel {scid} is not in {}", a.graph.display());
            return Ok(1);
        };
        let (n1, n2) = g.chan_nodes(ci);
        let halves: Vec<_> = (0..2).map(|d| g.half_policy(HalfIdx::new(ci, d))).collect();
        let v = serde_json::json!({
            "channel": scid, "node_1": g.node_id(n1), "node_2": g.node_id(n2),
            "capacity_sat": g.capacity_sat(ci), "halves": halves,
        });
        print_json_or_text(&v, a.json);
        return Ok(0);
    }
    if let Some(n) = &a.node {
        let id: NodeId = n
            .parse()
            .map_err(|e| Failure::bad_input(format!("--node: {e}")))?;
        let Some(ni) = g.node_idx(&id) else {
            eprintln!("error: node {id} is not in {}", a.graph.display());
            return Ok(1);
        };
        let v = node_json(&g, ni);
        print_json_or_text(&v, a.json);
        return Ok(0);
    }
    let s = g.summary();
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&s).expect("summary serializes")
        );
    } else {
        outln!("graph {}", a.graph.display());
        outln!(
            "  format version {}  file {} bytes  created {}",
            s.format_version,
            s.file_bytes,
            s.created_unix
        );
        outln!("  source: {}", s.source);
        outln!("  nodes {}", s.nodes);
        outln!("  channels {}", s.channels);
        outln!(
            "  halves {} ({} disabled, {} usable for routing)",
            s.halves,
            s.disabled_halves,
            s.usable_halves
        );
        outln!(
            "  total capacity {} sat ({:.2} BTC)",
            s.total_capacity_sat,
            s.total_capacity_sat as f64 / 1e8
        );
    }
    Ok(0)
}

fn node_json(g: &Graph, n: NodeIdx) -> serde_json::Value {
    let mut chans: Vec<u32> = g
        .out_halves(n)
        .chain(g.in_halves(n))
        .map(|h| h.chan().0)
        .collect();
    chans.sort_unstable();
    chans.dedup();
    let channels: Vec<_> = chans
        .into_iter()
        .map(|c| {
            let ci = crate::types::ChanIdx(c);
            let (a, b) = g.chan_nodes(ci);
            let peer = if a == n { b } else { a };
            let out_dir = if a == n { 0 } else { 1 };
            serde_json::json!({
                "channel": g.scid(ci), "peer": g.node_id(peer), "capacity_sat": g.capacity_sat(ci),
                "outgoing": g.half_policy(HalfIdx::new(ci, out_dir)),
                "incoming": g.half_policy(HalfIdx::new(ci, 1 - out_dir)),
            })
        })
        .collect();
    serde_json::json!({"node": g.node_id(n), "alias": g.node_alias(n), "channels": channels})
}

fn print_json_or_text(v: &serde_json::Value, json: bool) {
    if json {
        outln!("{v}");
    } else {
        outln!(
            "{}",
            serde_json::to_string_pretty(v).expect("value serializes")
        );
    }
}
