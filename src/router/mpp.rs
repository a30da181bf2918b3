//! Multi-path payments: splitting an amount into up to `max_parts` parts.
//!
//! Algorithm (greedy successive shortest paths on residual, probability-aware costs):
//! 1. Route the whole amount on one path. If `max_parts == 1`, or that path's success
//!    probability is at least [`MppParams::single_path_probability`], it is the answer.
//! 2. Otherwise build a split: repeatedly search a path for the remaining amount `r` (halving
//!    the searched amount down to `r / parts_left` when no single path can carry it), then give
//!    that path the largest share `y` for which the path's success probability — conditioned on
//!    the amounts earlier parts already put on the same halves — stays at or above
//!    [`MppParams::part_probability`] (never less than `r / parts_left`, so the split always
//!    completes within `max_parts`). When `y` is under half the searched amount, a path is
//!    searched again for `y` itself and replaces the first if it carries a larger share at the
//!    target, or the same share more likely (the path found for the larger amount is often the
//!    one wide channel that could carry it, and every part would otherwise pile onto it). The
//!    share is recorded on each half it crosses, so later searches see shared halves' remaining
//!    capacity and their lower probability (`P(X ≥ used + a) / P(X ≥ used)` in the uniform
//!    model) and steer around them.
//!    The split is built with cautious shares, again with the target halved, and again with
//!    no target (each path takes all it can carry, up to its bottleneck), and the best of those
//!    that complete is kept by the objective of step 3 ([`MppParams::best_of_levels`]); an
//!    amount above half of what the endpoints can carry at all is only built with no target.
//!    A level stops as soon as its parts so far score no better than the best plan in hand,
//!    and a level whose target would repeat every share decision of the one before is skipped.
//!    The first level is one branch, the later ones another: each starts from the search
//!    budget left once the first part's path (the same at every level) is found and sees only
//!    its own results, so the second can run on a helper thread
//!    ([`MppParams::parallel_levels`]) with the same answer.
//!    Each part's search prices risk at the whole payment's risk price, since a failed part
//!    fails the payment ([`MppParams::payment_risk`]).
//!    Each part's search starts at the widest residual half at the source or target (no single
//!    path carries more), and every query has a search budget, so hopeless splits stay cheap.
//!    With [`MppParams::rebalance`], each split's amount is then re-divided among its paths to
//!    minimise the objective of step 3 ([`super::flow`]).
//! 3. The single path and the split are compared on the same objective, total fee +
//!    `risk_unit(amount) × (−ln P(all parts succeed))`, and the lower one wins.
//! 4. With [`MppParams::refine`], or from [`MppParams::refine_from_msat`] (1M sat), the
//!    winner is refined as a joint flow ([`super::flow`]): amounts rebalanced among its
//!    paths, and new paths searched with the other parts' loads in place while that lowers
//!    the objective.
//!
//! Budgets: the fee budget is shared by all parts (each part's search gets what earlier parts
//! left); CLTV and hop limits apply per part.

use super::cost::{fee_msat, success_probability, CostParams};
use super::dijkstra::{
    bounds_of, edge_view, shortest_path, virtual_view, EdgeView, FoundPath, SearchParams,
};
use super::liquidity::LiquidityKnowledge;
use super::overlay::Resolved;
use super::search::SearchState;
use crate::graph::Graph;

/// Parameters of the splitter.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MppParams {
    /// A single path at least this likely to succeed is not split.
    pub single_path_probability: f64,
    /// Target success probability of each part when splitting.
    pub part_probability: f64,
    /// Re-divide a split's amount among its paths to minimise fee + risk price (see
    /// [`super::flow`]). Off by default: in the payment simulation it pays more of the hard
    /// payments (1M–10M sat: 52 → 55 of 59 payable on seed 2, 55 → 63 of 67 on seed 3) but
    /// those take extra attempts, which raises the mean attempts per paid payment
    /// (benches/README.md "Simulation").
    pub rebalance: bool,
    /// Search each part of a split with the whole payment's risk price
    /// ([`CostParams::risk_unit_msat`] of the payment's amount, not the part's): a failed part
    /// fails the payment, and the plan's objective prices it so. Off, parts weigh their risk by
    /// their own smaller amounts and take riskier paths (payment simulation, 1M–10M sat: mean
    /// attempts 1.98/2.11/1.78 → 1.93/1.94/1.69 on seeds 1–3; benches/README.md "Simulation").
    pub payment_risk: bool,
    /// Build the split at every level of caution and keep the best one by the objective; off,
    /// stop at the first level whose split completes (fewer searches).
    pub best_of_levels: bool,
    /// Amounts above half of what the endpoints can carry are split with bold shares only
    /// (each path takes what it can carry). Off (the default since the thirteenth session),
    /// cautious splits are built for them too and the best kept: in the payment simulation that
    /// pays more of the hardest payments, at more attempts each; together with the payer's
    /// healthy-network cap on retries (`sim::run::HealthyCap`) it pays more with fewer attempts
    /// per paid payment than either alone (benches/README.md "thirteenth session").
    pub bold_when_tight: bool,
    /// Refine the chosen plan as a joint flow ([`super::flow::refine`]) whatever the amount:
    /// amounts rebalanced among the paths and new paths searched with the others' loads in
    /// place. Off by default below `refine_from_msat` for the same reason as `rebalance`: in the
    /// payment simulation at 1k–1M sat it pays nearly every payable payment (seeds 1–10:
    /// bound − paid 3–8, LDK 26–41) at 2 % less fee, but the extra, hardest payments take 3–4
    /// attempts each, so the mean attempts per paid payment rise above LDK's on 9 of 10 seeds
    /// (benches/README.md "fifth session").
    pub refine: bool,
    /// Plans for this amount or more are refined as a joint flow (as `refine`). Default 1M sat:
    /// at 1M–10M sat the greedy splitter leaves a third of the payable-but-unpaid gap to the
    /// max-flow bound open on held-out seeds, which the refinement closes (benches/README.md
    /// "sixth session"); `u64::MAX` never refines.
    pub refine_from_msat: u64,
    /// Build a split's later levels of caution on a helper thread beside the first (same
    /// answers, same work, lower latency; see `two_branches`). Off by default: where queries
    /// already run in parallel (the server, batch routing) it only adds threads; the
    /// simulator, whose payments run one after the other, turns it on.
    pub parallel_levels: bool,
}

impl Default for MppParams {
    /// `part_probability` 0.97 (was 0.85): cautious shares cost few extra fees and save attempts
    /// (payment simulation, benches/README.md "Simulation").
    fn default() -> Self {
        MppParams {
            single_path_probability: 0.97,
            part_probability: 0.97,
            rebalance: false,
            payment_risk: true,
            best_of_levels: true,
            bold_when_tight: false,
            refine: false,
            refine_from_msat: 1_000_000_000,
            parallel_levels: false,
        }
    }
}

/// A hop of a planned part: query-global half and node ids, with SPEC §4 amounts.
#[derive(Clone, Copy, Debug)]
pub struct PlannedHop {
    pub from: u32,
    pub to: u32,
    pub half: u32,
    pub amount_msat: u64,
    pub fee_msat: u64,
    pub cltv_expiry_delta: u32,
}

#[derive(Clone, Debug)]
pub struct PlannedPart {
    pub amount_msat: u64,
    pub fee_msat: u64,
    /// Σ hop deltas (without the final CLTV).
    pub cltv_sum: u32,
    /// Success probability given the parts planned before it.
    pub probability: f64,
    pub hops: Vec<PlannedHop>,
}

/// Everything a plan needs besides the search state.
pub struct PlanCtx<'a> {
    pub g: &'a Graph,
    pub r: &'a Resolved,
    pub know: Option<&'a LiquidityKnowledge>,
    pub cost: &'a CostParams,
    pub mpp: &'a MppParams,
    pub amount_msat: u64,
    pub fee_budget_msat: u64,
    pub cltv_budget: u32,
    pub max_hops: u32,
    pub max_parts: u32,
}

/// Why planning failed, before diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanFailure {
    pub pruned: u8,
    /// The amount is more than the source's or the target's channels can carry at all
    /// ([`capacity_bound`]); no search was run.
    pub over_capacity: bool,
}

/// Plans the payment: single path or split, whichever scores better.
pub fn plan(ctx: &PlanCtx, st: &mut SearchState) -> Result<Vec<PlannedPart>, PlanFailure> {
    let mut pruned = 0u8;
    // Bounded work per query: a failing search explores everything reachable, so a hopeless
    // split must not run dozens of them.
    st.search_budget = 6 + 3 * ctx.max_parts.min(64);
    let bound = capacity_bound(ctx);
    if ctx.amount_msat > bound {
        return Err(PlanFailure {
            pruned,
            over_capacity: true,
        });
    }
    let budget_before = st.search_budget;
    let single_path = find_path(ctx, ctx.amount_msat, ctx.fee_budget_msat, st, &mut pruned);
    let whole_searches = budget_before - st.search_budget;
    let single = single_path
        .as_ref()
        .and_then(|p| build_part(ctx, p, ctx.amount_msat, st));
    if ctx.max_parts <= 1 {
        return single.map(|p| vec![p]).ok_or(PlanFailure {
            pruned,
            over_capacity: false,
        });
    }
    if let Some(s) = &single {
        if s.probability >= ctx.mpp.single_path_probability {
            return Ok(vec![s.clone()]);
        }
    }
    // Splits are built with cautious shares (each part at least `part_probability` likely), then
    // half as cautious, then bold ones (each path takes what it can carry), and the best of them
    // by the objective is kept: a cautious split can complete yet be poor (when no path keeps a
    // fair share at the target, every part gets just its fair share on whatever path was found),
    // and then a bolder one does better. When the amount needs most of what the endpoints can
    // carry at all, cautious shares cannot work: only bold ones are tried.
    let levels = [
        ctx.mpp.part_probability,
        ctx.mpp.part_probability * 0.5,
        0.0,
    ];
    let tight = ctx.amount_msat > bound / 2;
    let mut first = FirstPart {
        path: None,
        whole: WholeSearch {
            path: single_path,
            searches: whole_searches,
        },
    };
    let first_level = if tight && ctx.mpp.bold_when_tight {
        2
    } else {
        0
    };
    let levels = &levels[first_level..];
    // A level cannot be kept once what its parts so far cost (fees and risk only grow with more
    // parts) reaches the best objective already in hand: it is abandoned there.
    let single_obj = single
        .as_ref()
        .map_or(f64::INFINITY, |s| objective(ctx, std::slice::from_ref(s)));
    // Both shortcuts rest on a split's objective being final once built, which rebalancing
    // breaks (it can lower the objective afterwards).
    let shortcuts = !ctx.mpp.rebalance && !st.no_plan_shortcuts;
    let best = two_branches(
        ctx,
        levels,
        single_obj,
        shortcuts,
        &mut first,
        st,
        &mut pruned,
    );
    let split = best.map(|(_, parts)| parts);
    let chosen = match (single, split) {
        (None, None) => {
            return Err(PlanFailure {
                pruned,
                over_capacity: false,
            })
        }
        (Some(s), None) => vec![s],
        (None, Some(parts)) => parts,
        (Some(s), Some(parts)) => {
            if objective(ctx, std::slice::from_ref(&s)) <= objective(ctx, &parts) {
                vec![s]
            } else {
                parts
            }
        }
    };
    if ctx.mpp.refine || ctx.amount_msat >= ctx.mpp.refine_from_msat {
        return Ok(super::flow::refine(ctx, chosen, st, &mut pruned, true));
    }
    Ok(chosen)
}

/// The levels of a split, one after the other: each is kept if it scores strictly better
/// than the best before it. With `shortcuts`, a level is abandoned once its parts so far reach
/// the best objective in hand (`single_obj` or an earlier level's), and a level whose target
/// would repeat every share decision of the one before is skipped: neither changes the result.
fn build_levels(
    ctx: &PlanCtx,
    levels: &[f64],
    single_obj: f64,
    shortcuts: bool,
    first: &mut FirstPart,
    st: &mut SearchState,
    pruned: &mut u8,
) -> Option<(f64, Vec<PlannedPart>)> {
    let mut best: Option<(f64, Vec<PlannedPart>)> = None;
    // The share decisions of the last level built hold for these targets too: a level whose
    // target is among them would build the same split again, which cannot beat the one in hand.
    let mut same_as_last: Option<SameFor> = None;
    for &target in levels {
        if shortcuts && same_as_last.is_some_and(|s| s.contains(target)) {
            continue;
        }
        let cutoff = if shortcuts {
            best.as_ref().map_or(single_obj, |(b, _)| b.min(single_obj))
        } else {
            f64::INFINITY
        };
        let mut same = SameFor::ALL;
        let built = level(ctx, target, cutoff, first, st, pruned, &mut same);
        same_as_last = Some(same);
        let Some(parts) = built else {
            continue;
        };
        let obj = objective(ctx, &parts);
        if best.as_ref().is_none_or(|(b, _)| obj < *b) {
            best = Some((obj, parts));
        }
        if !ctx.mpp.best_of_levels {
            break;
        }
    }
    best
}

/// The levels of a split ([`build_levels`]); with more than one (and
/// [`MppParams::best_of_levels`]), the most cautious level on one branch, the others on another, each
/// starting from the search budget left once the first part's path is found (it is the same at
/// every level), so neither branch depends on the other: with
/// [`MppParams::parallel_levels`] the second runs on a helper thread beside the first, with the
/// same result. The branches' searches together are charged to the budget afterwards. Of the
/// two results the second is kept only if it scores strictly better (the order of levels).
fn two_branches(
    ctx: &PlanCtx,
    levels: &[f64],
    single_obj: f64,
    shortcuts: bool,
    first: &mut FirstPart,
    st: &mut SearchState,
    pruned: &mut u8,
) -> Option<(f64, Vec<PlannedPart>)> {
    let (head, rest) = levels.split_at(1.min(levels.len()));
    if rest.is_empty() || !ctx.mpp.best_of_levels {
        // one level, or the first that completes is kept: nothing to run beside it
        return build_levels(ctx, levels, single_obj, shortcuts, first, st, pruned);
    }
    let (x, floor) = first_search_amount(ctx, st);
    first_path(ctx, first, x, floor, st, pruned)?;
    let budget = st.search_budget;
    let (a, b, used_b) = if ctx.mpp.parallel_levels {
        let mut aux = st.take_aux(ctx.r);
        let mut first_b = first.clone();
        let mut pruned_b = 0u8;
        let stats_before_b = aux.stats;
        let (a, b) = std::thread::scope(|s| {
            let h = s.spawn(|| {
                build_levels(
                    ctx,
                    rest,
                    single_obj,
                    shortcuts,
                    &mut first_b,
                    &mut aux,
                    &mut pruned_b,
                )
            });
            let a = build_levels(ctx, head, single_obj, shortcuts, first, st, pruned);
            let b = match h.join() {
                Ok(b) => b,
                Err(p) => std::panic::resume_unwind(p),
            };
            (a, b)
        });
        *pruned |= pruned_b;
        st.stats.add_since(&aux.stats, &stats_before_b);
        let used_b = budget.saturating_sub(aux.search_budget);
        st.give_aux(aux);
        (a, b, used_b)
    } else {
        let a = build_levels(ctx, head, single_obj, shortcuts, first, st, pruned);
        let after_a = st.search_budget;
        st.search_budget = budget;
        let b = build_levels(ctx, rest, single_obj, shortcuts, first, st, pruned);
        let used_b = budget.saturating_sub(st.search_budget);
        st.search_budget = after_a;
        (a, b, used_b)
    };
    st.search_budget = st.search_budget.saturating_sub(used_b);
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The amount the first part of a split is searched for, and the fair share below which it is
/// not halved (as [`split`] computes them with nothing placed).
fn first_search_amount(ctx: &PlanCtx, st: &mut SearchState) -> (u64, u64) {
    st.clear_used();
    let floor = ctx.amount_msat.div_ceil(ctx.max_parts as u64);
    (
        part_search_amount(ctx, st, ctx.amount_msat, u64::MAX, floor),
        floor,
    )
}

/// The amount a split's next part is searched for, with `remaining` to place, `last_ok` the last
/// amount that found a path and `floor` the fair share. Capacity only shrinks as parts are placed,
/// so an amount that found no path will not find one later: start from the last amount that did.
/// No single path carries more than the widest residual half out of the source or into the
/// target: start there rather than with a search that fails across the whole graph.
fn part_search_amount(
    ctx: &PlanCtx,
    st: &SearchState,
    remaining: u64,
    last_ok: u64,
    floor: u64,
) -> u64 {
    remaining
        .min(last_ok)
        .max(floor)
        .min(endpoint_bound(ctx, st, 1))
        .max(1)
}

/// One level of caution: the split (each part at least `part_probability` likely, `0`: bold),
/// rebalanced with [`MppParams::rebalance`]; `st`'s used amounts are clear afterwards. `None`
/// also when the parts placed reach `cutoff` before the split completes ([`split`]).
fn level(
    ctx: &PlanCtx,
    part_probability: f64,
    cutoff: f64,
    first: &mut FirstPart,
    st: &mut SearchState,
    pruned: &mut u8,
    same: &mut SameFor,
) -> Option<Vec<PlannedPart>> {
    let parts = split(ctx, part_probability, cutoff, first, st, pruned, same);
    st.clear_used();
    let parts = parts?;
    Some(if ctx.mpp.rebalance {
        super::flow::refine(ctx, parts, st, pruned, false)
    } else {
        parts
    })
}

/// Total fee + risk price of the whole payment failing.
pub fn objective(ctx: &PlanCtx, parts: &[PlannedPart]) -> f64 {
    let fee: u64 = parts.iter().map(|p| p.fee_msat).sum();
    let p: f64 = parts.iter().map(|p| p.probability).product();
    let risk = if p > 0.0 { -p.ln() } else { 1e9 };
    fee as f64 + ctx.cost.risk_unit_msat(ctx.amount_msat).max(1.0) * risk
}

/// The first part's path of a split: searched with nothing else placed and the whole fee budget,
/// so it is the same at every level of caution (`None` inside: no path even for a fair share).
#[derive(Clone)]
struct FirstPart {
    path: Option<Option<(u64, FoundPath)>>,
    whole: WholeSearch,
}

/// The single-path search for the whole amount. The first part's search for the whole amount is
/// the same search (same amount and fee budget, nothing placed yet), so its result is taken from
/// here. A path found is charged to the search budget again, as running the search again would
/// be, so every later search sees the same budget and the plan is the same as with the repeated
/// search (one search fewer per split: about 8 % of the simulator's time at 1k–1M sat);
/// nothing found is not searched again and not charged.
#[derive(Clone)]
struct WholeSearch {
    path: Option<FoundPath>,
    /// Searches it took from the budget.
    searches: u32,
}

/// Searches a path for `x`, halving `x` down to `floor` while none is found; `whole` answers a
/// search for the whole amount. Returns the amount that found a path, and the path.
fn halving_search(
    ctx: &PlanCtx,
    mut x: u64,
    floor: u64,
    fee_budget: u64,
    whole: Option<&WholeSearch>,
    st: &mut SearchState,
    pruned: &mut u8,
) -> Option<(u64, FoundPath)> {
    loop {
        let found = match whole {
            Some(w) if x >= ctx.amount_msat => w.path.clone().inspect(|_| {
                st.search_budget = st.search_budget.saturating_sub(w.searches);
            }),
            _ => find_path(ctx, x, fee_budget, st, pruned),
        };
        if let Some(p) = found {
            return Some((x, p));
        }
        if x <= floor || x == 1 {
            return None;
        }
        x = (x / 2).max(floor.min(x / 2)).max(1);
    }
}

/// The first part's path (`first.path`), searched from `x` on the first call of a plan (with
/// nothing placed: `st`'s used amounts must be clear) and the same at every level after.
fn first_path(
    ctx: &PlanCtx,
    first: &mut FirstPart,
    x: u64,
    floor: u64,
    st: &mut SearchState,
    pruned: &mut u8,
) -> Option<(u64, FoundPath)> {
    if first.path.is_none() {
        let found = halving_search(
            ctx,
            x,
            floor,
            ctx.fee_budget_msat,
            Some(&first.whole),
            st,
            pruned,
        );
        first.path = Some(found);
    }
    first.path.clone().flatten()
}

/// Builds the split at one level of caution. Gives up (`None`) when the objective of the parts
/// placed so far is at least `cutoff` with amount still unplaced: every further part only adds
/// fee and lowers the joint probability, so the finished split could not score below it.
fn split(
    ctx: &PlanCtx,
    part_probability: f64,
    cutoff: f64,
    first: &mut FirstPart,
    st: &mut SearchState,
    pruned: &mut u8,
    same: &mut SameFor,
) -> Option<Vec<PlannedPart>> {
    st.clear_used();
    let mut parts: Vec<PlannedPart> = Vec::new();
    let mut remaining = ctx.amount_msat;
    let mut fees = 0u64;
    let mut last_ok = u64::MAX;
    // Searching again for a part's share stops at the first time it finds nothing better.
    let mut research = true;
    while remaining > 0 {
        let parts_left = ctx.max_parts as u64 - parts.len() as u64;
        if parts_left == 0 {
            return None;
        }
        let floor = remaining.div_ceil(parts_left);
        let x = part_search_amount(ctx, st, remaining, last_ok, floor);
        let (x, path) = if parts.is_empty() {
            first_path(ctx, first, x, floor, st, pruned)?
        } else {
            halving_search(ctx, x, floor, ctx.fee_budget_msat - fees, None, st, pruned)?
        };
        last_ok = x;
        // The path may carry more than was searched for: up to its bottleneck.
        let hi = remaining.min(path_bottleneck(ctx, &path, st).max(x));
        let y = if parts_left == 1 {
            x
        } else {
            best_share(ctx, &path, floor.min(hi), hi, part_probability, st, same)
        };
        // A share well below the searched amount was priced on a path chosen for the larger
        // amount (often the one wide channel that can carry it all); search again for the share:
        // the best path for what the part really carries may be another one. It is taken if it
        // carries a larger share at the part target, or the same share more likely; once it is
        // not, later parts of this split are not searched twice (bounded work).
        let (path, x, y) = if y < x / 2 && research {
            match find_path(ctx, y, ctx.fee_budget_msat - fees, st, pruned) {
                Some(p2) => {
                    let hi2 = remaining.min(path_bottleneck(ctx, &p2, st).max(y));
                    let y2 = best_share(ctx, &p2, floor.min(hi2), hi2, part_probability, st, same);
                    let better = y2 > y
                        || (y2 == y
                            && path_probability(ctx, &p2, y, st)
                                > path_probability(ctx, &path, y, st));
                    if better {
                        (p2, y, y2)
                    } else {
                        research = false;
                        (path, x, y)
                    }
                }
                None => {
                    research = false;
                    (path, x, y)
                }
            }
        } else {
            (path, x, y)
        };
        let part = fit_part(ctx, &path, x, y, st)?;
        if fees + part.fee_msat > ctx.fee_budget_msat {
            return None;
        }
        for h in &part.hops {
            st.add_used(h.half, h.amount_msat);
        }
        fees += part.fee_msat;
        remaining -= part.amount_msat;
        parts.push(part);
        if remaining > 0 && objective(ctx, &parts) >= cutoff {
            return None;
        }
    }
    Some(parts)
}

/// The part for the largest amount in `[x, y]` that the path can carry (fees raise the amounts
/// of earlier hops, so `y` up to the bottleneck may not fit); `x` is known to fit. When `y ≤ x`
/// (a cautious share), `y` if it builds (its htlc minimums may refuse it), else `x`.
fn fit_part(
    ctx: &PlanCtx,
    path: &FoundPath,
    x: u64,
    y: u64,
    st: &SearchState,
) -> Option<PlannedPart> {
    if let Some(p) = build_part(ctx, path, y, st) {
        return Some(p);
    }
    if y <= x {
        return build_part(ctx, path, x, st);
    }
    let (mut ok, mut bad) = (x, y);
    while bad - ok > (y / 1024).max(1) {
        let m = ok + (bad - ok) / 2;
        if build_part(ctx, path, m, st).is_some() {
            ok = m;
        } else {
            bad = m;
        }
    }
    build_part(ctx, path, ok, st)
}

/// The most any hop of `path` can still take (htlc maximum, capacity less earlier parts).
fn path_bottleneck(ctx: &PlanCtx, path: &FoundPath, st: &SearchState) -> u64 {
    path.hops
        .iter()
        .map(|h| {
            let e = edge_view(ctx.g, ctx.r, h.half);
            e.htlc_maximum_msat
                .min(e.capacity_msat.saturating_sub(st.used(h.half)))
        })
        .min()
        .unwrap_or(0)
}

/// The part targets for which every share decision of a split so far comes out the same:
/// `above < t ≤ up_to` (empty once a share was searched between its bounds).
#[derive(Clone, Copy, Debug)]
struct SameFor {
    above: f64,
    up_to: f64,
}

impl SameFor {
    const ALL: SameFor = SameFor {
        above: f64::NEG_INFINITY,
        up_to: f64::INFINITY,
    };
    fn contains(&self, t: f64) -> bool {
        self.above < t && t <= self.up_to
    }
}

/// Largest share in `[lo, hi]` whose success probability on `path` is at least the part target;
/// narrows `same` to the targets that give the same share.
fn best_share(
    ctx: &PlanCtx,
    path: &FoundPath,
    lo: u64,
    hi: u64,
    target: f64,
    st: &SearchState,
    same: &mut SameFor,
) -> u64 {
    let prob = |y: u64| path_probability(ctx, path, y, st);
    let p_hi = prob(hi);
    if p_hi >= target {
        same.up_to = same.up_to.min(p_hi);
        return hi;
    }
    let p_lo = prob(lo);
    if p_lo < target {
        same.above = same.above.max(p_lo).max(p_hi);
        return lo;
    }
    *same = SameFor {
        above: 1.0,
        up_to: 0.0,
    };
    let (mut a, mut b) = (lo, hi);
    while b - a > (hi / 256).max(1) {
        let m = a + (b - a) / 2;
        if prob(m) >= target {
            a = m;
        } else {
            b = m;
        }
    }
    a
}

/// Success probability of sending `amount` over `path` (fees ignored: they change amounts by
/// well under a percent), given earlier parts.
fn path_probability(ctx: &PlanCtx, path: &FoundPath, amount: u64, st: &SearchState) -> f64 {
    path.hops
        .iter()
        .map(|h| {
            let e = edge_view(ctx.g, ctx.r, h.half);
            success_probability(
                bounds_of(ctx.know, &e, ctx.r.graph_halves),
                st.used(h.half),
                amount,
            )
        })
        .product()
}

/// Halves [`boxed_in`] scans at most before it gives up.
const BOXED_IN_SCAN_LIMIT: usize = 512;

/// Whether no path can carry `amount` out of the source's neighbourhood: a walk forward from
/// the source over the halves that could carry it (enabled, not excluded, `htlc_maximum` and
/// capacity left at least `amount`, known liquidity not below it; fees, budgets, htlc minimums
/// and probability floors ignored) runs out of nodes without meeting the target. Every half a
/// search for `amount` may use, with or without budgets, passes these tests (it carries at
/// least `amount`), so `true` proves that no search for it finds anything. Gives up (`false`)
/// after [`BOXED_IN_SCAN_LIMIT`] halves. A search that fails settles everything that reaches
/// the target, often most of the graph, while a source whose neighbours cannot pass the amount
/// on is found out in a few dozen halves.
fn boxed_in(ctx: &PlanCtx, amount: u64, st: &mut SearchState) -> bool {
    let r = ctx.r;
    let carries = |st: &SearchState, e: &EdgeView| {
        let used = st.used(e.half);
        e.htlc_maximum_msat >= amount
            && used.saturating_add(amount) <= e.capacity_msat
            && success_probability(bounds_of(ctx.know, e, r.graph_halves), used, amount) > 0.0
    };
    super::walk_misses_target(
        ctx.g,
        r,
        st,
        BOXED_IN_SCAN_LIMIT,
        |st, h| {
            // with first hops only, the source's public halves are not the search's to use
            !(r.first_hops_only && ctx.g.half_ends(h).0 .0 == r.source)
                && ctx.g.half_enabled(h)
                && !r.excluded_chans.contains(h.0 / 2)
                && carries(st, &edge_view(ctx.g, r, h.0))
        },
        |st, i| carries(st, &virtual_view(r, i)),
    )
}

/// Searches a path for `amount`. When budgets cut labels off, a search with budgets lifted
/// (fee-only costs) tells whether any path can carry the amount at all: if none can, the amount
/// is the problem and no more searches are spent; if the cheapest one fits the budgets it is
/// taken; otherwise the search is retried with rising CLTV/hop prices (Lagrangian relaxation).
/// Every search counts against the query's search budget.
pub(crate) fn find_path(
    ctx: &PlanCtx,
    amount: u64,
    fee_budget: u64,
    st: &mut SearchState,
    pruned: &mut u8,
) -> Option<FoundPath> {
    let mut sp = SearchParams {
        amount_msat: amount,
        fee_budget_msat: fee_budget,
        cltv_budget: ctx.cltv_budget,
        max_hops: ctx.max_hops,
        cost: ctx.cost,
        cltv_extra_msat: 0.0,
        hop_extra_msat: 0.0,
        // 0 for the whole amount (a single path); a part's search prices risk like its payment.
        risk_extra_msat: if ctx.mpp.payment_risk {
            ctx.cost.risk_unit_msat(ctx.amount_msat)
                - ctx.cost.risk_unit_msat(amount.min(ctx.amount_msat))
        } else {
            0.0
        },
    };
    let mut search = |sp: &SearchParams, st: &mut SearchState| -> Option<FoundPath> {
        if st.search_budget == 0 {
            st.stats.budget_refused += 1;
            return None;
        }
        st.search_budget -= 1;
        let found = shortest_path(ctx.g, ctx.r, ctx.know, sp, st);
        *pruned |= st.pruned;
        found
    };
    if let Some(p) = search(&sp, st) {
        return Some(p);
    }
    if st.pruned == 0 {
        return None; // nothing was cut by a budget: no path carries this amount
    }
    if !st.no_plan_shortcuts && boxed_in(ctx, amount, st) {
        // The search with budgets lifted would find nothing either; it is charged all the same,
        // so the rest of the plan runs as it would have.
        st.search_budget = st.search_budget.saturating_sub(1);
        return None;
    }
    let fee_only = CostParams::fee_only();
    let free = SearchParams {
        fee_budget_msat: u64::MAX,
        cltv_budget: u32::MAX,
        max_hops: u32::MAX,
        cost: &fee_only,
        ..sp
    };
    let cheapest = search(&free, st)?;
    if let Some(part) = build_part(ctx, &cheapest, amount, st) {
        if part.fee_msat > fee_budget {
            // The fee-only search finds the least fee any path can charge: no price on CLTV or
            // hops can bring one within the budget.
            return None;
        }
        if cheapest.hops.len() as u32 <= ctx.max_hops {
            return Some(cheapest);
        }
    }
    let scale = 1_000.0 + amount as f64 * 1e-5;
    for k in [1.0, 10.0, 100.0] {
        sp.cltv_extra_msat = scale * k;
        sp.hop_extra_msat = scale * k * 40.0;
        if let Some(p) = search(&sp, st) {
            return Some(p);
        }
    }
    None
}

/// Computes a part's hop amounts backward from `amount` on `path`; `None` if a hop's limits
/// (htlc min/max, remaining capacity) or the CLTV budget do not allow it.
pub fn build_part(
    ctx: &PlanCtx,
    path: &FoundPath,
    amount: u64,
    st: &SearchState,
) -> Option<PlannedPart> {
    let n = path.hops.len();
    let mut hops = vec![
        PlannedHop {
            from: 0,
            to: 0,
            half: 0,
            amount_msat: 0,
            fee_msat: 0,
            cltv_expiry_delta: 0
        };
        n
    ];
    let mut amt = amount;
    let mut probability = 1.0;
    let mut cltv_sum = 0u32;
    for k in (0..n).rev() {
        let h = path.hops[k];
        let e = edge_view(ctx.g, ctx.r, h.half);
        let used = st.used(h.half);
        if amt < e.htlc_minimum_msat
            || amt > e.htlc_maximum_msat
            || used.saturating_add(amt) > e.capacity_msat
        {
            return None;
        }
        probability *= success_probability(bounds_of(ctx.know, &e, ctx.r.graph_halves), used, amt);
        let (fee, delta) = if k == 0 {
            (0, 0)
        } else {
            (
                fee_msat(e.base_fee_msat, e.fee_ppm, amt),
                e.cltv_expiry_delta as u32,
            )
        };
        hops[k] = PlannedHop {
            from: h.from,
            to: h.to,
            half: h.half,
            amount_msat: amt,
            fee_msat: fee,
            cltv_expiry_delta: delta,
        };
        cltv_sum += delta;
        amt = amt.checked_add(fee)?;
    }
    if cltv_sum > ctx.cltv_budget || probability <= 0.0 {
        return None;
    }
    Some(PlannedPart {
        amount_msat: amount,
        fee_msat: amt - amount,
        cltv_sum,
        probability,
        hops,
    })
}

/// An upper bound on what `max_parts` parts can deliver: the smaller of what can leave the
/// source and what can enter the target (per half: capacity, `max_parts × htlc_max`, and the
/// learned upper bound on its liquidity, above which the search never uses it).
pub fn capacity_bound(ctx: &PlanCtx) -> u64 {
    endpoint_bound(ctx, &SearchState::new(), ctx.max_parts.max(1) as u64)
}

/// With `parts == 1`: the most one path can carry (the widest residual half leaving the source
/// or entering the target); with more: the most that many parts can (sums over those halves).
/// Residual = capacity (or the learned upper bound on liquidity, if lower) less what earlier parts
/// of this query use.
fn endpoint_bound(ctx: &PlanCtx, st: &SearchState, parts: u64) -> u64 {
    let usable = |e: &super::dijkstra::EdgeView| -> u64 {
        let cap = e
            .capacity_msat
            .min(bounds_of(ctx.know, e, ctx.r.graph_halves).max_msat)
            .saturating_sub(st.used(e.half));
        if parts == 1 {
            e.htlc_maximum_msat.min(cap)
        } else {
            e.htlc_maximum_msat.saturating_mul(parts).min(cap)
        }
    };
    let combine = |acc: u64, x: u64| {
        if parts == 1 {
            acc.max(x)
        } else {
            acc.saturating_add(x)
        }
    };
    let r = ctx.r;
    let out = super::dijkstra::source_edges(ctx.g, r).fold(0u64, |acc, e| combine(acc, usable(&e)));
    let mut inc = 0u64;
    if r.target < r.graph_nodes {
        for ae in ctx.g.route_in(crate::types::NodeIdx(r.target)) {
            if !r.excluded_chans.contains(ae.half.to_native() / 2) {
                inc = combine(inc, usable(&edge_view(ctx.g, r, ae.half.to_native())));
            }
        }
    }
    for i in 0..r.edges.len() {
        if r.edges[i].to == r.target {
            inc = combine(inc, usable(&super::dijkstra::virtual_view(r, i)));
        }
    }
    out.min(inc)
}
