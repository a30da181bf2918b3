//! `lnroute simulate` (SPEC §7): learned bounds, the attempt rules, the max-flow bound against
//! a brute-force one, the liquidity CSV (read, written back, bad rows), and on the 2026 graph a
//! deterministic seeded run whose paid routes fit the oracle, checked from the output files alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use lnroute::gossip::{ChannelRecord, GossipSet, HalfRecord};
use lnroute::graph::{builder, Graph};
use lnroute::router::cost::{success_probability, LiquidityBounds};
use lnroute::router::{Answer, Hop, LiquidityKnowledge, Part, Query, Router};
use lnroute::sim::attempt::{send, AttemptResult};
use lnroute::sim::maxflow::{FlowNet, FlowQuery, FlowScratch};
use lnroute::sim::oracle::Oracle;
use lnroute::sim::run::{learn_into, run_payments, LargePayments, LnrouteSim, PaymentResult};
use lnroute::types::{ChanIdx, HalfIdx, Scid};
use rand::{Rng, SeedableRng};

use crate::common::{self, bin, channel, data_file, graph_of, node_id, policy, tempdir};
use crate::spec_check::check_answer;

/// Line graph 0 → 1 → 2 and a second path 0 → 3 → 2; zero fees; capacity 1,000 sat each.
/// Channel 4 (1–2 direction from 1) has htlc minimum 5,000 msat; channel 3's half 3→2 is disabled.
fn small_graph() -> Graph {
    let p = policy(0, 0, 40);
    let mut min = p.clone();
    min.htlc_minimum_msat = 5_000;
    let mut off = p.clone();
    off.disabled = true;
    graph_of(vec![
        channel(0, 0, 1, 1_000, Some(p.clone()), Some(p.clone())),
        channel(1, 1, 2, 1_000, Some(p.clone()), Some(p.clone())),
        channel(2, 0, 3, 1_000, Some(p.clone()), Some(p.clone())),
        channel(3, 3, 2, 1_000, Some(off), Some(p.clone())),
        channel(4, 1, 2, 1_000, Some(min), Some(p)),
    ])
}

fn half(c: u32, from: u32, to: u32) -> HalfIdx {
    HalfIdx::new(ChanIdx(c), (from > to) as u8)
}

fn hop(g: &Graph, c: u32, from: u32, to: u32, amount_msat: u64) -> Hop {
    Hop {
        channel: g.scid(ChanIdx(c)),
        from: node_id(from),
        to: node_id(to),
        amount_msat,
        fee_msat: 0,
        cltv_expiry_delta: 0,
    }
}

fn part(hops: Vec<Hop>) -> Part {
    Part {
        amount_msat: hops.last().map_or(0, |h| h.amount_msat),
        fee_msat: 0,
        cltv_expiry_delta: 144,
        probability: 1.0,
        hops,
    }
}

fn answer(parts: Vec<Part>) -> Answer {
    let total = parts.iter().map(|p| p.amount_msat).sum();
    Answer::ok(None, total, parts, 1.0)
}

fn oracle_of(g: &Graph, set: &[(HalfIdx, u64)]) -> Oracle {
    let mut v = vec![0u64; g.half_count()];
    for &(h, l) in set {
        v[h.0 as usize] = l;
    }
    Oracle::from_vec(g, v).expect("valid oracle")
}

#[test]
fn attempts_follow_the_forwarding_rule() {
    let g = small_graph();
    let o = oracle_of(
        &g,
        &[
            (half(0, 0, 1), 600_000),
            (half(1, 1, 2), 400_000),
            (half(2, 0, 3), 900_000),
            (half(3, 3, 2), 900_000),
            (half(4, 1, 2), 900_000),
        ],
    );
    let q = Query::new(node_id(0), node_id(2), 500_000);
    // 500k over 0→1 (600k) then 1→2 (400k): fails at hop 1; hop 0 shown to hold 500k.
    let a = answer(vec![part(vec![
        hop(&g, 0, 0, 1, 500_000),
        hop(&g, 1, 1, 2, 500_000),
    ])]);
    let AttemptResult::Failed(parts) = send(&g, &o, &q, &a) else {
        panic!("must fail at the second hop")
    };
    assert_eq!(parts[0].failed_at, Some(1));
    // Two parts over 0→1: 300k fits, then 300k more exceeds 600k − 300k held? No: 300k ≤ 300k fits;
    // a third 1 msat would not. The second part goes on over channel 4 (htlc min 5,000 msat).
    let q = Query::new(node_id(0), node_id(2), 600_001);
    let a = answer(vec![
        part(vec![hop(&g, 0, 0, 1, 300_000), hop(&g, 1, 1, 2, 300_000)]),
        part(vec![hop(&g, 0, 0, 1, 300_000), hop(&g, 4, 1, 2, 300_000)]),
        part(vec![hop(&g, 0, 0, 1, 1), hop(&g, 1, 1, 2, 1)]),
    ]);
    let AttemptResult::Failed(parts) = send(&g, &o, &q, &a) else {
        panic!("the third part exceeds what is left")
    };
    assert!(parts[0].reached() && parts[1].reached());
    assert_eq!(parts[2].failed_at, Some(0));
    assert_eq!(parts[2].hops[0].held_before_msat, 600_000);
    // htlc minimum: 4,999 msat over channel 4 is refused; the disabled half 3→2 refuses anything.
    let q = Query::new(node_id(0), node_id(2), 4_999);
    let a = answer(vec![part(vec![
        hop(&g, 0, 0, 1, 4_999),
        hop(&g, 4, 1, 2, 4_999),
    ])]);
    assert!(matches!(send(&g, &o, &q, &a), AttemptResult::Failed(p) if p[0].failed_at == Some(1)));
    let a = answer(vec![part(vec![
        hop(&g, 2, 0, 3, 4_999),
        hop(&g, 3, 3, 2, 4_999),
    ])]);
    assert!(matches!(send(&g, &o, &q, &a), AttemptResult::Failed(p) if p[0].failed_at == Some(1)));
    // Paid: everything fits.
    let q = Query::new(node_id(0), node_id(2), 700_000);
    let a = answer(vec![
        part(vec![hop(&g, 0, 0, 1, 400_000), hop(&g, 1, 1, 2, 400_000)]),
        part(vec![hop(&g, 0, 0, 1, 200_000), hop(&g, 4, 1, 2, 200_000)]),
        part(vec![hop(&g, 2, 0, 3, 100_000), hop(&g, 4, 1, 2, 0)]),
    ]);
    assert!(
        matches!(send(&g, &o, &q, &a), AttemptResult::Invalid(_)),
        "a part that does not chain is refused before sending"
    );
    let a = answer(vec![
        part(vec![hop(&g, 0, 0, 1, 400_000), hop(&g, 1, 1, 2, 400_000)]),
        part(vec![hop(&g, 0, 0, 1, 200_000), hop(&g, 4, 1, 2, 200_000)]),
    ]);
    let q6 = Query::new(node_id(0), node_id(2), 600_000);
    assert!(matches!(send(&g, &o, &q6, &a), AttemptResult::Paid(_)));
    assert!(
        matches!(send(&g, &o, &q, &a), AttemptResult::Invalid(m) if m.contains("600000")),
        "parts must add up to the amount"
    );
}

#[test]
fn learning_updates_bounds() {
    let g = small_graph();
    let o = oracle_of(
        &g,
        &[
            (half(0, 0, 1), 600_000),
            (half(1, 1, 2), 400_000),
            (half(4, 1, 2), 900_000),
        ],
    );
    let cap = 1_000_000;
    let mut k = LiquidityKnowledge::new(g.half_count());
    k.half_life_secs = 0.0;
    // Part 1 (300k over 0→1→2) reaches; part 2 (300k over 0→1, then 1→2 on channel 1) fails at
    // hop 1 with 300k held there: 1→2 has less than 600k, 0→1 at least 600k.
    let q = Query::new(node_id(0), node_id(2), 600_000);
    let a = answer(vec![
        part(vec![hop(&g, 0, 0, 1, 300_000), hop(&g, 1, 1, 2, 300_000)]),
        part(vec![hop(&g, 0, 0, 1, 300_000), hop(&g, 1, 1, 2, 300_000)]),
    ]);
    let AttemptResult::Failed(parts) = send(&g, &o, &q, &a) else {
        panic!("second part must fail")
    };
    learn_into(&mut k, &parts, false);
    let b01 = k.bounds(half(0, 0, 1).0, cap);
    let b12 = k.bounds(half(1, 1, 2).0, cap);
    assert_eq!(b01.min_msat, 600_000, "both parts crossed 0→1");
    assert_eq!(b12.max_msat, 599_999, "held 300k plus 300k did not fit");
    assert_eq!(
        b12.min_msat, 300_000,
        "the first part reached the target (probe-like)"
    );
    assert!(
        k.entry(half(0, 1, 0).0).is_none(),
        "reverse halves store nothing"
    );
    assert_eq!(
        k.bounds(half(0, 1, 0).0, cap).max_msat,
        cap - 600_000,
        "but read the complement of what their channel's other half holds"
    );
    // A paid attempt: record_success without consuming (the oracle never changes).
    let q = Query::new(node_id(0), node_id(2), 350_000);
    let a = answer(vec![part(vec![
        hop(&g, 0, 0, 1, 350_000),
        hop(&g, 1, 1, 2, 350_000),
    ])]);
    let AttemptResult::Paid(parts) = send(&g, &o, &q, &a) else {
        panic!("fits")
    };
    learn_into(&mut k, &parts, true);
    assert_eq!(k.bounds(half(1, 1, 2).0, cap).min_msat, 350_000);
    assert_eq!(k.bounds(half(0, 0, 1).0, cap).min_msat, 600_000);
    assert!(
        k.entry(half(1, 2, 1).0).is_none(),
        "not consumed: nothing moves to the reverse half"
    );
}

#[test]
fn probabilities_stay_in_unit_interval() {
    // Depleted halves break the complementary split of SPEC §7's uniform oracle, so there only
    // each half's own observations must hold the truth; on the uniform oracle, the coupled
    // bounds must too.
    for (depleted, couple) in [(0.2, false), (0.0, true)] {
        learned_bounds_hold_the_truth(depleted, couple);
    }
}

fn learned_bounds_hold_the_truth(depleted: f64, couple: bool) {
    let g = common::random_graph(5, 40, 160);
    let router = Router::new(Arc::new(g));
    let g = router.graph.clone();
    let oracle = Oracle::draw(&g, 5, depleted);
    let qs = lnroute::sim::payments::random_queries(&g, 150, 1, 3_000_000, 5);
    let mut sim = LnrouteSim::new(router);
    sim.knowledge().write().unwrap().couple_directions = couple;
    let res = run_payments(&g, &oracle, &qs, 6, &mut sim, &|| {});
    assert!(res.iter().any(|r| r.paid) && res.iter().any(|r| r.attempts > 1));
    let k = sim.knowledge().read().unwrap();
    assert!(k.len() > 20, "learned about {} halves", k.len());
    assert_eq!(
        (k.now, k.half_life_secs),
        (0, 0.0),
        "the simulation clock stays still"
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    for h in 0..g.half_count() as u32 {
        let cap = g.capacity_sat(HalfIdx(h).chan()) * 1000;
        let b = k.bounds(h, cap);
        assert!(
            b.min_msat <= b.max_msat && b.max_msat <= cap,
            "half {h}: {b:?}"
        );
        let l = oracle.liquidity_msat(HalfIdx(h));
        assert!(
            b.min_msat <= l && l <= b.max_msat,
            "half {h}: learned {b:?} excludes the true liquidity {l}"
        );
        for _ in 0..20 {
            let used = rng.gen_range(0..=cap);
            let amount = rng.gen_range(0..=cap + 10);
            let p = success_probability(b, used, amount);
            assert!((0.0..=1.0).contains(&p), "P = {p}");
        }
    }
    for r in res.iter().filter_map(|r| r.route.as_ref()) {
        let p = r.probability.unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
}

/// The payer's floor (`--min-probability`): no attempt rated below it is sent; the payment ends
/// there instead of spending its remaining attempts.
#[test]
fn attempts_below_the_probability_floor_are_not_sent() {
    let g = common::random_graph(11, 40, 160);
    let qs = lnroute::sim::payments::random_queries(&g, 200, 300_000, 20_000_000, 11);
    let g = Arc::new(g);
    let run = |floor: f64, large: LargePayments| {
        let router = Router::new(g.clone());
        let oracle = Oracle::draw(&router.graph, 11, 0.2);
        let mut sim = LnrouteSim::new(router);
        sim.min_probability = floor;
        sim.large = large;
        run_payments(&g, &oracle, &qs, 10, &mut sim, &|| {})
    };
    let none_large = LargePayments {
        from_msat: u64::MAX,
        ..LargePayments::default()
    };
    // Large payments (the default rules, from 1M sat): at most 4 attempts, none below 1 %.
    let large = LargePayments::default();
    let with_large = run(0.0, large);
    let big = with_large
        .iter()
        .zip(&qs)
        .filter(|(_, q)| q.amount_msat >= large.from_msat)
        .map(|(r, _)| r)
        .collect::<Vec<_>>();
    assert!(big.len() > 50);
    for r in &big {
        assert!(r.attempts <= large.max_attempts);
        assert!(r
            .trace
            .iter()
            .all(|t| t.probability.unwrap() >= large.min_probability));
    }
    let all = run(0.0, none_large);
    assert!(
        all.iter()
            .zip(&qs)
            .any(|(r, q)| q.amount_msat >= large.from_msat && r.attempts > large.max_attempts),
        "without the large-payment rules some large payment takes more attempts"
    );
    let floor = 0.05;
    let below = |r: &PaymentResult| r.trace.iter().any(|t| t.probability.unwrap() < floor);
    let n_below = all.iter().filter(|r| below(r)).count();
    let n_tr: usize = all.iter().map(|r| r.trace.len()).sum();
    assert!(
        n_below >= 5,
        "the case needs attempts rated below the floor: {n_below} of {n_tr}"
    );
    let floored = run(floor, none_large);
    let mut stopped = 0;
    for (i, (a, f)) in all.iter().zip(&floored).enumerate() {
        assert!(
            !below(f),
            "payment {i}: an attempt below the floor was sent"
        );
        assert_eq!(f.attempts as usize, f.trace.len());
        if f.attempts < a.attempts && !f.paid {
            stopped += 1;
        }
    }
    assert!(stopped > 0, "some payments end early at the floor");
    let sent = |rs: &[PaymentResult]| rs.iter().map(|r| r.attempts).sum::<u32>();
    assert!(sent(&floored) < sent(&all));
}

#[test]
fn bounds_decay_towards_unknown() {
    let mut k = LiquidityKnowledge::new(8);
    k.half_life_secs = 60.0;
    let cap = 1_000_000;
    k.record_failure(&[(0, 800_000), (2, 400_001)], 1);
    let (b0, b2) = (k.bounds(0, cap), k.bounds(2, cap));
    k.now = 60;
    assert_eq!(k.bounds(0, cap).min_msat, b0.min_msat / 2);
    assert_eq!(
        k.bounds(2, cap).max_msat,
        cap - (cap - b2.max_msat) / 2,
        "upper bound halfway back to capacity"
    );
    k.now = 60 * 64;
    assert_eq!(k.bounds(0, cap), LiquidityBounds::unknown(cap));
    assert_eq!(k.bounds(2, cap), LiquidityBounds::unknown(cap));
}

#[test]
fn knowledge_persists_and_corruption_is_refused() {
    let g = small_graph();
    let mut k = LiquidityKnowledge::new(g.half_count());
    k.record_failure(&[(0, 500_000), (2, 300_000)], 1);
    k.observe_at_least(7, 123_456);
    let dir = tempdir();
    let p = dir.path().join("knowledge.bin");
    k.save(&g, &p).unwrap();
    let back = LiquidityKnowledge::load(&g, &p).unwrap();
    for h in 0..g.half_count() as u32 {
        assert_eq!(back.entry(h), k.entry(h), "half {h}");
    }
    let bytes = std::fs::read(&p).unwrap();
    for i in [9usize, 20, bytes.len() / 2, bytes.len() - 1] {
        let mut b = bytes.clone();
        b[i] ^= 0x40;
        std::fs::write(&p, &b).unwrap();
        assert!(LiquidityKnowledge::load(&g, &p).is_err(), "flip at {i}");
    }
    std::fs::write(&p, &bytes[..bytes.len() - 3]).unwrap();
    let e = LiquidityKnowledge::load(&g, &p).unwrap_err().to_string();
    assert!(e.contains("corrupt"), "{e}");
    std::fs::write(&p, b"channel,direction,liquidity_msat\n").unwrap();
    let e = LiquidityKnowledge::load(&g, &p).unwrap_err().to_string();
    assert!(e.contains("not a liquidity state file"), "{e}");
}

/// A random graph with htlc limits for the max-flow comparison.
fn flow_graph(rng: &mut impl Rng, n: u32) -> Graph {
    let mut chans: Vec<ChannelRecord> = Vec::new();
    for i in 0..n * 3 {
        let a = rng.gen_range(0..n);
        let b = (a + rng.gen_range(1..n)) % n;
        let mut h = || -> Option<HalfRecord> {
            if rng.gen_bool(0.1) {
                return None;
            }
            let mut p = policy(0, 0, 40);
            p.disabled = rng.gen_bool(0.1);
            p.htlc_minimum_msat = [0, 0, 50_000, 400_000][rng.gen_range(0..4)];
            p.htlc_maximum_msat = [None, Some(100_000), Some(300_000)][rng.gen_range(0..3)];
            Some(p)
        };
        let (ab, ba) = (h(), h());
        chans.push(channel(i, a, b, rng.gen_range(100..2_000), ab, ba));
    }
    let set = GossipSet {
        channels: chans,
        ..Default::default()
    };
    Graph::from_data(&builder::build(&set), "flow").unwrap()
}

/// Edmonds–Karp on a dense matrix, written from the SPEC rule, not from the simulator.
fn brute_max_flow(g: &Graph, o: &Oracle, s: usize, t: usize, amount: u64, parts: u64) -> u64 {
    let n = g.node_count();
    let mut cap = vec![vec![0u128; n]; n];
    for h in 0..g.half_count() as u32 {
        let h = HalfIdx(h);
        let Some(p) = g.half_policy(h) else { continue };
        if p.disabled || amount < p.htlc_minimum_msat {
            continue;
        }
        let (u, v) = g.half_ends(h);
        let c = o
            .liquidity_msat(h)
            .min(p.htlc_maximum_msat.saturating_mul(parts));
        cap[u.0 as usize][v.0 as usize] += c as u128;
    }
    let mut flow = 0u128;
    loop {
        let mut prev = vec![usize::MAX; n];
        prev[s] = s;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for v in 0..n {
                if prev[v] == usize::MAX && cap[u][v] > 0 {
                    prev[v] = u;
                    queue.push_back(v);
                }
            }
        }
        if prev[t] == usize::MAX {
            return flow.min(u64::MAX as u128) as u64;
        }
        let mut b = u128::MAX;
        let mut v = t;
        while v != s {
            b = b.min(cap[prev[v]][v]);
            v = prev[v];
        }
        let mut v = t;
        while v != s {
            cap[prev[v]][v] -= b;
            cap[v][prev[v]] += b;
            v = prev[v];
        }
        flow += b;
    }
}

#[test]
fn max_flow_bound_matches_brute_force() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(77);
    let mut scratch = FlowScratch::default();
    let (mut yes, mut no) = (0, 0);
    for round in 0..25 {
        let g = flow_graph(&mut rng, 12);
        let o = Oracle::draw(&g, round, if round % 3 == 0 { 0.3 } else { 0.0 });
        let net = FlowNet::new(&g, &o);
        for _ in 0..40 {
            let (s, t) = (rng.gen_range(0..12usize), rng.gen_range(0..12usize));
            if s == t || s >= g.node_count() || t >= g.node_count() {
                continue;
            }
            let amount = rng.gen_range(1..3_000_000u64);
            let parts = [1u32, 3, 10][rng.gen_range(0..3)];
            let want = brute_max_flow(&g, &o, s, t, amount, parts as u64) >= amount;
            let q = FlowQuery {
                source: s as u32,
                target: t as u32,
                amount_msat: amount,
                max_parts: parts,
            };
            assert_eq!(net.payable(&q, &mut scratch), want, "round {round} {q:?}");
            let all = net.payable_all(&[q, q]);
            assert_eq!(all, vec![want, want]);
            if want {
                yes += 1
            } else {
                no += 1
            }
        }
    }
    assert!(yes > 50 && no > 50, "both outcomes exercised: {yes} / {no}");
}

/// The small graph as a file, for CLI tests that need no real data.
fn small_graph_file(dir: &Path) -> PathBuf {
    let p = dir.join("small.lnrg");
    let p0 = policy(0, 0, 40);
    let set = GossipSet {
        channels: vec![
            channel(0, 0, 1, 1_000, Some(p0.clone()), Some(p0.clone())),
            channel(1, 1, 2, 1_000, Some(p0.clone()), Some(p0.clone())),
            channel(2, 0, 3, 2_000, Some(p0.clone()), Some(p0)),
        ],
        ..Default::default()
    };
    Graph::write(&builder::build(&set), "small", &p).unwrap();
    p
}

fn simulate(args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .arg("simulate")
        .arg("--quiet")
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn bad_simulation_limits_are_refused() {
    let dir = tempdir();
    let g = small_graph_file(dir.path());
    let g = g.to_str().unwrap();
    for (args, says) in [
        (&["--min-probability", "1"][..], "--min-probability"),
        (&["--min-probability=-0.1"][..], "--min-probability"),
        (&["--depleted", "1.5"][..], "--depleted"),
        (&["--attempts", "0"][..], "--attempts"),
    ] {
        let out = simulate(&[&["--graph", g, "--payments", "5"][..], args].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(says),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn liquidity_csv_overrides_and_bad_rows_name_the_line() {
    let dir = tempdir();
    let gf = small_graph_file(dir.path());
    let gs = gf.to_str().unwrap();
    let g = Graph::open(&gf).unwrap();
    let out = dir.path().join("written.csv");
    let run = |csv: &str| {
        let f = dir.path().join("in.csv");
        std::fs::write(&f, csv).unwrap();
        let o = simulate(&[
            "--graph",
            gs,
            "--payments",
            "3",
            "--liquidity",
            f.to_str().unwrap(),
            "--write-liquidity",
            out.to_str().unwrap(),
        ]);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let s0 = g.scid(ChanIdx(0));
    let s2 = g.scid(ChanIdx(2));
    // Listed halves are set; the others keep the seeded draw.
    let (code, err) = run(&format!(
        "channel,direction,liquidity_msat\n{s0},1,777\n\n{s2},0,2000000\n"
    ));
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let drawn = Oracle::draw(&g, 1, 0.0);
    let mut want = drawn.as_slice().to_vec();
    want[1] = 777;
    want[4] = 2_000_000;
    let expect = Oracle::from_vec(&g, want).unwrap().to_csv(&g);
    assert_eq!(text, expect);
    assert!(text.contains(&format!("\n{s0},1,777\n")));
    for (csv, line, what) in [
        (
            "channel,direction,liquidity_msat\n1x2x3,0,5\n".to_string(),
            2,
            "unknown channel 1x2x3",
        ),
        (
            format!("channel,direction,liquidity_msat\n{s0},0,5\n{s0},0,1000001\n"),
            3,
            "above the capacity",
        ),
        (
            format!("channel,direction,liquidity_msat\n{s0},2,5\n"),
            2,
            "direction must be 0 or 1",
        ),
        (
            format!("channel,direction,liquidity_msat\n\n{s0},0,-5\n"),
            3,
            "non-negative integer",
        ),
        (
            format!("channel,direction,liquidity_msat\n{s0},0\n"),
            2,
            "expected 3 fields",
        ),
        (
            format!("channel,direction,liquidity_msat\n{s0},0,5\n{s0},0,6\n"),
            3,
            "already listed on line 2",
        ),
        (format!("{s0},0,5\n"), 1, "expected the header"),
        ("".to_string(), 1, "empty file"),
        (
            "channel,direction,liquidity_msat\nnot-a-scid,0,1\n".to_string(),
            2,
            "not-a-scid",
        ),
    ] {
        std::fs::remove_file(&out).ok();
        let (code, err) = run(&csv);
        assert_eq!(code, Some(2), "{csv:?}: {err}");
        assert!(
            err.starts_with("error: ")
                && err.contains("in.csv")
                && err.contains(&format!("line {line}:"))
                && err.contains(what),
            "{csv:?}: {err}"
        );
        assert!(!out.exists(), "nothing written after a bad snapshot");
    }
}

/// The 2026 graph ingested once per test process.
fn graph_2026() -> Option<&'static Path> {
    static G: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    G.get_or_init(|| {
        let store = data_file("cln-tests/gossip-store-2026-02-03.compressed")?;
        let map = data_file("cln-tests/gossip-store-2026-02-03-node-map.xz")?;
        let dir = tempdir();
        let out = dir.path().join("g2026.lnrg");
        let st = Command::new(bin())
            .arg("ingest")
            .arg(&store)
            .arg(&map)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        Some((dir, out))
    })
    .as_ref()
    .map(|(_, p)| p.as_path())
}

fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    match &mut v {
        serde_json::Value::Object(m) => {
            m.remove("elapsed_us");
            m.remove("route_us_p50");
            for (_, x) in m.iter_mut() {
                *x = without_timings(x.take());
            }
        }
        serde_json::Value::Array(a) => {
            for x in a.iter_mut() {
                *x = without_timings(x.take());
            }
        }
        _ => {}
    }
    v
}

#[test]
fn seeded_run_on_2026_graph_is_deterministic_and_csv_round_trips() {
    let Some(gf) = graph_2026() else { return };
    let dir = tempdir();
    let gs = gf.to_str().unwrap();
    let run = |tag: &str, seed: &str, extra: &[&str]| {
        let o = dir.path().join(format!("{tag}.jsonl"));
        let l = dir.path().join(format!("{tag}.csv"));
        let (os, ls) = (o.to_str().unwrap(), l.to_str().unwrap());
        let mut a = vec![
            "--graph",
            gs,
            "--payments",
            "200",
            "--seed",
            seed,
            "--json",
            "-o",
            os,
            "--write-liquidity",
            ls,
        ];
        a.extend_from_slice(extra);
        let out = simulate(&a);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&o)
            .unwrap()
            .lines()
            .map(|l| without_timings(serde_json::from_str(l).unwrap()))
            .collect();
        (without_timings(json), lines, std::fs::read(&l).unwrap())
    };
    let (j1, l1, c1) = run("a", "7", &[]);
    let (j2, l2, c2) = run("b", "7", &[]);
    assert_eq!(j1, j2);
    assert_eq!(l1, l2);
    assert_eq!(c1, c2);
    assert_eq!(l1.len(), 200);
    let r = &j1["routers"]["lnroute"];
    let paid = r["succeeded"].as_u64().unwrap();
    let payable = j1["upper_bound"]["payable"].as_u64().unwrap();
    assert!(
        paid > 80 && paid <= payable,
        "paid {paid}, payable {payable}"
    );
    assert_eq!(r["buckets"].as_array().unwrap().len(), 3);
    // The snapshot read back (under another seed) gives the same oracle, written back unchanged.
    let snap = dir.path().join("a.csv");
    let (_, _, c3) = run("c", "8", &["--liquidity", snap.to_str().unwrap()]);
    assert_eq!(c3, c1, "--liquidity then --write-liquidity is the identity");
}

#[test]
fn paid_routes_fit_the_oracle() {
    let Some(gf) = graph_2026() else { return };
    let g = Graph::open(gf).unwrap();
    let dir = tempdir();
    let qf = dir.path().join("q.jsonl");
    let mut qs = lnroute::sim::payments::random_queries(&g, 60, 5_000, 3_000_000, 3);
    for (i, q) in qs.iter_mut().enumerate() {
        q.id = Some(serde_json::json!(format!("p{i}")));
        if i % 4 == 0 {
            q.max_parts = Some(3);
        }
    }
    lnroute::cli::write_jsonl(Some(&qf), &qs).unwrap();
    let (o, l) = (dir.path().join("o.jsonl"), dir.path().join("l.csv"));
    let out = simulate(&[
        "--graph",
        gf.to_str().unwrap(),
        "--queries",
        qf.to_str().unwrap(),
        "--seed",
        "3",
        "--depleted",
        "0.2",
        "--compare-ldk",
        "-o",
        o.to_str().unwrap(),
        "--write-liquidity",
        l.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The oracle, read from the CSV alone.
    let mut liq: HashMap<(Scid, u8), u64> = HashMap::new();
    for line in std::fs::read_to_string(&l).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        liq.insert(
            (f[0].parse().unwrap(), f[1].parse().unwrap()),
            f[2].parse().unwrap(),
        );
    }
    assert_eq!(liq.len(), g.half_count());
    let by_id: HashMap<String, &Query> = qs
        .iter()
        .map(|q| (q.id.as_ref().unwrap().as_str().unwrap().to_string(), q))
        .collect();
    let mut paid = HashMap::<String, usize>::new();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&o)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2 * qs.len(), "one line per payment and router");
    for v in &lines {
        let router = v["router"].as_str().unwrap().to_string();
        let q = by_id[v["id"].as_str().unwrap()];
        assert_eq!(v["amount_msat"].as_u64(), Some(q.amount_msat));
        if !v["paid"].as_bool().unwrap() {
            assert!(v.get("route").is_none());
            continue;
        }
        *paid.entry(router.clone()).or_default() += 1;
        let a: Answer = serde_json::from_value(v["route"].clone()).unwrap();
        assert_eq!(v["fee_msat"].as_u64(), a.fee_msat);
        // LDK's answers carry the excluded failed channels; check against the query they answered.
        let mut q = q.clone();
        if router == "ldk" {
            q.exclude_channels.clear();
        }
        check_answer(&g, &q, &a).unwrap_or_else(|e| panic!("{router} {:?}: {e}", q.id));
        let mut sum: HashMap<(Scid, u8), u64> = HashMap::new();
        for p in &a.parts {
            for h in &p.hops {
                let from = g.node_idx(&h.from).unwrap();
                let (n1, _) = g.chan_nodes(g.chan_idx(h.channel).unwrap());
                let dir = (from != n1) as u8;
                *sum.entry((h.channel, dir)).or_default() += h.amount_msat;
            }
        }
        for (k, s) in sum {
            assert!(
                s <= liq[&k],
                "{router} {:?}: {} dir {} carries {s} > {}",
                q.id,
                k.0,
                k.1,
                liq[&k]
            );
        }
    }
    assert!(paid["lnroute"] > 15 && paid["ldk"] > 15, "{paid:?}");
}

/// `--trace`: one line per attempt, consistent with the `-o` outcome of its payment (attempt
/// count, only the last one paid, a paid attempt has no failed part); lnroute's planned
/// probabilities are calibrated (the oracle draws the uniform split its model assumes, so the
/// paid attempts must be within a few standard deviations of the sum of the estimates). Run
/// with `--refine-split`, whose paid routes must satisfy SPEC §4 too.
#[test]
fn trace_matches_outcomes_and_probabilities_are_calibrated() {
    let Some(gf) = graph_2026() else { return };
    let g = Graph::open(gf).unwrap();
    let dir = tempdir();
    let (o, t) = (dir.path().join("o.jsonl"), dir.path().join("t.jsonl"));
    let out = simulate(&[
        "--graph",
        gf.to_str().unwrap(),
        "--payments",
        "400",
        "--seed",
        "5",
        "--refine-split",
        "-o",
        o.to_str().unwrap(),
        "--trace",
        t.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |p: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let mut traces: HashMap<u64, Vec<serde_json::Value>> = HashMap::new();
    for v in read(&t) {
        assert_eq!(v["router"], "lnroute");
        traces.entry(v["id"].as_u64().unwrap()).or_default().push(v);
    }
    let (mut expected, mut var, mut paid_attempts, mut attempts) = (0.0, 0.0, 0u32, 0u32);
    let payments = lnroute::sim::payments::random_queries(&g, 400, 1_000, 1_000_000, 5);
    for v in read(&o) {
        let id = v["id"].as_u64().unwrap();
        let tr = traces.remove(&id).unwrap_or_default();
        assert_eq!(
            tr.len() as u64,
            v["attempts"].as_u64().unwrap(),
            "payment {id}"
        );
        for (k, a) in tr.iter().enumerate() {
            assert_eq!(a["attempt"].as_u64(), Some(k as u64 + 1));
            let paid = a["paid"].as_bool().unwrap();
            assert_eq!(paid, k + 1 == tr.len() && v["paid"].as_bool().unwrap());
            let parts = a["parts"].as_array().unwrap();
            assert_eq!(paid, parts.iter().all(|p| p.get("failed_at").is_none()));
            let p = a["probability"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&p));
            (expected, var) = (expected + p, var + p * (1.0 - p));
            paid_attempts += paid as u32;
            attempts += 1;
        }
        if let Some(r) = v.get("route") {
            let a: Answer = serde_json::from_value(r.clone()).unwrap();
            check_answer(&g, &payments[id as usize], &a).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    }
    assert!(traces.is_empty(), "trace lines of payments not in -o");
    let dev = (paid_attempts as f64 - expected).abs();
    assert!(
        attempts > 200 && dev <= 4.0 * var.sqrt() + 3.0,
        "{paid_attempts} of {attempts} attempts paid, estimates sum to {expected:.1} (sd {:.1})",
        var.sqrt()
    );
}
