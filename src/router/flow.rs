//! Joint refinement of a split: a path-based min-cost flow on the plan objective.
//!
//! The greedy splitter ([`super::mpp`]) places parts one at a time and never moves an earlier
//! part, so when the first paths it finds all end in the one wide channel into the target, later
//! parts pile onto it and the split's success probability collapses (a 624k-sat payment went out
//! as ten 62k-sat parts, six of them through one channel, at P = 0.12, where the target's other
//! channels could have shared it). This module improves a finished plan on the objective the
//! plan is judged by, `fee + risk_unit × (−ln P(all parts))`:
//!
//! - **The model.** With the paths fixed, the objective is a function of the path amounts
//!   `a_j`: every half `h` carries the load `L_h = Σ_j r_jh · a_j` (`r_jh` ≥ 1: the fees of later
//!   hops), the fees are `base_j + rate_j · a_j`, and in the uniform-liquidity model with known
//!   bounds `[lo, hi]` the half fails with `−ln P_h = −ln((hi + 1 − L_h) / (hi + 1 − lo))` above
//!   `lo` (0 below it, infinite above `hi`), convex in `L_h`. Π_h P_h(L_h) is exactly the product
//!   of the parts' conditional probabilities that [`super::mpp::build_part`] computes, in any order.
//! - **Rebalancing** ([`FlowModel::rebalance`]): amount moves from the path whose marginal cost
//!   is highest to the one whose is lowest until they meet (a convex problem: the largest move
//!   that still lowers the objective is found by bisection on the directional derivative; every
//!   move is checked on the objective itself, since base fees and htlc minimums are not convex).
//! - **Column generation** ([`refine`]): with the current loads as the search's `used` amounts,
//!   a search for a fraction of the most expensive path's amount finds the path whose marginal
//!   cost is lowest now; it joins the model and the amounts are rebalanced; this repeats while
//!   the objective falls (a bounded number of searches). This is successive shortest paths with
//!   flow moved off earlier paths, which the greedy splitter cannot do.
//! - **Limits.** A path carries one part up to its htlc maximum; a path given more is sent as
//!   several equal parts; while the parts exceed `max_parts` the smallest path is dropped and its
//!   amount moved to the others. The result is rebuilt hop by hop with exact fees and
//!   probabilities and kept only if it fits every limit (fee budget included) and scores better
//!   than the plan it started from.

use super::dijkstra::{bounds_of, edge_view, FoundPath, PathHop};
use super::mpp::{build_part, find_path, objective, PlanCtx, PlannedPart};
use super::search::SearchState;

/// One half crossed by the model's paths.
struct HalfLoad {
    half: u32,
    lo: f64,
    hi: f64,
}

/// One path of the model: its halves (indices into [`FlowModel::halves`]) with the ratio of the
/// hop's amount to the path's amount, its fees, and the range one part on it may take.
struct PathLoad {
    hops: Vec<(usize, f64)>,
    fee_rate: f64,
    base_fee_msat: f64,
    /// Least amount of one part (htlc minimums).
    min: u64,
    /// Most one part can carry (htlc maximums, capacities).
    part_max: u64,
    /// Most the path may carry in all (`0` once dropped).
    max: u64,
}

/// The paths of a plan and the halves they cross.
struct FlowModel {
    halves: Vec<HalfLoad>,
    paths: Vec<PathLoad>,
    found: Vec<FoundPath>,
    /// `risk_unit` of the payment: the price of `−ln P = 1`.
    unit: f64,
    max_parts: u64,
}

impl FlowModel {
    fn new(ctx: &PlanCtx) -> FlowModel {
        FlowModel {
            halves: Vec::new(),
            paths: Vec::new(),
            found: Vec::new(),
            unit: ctx.cost.risk_unit_msat(ctx.amount_msat).max(1.0),
            max_parts: ctx.max_parts.max(1) as u64,
        }
    }

    /// Adds `path` (ratios taken at `amount`), unless the model has it already; returns its index
    /// and whether it is new. `None` if the path cannot carry anything (limits contradict).
    fn add_path(&mut self, ctx: &PlanCtx, path: &FoundPath, amount: u64) -> Option<(usize, bool)> {
        if let Some(j) = self.found.iter().position(|f| f.hops == path.hops) {
            return Some((j, false));
        }
        let amount = amount.max(1);
        let mut hops = Vec::with_capacity(path.hops.len());
        let (mut min, mut part_max) = (1u64, u64::MAX);
        let (mut rate, mut base) = (0.0, 0.0);
        let mut amt = amount as f64;
        for (k, h) in path.hops.iter().enumerate().rev() {
            let e = edge_view(ctx.g, ctx.r, h.half);
            let b = bounds_of(ctx.know, &e, ctx.r.graph_halves);
            let i = match self.halves.iter().position(|x| x.half == h.half) {
                Some(i) => i,
                None => {
                    self.halves.push(HalfLoad {
                        half: h.half,
                        lo: b.min_msat as f64,
                        hi: b.max_msat.max(b.min_msat) as f64,
                    });
                    self.halves.len() - 1
                }
            };
            let ratio = amt / amount as f64;
            hops.push((i, ratio));
            min = min.max((e.htlc_minimum_msat as f64 / ratio).ceil() as u64);
            let lim = e.htlc_maximum_msat.min(e.capacity_msat) as f64;
            part_max = part_max.min((lim / ratio).floor() as u64);
            if k > 0 {
                rate += e.fee_ppm as f64 * 1e-6 * ratio;
                base += e.base_fee_msat as f64;
                amt += e.base_fee_msat as f64 + amt * e.fee_ppm as f64 * 1e-6;
            }
        }
        if min > part_max {
            return None;
        }
        hops.reverse();
        self.paths.push(PathLoad {
            hops,
            fee_rate: rate,
            base_fee_msat: base,
            min,
            part_max,
            max: part_max.saturating_mul(self.max_parts),
        });
        self.found.push(path.clone());
        Some((self.paths.len() - 1, true))
    }

    fn loads(&self, a: &[u64]) -> Vec<f64> {
        let mut l = vec![0.0; self.halves.len()];
        for (p, &x) in self.paths.iter().zip(a) {
            for &(i, r) in &p.hops {
                l[i] += r * x as f64;
            }
        }
        l
    }

    /// Parts path `j` is sent as when it carries `a`.
    fn parts_of(&self, j: usize, a: u64) -> u64 {
        if a == 0 {
            0
        } else {
            a.div_ceil(self.paths[j].part_max.max(1))
        }
    }

    /// The model's objective: fees + risk price × Σ −ln P_h (`∞` over a bound or a limit).
    fn objective(&self, a: &[u64]) -> f64 {
        let l = self.loads(a);
        let mut risk = 0.0;
        for (h, &x) in self.halves.iter().zip(&l) {
            if x > h.hi {
                return f64::INFINITY;
            }
            if x > h.lo {
                risk -= ((h.hi + 1.0 - x) / (h.hi + 1.0 - h.lo)).ln();
            }
        }
        let mut fee = 0.0;
        for (j, (p, &x)) in self.paths.iter().zip(a).enumerate() {
            if x == 0 {
                continue;
            }
            if x > p.max || x < p.min {
                return f64::INFINITY;
            }
            fee += p.base_fee_msat * self.parts_of(j, x) as f64 + p.fee_rate * x as f64;
        }
        fee + self.unit * risk
    }

    /// d(objective)/d(a_j) at loads `l`: amount added (right derivative) or removed (left).
    fn marginal(&self, j: usize, l: &[f64], adding: bool) -> f64 {
        let p = &self.paths[j];
        let mut g = 0.0;
        for &(i, r) in &p.hops {
            let h = &self.halves[i];
            let x = l[i];
            let s = if x > h.hi || (adding && x >= h.hi) {
                f64::INFINITY
            } else if x < h.lo || (x == h.lo && !adding) {
                0.0
            } else {
                1.0 / (h.hi + 1.0 - x)
            };
            g += r * s;
        }
        p.fee_rate + self.unit * g
    }

    /// Moves amount between paths until no move lowers the objective (at most `rounds` moves).
    /// A path over its `max` (a dropped one) gives its excess first, whatever it costs.
    fn rebalance(&self, a: &mut [u64], rounds: usize, step: u64) {
        let n = a.len();
        for _ in 0..rounds {
            let l = self.loads(a);
            let forced = (0..n).find(|&j| a[j] > self.paths[j].max);
            let from = match forced {
                Some(j) => j,
                None => {
                    let mut best = (usize::MAX, f64::NEG_INFINITY);
                    for (j, &x) in a.iter().enumerate() {
                        if x > 0 {
                            let g = self.marginal(j, &l, false);
                            if g > best.1 {
                                best = (j, g);
                            }
                        }
                    }
                    best.0
                }
            };
            if from == usize::MAX {
                return;
            }
            let mut to = (usize::MAX, f64::INFINITY);
            for (j, &x) in a.iter().enumerate() {
                if j != from && x < self.paths[j].max {
                    let g = self.marginal(j, &l, true);
                    if g < to.1 {
                        to = (j, g);
                    }
                }
            }
            let (to, g_to) = to;
            if to == usize::MAX {
                return;
            }
            let g_from = self.marginal(from, &l, false);
            if forced.is_none() && g_from <= g_to * 1.0001 + 1e-12 {
                return;
            }
            let room = self.paths[to].max - a[to];
            let most = a[from].min(room);
            if most == 0 {
                return;
            }
            // Largest move after which the receiver is still no dearer at the margin than the donor.
            let moved = |m: u64| {
                let mut b = a.to_vec();
                b[from] -= m;
                b[to] += m;
                b
            };
            let (mut ok, mut bad) = (0u64, most + 1);
            if forced.is_some() {
                ok = (a[from] - self.paths[from].max).min(most);
            }
            while bad - ok > step.max(1) {
                let m = ok + (bad - ok) / 2;
                let l2 = self.loads(&moved(m));
                if self.marginal(to, &l2, false) <= self.marginal(from, &l2, true) {
                    ok = m;
                } else {
                    bad = m;
                }
            }
            let mut m = ok.max(1).min(most);
            // htlc minimums: a path carries nothing or at least its minimum.
            let (pf, pt) = (&self.paths[from], &self.paths[to]);
            if a[from] - m > 0 && a[from] - m < pf.min {
                m = if a[from] <= room {
                    a[from]
                } else {
                    a[from] - pf.min
                };
            }
            if a[to] + m < pt.min {
                m = (pt.min - a[to]).min(a[from]);
                if a[to] + m < pt.min || (a[from] - m > 0 && a[from] - m < pf.min) {
                    return;
                }
            }
            if m == 0 {
                return;
            }
            let b = moved(m);
            if forced.is_none() && self.objective(&b) >= self.objective(a) {
                return;
            }
            a.copy_from_slice(&b);
        }
    }

    /// Parts the amounts `a` are sent as in all.
    fn total_parts(&self, a: &[u64]) -> u64 {
        (0..a.len()).map(|j| self.parts_of(j, a[j])).sum()
    }

    /// Drops the smallest paths until the parts fit `max_parts`; `false` if they cannot.
    fn fit_parts(&mut self, a: &mut [u64], step: u64) -> bool {
        while self.total_parts(a) > self.max_parts {
            let Some(j) = (0..a.len()).filter(|&j| a[j] > 0).min_by_key(|&j| a[j]) else {
                return false;
            };
            self.paths[j].max = 0;
            self.rebalance(a, 8 * a.len(), step);
            if a[j] > 0 {
                return false;
            }
        }
        true
    }
}

/// Searches at most this many new paths per refinement.
const COLUMNS: usize = 6;

/// Re-plans `parts` as a joint flow (module docs); returns them unchanged unless the result is
/// valid and scores better on [`objective`].
pub fn refine(
    ctx: &PlanCtx,
    parts: Vec<PlannedPart>,
    st: &mut SearchState,
    pruned: &mut u8,
    columns: bool,
) -> Vec<PlannedPart> {
    let mut m = FlowModel::new(ctx);
    let mut a: Vec<u64> = Vec::new();
    for p in &parts {
        let path = FoundPath {
            hops: p
                .hops
                .iter()
                .map(|h| PathHop {
                    from: h.from,
                    to: h.to,
                    half: h.half,
                })
                .collect(),
            cost: 0.0,
        };
        match m.add_path(ctx, &path, p.amount_msat) {
            Some((_, true)) => a.push(p.amount_msat),
            Some((j, false)) => a[j] += p.amount_msat,
            None => return parts,
        }
    }
    let step = (ctx.amount_msat / 4096).max(1);
    let rounds = 4 * ctx.max_parts.max(2) as usize;
    m.rebalance(&mut a, rounds, step);
    if columns {
        for _ in 0..COLUMNS {
            if st.search_budget == 0 {
                st.stats.budget_refused += 1;
                break;
            }
            let l = m.loads(&a);
            let Some(worst) = (0..a.len()).filter(|&j| a[j] > 0).max_by(|&x, &y| {
                m.marginal(x, &l, false)
                    .total_cmp(&m.marginal(y, &l, false))
            }) else {
                break;
            };
            st.clear_used();
            for (h, &x) in m.halves.iter().zip(&l) {
                st.add_used(h.half, x.round() as u64);
            }
            let delta = (a[worst] / 2)
                .max(ctx.amount_msat / (2 * m.max_parts))
                .max(1);
            let Some(path) = find_path(ctx, delta, ctx.fee_budget_msat, st, pruned) else {
                break;
            };
            let Some((j, true)) = m.add_path(ctx, &path, delta) else {
                break;
            };
            a.push(0);
            let before = m.objective(&a);
            let mut b = a.clone();
            m.rebalance(&mut b, rounds, step);
            if b[j] == 0 || m.objective(&b) >= before * (1.0 - 1e-6) {
                m.paths[j].max = 0;
                a.pop();
                m.paths.pop();
                m.found.pop();
                break;
            }
            a = b;
        }
    }
    st.clear_used();
    if !m.fit_parts(&mut a, step) {
        return parts;
    }
    // Rebuild hop by hop, larger amounts first, each part conditioned on the ones before it.
    let mut order: Vec<usize> = (0..a.len()).filter(|&j| a[j] > 0).collect();
    order.sort_by_key(|&j| std::cmp::Reverse(a[j]));
    let mut out = Vec::new();
    let mut fees = 0u64;
    for j in order {
        let k = m.parts_of(j, a[j]);
        let each = a[j] / k;
        for i in 0..k {
            let x = if i + 1 == k {
                a[j] - each * (k - 1)
            } else {
                each
            };
            let Some(np) = build_part(ctx, &m.found[j], x, st) else {
                st.clear_used();
                return parts;
            };
            for h in &np.hops {
                st.add_used(h.half, h.amount_msat);
            }
            fees += np.fee_msat;
            out.push(np);
        }
    }
    st.clear_used();
    if out.is_empty()
        || out.len() > ctx.max_parts as usize
        || out.iter().map(|p| p.amount_msat).sum::<u64>() != ctx.amount_msat
        || fees > ctx.fee_budget_msat
        || objective(ctx, &out) >= objective(ctx, &parts)
    {
        return parts;
    }
    out
}
