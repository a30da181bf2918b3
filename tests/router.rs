//! Route engine: differential test against an exhaustive reference, SPEC invariants, hints,
//! first hops, bad queries.

use std::sync::Arc;

use lnroute::graph::Graph;
use lnroute::router::cost::fee_msat;
use lnroute::router::query::{FirstHop, RouteHintHop};
use lnroute::router::{CostParams, LiquidityKnowledge, Query, Router, SearchState};
use lnroute::types::{HalfIdx, NodeIdx};
use rand::{Rng, SeedableRng};

use crate::common::{channel, free_channel, graph_of, node_id, policy, random_graph, random_query};
use crate::spec_check::check_answer;

/// Exhaustive reference: the minimum fee over all simple paths source → target that can carry
/// `amount` (capacity respected, enabled halves only), or None.
fn reference_min_fee(g: &Graph, s: u32, t: u32, amount: u64) -> Option<u64> {
    fn dfs(
        g: &Graph,
        v: u32,
        t: u32,
        path: &mut Vec<HalfIdx>,
        on: &mut Vec<bool>,
        amount: u64,
        best: &mut Option<u64>,
    ) {
        if v == t {
            // amounts backward along the path
            let mut amt = amount;
            for (k, h) in path.iter().enumerate().rev() {
                let p = g.half_policy(*h).unwrap();
                if amt > p.capacity_sat * 1000 || amt > p.htlc_maximum_msat {
                    return;
                }
                if k > 0 {
                    amt += fee_msat(p.base_fee_msat, p.fee_ppm, amt);
                }
            }
            let fee = amt - amount;
            if best.is_none_or(|b| fee < b) {
                *best = Some(fee);
            }
            return;
        }
        for h in g.out_halves(NodeIdx(v)).collect::<Vec<_>>() {
            if !g.half_enabled(h) {
                continue;
            }
            let to = g.half_ends(h).1 .0;
            if on[to as usize] {
                continue;
            }
            on[to as usize] = true;
            path.push(h);
            dfs(g, to, t, path, on, amount, best);
            path.pop();
            on[to as usize] = false;
        }
    }
    let mut on = vec![false; g.node_count()];
    on[s as usize] = true;
    let mut best = None;
    dfs(g, s, t, &mut Vec::new(), &mut on, amount, &mut best);
    best
}

fn fee_only_router(g: Graph) -> Router {
    let mut r = Router::new(Arc::new(g));
    r.cost = CostParams::fee_only();
    r
}

fn query(g: &Graph, s: u32, t: u32, amount: u64) -> Query {
    let mut q = Query::new(g.node_id(NodeIdx(s)), g.node_id(NodeIdx(t)), amount);
    q.max_fee_msat = Some(u64::MAX / 4);
    q.max_total_cltv_expiry_delta = Some(1_000_000);
    q.max_parts = Some(1);
    q
}

#[test]
fn differential_fee_only_single_path_matches_exhaustive_search() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut st = SearchState::new();
    let mut found = 0;
    let mut compared = 0;
    for seed in 0..1500u64 {
        let n = rng.gen_range(3..9);
        let m = rng.gen_range(n..3 * n);
        let g = random_graph(seed, n, m);
        let router = fee_only_router(g);
        let g = &*router.graph;
        let nodes = g.node_count() as u32;
        for _ in 0..4 {
            let s = rng.gen_range(0..nodes);
            let t = (s + rng.gen_range(1..nodes)) % nodes;
            let amount = rng.gen_range(1..3_000_000_000u64);
            let q = query(g, s, t, amount);
            let a = router.route(&q, &mut st);
            check_answer(g, &q, &a).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let expect = reference_min_fee(g, s, t, amount);
            compared += 1;
            match expect {
                None => assert_eq!(a.status, "no_route", "seed {seed} {s}->{t} {amount}: engine found a route the reference did not: {a:?}"),
                Some(fee) => {
                    found += 1;
                    assert_eq!(a.status, "ok", "seed {seed} {s}->{t} {amount}: reference fee {fee}, engine {a:?}");
                    assert_eq!(a.fee_msat, Some(fee), "seed {seed} {s}->{t} {amount}");
                }
            }
        }
    }
    assert!(
        found > compared / 4,
        "too few routable cases ({found}/{compared}) to mean anything"
    );
}

#[test]
fn default_engine_answers_satisfy_spec_on_random_graphs() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut st = SearchState::new();
    let mut ok = 0;
    for seed in 0..300u64 {
        let g = random_graph(1000 + seed, 30, 90);
        let router = Router::new(Arc::new(g));
        let g = &*router.graph;
        for _ in 0..5 {
            let mut q = random_query(&mut rng, g, 1_000..4_000_000_000);
            if rng.gen_bool(0.3) {
                q.max_parts = Some(rng.gen_range(1..6));
            }
            if rng.gen_bool(0.2) {
                q.max_total_cltv_expiry_delta = Some(rng.gen_range(150..400));
            }
            if rng.gen_bool(0.2) {
                q.max_hops = Some(rng.gen_range(1..4));
            }
            let a = router.route(&q, &mut st);
            check_answer(g, &q, &a).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{q:?}\n{a:?}"));
            ok += a.is_ok() as u32;
        }
    }
    assert!(ok > 300, "only {ok} routes found");
}

/// Knowledge from `observations` random results on a graph of `halves` halves: each a failure
/// at the first hop with probability `failure_share`, else a success, at 1k–2M sat.
fn random_knowledge(
    rng: &mut impl Rng,
    halves: usize,
    observations: usize,
    failure_share: f64,
) -> LiquidityKnowledge {
    let mut k = LiquidityKnowledge::new(halves);
    for _ in 0..observations {
        let h = rng.gen_range(0..halves as u32);
        if rng.gen_bool(failure_share) {
            k.record_failure(&[(h, rng.gen_range(1_000..2_000_000_000))], 0);
        } else {
            k.record_success(&[(h, rng.gen_range(1_000..2_000_000_000))], false);
        }
    }
    k
}

/// The source head start (an A* potential: the least the source's own hop can cost) and the
/// pruning it allows must not change any answer of the default, probability-aware cost model:
/// same parts, hops, fees and probabilities as the plain search, with learned liquidity, hop and
/// CLTV limits and splits, on random graphs.
#[test]
fn source_head_start_changes_no_answer() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(23);
    let (mut fast, mut plain) = (SearchState::new(), SearchState::new());
    plain.no_head_start = true;
    let (mut ok, mut compared) = (0, 0);
    let (mut settled_fast, mut settled_plain) = (0, 0);
    for seed in 0..200u64 {
        let g = random_graph(5000 + seed, 40, 140);
        let halves = 2 * g.channel_count();
        let mut router = Router::new(Arc::new(g));
        if seed % 2 == 0 {
            // learned bounds on a few halves
            router.knowledge = Some(random_knowledge(&mut rng, halves, 20, 0.5).shared());
        }
        let g = &*router.graph;
        for _ in 0..8 {
            let mut q = random_query(&mut rng, g, 1_000..3_000_000_000);
            q.max_parts = Some(if rng.gen_bool(0.5) {
                1
            } else {
                rng.gen_range(2..6)
            });
            if rng.gen_bool(0.2) {
                q.max_total_cltv_expiry_delta = Some(rng.gen_range(150..400));
            }
            if rng.gen_bool(0.2) {
                q.max_hops = Some(rng.gen_range(1..5));
            }
            let (sf, sp) = (fast.stats.settled, plain.stats.settled);
            let mut a = router.route(&q, &mut fast);
            let mut b = router.route(&q, &mut plain);
            settled_fast += fast.stats.settled - sf;
            settled_plain += plain.stats.settled - sp;
            a.elapsed_us = 0;
            b.elapsed_us = 0;
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap(),
                "seed {seed}: {q:?}"
            );
            compared += 1;
            ok += a.is_ok() as u32;
        }
    }
    assert!(ok > compared / 4, "only {ok}/{compared} routed");
    assert!(
        settled_fast < settled_plain,
        "the head start settled {settled_fast} nodes, the plain search {settled_plain}"
    );
}

/// The planner's shortcuts (a split abandoned once its parts so far score no better than the
/// best plan in hand; a level skipped whose target repeats every share decision of the one
/// before; the budget-free search skipped when a forward walk shows the source's
/// neighbourhood cannot pass the amount on) must not change any answer where the query's
/// search budget did not run out: same parts, hops, fees, probabilities and no-route reasons
/// as without them, with learned liquidity, fee, hop and CLTV limits and splits, on random
/// graphs. (An abandoned split leaves its unused searches to the later ones, so where the
/// budget binds the plans may differ; both must then still be valid answers.) And they must
/// save work.
#[test]
fn plan_shortcuts_change_no_answer() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(29);
    let (mut fast, mut plain) = (SearchState::new(), SearchState::new());
    plain.no_plan_shortcuts = true;
    let (mut ok, mut compared, mut budget_bound) = (0, 0, 0);
    for seed in 0..200u64 {
        let g = random_graph(7000 + seed, 40, 120);
        let halves = 2 * g.channel_count();
        let mut router = Router::new(Arc::new(g));
        if seed % 2 == 0 {
            router.knowledge = Some(random_knowledge(&mut rng, halves, 30, 0.6).shared());
        }
        let g = &*router.graph;
        for _ in 0..8 {
            let mut q = random_query(&mut rng, g, 1_000..4_000_000_000);
            let amount = q.amount_msat;
            q.max_parts = Some(rng.gen_range(1..8));
            if rng.gen_bool(0.3) {
                q.max_total_cltv_expiry_delta = Some(rng.gen_range(150..400));
            }
            if rng.gen_bool(0.3) {
                q.max_hops = Some(rng.gen_range(1..5));
            }
            if rng.gen_bool(0.3) {
                q.max_fee_msat = Some(amount / rng.gen_range(200..5_000));
            }
            let refused = fast.stats.budget_refused + plain.stats.budget_refused;
            let mut a = router.route(&q, &mut fast);
            let mut b = router.route(&q, &mut plain);
            a.elapsed_us = 0;
            b.elapsed_us = 0;
            if fast.stats.budget_refused + plain.stats.budget_refused > refused {
                check_answer(g, &q, &a).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{q:?}"));
                check_answer(g, &q, &b).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{q:?}"));
                budget_bound += 1;
                continue;
            }
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap(),
                "seed {seed}: {q:?}"
            );
            compared += 1;
            ok += a.is_ok() as u32;
        }
    }
    assert!(ok > compared / 4, "only {ok}/{compared} routed");
    assert!(
        budget_bound < compared / 4,
        "the budget bound on {budget_bound} queries, {compared} compared"
    );
    assert!(
        fast.stats.settled < plain.stats.settled,
        "with the shortcuts {} nodes settled, without {}",
        fast.stats.settled,
        plain.stats.settled
    );
    // the source check ran into sources that could not send, and answered those searches
    assert!(
        fast.stats.source_stuck > 0 && plain.stats.source_stuck == 0,
        "source check: {} / {}",
        fast.stats.source_stuck,
        plain.stats.source_stuck
    );
}

/// Building a split's later levels on a helper thread (`MppParams::parallel_levels`) gives the
/// same answers as building them on the query's own thread, and does the same work: the two
/// branches never see each other's results, whichever finishes first.
#[test]
fn parallel_levels_change_no_answer() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(31);
    let (mut st_one, mut st_two) = (SearchState::new(), SearchState::new());
    let (mut compared, mut split) = (0, 0);
    for seed in 0..120u64 {
        let g = Arc::new(random_graph(9000 + seed, 40, 120));
        let halves = 2 * g.channel_count();
        let mut one = Router::new(g.clone());
        if seed % 2 == 0 {
            one.knowledge = Some(random_knowledge(&mut rng, halves, 30, 0.6).shared());
        }
        let mut two = Router::new(g.clone());
        two.knowledge = one.knowledge.clone();
        two.mpp.parallel_levels = true;
        for _ in 0..8 {
            let mut q = random_query(&mut rng, &g, 1_000_000..4_000_000_000);
            let amount = q.amount_msat;
            q.max_parts = Some(rng.gen_range(2..10));
            if rng.gen_bool(0.3) {
                q.max_fee_msat = Some(amount / rng.gen_range(200..5_000));
            }
            let mut a = one.route(&q, &mut st_one);
            let mut b = two.route(&q, &mut st_two);
            a.elapsed_us = 0;
            b.elapsed_us = 0;
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap(),
                "seed {seed}: {q:?}"
            );
            compared += 1;
            split += (a.parts.len() > 1) as u32;
        }
    }
    assert!(split > compared / 10, "only {split}/{compared} split");
    assert_eq!(st_one.stats.settled, st_two.stats.settled, "the same work");
    assert_eq!(st_one.stats.searches, st_two.stats.searches);
}

/// A source whose channels lead only into a dead end gets `no_path` from the reachability walk,
/// before any search; a route hint out of the dead end makes the target reachable again.
#[test]
fn cut_off_source_is_no_path_without_searching() {
    let p = || Some(policy(1000, 100, 40));
    let mut disabled = policy(1000, 100, 40);
    disabled.disabled = true;
    let chans = vec![
        channel(0, 0, 1, 5_000_000, p(), p()),
        channel(1, 1, 2, 5_000_000, p(), p()),
        // 3 -> 4 only; 4's way on (4 -> 1) is disabled, 1 -> 4 works.
        channel(2, 3, 4, 5_000_000, p(), None),
        channel(3, 4, 1, 5_000_000, Some(disabled), p()),
    ];
    let router = Router::new(Arc::new(graph_of(chans)));
    let g = &*router.graph;
    let mut st = SearchState::new();
    let mut q = Query::new(node_id(3), node_id(2), 1_000_000);
    let before = st.stats.searches;
    let a = router.route(&q, &mut st);
    assert_eq!(a.reason.as_deref(), Some("no_path"), "{a:?}");
    assert_eq!(st.stats.searches, before, "answered without a search");
    // the other way round (2 -> 3 is impossible too: nothing enters 3) is found by the search
    let back = router.route(&Query::new(node_id(2), node_id(3), 1_000_000), &mut st);
    assert_eq!(back.reason.as_deref(), Some("no_path"), "{back:?}");
    // a private channel 4 -> 2 given as a route hint opens a way
    q.route_hints = vec![vec![private_hint(node_id(4))]];
    let a = router.route(&q, &mut st);
    check_answer(g, &q, &a).unwrap();
    assert_eq!(a.status, "ok", "{a:?}");
}

/// A private channel `800000x1x0` from `from` to the query's target (1,000 ppm, 144 blocks).
fn private_hint(from: lnroute::types::NodeId) -> RouteHintHop {
    RouteHintHop {
        from: from.to_hex(),
        channel: "800000x1x0".into(),
        base_fee_msat: 0,
        fee_ppm: 1000,
        cltv_expiry_delta: 144,
        htlc_minimum_msat: Some(1),
        htlc_maximum_msat: Some(4_000_000_000),
    }
}

/// Three parallel 1M-sat routes 0 → 1 → 3, 0 → 2 → 3, 0 → 4 → 3.
fn three_parallel_routes() -> Vec<lnroute::gossip::ChannelRecord> {
    let mut chans = Vec::new();
    for (i, mid) in [1, 2, 4].into_iter().enumerate() {
        let i = 2 * i as u32;
        chans.push(channel(
            i,
            0,
            mid,
            1_000_000,
            Some(policy(0, 100, 40)),
            Some(policy(0, 100, 40)),
        ));
        chans.push(channel(
            i + 1,
            mid,
            3,
            1_000_000,
            Some(policy(1000, 100, 40)),
            Some(policy(0, 100, 40)),
        ));
    }
    chans
}

#[test]
fn multi_path_splits_when_no_single_channel_can_carry() {
    // source 0 has three parallel routes 0->1->3, 0->2->3, 0->4->3, each 1M sat.
    let chans = three_parallel_routes();
    let router = Router::new(Arc::new(graph_of(chans)));
    let g = &*router.graph;
    let mut st = SearchState::new();
    let mut q = Query::new(node_id(0), node_id(3), 2_500_000_000);
    let a = router.route(&q, &mut st);
    check_answer(g, &q, &a).unwrap();
    assert_eq!(a.status, "ok");
    assert!(
        a.parts.len() >= 3,
        "2.5M sat over three 1M-sat routes needs 3 parts: {a:?}"
    );
    q.max_parts = Some(1);
    let a = router.route(&q, &mut st);
    assert_eq!(a.status, "no_route");
    assert_eq!(a.reason.as_deref(), Some("insufficient_capacity"));
}

#[test]
fn rebalanced_split_evens_out_the_parts() {
    // Three parallel 1M-sat routes and 2.4M sat: the amount is tight, so the greedy split
    // gives each path all it can carry (1M, 1M, 0.4M: the full ones almost surely fail);
    // rebalancing divides it about evenly, which is far likelier to succeed.
    let chans = three_parallel_routes();
    let mut router = Router::new(Arc::new(graph_of(chans)));
    router.mpp.refine_from_msat = u64::MAX; // the greedy splitter alone
    router.mpp.bold_when_tight = true; // bold shares only, as the comment above says
    let q = Query::new(node_id(0), node_id(3), 2_400_000_000);
    let mut st = SearchState::new();
    let greedy = router.route(&q, &mut st);
    router.mpp.rebalance = true;
    let even = router.route(&q, &mut st);
    let g = &*router.graph;
    check_answer(g, &q, &greedy).unwrap();
    check_answer(g, &q, &even).unwrap();
    assert_eq!(even.parts.len(), 3, "{even:?}");
    for p in &even.parts {
        assert!(
            (700_000_000..=900_000_000).contains(&p.amount_msat),
            "uneven part {}",
            p.amount_msat
        );
    }
    let (pg, pe) = (greedy.probability.unwrap(), even.probability.unwrap());
    assert!(pe > 1e-6 && pe > 1000.0 * pg, "P {pg} -> {pe}");
}

#[test]
fn split_parts_take_the_path_best_for_their_share() {
    // 8M sat from 0 to 9: a direct 6M-sat channel, and a 4-hop route of 10M-sat channels
    // (0-1-2-3-9), the only one that can carry the whole amount. Cautious shares are small, so
    // a part searched for the whole remaining amount would take the long route; searched for
    // its share, the direct channel is likelier for it.
    let mut chans = vec![free_channel(0, 0, 9, 6_000_000)];
    for (i, (a, b)) in [(0, 1), (1, 2), (2, 3), (3, 9)].into_iter().enumerate() {
        chans.push(free_channel(i as u32 + 1, a, b, 10_000_000));
    }
    let mut router = Router::new(Arc::new(graph_of(chans)));
    router.mpp.refine_from_msat = u64::MAX; // the greedy splitter alone
    let q = Query::new(node_id(0), node_id(9), 8_000_000_000);
    let mut st = SearchState::new();
    let direct_amount = |a: &lnroute::router::Answer| -> u64 {
        a.parts
            .iter()
            .filter(|p| p.hops.len() == 1)
            .map(|p| p.amount_msat)
            .sum()
    };
    // The cautious split alone (the first level that completes).
    router.mpp.best_of_levels = false;
    let cautious = router.route(&q, &mut st);
    check_answer(&router.graph, &q, &cautious).unwrap();
    assert_eq!(direct_amount(&cautious), 4_000_000_000, "{cautious:?}");
    assert_eq!(
        cautious.parts[0].hops.len(),
        1,
        "the first part, searched for its share, takes the direct channel"
    );
    // The best of every level: no worse (fees are 0 here, so: at least as likely), and it
    // still leans on the direct channel first.
    router.mpp.best_of_levels = true;
    let best = router.route(&q, &mut st);
    check_answer(&router.graph, &q, &best).unwrap();
    assert!(
        best.probability.unwrap() >= cautious.probability.unwrap(),
        "{best:?}"
    );
    assert_eq!(best.parts[0].hops.len(), 1, "{best:?}");
    assert!(direct_amount(&best) <= 6_000_000_000);
}

/// Splits built at every level of caution, the best kept, never score worse on the plan's
/// objective (fee + risk price of failure) than the first split that completes, and sometimes
/// better: random graphs, multi-part queries.
#[test]
fn best_of_levels_never_scores_worse_than_the_first_split() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(41);
    let mut st = SearchState::new();
    let (mut better, mut compared) = (0, 0);
    for seed in 0..120u64 {
        let mut router = Router::new(Arc::new(random_graph(7000 + seed, 30, 110)));
        router.mpp.refine_from_msat = u64::MAX; // the greedy splitter alone
        for _ in 0..6 {
            let g = &*router.graph;
            let mut q = random_query(&mut rng, g, 100_000_000..6_000_000_000);
            q.max_parts = Some(rng.gen_range(2..8));
            let objective = |a: &lnroute::router::Answer, cost: &CostParams| -> f64 {
                a.fee_msat.unwrap() as f64
                    + cost.risk_unit_msat(q.amount_msat) * -a.probability.unwrap().ln()
            };
            router.mpp.best_of_levels = false;
            let first = router.route(&q, &mut st);
            router.mpp.best_of_levels = true;
            let best = router.route(&q, &mut st);
            check_answer(&router.graph, &q, &best).unwrap();
            assert_eq!(first.is_ok(), best.is_ok(), "{q:?}");
            if !best.is_ok() {
                continue;
            }
            let (f, b) = (
                objective(&first, &router.cost),
                objective(&best, &router.cost),
            );
            assert!(
                b <= f * (1.0 + 1e-9) + 1e-6,
                "seed {seed}: {b} > {f}\n{q:?}"
            );
            compared += 1;
            better += (b < f * (1.0 - 1e-6)) as u32;
        }
    }
    assert!(
        compared > 100 && better > 0,
        "{better} better of {compared}"
    );
}

#[test]
fn route_hints_reach_a_private_target_and_first_hops_bound_parts() {
    // public: 0 - 1 - 2 (LSP = 2); wallet W (not public) behind 2 via a hint.
    let chans = vec![
        channel(
            0,
            0,
            1,
            5_000_000,
            Some(policy(1000, 100, 40)),
            Some(policy(1000, 100, 40)),
        ),
        channel(
            1,
            1,
            2,
            5_000_000,
            Some(policy(1000, 100, 40)),
            Some(policy(1000, 100, 40)),
        ),
        channel(
            2,
            0,
            2,
            5_000_000,
            Some(policy(1000, 500, 40)),
            Some(policy(1000, 100, 40)),
        ),
    ];
    let router = Router::new(Arc::new(graph_of(chans)));
    let g = &*router.graph;
    let mut st = SearchState::new();
    let wallet = node_id(99);
    let mut q = Query::new(node_id(0), wallet, 1_000_000);
    let a = router.route(&q, &mut st);
    assert_eq!(a.reason.as_deref(), Some("unknown_node"));
    q.route_hints = vec![vec![private_hint(node_id(2))]];
    let a = router.route(&q, &mut st);
    check_answer(g, &q, &a).unwrap();
    assert_eq!(a.status, "ok", "{a:?}");
    let last = a.parts[0].hops.last().unwrap();
    assert_eq!(
        (last.to, last.channel.to_string().as_str()),
        (wallet, "800000x1x0")
    );

    // First hops: two private channels of 0 with 600k and 700k sat spendable; 1.2M sat must split.
    q.first_hops = vec![
        FirstHop {
            channel: "900000x1x0".into(),
            to: node_id(1).to_hex(),
            outbound_msat: 600_000_000,
        },
        FirstHop {
            channel: "900000x2x0".into(),
            to: node_id(2).to_hex(),
            outbound_msat: 700_000_000,
        },
    ];
    q.amount_msat = 1_200_000_000;
    let a = router.route(&q, &mut st);
    check_answer(g, &q, &a).unwrap();
    assert_eq!(a.status, "ok", "{a:?}");
    assert!(a.parts.len() >= 2);
    for p in &a.parts {
        assert!(
            p.hops[0].channel.to_string().starts_with("900000x"),
            "only first_hops are used as first hops"
        );
    }
}

#[test]
fn bad_queries_get_reasons_not_panics() {
    let router = Router::new(Arc::new(random_graph(3, 10, 30)));
    let g = &*router.graph;
    let mut st = SearchState::new();
    let s = g.node_id(NodeIdx(0)).to_hex();
    let t = g.node_id(NodeIdx(1)).to_hex();
    let cases: Vec<(Query, &str)> = vec![
        (
            Query {
                source: "zz".into(),
                target: t.clone(),
                amount_msat: 1000,
                ..Default::default()
            },
            "error",
        ),
        (
            Query {
                source: s.clone(),
                target: t.clone(),
                amount_msat: 0,
                ..Default::default()
            },
            "error",
        ),
        (
            Query {
                source: s.clone(),
                target: s.clone(),
                amount_msat: 1000,
                ..Default::default()
            },
            "error",
        ),
        (
            Query {
                source: s.clone(),
                target: node_id(4242).to_hex(),
                amount_msat: 1000,
                ..Default::default()
            },
            "no_route",
        ),
        (
            Query {
                source: s.clone(),
                target: t.clone(),
                amount_msat: 1000,
                max_total_cltv_expiry_delta: Some(10),
                ..Default::default()
            },
            "no_route",
        ),
        (
            Query {
                source: s.clone(),
                target: t.clone(),
                amount_msat: 1000,
                max_parts: Some(0),
                ..Default::default()
            },
            "error",
        ),
        (
            Query {
                source: s.clone(),
                target: t.clone(),
                amount_msat: u64::MAX,
                ..Default::default()
            },
            "error",
        ),
        (
            Query {
                source: s.clone(),
                target: t.clone(),
                amount_msat: 1000,
                exclude_channels: vec!["nope".into()],
                ..Default::default()
            },
            "error",
        ),
    ];
    for (q, status) in cases {
        let a = router.route(&q, &mut st);
        assert_eq!(a.status, status, "{q:?} -> {a:?}");
        assert!(a.reason.is_some() || a.error.is_some());
    }
}

/// Regression (2026 graph, q259): a target whose three channels must carry 98 % of their
/// combined htlc maximum was reported `no_path` (the diagnosis probed with 1 msat, below every
/// htlc minimum) and the splitter ran out of searches.
#[test]
fn tight_multi_path_and_reason_with_htlc_minimums() {
    let mut chans = Vec::new();
    let mut i = 0;
    for mid in [1, 2, 4] {
        let mut big = policy(0, 10, 40);
        big.htlc_minimum_msat = 1000;
        chans.push(channel(
            i,
            0,
            mid,
            10_000_000,
            Some(big.clone()),
            Some(big.clone()),
        ));
        let mut last = policy(0, 100, 40);
        last.htlc_minimum_msat = 1000;
        last.htlc_maximum_msat = Some(116_000_000);
        chans.push(channel(
            i + 1,
            mid,
            3,
            117_000,
            Some(last.clone()),
            Some(last),
        ));
        i += 2;
    }
    let mut router = Router::new(Arc::new(graph_of(chans)));
    let mut st = SearchState::new();
    let mut q = Query::new(node_id(0), node_id(3), 340_000_000);
    // Bold shares only: few searches. By default cautious splits are built too, within the
    // query's search budget (6 + 3 × max_parts).
    for (bold, most) in [(true, 19), (false, 36)] {
        router.mpp.bold_when_tight = bold;
        st.stats = Default::default();
        let a = router.route(&q, &mut st);
        check_answer(&router.graph, &q, &a).unwrap();
        assert_eq!(a.status, "ok", "{a:?}");
        assert!(
            st.stats.searches <= most,
            "tight split (bold {bold}) took {} searches",
            st.stats.searches
        );
    }
    let g = &*router.graph;
    // above one part's htlc maximum on each channel, within their capacity: more parts
    q.amount_msat = 349_000_000;
    let a = router.route(&q, &mut st);
    check_answer(g, &q, &a).unwrap();
    assert!(a.is_ok() && a.parts.len() >= 4, "{a:?}");
    q.amount_msat = 352_000_000; // above the 3 × 117k sat the target's channels hold
    let a = router.route(&q, &mut st);
    assert_eq!(a.reason.as_deref(), Some("insufficient_capacity"), "{a:?}");
    q.amount_msat = 200_000_000;
    q.max_parts = Some(1);
    let a = router.route(&q, &mut st);
    assert_eq!(a.reason.as_deref(), Some("insufficient_capacity"), "{a:?}");
}

/// A part of a split is searched for its own amount, but its failure fails the whole payment:
/// `risk_extra_msat` (what the splitter adds, the payment's risk price less the part's) makes
/// the search weigh a risky hop the way the payment's objective does.
#[test]
fn risk_extra_prices_a_part_like_its_payment() {
    use lnroute::router::dijkstra::{shortest_path, SearchParams};
    // 0 → 1 → 9: free but small (2M sat); 0 → 2 → 9: 100M sat, 1,000 sat fee at node 2.
    let chans = vec![
        free_channel(1, 0, 1, 2_000_000),
        free_channel(2, 1, 9, 2_000_000),
        free_channel(3, 0, 2, 100_000_000),
        channel(
            4,
            2,
            9,
            100_000_000,
            Some(policy(1_000_000, 0, 40)),
            Some(policy(0, 0, 40)),
        ),
    ];
    let g = graph_of(chans);
    let q = Query::new(node_id(0), node_id(9), 500_000_000);
    let r = lnroute::router::overlay::resolve(&g, &q).unwrap();
    let cost = CostParams::default();
    let via = |risk_extra_msat: f64| -> u32 {
        let mut st = SearchState::new();
        st.begin_query(r.node_count(), r.half_count());
        let sp = SearchParams {
            amount_msat: q.amount_msat,
            fee_budget_msat: u64::MAX,
            cltv_budget: u32::MAX,
            max_hops: 20,
            cost: &cost,
            cltv_extra_msat: 0.0,
            hop_extra_msat: 0.0,
            risk_extra_msat,
        };
        shortest_path(&g, &r, None, &sp, &mut st)
            .expect("a path")
            .hops[0]
            .to
    };
    let (small, wide) = (
        g.node_idx(&node_id(1)).unwrap().0,
        g.node_idx(&node_id(2)).unwrap().0,
    );
    // 500k sat over the small route: P = 0.75² (−ln P ≈ 0.58); priced at the part's own risk
    // price (250 sat) that is cheaper than the 1,000-sat fee ...
    assert_eq!(via(0.0), small);
    // ... but not as a part of a 5M-sat payment (risk price 4,400 sat).
    let extra = cost.risk_unit_msat(5_000_000_000) - cost.risk_unit_msat(q.amount_msat);
    assert_eq!(via(extra), wide);
}

/// A tight amount (more than half of what the source's channels can carry) split with bold
/// shares only (`bold_when_tight`, off by default): with learned bounds, "all the first path
/// can carry" is just under its learned maximum, a part that almost surely fails (the
/// simulation found a payment retried ten times so). `bold_when_tight = false` also builds cautious splits and keeps the best: the
/// amount is shared between the two channels, far likelier to arrive.
#[test]
fn cautious_tight_splits_avoid_a_part_at_its_learned_maximum() {
    use lnroute::router::cost::LiquidityBounds;
    use lnroute::router::LiquidityKnowledge;
    let chans = vec![
        free_channel(1, 0, 1, 210_000),
        free_channel(2, 0, 2, 200_000),
        free_channel(3, 1, 9, 10_000_000),
        free_channel(4, 2, 9, 10_000_000),
    ];
    let g = graph_of(chans);
    let src = g.node_idx(&node_id(0)).unwrap();
    let scid = |i: u32| lnroute::types::Scid::new(600_000 + i, i % 1000, (i % 7) as u16);
    let mut k = LiquidityKnowledge::new(2 * g.channel_count());
    k.half_life_secs = 0.0;
    for (i, lo, hi) in [(1, 73_000_000, 207_500_000), (2, 63_000_000, 197_800_000)] {
        let h = g.half_by_scid_from(scid(i), src).unwrap();
        k.set(
            h.0,
            LiquidityBounds {
                min_msat: lo,
                max_msat: hi,
            },
        );
    }
    let mut router = Router::new(Arc::new(g));
    router.knowledge = Some(k.shared());
    let q = Query::new(node_id(0), node_id(9), 271_000_000);
    let mut st = SearchState::new();
    router.mpp.bold_when_tight = true;
    let bold = router.route(&q, &mut st);
    router.mpp.bold_when_tight = false;
    let cautious = router.route(&q, &mut st);
    check_answer(&router.graph, &q, &bold).unwrap();
    check_answer(&router.graph, &q, &cautious).unwrap();
    let (pb, pc) = (bold.probability.unwrap(), cautious.probability.unwrap());
    assert!(pb < 0.05, "bold: {bold:?}");
    assert!(pc > 0.15, "cautious: {cautious:?}");
}
