//! Random payments: (source, target, amount) draws shared by `lnroute queries`, `simulate` and
//! the benchmarks, so all of them use the same definition.
//!
//! Sources are nodes with at least one enabled outgoing half, targets nodes with at least one
//! enabled incoming half, source ≠ target; amounts are log-uniform in whole sats over
//! `[min_sat, max_sat]`.

use rand::{Rng, SeedableRng};

use crate::graph::Graph;
use crate::router::Query;
use crate::types::NodeIdx;

/// Nodes that can send (an enabled half leaves them) and receive (one enters them).
pub fn endpoints(g: &Graph) -> (Vec<u32>, Vec<u32>) {
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for v in 0..g.node_count() as u32 {
        if g.out_halves(NodeIdx(v)).any(|h| g.half_enabled(h)) {
            senders.push(v);
        }
        if !g.route_in(NodeIdx(v)).is_empty() {
            receivers.push(v);
        }
    }
    (senders, receivers)
}

/// A log-uniform amount in whole sats over `[min_sat, max_sat]`, in msat.
pub fn log_uniform_msat<R: Rng>(rng: &mut R, min_sat: u64, max_sat: u64) -> u64 {
    let (lo, hi) = (
        (min_sat.max(1)) as f64,
        (max_sat.max(min_sat.max(1))) as f64,
    );
    let x = (lo.ln() + rng.gen::<f64>() * (hi.ln() - lo.ln())).exp();
    (x.round() as u64).clamp(min_sat.max(1), max_sat.max(min_sat.max(1))) * 1000
}

/// `count` random queries, deterministic per `seed`; ids are 0..count.
pub fn random_queries(
    g: &Graph,
    count: usize,
    min_sat: u64,
    max_sat: u64,
    seed: u64,
) -> Vec<Query> {
    let (senders, receivers) = endpoints(g);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(count);
    if senders.is_empty() || receivers.len() < 2 {
        return out;
    }
    while out.len() < count {
        let s = senders[rng.gen_range(0..senders.len())];
        let t = receivers[rng.gen_range(0..receivers.len())];
        if s == t {
            continue;
        }
        let amount = log_uniform_msat(&mut rng, min_sat, max_sat);
        let mut q = Query::new(g.node_id(NodeIdx(s)), g.node_id(NodeIdx(t)), amount);
        q.id = Some(serde_json::Value::from(out.len() as u64));
        out.push(q);
    }
    out
}
