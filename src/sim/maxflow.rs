//! The upper bound of SPEC §7: could a max-flow from payer to target over the hidden liquidity
//! carry the amount at all? Halves count when enabled with `htlc_minimum_msat ≤ amount`, each
//! capped at `min(liquidity, max_parts × htlc_maximum_msat)`; fees, CLTV and hop limits are
//! ignored, so no router can deliver a payment this bound calls unpayable.
//!
//! Algorithm: Dinic (BFS level graph, blocking flow by DFS with current-arc pointers and
//! dead-end pruning), stopping as soon as the flow reaches the amount. The two halves of a channel
//! are each other's reverse arc: one net flow per channel (positive = direction 0) gives both
//! residuals, `cap₀ − net` and `cap₁ + net`, so no extra arcs are stored. A cheap cut test first
//! (what can leave the payer, what can enter the target) settles many payments without a search.
//! [`FlowNet::payable_all`] runs payments in parallel (rayon); each worker keeps its scratch.

use rayon::prelude::*;

use super::oracle::Oracle;
use crate::graph::Graph;
use crate::types::{ChanIdx, HalfIdx};

/// The flow network of one graph and oracle: adjacency by node of outgoing halves, and per half
/// the fields the capacity needs.
pub struct FlowNet {
    offsets: Vec<u32>,
    /// Halves leaving each node (`offsets` delimit), including halves of capacity 0 at some
    /// amounts: the reverse arc of a flow must stay reachable.
    adj: Vec<u32>,
    /// Node a half enters.
    head: Vec<u32>,
    /// Liquidity if the half is enabled, else 0.
    liq_msat: Vec<u64>,
    htlc_min_msat: Vec<u64>,
    htlc_max_msat: Vec<u64>,
}

/// Per-thread scratch space of the search (O(1) reset between payments).
#[derive(Default)]
pub struct FlowScratch {
    gen: u32,
    seen: Vec<u32>,
    level: Vec<u32>,
    cur: Vec<u32>,
    queue: Vec<u32>,
    net: Vec<i64>,
    touched: Vec<u32>,
}

/// One payment as the bound sees it.
#[derive(Clone, Copy, Debug)]
pub struct FlowQuery {
    pub source: u32,
    pub target: u32,
    pub amount_msat: u64,
    pub max_parts: u32,
}

const DEAD: u32 = u32::MAX;

impl FlowNet {
    pub fn new(g: &Graph, oracle: &Oracle) -> FlowNet {
        let n = g.node_count();
        let halves = g.half_count();
        let mut deg = vec![0u32; n + 1];
        let mut head = vec![0u32; halves];
        let mut liq_msat = vec![0u64; halves];
        let mut htlc_min_msat = vec![0u64; halves];
        let mut htlc_max_msat = vec![0u64; halves];
        let mut keep = vec![false; g.channel_count()];
        for c in 0..g.channel_count() as u32 {
            for d in 0..2u8 {
                let h = HalfIdx::new(ChanIdx(c), d);
                let (_, to) = g.half_ends(h);
                head[h.0 as usize] = to.0;
                if g.half_enabled(h) {
                    let p = g.data();
                    let i = h.0 as usize;
                    liq_msat[i] = oracle.liquidity_msat(h);
                    htlc_min_msat[i] = p.half_htlc_min_msat[i].to_native();
                    htlc_max_msat[i] = p.half_htlc_max_msat[i].to_native();
                    keep[c as usize] |= liq_msat[i] > 0;
                }
            }
            if keep[c as usize] {
                let (a, b) = g.chan_nodes(ChanIdx(c));
                deg[a.0 as usize + 1] += 1;
                deg[b.0 as usize + 1] += 1;
            }
        }
        for v in 0..n {
            deg[v + 1] += deg[v];
        }
        let offsets = deg;
        let mut fill = offsets.clone();
        let mut adj = vec![0u32; offsets[n] as usize];
        for c in 0..g.channel_count() as u32 {
            if keep[c as usize] {
                let (a, b) = g.chan_nodes(ChanIdx(c));
                for (v, h) in [(a.0, 2 * c), (b.0, 2 * c + 1)] {
                    adj[fill[v as usize] as usize] = h;
                    fill[v as usize] += 1;
                }
            }
        }
        FlowNet {
            offsets,
            adj,
            head,
            liq_msat,
            htlc_min_msat,
            htlc_max_msat,
        }
    }

    pub fn node_count(&self) -> usize {
        self.offsets.len() - 1
    }

    #[inline(always)]
    fn cap(&self, h: u32, q: &FlowQuery) -> i64 {
        let i = h as usize;
        if q.amount_msat < self.htlc_min_msat[i] {
            return 0;
        }
        let by_max = self.htlc_max_msat[i].saturating_mul(q.max_parts.max(1) as u64);
        self.liq_msat[i].min(by_max).min(i64::MAX as u64) as i64
    }

    #[inline(always)]
    fn residual(&self, h: u32, q: &FlowQuery, net: &[i64]) -> i64 {
        let f = net[(h / 2) as usize];
        if h & 1 == 0 {
            self.cap(h, q) - f
        } else {
            self.cap(h, q) + f
        }
    }

    fn out(&self, v: u32) -> &[u32] {
        &self.adj[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }

    /// Whether a flow of `q.amount_msat` from source to target exists.
    pub fn payable(&self, q: &FlowQuery, s: &mut FlowScratch) -> bool {
        let n = self.node_count();
        if q.source as usize >= n || q.target as usize >= n || q.source == q.target {
            return false;
        }
        let need = q.amount_msat.min(i64::MAX as u64) as i64;
        if need == 0 {
            return true;
        }
        // Cut test: all that can leave the payer, all that can enter the target.
        let leave: i64 = self
            .out(q.source)
            .iter()
            .map(|&h| self.cap(h, q))
            .fold(0i64, |a, x| a.saturating_add(x));
        let enter: i64 = self
            .out(q.target)
            .iter()
            .map(|&h| self.cap(h ^ 1, q))
            .fold(0i64, |a, x| a.saturating_add(x));
        if leave < need || enter < need {
            return false;
        }
        if s.seen.len() != n {
            s.seen = vec![0; n];
            s.level = vec![0; n];
            s.cur = vec![0; n];
            s.gen = 0;
        }
        if s.net.len() != self.head.len() / 2 {
            s.net = vec![0; self.head.len() / 2];
            s.touched.clear();
        }
        let mut flow = 0i64;
        let ok = loop {
            if !self.levels(q, s) {
                break false;
            }
            loop {
                let pushed = self.augment(q.source, need - flow, q, s);
                if pushed == 0 {
                    break;
                }
                flow += pushed;
                if flow >= need {
                    break;
                }
            }
            if flow >= need {
                break true;
            }
        };
        for &c in &s.touched {
            s.net[c as usize] = 0;
        }
        s.touched.clear();
        ok
    }

    /// BFS levels from the source up to the target's level; false if the target is unreachable.
    fn levels(&self, q: &FlowQuery, s: &mut FlowScratch) -> bool {
        s.gen = s.gen.wrapping_add(1);
        if s.gen == 0 {
            s.seen.iter_mut().for_each(|x| *x = 0);
            s.gen = 1;
        }
        let gen = s.gen;
        s.queue.clear();
        s.queue.push(q.source);
        s.seen[q.source as usize] = gen;
        s.level[q.source as usize] = 0;
        s.cur[q.source as usize] = self.offsets[q.source as usize];
        let mut target_level = u32::MAX;
        let mut i = 0;
        while i < s.queue.len() {
            let u = s.queue[i];
            i += 1;
            let lu = s.level[u as usize];
            if lu + 1 > target_level {
                break;
            }
            for &h in self.out(u) {
                let v = self.head[h as usize];
                if s.seen[v as usize] == gen || self.residual(h, q, &s.net) <= 0 {
                    continue;
                }
                s.seen[v as usize] = gen;
                s.level[v as usize] = lu + 1;
                s.cur[v as usize] = self.offsets[v as usize];
                if v == q.target {
                    target_level = lu + 1;
                } else {
                    s.queue.push(v);
                }
            }
        }
        target_level != u32::MAX
    }

    /// One augmenting path in the level graph, pushing at most `limit`; 0 when blocked.
    fn augment(&self, u: u32, limit: i64, q: &FlowQuery, s: &mut FlowScratch) -> i64 {
        if u == q.target {
            return limit;
        }
        let end = self.offsets[u as usize + 1];
        while s.cur[u as usize] < end {
            let h = self.adj[s.cur[u as usize] as usize];
            let v = self.head[h as usize];
            let lu = s.level[u as usize];
            if s.seen[v as usize] == s.gen && s.level[v as usize] == lu + 1 {
                let r = self.residual(h, q, &s.net);
                if r > 0 {
                    let d = self.augment(v, limit.min(r), q, s);
                    if d > 0 {
                        let c = (h / 2) as usize;
                        if s.net[c] == 0 {
                            s.touched.push(c as u32);
                        }
                        if h & 1 == 0 {
                            s.net[c] += d;
                        } else {
                            s.net[c] -= d;
                        }
                        return d;
                    }
                }
            }
            s.cur[u as usize] += 1;
        }
        s.level[u as usize] = DEAD;
        0
    }

    /// [`payable`](Self::payable) for each query, in parallel on the current rayon pool.
    pub fn payable_all(&self, qs: &[FlowQuery]) -> Vec<bool> {
        qs.par_iter()
            .map_init(FlowScratch::default, |s, q| self.payable(q, s))
            .collect()
    }
}
