//! Builds [`GraphData`] from a [`GossipSet`]: sorted node table, channels sorted by scid,
//! per-half policy arrays and the CSR adjacencies.
//!
//! Defaults for missing fields (documented in README): no htlc maximum → the capacity; no
//! capacity → the largest htlc maximum of its halves (rounded up to whole sat), else 0; a
//! channel with capacity 0 is kept but has no usable halves.

use crate::gossip::{GossipSet, HalfRecord};
use crate::graph::layout::*;
use crate::types::NodeId;

pub fn build(set: &GossipSet) -> GraphData {
    // Nodes: every channel endpoint plus every node the sources described.
    let mut ids: Vec<NodeId> = Vec::with_capacity(set.channels.len() * 2 + set.nodes.len());
    for c in &set.channels {
        ids.push(c.node_1);
        ids.push(c.node_2);
    }
    ids.extend(set.nodes.iter().map(|n| n.id));
    ids.sort_unstable();
    ids.dedup();
    let idx_of = |id: &NodeId| ids.binary_search(id).expect("node collected above") as u32;

    let mut aliases = vec![""; ids.len()];
    for n in &set.nodes {
        aliases[idx_of(&n.id) as usize] = n.alias.as_str();
    }
    let mut g = GraphData {
        node_ids: ids.iter().map(|n| n.0).collect(),
        ..Default::default()
    };
    g.node_alias_offsets.push(0);
    for a in aliases {
        g.node_alias_bytes.extend_from_slice(a.as_bytes());
        g.node_alias_offsets.push(g.node_alias_bytes.len() as u32);
    }

    let mut channels: Vec<&crate::gossip::ChannelRecord> = set.channels.iter().collect();
    channels.sort_by_key(|c| c.scid);
    channels.dedup_by_key(|c| c.scid);
    let nc = channels.len();
    g.chan_scid.reserve(nc);
    for c in &channels {
        let capacity_sat = c.capacity_sat.unwrap_or_else(|| {
            c.halves
                .iter()
                .flatten()
                .filter_map(|h| h.htlc_maximum_msat)
                .max()
                .map(|m| m.div_ceil(1000))
                .unwrap_or(0)
        });
        g.chan_scid.push(c.scid.0);
        g.chan_node_1.push(idx_of(&c.node_1));
        g.chan_node_2.push(idx_of(&c.node_2));
        g.chan_capacity_sat.push(capacity_sat);
        for h in &c.halves {
            push_half(&mut g, h.as_ref(), capacity_sat);
        }
    }

    // Adjacencies (counting sort by node).
    let n = ids.len();
    let mut out_count = vec![0u32; n + 1];
    let mut in_count = vec![0u32; n + 1];
    let mut route_count = vec![0u32; n + 1];
    for half in 0..2 * nc {
        if g.half_flags[half] & FLAG_PRESENT == 0 {
            continue;
        }
        let (from, to) = endpoints(&g, half);
        out_count[from as usize + 1] += 1;
        in_count[to as usize + 1] += 1;
        if usable(&g, half) {
            route_count[to as usize + 1] += 1;
        }
    }
    prefix_sum(&mut out_count);
    prefix_sum(&mut in_count);
    prefix_sum(&mut route_count);
    let mut out_pos = out_count.clone();
    let mut in_pos = in_count.clone();
    let mut route_pos = route_count.clone();
    g.out_halves = vec![0; out_count[n] as usize];
    g.in_halves = vec![0; in_count[n] as usize];
    g.route_in = vec![RouteEdge::default(); route_count[n] as usize];
    for half in 0..2 * nc {
        if g.half_flags[half] & FLAG_PRESENT == 0 {
            continue;
        }
        let (from, to) = endpoints(&g, half);
        g.out_halves[out_pos[from as usize] as usize] = half as u32;
        out_pos[from as usize] += 1;
        g.in_halves[in_pos[to as usize] as usize] = half as u32;
        in_pos[to as usize] += 1;
        if usable(&g, half) {
            let capacity_msat = g.chan_capacity_sat[half / 2].saturating_mul(1000);
            g.route_in[route_pos[to as usize] as usize] = RouteEdge {
                from,
                half: half as u32,
                base_fee_msat: g.half_base_fee_msat[half],
                fee_ppm: g.half_fee_ppm[half],
                htlc_minimum_msat: g.half_htlc_min_msat[half],
                htlc_maximum_msat: g.half_htlc_max_msat[half].min(capacity_msat),
                capacity_msat,
                inv_capacity: (1.0 / (capacity_msat as f64 + 1.0)) as f32,
                cltv_expiry_delta: g.half_cltv_delta[half],
            };
            route_pos[to as usize] += 1;
        }
    }
    g.out_offsets = out_count;
    g.in_offsets = in_count;
    g.route_in_offsets = route_count;
    g
}

fn push_half(g: &mut GraphData, h: Option<&HalfRecord>, capacity_sat: u64) {
    let Some(h) = h else {
        g.half_flags.push(0);
        g.half_base_fee_msat.push(0);
        g.half_fee_ppm.push(0);
        g.half_cltv_delta.push(0);
        g.half_htlc_min_msat.push(0);
        g.half_htlc_max_msat.push(0);
        g.half_last_update.push(0);
        g.half_inbound_base_msat.push(0);
        g.half_inbound_ppm.push(0);
        return;
    };
    let mut flags = FLAG_PRESENT;
    if h.disabled {
        flags |= FLAG_DISABLED;
    }
    if h.inbound_fee.is_some() {
        flags |= FLAG_INBOUND_FEE;
    }
    if h.htlc_maximum_msat.is_none() {
        flags |= FLAG_HTLC_MAX_DEFAULTED;
    }
    let (ib, ip) = h.inbound_fee.unwrap_or((0, 0));
    g.half_flags.push(flags);
    g.half_base_fee_msat.push(h.base_fee_msat);
    g.half_fee_ppm.push(h.fee_ppm);
    g.half_cltv_delta.push(h.cltv_expiry_delta);
    g.half_htlc_min_msat.push(h.htlc_minimum_msat);
    g.half_htlc_max_msat.push(
        h.htlc_maximum_msat
            .unwrap_or(capacity_sat.saturating_mul(1000)),
    );
    g.half_last_update.push(h.last_update);
    g.half_inbound_base_msat.push(ib);
    g.half_inbound_ppm.push(ip);
}

fn endpoints(g: &GraphData, half: usize) -> (u32, u32) {
    let (a, b) = (g.chan_node_1[half / 2], g.chan_node_2[half / 2]);
    if half % 2 == 0 {
        (a, b)
    } else {
        (b, a)
    }
}

fn usable(g: &GraphData, half: usize) -> bool {
    g.half_flags[half] & (FLAG_PRESENT | FLAG_DISABLED) == FLAG_PRESENT
        && g.chan_capacity_sat[half / 2] > 0
        && g.half_htlc_min_msat[half]
            <= g.half_htlc_max_msat[half].min(g.chan_capacity_sat[half / 2].saturating_mul(1000))
}

fn prefix_sum(v: &mut [u32]) {
    for i in 1..v.len() {
        v[i] += v[i - 1];
    }
}
