//! One payment attempt against the oracle (SPEC §7): the answer's parts are sent in order, each
//! hop by hop from the payer with the hop's `amount_msat`. A half forwards `a` iff it is enabled,
//! `htlc_minimum_msat ≤ a ≤ htlc_maximum_msat` and `a ≤ liquidity − held`, where `held` is what
//! parts of this attempt that reached the target hold on it. A part fails at the first half that
//! refuses (the halves before it are released at once); the attempt pays iff every part reaches
//! the target.
//!
//! Before anything is sent the answer's shape is checked: parts chain payer → target over
//! halves that exist (graph halves, or the query's own route-hint halves), hop amounts pay at
//! least each forwarding node's fee, and the parts add up to the amount. A malformed answer is
//! [`AttemptResult::Invalid`]: a real network would refuse it, and the simulator does not try to
//! guess what the router meant.
//!
//! Route-hint halves (private channels, not in the graph) have no hidden liquidity: they forward
//! anything within their hint's htlc limits.

use std::collections::HashMap;

use super::oracle::Oracle;
use crate::graph::Graph;
use crate::router::cost::fee_msat;
use crate::router::{Answer, Query};
use crate::types::{HalfIdx, NodeId, Scid};

/// One hop as sent: the graph half (`None` for a route-hint half), the amount, and what other
/// parts of the attempt already held on that half when this one arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentHop {
    pub half: Option<HalfIdx>,
    pub channel: Scid,
    pub amount_msat: u64,
    pub held_before_msat: u64,
}

/// What happened to one part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartOutcome {
    pub hops: Vec<SentHop>,
    /// Index of the hop whose half refused, `None` if the part reached the target.
    pub failed_at: Option<usize>,
}

impl PartOutcome {
    pub fn reached(&self) -> bool {
        self.failed_at.is_none()
    }
}

/// The result of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// Every part reached the target.
    Paid(Vec<PartOutcome>),
    /// At least one part failed; all parts, in order.
    Failed(Vec<PartOutcome>),
    /// The answer could not be sent at all (message says why).
    Invalid(String),
}

/// A route-hint half of the query: `(channel, from)` → htlc limits and fee policy.
struct HintHalf {
    to: NodeId,
    htlc_min_msat: u64,
    htlc_max_msat: u64,
    base_fee_msat: u32,
    fee_ppm: u32,
}

fn hint_halves(q: &Query) -> HashMap<(Scid, NodeId), HintHalf> {
    let mut out = HashMap::new();
    let target: Option<NodeId> = q.target.parse().ok();
    for hint in &q.route_hints {
        for (j, h) in hint.iter().enumerate() {
            let (Ok(scid), Ok(from)) = (h.channel.parse::<Scid>(), h.from.parse::<NodeId>()) else {
                continue;
            };
            let to = match hint.get(j + 1) {
                Some(n) => n.from.parse().ok(),
                None => target,
            };
            if let Some(to) = to {
                out.insert(
                    (scid, from),
                    HintHalf {
                        to,
                        htlc_min_msat: h.htlc_minimum_msat.unwrap_or(0),
                        htlc_max_msat: h.htlc_maximum_msat.unwrap_or(u64::MAX),
                        base_fee_msat: h.base_fee_msat,
                        fee_ppm: h.fee_ppm,
                    },
                );
            }
        }
    }
    out
}

/// A hop resolved against the graph, with the policy the simulator checks.
struct Resolved {
    half: Option<HalfIdx>,
    enabled: bool,
    htlc_min_msat: u64,
    htlc_max_msat: u64,
    base_fee_msat: u32,
    fee_ppm: u32,
}

/// Sends `answer`'s parts for query `q` against `oracle`.
pub fn send(g: &Graph, oracle: &Oracle, q: &Query, answer: &Answer) -> AttemptResult {
    let plan = match check(g, q, answer) {
        Ok(p) => p,
        Err(m) => return AttemptResult::Invalid(m),
    };
    let mut held: HashMap<u32, u64> = HashMap::new();
    let mut parts = Vec::with_capacity(plan.len());
    let mut all = true;
    for (pi, hops) in plan.iter().enumerate() {
        let mut sent = Vec::with_capacity(hops.len());
        let mut failed_at = None;
        for (k, r) in hops.iter().enumerate() {
            let hop = &answer.parts[pi].hops[k];
            let a = hop.amount_msat;
            let before = r.half.map_or(0, |h| held.get(&h.0).copied().unwrap_or(0));
            sent.push(SentHop {
                half: r.half,
                channel: hop.channel,
                amount_msat: a,
                held_before_msat: before,
            });
            let liquid = match r.half {
                Some(h) => a <= oracle.liquidity_msat(h).saturating_sub(before),
                None => true,
            };
            if !(r.enabled && r.htlc_min_msat <= a && a <= r.htlc_max_msat && liquid) {
                failed_at = Some(k);
                break;
            }
        }
        if failed_at.is_none() {
            for s in &sent {
                if let Some(h) = s.half {
                    *held.entry(h.0).or_insert(0) += s.amount_msat;
                }
            }
        } else {
            all = false;
        }
        parts.push(PartOutcome {
            hops: sent,
            failed_at,
        });
    }
    if all {
        AttemptResult::Paid(parts)
    } else {
        AttemptResult::Failed(parts)
    }
}

/// Checks the answer's shape and resolves every hop; `Err` says what is wrong.
fn check(g: &Graph, q: &Query, a: &Answer) -> Result<Vec<Vec<Resolved>>, String> {
    if !a.is_ok() || a.parts.is_empty() {
        return Err(format!("answer status {} has no parts", a.status));
    }
    let source: NodeId = q.source.parse().map_err(|_| "bad source".to_string())?;
    let target: NodeId = q.target.parse().map_err(|_| "bad target".to_string())?;
    let hints = hint_halves(q);
    let mut total = 0u64;
    let mut out = Vec::with_capacity(a.parts.len());
    for (pi, p) in a.parts.iter().enumerate() {
        let Some(last) = p.hops.last() else {
            return Err(format!("part {pi} has no hops"));
        };
        if p.hops[0].from != source || last.to != target {
            return Err(format!(
                "part {pi} does not lead from the payer to the target"
            ));
        }
        if last.amount_msat != p.amount_msat {
            return Err(format!("part {pi}: last hop amount is not the part amount"));
        }
        total = total.saturating_add(p.amount_msat);
        let mut hops = Vec::with_capacity(p.hops.len());
        for (k, h) in p.hops.iter().enumerate() {
            if k > 0 && p.hops[k - 1].to != h.from {
                return Err(format!(
                    "part {pi}: hop {k} does not start where hop {} ends",
                    k - 1
                ));
            }
            let r = resolve(g, &hints, h.channel, &h.from, &h.to).ok_or_else(|| {
                format!("part {pi}: hop {k}: no half {} from {}", h.channel, h.from)
            })?;
            if k > 0 {
                let need = h.amount_msat.saturating_add(fee_msat(
                    r.base_fee_msat,
                    r.fee_ppm,
                    h.amount_msat,
                ));
                if p.hops[k - 1].amount_msat < need {
                    return Err(format!("part {pi}: hop {k} underpays its fee"));
                }
            }
            hops.push(r);
        }
        out.push(hops);
    }
    if total != q.amount_msat {
        return Err(format!(
            "parts carry {total} msat, the query asks for {}",
            q.amount_msat
        ));
    }
    Ok(out)
}

fn resolve(
    g: &Graph,
    hints: &HashMap<(Scid, NodeId), HintHalf>,
    scid: Scid,
    from: &NodeId,
    to: &NodeId,
) -> Option<Resolved> {
    if let Some(h) = g.node_idx(from).and_then(|f| g.half_by_scid_from(scid, f)) {
        let (_, t) = g.half_ends(h);
        if g.node_id(t) != *to {
            return None;
        }
        let p = g.half_policy(h)?;
        return Some(Resolved {
            half: Some(h),
            enabled: !p.disabled,
            htlc_min_msat: p.htlc_minimum_msat,
            htlc_max_msat: p.htlc_maximum_msat,
            base_fee_msat: p.base_fee_msat,
            fee_ppm: p.fee_ppm,
        });
    }
    let h = hints.get(&(scid, *from))?;
    (h.to == *to).then_some(Resolved {
        half: None,
        enabled: true,
        htlc_min_msat: h.htlc_min_msat,
        htlc_max_msat: h.htlc_max_msat,
        base_fee_msat: h.base_fee_msat,
        fee_ppm: h.fee_ppm,
    })
}

/// `(half, amount)` pairs of a part's graph hops up to and including `upto`, each amount raised by
/// what earlier parts held on that half (the liquidity the half was shown to have, or to lack).
pub fn observed(part: &PartOutcome, upto: usize) -> Vec<(u32, u64)> {
    part.hops
        .iter()
        .take(upto + 1)
        .filter_map(|s| {
            s.half
                .map(|h| (h.0, s.amount_msat.saturating_add(s.held_before_msat)))
        })
        .collect()
}
