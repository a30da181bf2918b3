//! The path search: Dijkstra run backward from the target, carrying the exact amount each node
//! must receive, so every fee is computed on the amount really forwarded (BOLT #7 formula).
//!
//! Invariants of a found path (the answer builder relies on them):
//! - it starts at the source and ends at the target, and visits no node twice (nodes on a
//!   label's path to the target were settled before it, and settled nodes are never relabeled);
//! - every hop is an enabled half (or an overlay half) not excluded, with
//!   `htlc_min ≤ amount ≤ htlc_max` and `used + amount ≤ capacity`;
//! - fees, CLTV and hops are within the budgets given.
//!
//! Budgets are enforced during the search (a label over budget is dropped), which can miss a
//! feasible route when the cheapest label at some node is over budget while a dearer one is not;
//! the caller retries with a higher CLTV/hop price (Lagrangian relaxation) before giving up.

use super::cost::{fee_msat, neg_ln, neg_ln_1m, success_probability, CostParams, LiquidityBounds};
use super::liquidity::LiquidityKnowledge;
use super::overlay::{EdgeKind, Resolved};
use super::search::{Label, SearchState, PRUNED_CLTV, PRUNED_FEE, PRUNED_HOPS};
use crate::graph::Graph;

/// Limits and prices of one search.
#[derive(Clone, Copy, Debug)]
pub struct SearchParams<'a> {
    pub amount_msat: u64,
    pub fee_budget_msat: u64,
    /// `max_total_cltv_expiry_delta − final_cltv_expiry_delta`.
    pub cltv_budget: u32,
    pub max_hops: u32,
    pub cost: &'a CostParams,
    /// Extra price per block per hop (msat), raised on retries when the CLTV budget binds.
    pub cltv_extra_msat: f64,
    /// Extra price per hop (msat), raised on retries when the hop limit binds.
    pub hop_extra_msat: f64,
    /// Added to the risk price per unit of `−ln P` ([`CostParams::risk_unit_msat`] of the hop's
    /// amount). A part of a split is searched with the part's amount, but if it fails the whole
    /// payment fails: the splitter adds the difference between the payment's risk price and the
    /// part's, so a part weighs its risk the way the plan's objective does. 0 for a single path.
    pub risk_extra_msat: f64,
}

/// Native copy of the fields of one half the search needs.
#[derive(Clone, Copy, Debug)]
pub struct EdgeView {
    pub from: u32,
    pub half: u32,
    pub base_fee_msat: u32,
    pub fee_ppm: u32,
    pub htlc_minimum_msat: u64,
    pub htlc_maximum_msat: u64,
    pub capacity_msat: u64,
    /// `1 / (capacity_msat + 1)`.
    pub inv_capacity: f64,
    pub cltv_expiry_delta: u16,
    /// Liquidity is exactly `capacity_msat` (first hops).
    pub certain: bool,
    pub first_hop: bool,
}

/// One hop of a found path, source first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathHop {
    pub from: u32,
    pub to: u32,
    /// Query-global half id (graph halves, then overlay halves).
    pub half: u32,
}

/// What the search found.
#[derive(Clone, Debug)]
pub struct FoundPath {
    pub hops: Vec<PathHop>,
    pub cost: f64,
}

/// Liquidity bounds of a half: learned knowledge if any, else `[0, capacity]`.
#[inline]
pub fn bounds_of(
    know: Option<&LiquidityKnowledge>,
    e: &EdgeView,
    graph_halves: u32,
) -> LiquidityBounds {
    if e.certain {
        return LiquidityBounds::certain(e.capacity_msat);
    }
    match know {
        Some(k) if e.half < graph_halves && k.has(e.half) => k.bounds(e.half, e.capacity_msat),
        _ => LiquidityBounds::unknown(e.capacity_msat),
    }
}

/// Finds the cheapest path for `sp.amount_msat` from `r.source` to `r.target`.
pub fn shortest_path(
    g: &Graph,
    r: &Resolved,
    know: Option<&LiquidityKnowledge>,
    sp: &SearchParams,
    st: &mut SearchState,
) -> Option<FoundPath> {
    st.begin_search();
    let settled_before = st.stats.settled;
    let found = search(g, r, know, sp, st);
    if found.is_none() {
        st.stats.failed += 1;
        st.stats.failed_settled += st.stats.settled - settled_before;
    }
    found
}

fn search(
    g: &Graph,
    r: &Resolved,
    know: Option<&LiquidityKnowledge>,
    sp: &SearchParams,
    st: &mut SearchState,
) -> Option<FoundPath> {
    if !st.no_plan_shortcuts && !source_can_send(g, r, know, sp, st) {
        // Without it, the search would settle everything that reaches the target before
        // finding nothing: with a split's earlier parts on the source's only channels, about
        // a quarter of the nodes the simulator's searches settled (benches/README.md).
        st.stats.source_stuck += 1;
        return None;
    }
    let d = g.data();
    let offsets = d.route_in_offsets.as_slice();
    let edges = d.route_in.as_slice();
    let n_graph = r.graph_nodes;
    let check_chans = !r.excluded_chans.is_empty();
    let cx = Relax {
        r,
        know,
        sp,
        check_nodes: !r.excluded_nodes.is_empty(),
        fee_only: sp.cost.is_fee_only() && sp.cltv_extra_msat == 0.0 && sp.hop_extra_msat == 0.0,
    };

    // The source's queue key is its cost minus what its own first hop costs at least: the search
    // stops as soon as no unsettled node could still offer the source a cheaper label.
    st.source_head_start = if cx.fee_only || st.no_head_start {
        0.0
    } else {
        first_hop_lower_bound(g, r, know, sp, st)
    };
    st.head_start_node = r.source;
    st.set_label(
        r.target,
        Label::new(0.0, sp.amount_msat, 1.0, 0, 0, u32::MAX, u32::MAX),
    );
    while let Some(v) = st.pop_min() {
        st.settle(v);
        if v == r.source {
            return Some(reconstruct(r, st));
        }
        let lv = *st.label(v);
        if lv.hops >= sp.max_hops {
            st.pruned |= PRUNED_HOPS;
            continue;
        }
        st.stats.relaxed += 1;
        if v < n_graph {
            let (s, t) = (
                offsets[v as usize].to_native() as usize,
                offsets[v as usize + 1].to_native() as usize,
            );
            for ae in &edges[s..t] {
                let half = ae.half.to_native();
                if check_chans && r.excluded_chans.contains(half / 2) {
                    continue;
                }
                cx.relax(
                    st,
                    &lv,
                    v,
                    &EdgeView {
                        from: ae.from.to_native(),
                        half,
                        base_fee_msat: ae.base_fee_msat.to_native(),
                        fee_ppm: ae.fee_ppm.to_native(),
                        htlc_minimum_msat: ae.htlc_minimum_msat.to_native(),
                        htlc_maximum_msat: ae.htlc_maximum_msat.to_native(),
                        capacity_msat: ae.capacity_msat.to_native(),
                        inv_capacity: ae.inv_capacity.to_native() as f64,
                        cltv_expiry_delta: ae.cltv_expiry_delta.to_native(),
                        certain: false,
                        first_hop: false,
                    },
                );
            }
        }
        if st.has_overlay(v) {
            for (i, ve) in r.edges.iter().enumerate() {
                if ve.to == v {
                    cx.relax(st, &lv, v, &virtual_view(r, i));
                }
            }
        }
    }
    None
}

/// A lower bound on what the source's own hop (the first hop of any path found) adds to a
/// path's cost: the least risk + hop price over the halves leaving the source, at the query
/// amount. Every term of a hop's cost grows with the amount it carries and the first hop carries
/// at least the query amount (its fee and CLTV are 0), so no path can pay less for it. Halves
/// that cannot carry the amount at all are left out; leaving out fewer only loosens the bound.
/// `0` when nothing leaves the source (the search then finds nothing anyway).
fn first_hop_lower_bound(
    g: &Graph,
    r: &Resolved,
    know: Option<&LiquidityKnowledge>,
    sp: &SearchParams,
    st: &SearchState,
) -> f64 {
    let a = sp.amount_msat;
    let mut best = f64::INFINITY;
    let mut offer = |e: &EdgeView| {
        if a > e.htlc_maximum_msat {
            return;
        }
        let p = success_probability(bounds_of(know, e, r.graph_halves), st.used(e.half), a);
        if p <= 0.0 || p < sp.cost.min_hop_probability {
            return;
        }
        best = best.min((sp.cost.risk_unit_msat(a) + sp.risk_extra_msat) * neg_ln(p));
    };
    for e in source_edges(g, r) {
        offer(&e);
    }
    if best.is_finite() {
        // The margin covers the search's own rounding (its `−ln` approximations and the graph's
        // f32 reciprocal capacities), so the bound never exceeds what the search charges.
        best * 0.999 + sp.cost.hop_penalty_msat + sp.hop_extra_msat
    } else {
        0.0
    }
}

/// Whether some half leaving the source passes every test the search applies to a path's
/// first hop, at the least amount that hop can carry: the search's amount (fees only add to
/// it, and the fee budget caps what they add). A path's first hop carries between
/// `sp.amount_msat` and `sp.amount_msat + sp.fee_budget_msat`, within its HTLC limits, with
/// room for it beside what earlier parts use, and success probability at least the floor (which
/// only falls as the amount grows); `false` proves that the search finds nothing. (An excluded
/// source never gets here: `resolve` rejects the query.)
fn source_can_send(
    g: &Graph,
    r: &Resolved,
    know: Option<&LiquidityKnowledge>,
    sp: &SearchParams,
    st: &SearchState,
) -> bool {
    let a = sp.amount_msat;
    let a_max = a.saturating_add(sp.fee_budget_msat);
    source_edges(g, r).any(|e| {
        if a > e.htlc_maximum_msat || e.htlc_minimum_msat > a_max {
            return false;
        }
        if r.first_hops_only && !e.first_hop {
            return false;
        }
        let used = st.used(e.half);
        if used.saturating_add(a) > e.capacity_msat {
            return false;
        }
        let p = success_probability(bounds_of(know, &e, r.graph_halves), used, a);
        // (the margin covers the search's faster reciprocal-capacity formula)
        p > 0.0 && p >= sp.cost.min_hop_probability * (1.0 - 1e-6)
    })
}

/// Every half the source may send over: its enabled public halves (unless the query's first
/// hops replace them) that are not excluded, then the overlay edges leaving it.
pub fn source_edges<'a>(g: &'a Graph, r: &'a Resolved) -> impl Iterator<Item = EdgeView> + 'a {
    let public = (r.source < r.graph_nodes && !r.first_hops_only)
        .then(|| g.out_halves(crate::types::NodeIdx(r.source)))
        .into_iter()
        .flatten()
        .filter(|h| g.half_enabled(*h) && !r.excluded_chans.contains(h.0 / 2))
        .map(|h| edge_view(g, r, h.0));
    let overlay = (0..r.edges.len())
        .filter(|&i| r.edges[i].from == r.source)
        .map(|i| virtual_view(r, i));
    public.chain(overlay)
}

/// The relaxation step, with the search's fixed context.
struct Relax<'a> {
    r: &'a Resolved,
    know: Option<&'a LiquidityKnowledge>,
    sp: &'a SearchParams<'a>,
    check_nodes: bool,
    fee_only: bool,
}

impl Relax<'_> {
    /// Offers `u → v` over half `e` to `u`, where `lv` is `v`'s settled label.
    #[inline(always)]
    fn relax(&self, st: &mut SearchState, lv: &Label, v: u32, e: &EdgeView) {
        let u = e.from;
        let a = lv.need_msat;
        if a < e.htlc_minimum_msat || a > e.htlc_maximum_msat || st.settled(u) {
            return;
        }
        if self.check_nodes && self.r.excluded_nodes.contains(u) {
            return;
        }
        let is_source = u == self.r.source;
        if is_source && self.r.first_hops_only && !e.first_hop {
            return;
        }
        let used = st.used(e.half);
        if used.saturating_add(a) > e.capacity_msat {
            return;
        }
        let (fee, delta) = if is_source {
            (0, 0)
        } else {
            (
                fee_msat(e.base_fee_msat, e.fee_ppm, a),
                e.cltv_expiry_delta as u32,
            )
        };
        let need = a.saturating_add(fee);
        if need - self.sp.amount_msat > self.sp.fee_budget_msat {
            st.pruned |= PRUNED_FEE;
            return;
        }
        let cltv = lv.cltv + delta;
        if cltv > self.sp.cltv_budget {
            st.pruned |= PRUNED_CLTV;
            return;
        }
        let base_cost = lv.cost + fee as f64;
        let known = st.cost_of(u);
        if known.is_some_and(|c| base_cost >= c) {
            return; // every other term is non-negative: this cannot improve u's label
        }
        if !is_source && base_cost >= st.prune_above {
            return; // would be popped after the source: cannot be on the path found
        }
        let (p, nlp) = if !e.certain && used == 0 && !self.know.is_some_and(|k| k.has(e.half)) {
            // Common case, no knowledge: P = 1 − a / (c + 1), with the reciprocal stored.
            let x = a as f64 * e.inv_capacity;
            (1.0 - x, neg_ln_1m(x))
        } else {
            let p = success_probability(bounds_of(self.know, e, self.r.graph_halves), used, a);
            (p, neg_ln(p))
        };
        if p <= 0.0 || p < self.sp.cost.min_hop_probability {
            return;
        }
        let mut cost = base_cost;
        if !self.fee_only {
            cost += (self.sp.cost.risk_unit_msat(a) + self.sp.risk_extra_msat) * nlp
                + self.sp.cost.cltv_msat(a, delta)
                + delta as f64 * self.sp.cltv_extra_msat
                + self.sp.cost.hop_penalty_msat
                + self.sp.hop_extra_msat;
        }
        if known.is_none_or(|c| cost < c) && (is_source || cost < st.prune_above) {
            st.set_label(
                u,
                Label::new(cost, need, lv.probability * p, cltv, lv.hops + 1, e.half, v),
            );
        }
    }
}

/// The search's view of overlay edge `i`.
pub fn virtual_view(r: &Resolved, i: usize) -> EdgeView {
    let ve = &r.edges[i];
    EdgeView {
        from: ve.from,
        half: r.graph_halves + i as u32,
        base_fee_msat: ve.base_fee_msat,
        fee_ppm: ve.fee_ppm,
        htlc_minimum_msat: ve.htlc_minimum_msat,
        htlc_maximum_msat: ve.htlc_maximum_msat,
        capacity_msat: ve.capacity_msat,
        inv_capacity: 1.0 / (ve.capacity_msat as f64 + 1.0),
        cltv_expiry_delta: ve.cltv_expiry_delta,
        certain: ve.kind == EdgeKind::FirstHop,
        first_hop: ve.kind == EdgeKind::FirstHop,
    }
}

/// The search's view of any query-global half id.
pub fn edge_view(g: &Graph, r: &Resolved, half: u32) -> EdgeView {
    if let Some(i) = half.checked_sub(r.graph_halves) {
        return virtual_view(r, i as usize);
    }
    let d = g.data();
    let h = half as usize;
    let cap = d.chan_capacity_sat[h / 2].to_native().saturating_mul(1000);
    let (a, b) = (
        d.chan_node_1[h / 2].to_native(),
        d.chan_node_2[h / 2].to_native(),
    );
    EdgeView {
        from: if h % 2 == 0 { a } else { b },
        half,
        base_fee_msat: d.half_base_fee_msat[h].to_native(),
        fee_ppm: d.half_fee_ppm[h].to_native(),
        htlc_minimum_msat: d.half_htlc_min_msat[h].to_native(),
        htlc_maximum_msat: d.half_htlc_max_msat[h].to_native().min(cap),
        capacity_msat: cap,
        inv_capacity: 1.0 / (cap as f64 + 1.0),
        cltv_expiry_delta: d.half_cltv_delta[h].to_native(),
        certain: false,
        first_hop: false,
    }
}

fn reconstruct(r: &Resolved, st: &SearchState) -> FoundPath {
    let mut hops = Vec::with_capacity(st.label(r.source).hops as usize);
    let mut u = r.source;
    while u != r.target {
        let l = st.label(u);
        hops.push(PathHop {
            from: u,
            to: l.next,
            half: l.via_half,
        });
        u = l.next;
    }
    FoundPath {
        hops,
        cost: st.label(r.source).cost,
    }
}
