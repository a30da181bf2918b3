//! The route engine (SPEC §4): resolve a query against the mmap'd graph, search with
//! probability-aware costs, split into parts when that is better, and answer.
//!
//! Entry points: [`Router::route`] (one query, with a caller-owned [`SearchState`]),
//! [`batch::route_batch`] (many queries in parallel, one state per thread).

pub mod baseline;
pub mod batch;
pub mod cost;
pub mod dijkstra;
pub mod flow;
pub mod liquidity;
pub mod mpp;
pub mod overlay;
pub mod query;
pub mod search;

use std::sync::Arc;
use std::time::Instant;

pub use cost::CostParams;
pub use liquidity::{LiquidityKnowledge, SharedLiquidity};
pub use mpp::MppParams;
pub use query::{Answer, Hop, NoRoute, Part, Query};
pub use search::SearchState;

use crate::graph::Graph;
use crate::types::{HalfIdx, Scid};
use dijkstra::{shortest_path, SearchParams};
use mpp::{PlanCtx, PlannedPart};
use overlay::{resolve, ResolveError, Resolved};

/// A route engine over one graph snapshot. Cheap to clone; share between threads.
#[derive(Clone)]
pub struct Router {
    pub graph: Arc<Graph>,
    pub cost: CostParams,
    pub mpp: MppParams,
    /// Learned liquidity; each query reads it under the read lock.
    pub knowledge: Option<SharedLiquidity>,
}

/// Halves the reachability check scans at most before it gives up (and lets the search decide):
/// the regions it is for are a handful of nodes, and a region with a hub in it is not one.
const REACH_SCAN_LIMIT: usize = 256;

/// Whether the source provably cannot reach the target at all: a walk over every enabled half
/// and overlay edge (budgets, amounts and exclusions ignored, so it only over-approximates what
/// any search may use) runs out of nodes without meeting the target. Gives up (`false`) after
/// [`REACH_SCAN_LIMIT`] halves. Without it, a source whose few channels lead nowhere makes the
/// backward search settle everything that reaches the target, several times over (planner and
/// diagnosis), only to report `no_path`.
fn cut_off(g: &Graph, r: &Resolved, st: &mut SearchState) -> bool {
    walk_misses_target(
        g,
        r,
        st,
        REACH_SCAN_LIMIT,
        |_, h| g.half_enabled(h),
        |_, _| true,
    )
}

/// A walk forward from `r.source` over the graph halves `half_passes` lets through and the
/// overlay edges (by index in `r.edges`) `overlay_passes` lets through, both asked with the
/// state's per-query `used` amounts at hand: `true` when it runs out of nodes without meeting
/// `r.target`, `false` when it meets it or has scanned `limit` halves and overlay edges.
pub(crate) fn walk_misses_target(
    g: &Graph,
    r: &Resolved,
    st: &mut SearchState,
    limit: usize,
    half_passes: impl Fn(&SearchState, HalfIdx) -> bool,
    overlay_passes: impl Fn(&SearchState, usize) -> bool,
) -> bool {
    let mut scanned = 0usize;
    st.reach_begin(r.source);
    while let Some(v) = st.reach_next() {
        if v == r.target {
            return false;
        }
        if v < r.graph_nodes {
            for h in g.out_halves(crate::types::NodeIdx(v)) {
                scanned += 1;
                if scanned > limit {
                    return false;
                }
                if half_passes(st, h) {
                    st.reach_visit(g.half_ends(h).1 .0);
                }
            }
        }
        for (i, e) in r.edges.iter().enumerate() {
            scanned += 1;
            if scanned > limit {
                return false;
            }
            if e.from == v && overlay_passes(st, i) {
                st.reach_visit(e.to);
            }
        }
    }
    true
}

impl Router {
    pub fn new(graph: Arc<Graph>) -> Router {
        Router {
            graph,
            cost: CostParams::default(),
            mpp: MppParams::default(),
            knowledge: None,
        }
    }

    /// Answers one query. Never panics on bad input: bad queries get `status: error`.
    pub fn route(&self, q: &Query, st: &mut SearchState) -> Answer {
        let start = Instant::now();
        let mut a = self.route_inner(q, st);
        a.id = q.id.clone();
        a.elapsed_us = start.elapsed().as_micros() as u64;
        a
    }

    fn route_inner(&self, q: &Query, st: &mut SearchState) -> Answer {
        let g = &*self.graph;
        let r = match resolve(g, q) {
            Ok(r) => r,
            Err(ResolveError::Invalid(m)) => return Answer::error(None, m),
            Err(ResolveError::UnknownNode(_)) => {
                return Answer::no_route(None, NoRoute::UnknownNode)
            }
        };
        let final_cltv = q.final_cltv();
        let Some(cltv_budget) = q.max_total_cltv().checked_sub(final_cltv) else {
            return Answer::no_route(None, NoRoute::CltvBudget);
        };
        let know = self
            .knowledge
            .as_ref()
            .map(|k| k.read().unwrap_or_else(|p| p.into_inner()));
        st.begin_query(r.node_count(), r.half_count());
        for e in &r.edges {
            st.mark_overlay(e.to);
        }
        if cut_off(g, &r, st) {
            return Answer::no_route(None, NoRoute::NoPath);
        }
        let ctx = PlanCtx {
            g,
            r: &r,
            know: know.as_deref(),
            cost: &self.cost,
            mpp: &self.mpp,
            amount_msat: q.amount_msat,
            fee_budget_msat: q.max_fee(),
            cltv_budget,
            max_hops: q.hops_limit(),
            max_parts: q.parts_limit(),
        };
        match mpp::plan(&ctx, st) {
            Ok(parts) => self.answer(&r, q, parts),
            // The source or target cannot carry the amount at all (and the reachability walk
            // found no proof that no path exists): say so without searching further.
            Err(f) if f.over_capacity => Answer::no_route(None, NoRoute::InsufficientCapacity),
            Err(f) => Answer::no_route(None, self.diagnose(&ctx, f.pruned, st)),
        }
    }

    fn answer(&self, r: &Resolved, q: &Query, planned: Vec<PlannedPart>) -> Answer {
        let g = &*self.graph;
        let probability: f64 = planned.iter().map(|p| p.probability).product();
        let parts = planned
            .into_iter()
            .map(|p| Part {
                amount_msat: p.amount_msat,
                fee_msat: p.fee_msat,
                cltv_expiry_delta: q.final_cltv() + p.cltv_sum,
                probability: p.probability,
                hops: p
                    .hops
                    .iter()
                    .map(|h| Hop {
                        channel: self.half_scid(r, h.half),
                        from: r.node_id(g, h.from),
                        to: r.node_id(g, h.to),
                        amount_msat: h.amount_msat,
                        fee_msat: h.fee_msat,
                        cltv_expiry_delta: h.cltv_expiry_delta,
                    })
                    .collect(),
            })
            .collect();
        Answer::ok(None, q.amount_msat, parts, probability)
    }

    fn half_scid(&self, r: &Resolved, half: u32) -> Scid {
        match r.virtual_edge(half) {
            Some(e) => e.scid,
            None => self.graph.scid(HalfIdx(half).chan()),
        }
    }

    /// Names why no route was found: searches again with budgets lifted, fee-only costs and a
    /// split allowed, and reports the first limit that stands in the way.
    fn diagnose(&self, ctx: &PlanCtx, pruned: u8, st: &mut SearchState) -> NoRoute {
        let fee_only = CostParams::fee_only();
        // A small amount (not 1 msat: most halves have an htlc minimum) tells "no path at all"
        // from "not for this amount".
        let sp = SearchParams {
            amount_msat: ctx.amount_msat.min(1_000_000),
            fee_budget_msat: u64::MAX,
            cltv_budget: u32::MAX,
            max_hops: u32::MAX,
            cost: &fee_only,
            cltv_extra_msat: 0.0,
            hop_extra_msat: 0.0,
            risk_extra_msat: 0.0,
        };
        st.clear_used();
        if shortest_path(ctx.g, ctx.r, None, &sp, st).is_none() {
            return NoRoute::NoPath;
        }
        if pruned == 0 {
            // The planner's searches cut nothing for a budget: the amount is what failed.
            return NoRoute::InsufficientCapacity;
        }
        let free = PlanCtx {
            g: ctx.g,
            r: ctx.r,
            know: None,
            cost: &fee_only,
            mpp: ctx.mpp,
            amount_msat: ctx.amount_msat,
            fee_budget_msat: u64::MAX,
            cltv_budget: u32::MAX,
            max_hops: u32::MAX,
            max_parts: ctx.max_parts,
        };
        let Ok(parts) = mpp::plan(&free, st) else {
            return NoRoute::InsufficientCapacity;
        };
        let fee: u64 = parts.iter().map(|p| p.fee_msat).sum();
        if fee > ctx.fee_budget_msat {
            return NoRoute::FeeBudget;
        }
        if parts.iter().any(|p| p.hops.len() as u32 > ctx.max_hops) {
            return NoRoute::HopLimit;
        }
        NoRoute::CltvBudget
    }
}
