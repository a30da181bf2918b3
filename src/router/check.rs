//! A SPEC §4 answer checker for benchmarks and comparison runs (`compare_ldk` checks every
//! answer of both engines with it). It is a copy of the independent test checker
//! (`tests/spec_check.rs`, which stays the reference and is kept separate on purpose), made
//! panic-free: malformed hints or first hops are reported as violations instead.

use std::collections::{HashMap, HashSet};

use crate::graph::Graph;
use crate::router::{Answer, Query};
use crate::types::{NodeId, Scid};

#[derive(Clone)]
struct HalfLimits {
    base_fee_msat: u64,
    fee_ppm: u64,
    cltv: u32,
    htlc_min: u64,
    htlc_max: u64,
    capacity_msat: u64,
}

/// Checks every SPEC §4 invariant of an `ok` answer; `Err` names the first violation.
pub fn check_answer(g: &Graph, q: &Query, a: &Answer) -> Result<(), String> {
    if a.status != "ok" {
        return match a.status.as_str() {
            "no_route" if a.reason.is_some() => Ok(()),
            "error" if a.error.is_some() => Ok(()),
            s => Err(format!("status {s} without reason/error")),
        };
    }
    let source: NodeId = q.source.parse().map_err(|_| "bad source")?;
    let target: NodeId = q.target.parse().map_err(|_| "bad target")?;
    let final_cltv = q.final_cltv_expiry_delta.unwrap_or(144);
    let max_cltv = q.max_total_cltv_expiry_delta.unwrap_or(1008);
    let max_fee = q
        .max_fee_msat
        .unwrap_or(50_000u64.saturating_add(q.amount_msat / 100));
    let max_hops = q.max_hops.unwrap_or(20) as usize;
    let max_parts = q.max_parts.unwrap_or(10) as usize;
    let excl_nodes: HashSet<NodeId> = q
        .exclude_nodes
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let excl_chans: HashSet<Scid> = q
        .exclude_channels
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();

    // Overlay halves of the query: (scid, from) -> limits, and first-hop outbound.
    let mut overlay: HashMap<(Scid, NodeId, NodeId), HalfLimits> = HashMap::new();
    for hint in &q.route_hints {
        for (j, h) in hint.iter().enumerate() {
            let from: NodeId = h.from.parse().map_err(|_| "bad route hint node")?;
            let to: NodeId = match hint.get(j + 1) {
                Some(n) => n.from.parse().map_err(|_| "bad route hint node")?,
                None => target,
            };
            let max = h.htlc_maximum_msat.unwrap_or(u64::MAX);
            overlay.insert(
                (
                    h.channel.parse().map_err(|_| "bad route hint channel")?,
                    from,
                    to,
                ),
                HalfLimits {
                    base_fee_msat: h.base_fee_msat as u64,
                    fee_ppm: h.fee_ppm as u64,
                    cltv: h.cltv_expiry_delta as u32,
                    htlc_min: h.htlc_minimum_msat.unwrap_or(0),
                    htlc_max: max,
                    capacity_msat: max,
                },
            );
        }
    }
    let mut first_hop_out: HashMap<Scid, u64> = HashMap::new();
    for fh in &q.first_hops {
        let scid: Scid = fh.channel.parse().map_err(|_| "bad first hop channel")?;
        first_hop_out.insert(scid, fh.outbound_msat);
        overlay.insert(
            (
                scid,
                source,
                fh.to.parse().map_err(|_| "bad first hop node")?,
            ),
            HalfLimits {
                base_fee_msat: 0,
                fee_ppm: 0,
                cltv: 0,
                htlc_min: 0,
                htlc_max: fh.outbound_msat,
                capacity_msat: fh.outbound_msat,
            },
        );
    }
    let limits =
        |scid: Scid, from: NodeId, to: NodeId, first: bool| -> Result<HalfLimits, String> {
            if first && !q.first_hops.is_empty() {
                return overlay.get(&(scid, from, to)).cloned().ok_or_else(|| {
                    format!("first hop {scid} is not one of the query's first_hops")
                });
            }
            if let Some(l) = overlay.get(&(scid, from, to)) {
                return Ok(l.clone());
            }
            let fi = g
                .node_idx(&from)
                .ok_or_else(|| format!("hop from unknown node {from}"))?;
            let h = g
                .half_by_scid_from(scid, fi)
                .ok_or_else(|| format!("no half {scid} from {from}"))?;
            let p = g
                .half_policy(h)
                .ok_or_else(|| format!("half {scid} from {from} has no policy"))?;
            if p.to != to {
                return Err(format!("half {scid} from {from} does not lead to {to}"));
            }
            if p.disabled {
                return Err(format!("half {scid} from {from} is disabled"));
            }
            Ok(HalfLimits {
                base_fee_msat: p.base_fee_msat as u64,
                fee_ppm: p.fee_ppm as u64,
                cltv: p.cltv_expiry_delta as u32,
                htlc_min: p.htlc_minimum_msat,
                htlc_max: p.htlc_maximum_msat,
                capacity_msat: p.capacity_sat * 1000,
            })
        };

    if a.parts.is_empty() || a.parts.len() > max_parts {
        return Err(format!("{} parts (max {max_parts})", a.parts.len()));
    }
    let mut total_amount = 0u64;
    let mut total_fee = 0u64;
    let mut max_part_cltv = 0u32;
    let mut per_half: HashMap<(Scid, NodeId), (u64, u64)> = HashMap::new();
    let mut per_first_hop: HashMap<Scid, u64> = HashMap::new();
    for (pi, part) in a.parts.iter().enumerate() {
        let hops = &part.hops;
        if hops.is_empty() || hops.len() > max_hops {
            return Err(format!("part {pi}: {} hops (max {max_hops})", hops.len()));
        }
        let (Some(first), Some(last)) = (hops.first(), hops.last()) else {
            return Err(format!("part {pi} has no hops"));
        };
        if first.from != source || last.to != target {
            return Err(format!("part {pi} does not go from source to target"));
        }
        let mut seen = HashSet::from([source]);
        for (k, h) in hops.iter().enumerate() {
            if k > 0 && hops[k - 1].to != h.from {
                return Err(format!("part {pi} hop {k} does not chain"));
            }
            if !seen.insert(h.to) {
                return Err(format!("part {pi} repeats node {}", h.to));
            }
            if excl_nodes.contains(&h.to) || excl_chans.contains(&h.channel) {
                return Err(format!(
                    "part {pi} hop {k} uses an excluded node or channel"
                ));
            }
            let l = limits(h.channel, h.from, h.to, k == 0)?;
            if h.amount_msat < l.htlc_min
                || h.amount_msat > l.htlc_max
                || h.amount_msat > l.capacity_msat
            {
                return Err(format!(
                    "part {pi} hop {k} amount {} outside htlc [{}, {}] / capacity {}",
                    h.amount_msat, l.htlc_min, l.htlc_max, l.capacity_msat
                ));
            }
            if k == 0 {
                if h.fee_msat != 0 || h.cltv_expiry_delta != 0 {
                    return Err(format!("part {pi}: first hop has fee or cltv"));
                }
            } else {
                let prev = &hops[k - 1];
                if h.amount_msat.checked_add(h.fee_msat) != Some(prev.amount_msat) {
                    return Err(format!(
                        "part {pi} hop {k}: amount[k-1] != amount[k] + fee[k]"
                    ));
                }
                let min_fee = l
                    .base_fee_msat
                    .saturating_add((h.amount_msat as u128 * l.fee_ppm as u128 / 1_000_000) as u64);
                if h.fee_msat < min_fee {
                    return Err(format!(
                        "part {pi} hop {k}: fee {} < policy fee {min_fee}",
                        h.fee_msat
                    ));
                }
                if h.fee_msat > min_fee
                    && prev.amount_msat
                        != limits(prev.channel, prev.from, prev.to, k - 1 == 0)?.htlc_min
                {
                    return Err(format!(
                        "part {pi} hop {k}: overpays fee without an htlc minimum reason"
                    ));
                }
                if h.cltv_expiry_delta != l.cltv {
                    return Err(format!(
                        "part {pi} hop {k}: cltv {} != policy {}",
                        h.cltv_expiry_delta, l.cltv
                    ));
                }
            }
            let e = per_half
                .entry((h.channel, h.from))
                .or_insert((0, l.capacity_msat));
            e.0 = e.0.saturating_add(h.amount_msat);
            if k == 0 && first_hop_out.contains_key(&h.channel) {
                let s = per_first_hop.entry(h.channel).or_default();
                *s = s.saturating_add(h.amount_msat);
            }
        }
        if part.amount_msat != last.amount_msat {
            return Err(format!("part {pi}: amount != last hop amount"));
        }
        if Some(part.fee_msat) != first.amount_msat.checked_sub(part.amount_msat) {
            return Err(format!("part {pi}: fee != first hop amount - amount"));
        }
        let cltv = hops
            .iter()
            .fold(final_cltv, |c, h| c.saturating_add(h.cltv_expiry_delta));
        if part.cltv_expiry_delta != cltv || cltv > max_cltv {
            return Err(format!(
                "part {pi}: cltv {} (computed {cltv}, max {max_cltv})",
                part.cltv_expiry_delta
            ));
        }
        if !(0.0..=1.0).contains(&part.probability) {
            return Err(format!(
                "part {pi}: probability {} out of [0,1]",
                part.probability
            ));
        }
        total_amount = total_amount.saturating_add(part.amount_msat);
        total_fee = total_fee.saturating_add(part.fee_msat);
        max_part_cltv = max_part_cltv.max(cltv);
    }
    if total_amount != q.amount_msat || a.amount_msat != Some(q.amount_msat) {
        return Err(format!(
            "parts sum to {total_amount}, query amount {}",
            q.amount_msat
        ));
    }
    if a.fee_msat != Some(total_fee) || total_fee > max_fee {
        return Err(format!(
            "fee {:?} (parts {total_fee}, max {max_fee})",
            a.fee_msat
        ));
    }
    if a.cltv_expiry_delta != Some(max_part_cltv) {
        return Err("answer cltv != largest part's".into());
    }
    for ((scid, from), (sum, cap)) in per_half {
        if sum > cap {
            return Err(format!(
                "half {scid} from {from}: parts carry {sum} > capacity {cap}"
            ));
        }
    }
    for (scid, sum) in per_first_hop {
        let out = first_hop_out.get(&scid).copied().unwrap_or(0);
        if sum > out {
            return Err(format!(
                "first hop {scid}: parts carry {sum} > outbound {out}"
            ));
        }
    }
    match a.probability {
        Some(p) if (0.0..=1.0).contains(&p) => Ok(()),
        p => Err(format!("probability {p:?}")),
    }
}
