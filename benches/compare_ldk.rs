//! lnroute vs LDK (`lightning` 0.2 `find_route` + default `ProbabilisticScorer`) on one fixed
//! query set, in one run, one thread: per-query times (p50/p90/p99/mean), speed ratios, the
//! bare fee-only Dijkstra yardstick, success counts, route quality, and a SPEC §4 check of every
//! answer of both engines.
//!
//! ```text
//! cargo bench --bench compare_ldk -- --queries 1000 --graph-source 2026
//! ```
//! Options: `--queries N` (1000), `--graph-source 2026|2024|synthetic[:N[:C]]|FILE.lnrg` (2026),
//! `--seed S` (1), `--warmup W` (50 queries per engine), `--max-parts K` (10),
//! `--json FILE` (raw per-query results), `--no-mpp` (skip both MPP engines),
//! `--engines ln1,bare,lnm,ldk1,ldkm` (a subset, e.g. for profiling one engine with `perf`),
//! `--blocks N` (alternate engines in blocks of N queries instead of per query).
//! Engines run interleaved per query, in a rotating order, so machine noise hits all of them.

mod common;
/// The independent SPEC §4 checker of the integration tests, shared rather than copied.
#[path = "../tests/spec_check.rs"]
mod spec_check;

use std::time::Instant;

use lnroute::ldk::LdkRouter;
use lnroute::router::baseline::{bare_fee_dijkstra, BareState};
use lnroute::router::{Answer, Query, Router, SearchState};

use common::{arg, flag, load_graph, random_queries, BenchQuery};
use spec_check::check_answer;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Engine {
    LnSingle,
    Bare,
    LnMpp,
    LdkSingle,
    LdkMpp,
}

impl Engine {
    const ALL: [Engine; 5] = [
        Engine::LnSingle,
        Engine::Bare,
        Engine::LnMpp,
        Engine::LdkSingle,
        Engine::LdkMpp,
    ];
    fn name(self) -> &'static str {
        match self {
            Engine::LnSingle => "lnroute single",
            Engine::Bare => "bare fee Dijkstra",
            Engine::LnMpp => "lnroute MPP",
            Engine::LdkSingle => "LDK single",
            Engine::LdkMpp => "LDK MPP",
        }
    }
    /// Name for `--engines`.
    fn key(self) -> &'static str {
        match self {
            Engine::LnSingle => "ln1",
            Engine::Bare => "bare",
            Engine::LnMpp => "lnm",
            Engine::LdkSingle => "ldk1",
            Engine::LdkMpp => "ldkm",
        }
    }
    fn mpp(self) -> bool {
        matches!(self, Engine::LnMpp | Engine::LdkMpp)
    }
}

/// What one engine produced for one query.
#[derive(Clone, Default)]
struct Run {
    ns: u64,
    answer: Option<Answer>,
    /// bare Dijkstra: the cheapest fee, when a path exists
    bare_fee: Option<u64>,
    ldk_error: Option<String>,
    shadow_cltv: Vec<u32>,
    /// lnroute's uniform model (no knowledge) evaluated on this route, for either engine
    model_prob: Option<f64>,
}

struct Ctx<'a> {
    graph: &'a lnroute::Graph,
    router: Router,
    ldk: LdkRouter,
    st: SearchState,
    bare: BareState,
    max_parts: u32,
}

impl Ctx<'_> {
    fn run(&mut self, e: Engine, bq: &BenchQuery, q1: &Query, qm: &Query) -> Run {
        match e {
            Engine::LnSingle | Engine::LnMpp => {
                let q = if e == Engine::LnSingle { q1 } else { qm };
                let t = Instant::now();
                let a = self.router.route(q, &mut self.st);
                let ns = t.elapsed().as_nanos() as u64;
                Run {
                    ns,
                    answer: Some(a),
                    ..Default::default()
                }
            }
            Engine::Bare => {
                let t = Instant::now();
                let need = bare_fee_dijkstra(
                    self.graph,
                    bq.source.0,
                    bq.target.0,
                    bq.amount_msat,
                    &mut self.bare,
                );
                let ns = t.elapsed().as_nanos() as u64;
                Run {
                    ns,
                    bare_fee: need.map(|n| n - bq.amount_msat),
                    ..Default::default()
                }
            }
            Engine::LdkSingle | Engine::LdkMpp => {
                let (q, k) = if e == Engine::LdkSingle {
                    (q1, 1)
                } else {
                    (qm, self.max_parts.min(255) as u8)
                };
                let o = self.ldk.route_detailed(q, k);
                Run {
                    ns: o.find_route_ns,
                    answer: Some(o.answer),
                    ldk_error: o.ldk_error,
                    shadow_cltv: o.shadow_cltv,
                    ..Default::default()
                }
            }
        }
    }
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64
}

#[derive(Clone, Copy, Default)]
struct Times {
    p50: f64,
    p90: f64,
    p99: f64,
    mean: f64,
    max: f64,
}

fn times(runs: &[Run]) -> Times {
    let mut v: Vec<u64> = runs.iter().map(|r| r.ns).collect();
    v.sort_unstable();
    Times {
        p50: pct(&v, 50.0),
        p90: pct(&v, 90.0),
        p99: pct(&v, 99.0),
        mean: v.iter().sum::<u64>() as f64 / v.len().max(1) as f64,
        max: v.last().copied().unwrap_or(0) as f64,
    }
}

fn ms(ns: f64) -> String {
    format!("{:.3}", ns / 1e6)
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Route quality over a chosen set of queries.
struct Quality {
    n: usize,
    fee_median: f64,
    fee_mean: f64,
    fee_ppm_median: f64,
    hops_mean: f64,
    parts_mean: f64,
    prob_mean: f64,
    est_mean: f64,
    cltv_mean: f64,
}

fn quality(runs: &[Run], amounts: &[u64], pick: &dyn Fn(usize) -> bool) -> Quality {
    let (mut fees, mut ppm, mut hops, mut parts, mut prob, mut cltv) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut est = vec![];
    for (i, r) in runs.iter().enumerate() {
        let Some(a) = r.answer.as_ref().filter(|a| a.is_ok() && pick(i)) else {
            continue;
        };
        let fee = a.fee_msat.unwrap_or(0) as f64;
        fees.push(fee);
        ppm.push(fee * 1e6 / amounts[i] as f64);
        for p in &a.parts {
            hops.push(p.hops.len() as f64);
        }
        parts.push(a.parts.len() as f64);
        prob.push(r.model_prob.unwrap_or(f64::NAN));
        est.push(a.probability.unwrap_or(f64::NAN));
        cltv.push(a.cltv_expiry_delta.unwrap_or(0) as f64);
    }
    Quality {
        n: fees.len(),
        fee_mean: mean(&fees),
        fee_median: median(&mut fees),
        fee_ppm_median: median(&mut ppm),
        hops_mean: mean(&hops),
        parts_mean: mean(&parts),
        prob_mean: mean(&prob),
        est_mean: mean(&est),
        cltv_mean: mean(&cltv),
    }
}

fn main() {
    let n: usize = arg("--queries")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let source = arg("--graph-source")
        .or_else(|| arg("--graph"))
        .unwrap_or_else(|| "2026".into());
    let seed: u64 = arg("--seed").and_then(|s| s.parse().ok()).unwrap_or(1);
    let warmup: usize = arg("--warmup").and_then(|s| s.parse().ok()).unwrap_or(50);
    let max_parts: u32 = arg("--max-parts")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let no_mpp = flag("--no-mpp");

    let t = Instant::now();
    let bg = match load_graph(&source) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let g = bg.graph.clone();
    let s = g.summary();
    println!(
        "graph: {}\n  nodes {}  channels {}  halves {} ({} disabled, {} usable)  capacity {:.2} BTC  file {} bytes  (loaded in {:.2}s)",
        bg.description, s.nodes, s.channels, s.halves, s.disabled_halves, s.usable_halves,
        s.total_capacity_sat as f64 / 1e8, s.file_bytes, t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let ldk = LdkRouter::new(g.clone());
    let b = ldk.build_stats();
    println!(
        "LDK NetworkGraph built in {:.2}s: {} channels ({} without any policy skipped), {} halves, {} disabled placeholders, {} htlc max clamped, {} refused {:?}",
        t.elapsed().as_secs_f64(), b.channels, b.channels_without_policy, b.halves, b.placeholders,
        b.htlc_max_clamped, b.rejected, b.rejected_examples
    );
    let bqs = random_queries(&g, n, seed);
    let q1: Vec<Query> = bqs
        .iter()
        .enumerate()
        .map(|(i, b)| b.query(&g, i, 1))
        .collect();
    let qm: Vec<Query> = bqs
        .iter()
        .enumerate()
        .map(|(i, b)| b.query(&g, i, max_parts))
        .collect();
    println!(
        "queries: {} (seed {seed}; source among nodes with an enabled outgoing half, target among nodes with an enabled incoming half; amounts log-uniform 1k–1M sat); SPEC defaults: fee budget 50 sat + 1 %, final CLTV 144, max total CLTV 1008, max hops 20 (LDK caps at 19)",
        bqs.len()
    );
    println!("LDK: find_route, ProbabilisticScorer with default decay and fee parameters, no learned data, first_hops None (payer's graph channels), fixed seed; single = no MPP feature + max_path_count 1; MPP = basic_mpp payee feature + max_path_count {max_parts}");

    let mut ctx = Ctx {
        graph: &g,
        router: Router::new(g.clone()),
        ldk,
        st: SearchState::new(),
        bare: BareState::default(),
        max_parts,
    };
    let only = arg("--engines");
    let engines: Vec<Engine> = Engine::ALL
        .into_iter()
        .filter(|e| !(no_mpp && e.mpp()))
        .filter(|e| {
            only.as_ref()
                .is_none_or(|o| o.split(',').any(|x| x == e.key()))
        })
        .collect();

    // Warm-up: every engine on the first `warmup` queries, plus lnroute and bare on all.
    let t = Instant::now();
    for i in 0..bqs.len() {
        for &e in &engines {
            if i < warmup || matches!(e, Engine::LnSingle | Engine::Bare | Engine::LnMpp) {
                let _ = ctx.run(e, &bqs[i], &q1[i], &qm[i]);
            }
        }
    }
    println!("warm-up done in {:.1}s", t.elapsed().as_secs_f64());

    // Timed run: interleaved per query (default) or in alternating blocks of `--blocks N`
    // queries, rotating the engine order either way.
    let block = arg("--blocks")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let t = Instant::now();
    let mut runs: Vec<Vec<Run>> = vec![vec![Run::default(); bqs.len()]; Engine::ALL.len()];
    let step = block.max(1);
    for (bi, start) in (0..bqs.len()).step_by(step).enumerate() {
        let end = (start + step).min(bqs.len());
        for k in 0..engines.len() {
            let e = engines[(bi + k) % engines.len()];
            for i in start..end {
                runs[e as usize][i] = ctx.run(e, &bqs[i], &q1[i], &qm[i]);
            }
        }
        if end / 100 > start / 100 {
            eprintln!(
                "  {} / {} queries ({:.0}s)",
                end,
                bqs.len(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "timing order: {}",
        if block == 0 {
            "interleaved per query (all engines on query i, rotating order)".to_string()
        } else {
            format!("alternating blocks of {block} queries per engine (rotating order)")
        }
    );
    println!("timed run: {:.1}s, one thread\n", t.elapsed().as_secs_f64());
    for rs in runs.iter_mut() {
        for x in rs.iter_mut() {
            if let Some(a) = x.answer.as_ref().filter(|a| a.is_ok()) {
                let mut parts = a.parts.clone();
                x.model_prob = Some(lnroute::ldk::model_probability(&g, &mut parts));
            }
        }
    }
    report(&g, &bqs, &q1, &qm, &engines, &runs);
    if let Some(path) = arg("--json") {
        write_json(&path, &bqs, &engines, &runs);
    }
}

fn report(
    g: &lnroute::Graph,
    bqs: &[BenchQuery],
    q1: &[Query],
    qm: &[Query],
    engines: &[Engine],
    runs: &[Vec<Run>],
) {
    let r = |e: Engine| &runs[e as usize];
    let tm: Vec<(Engine, Times)> = engines.iter().map(|&e| (e, times(r(e)))).collect();
    let t_of = |e: Engine| {
        tm.iter()
            .find(|x| x.0 == e)
            .map(|x| x.1)
            .unwrap_or_default()
    };
    println!("== per-query time (ms) ==");
    println!(
        "{:<20} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "engine", "p50", "p90", "p99", "mean", "max", "routed"
    );
    for (e, t) in &tm {
        let ok = if *e == Engine::Bare {
            r(*e).iter().filter(|x| x.bare_fee.is_some()).count()
        } else {
            r(*e)
                .iter()
                .filter(|x| x.answer.as_ref().is_some_and(Answer::is_ok))
                .count()
        };
        println!(
            "{:<20} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5}/{}",
            e.name(),
            ms(t.p50),
            ms(t.p90),
            ms(t.p99),
            ms(t.mean),
            ms(t.max),
            ok,
            bqs.len()
        );
    }
    println!("split by outcome (ms): routed p50 / p99 / mean | unrouted p50 / p99 / mean");
    for &e in engines {
        let ok = |x: &Run| x.bare_fee.is_some() || x.answer.as_ref().is_some_and(Answer::is_ok);
        let (yes, no): (Vec<Run>, Vec<Run>) = r(e).iter().cloned().partition(ok);
        let (ty, tn) = (times(&yes), times(&no));
        println!(
            "{:<20} {:>4} routed {:>8} {:>8} {:>8} | {:>4} unrouted {:>8} {:>8} {:>8}",
            e.name(),
            yes.len(),
            ms(ty.p50),
            ms(ty.p99),
            ms(ty.mean),
            no.len(),
            ms(tn.p50),
            ms(tn.p99),
            ms(tn.mean)
        );
    }
    println!("\n== speed ratios (x = times faster; target in brackets) ==");
    let ratio = |a: Engine, b: Engine, label: &str, target: &str| {
        if !engines.contains(&a) || !engines.contains(&b) {
            return;
        }
        let (ta, tb) = (t_of(a), t_of(b));
        // per-query ratio, median
        let mut per: Vec<f64> = r(a)
            .iter()
            .zip(r(b))
            .map(|(x, y)| x.ns as f64 / y.ns.max(1) as f64)
            .collect();
        println!(
            "{label:<34} p50 {:>7.1}x  p90 {:>7.1}x  p99 {:>7.1}x  mean {:>7.1}x  median of per-query ratios {:>7.1}x   [{target}]",
            ta.p50 / tb.p50, ta.p90 / tb.p90, ta.p99 / tb.p99, ta.mean / tb.mean, median(&mut per)
        );
    };
    ratio(
        Engine::LdkSingle,
        Engine::LnSingle,
        "LDK single / lnroute single",
        "p50 ≥ 30x, p99 ≥ 30x",
    );
    ratio(
        Engine::LdkMpp,
        Engine::LnMpp,
        "LDK MPP / lnroute MPP",
        "p50 ≥ 15x",
    );
    ratio(
        Engine::LdkSingle,
        Engine::Bare,
        "LDK single / bare Dijkstra",
        "info",
    );
    ratio(
        Engine::LnSingle,
        Engine::Bare,
        "lnroute single / bare (slowdown)",
        "≤ 3x",
    );
    ratio(
        Engine::LnMpp,
        Engine::Bare,
        "lnroute MPP / bare (slowdown)",
        "info",
    );

    println!("\n== success and SPEC §4 check ==");
    for &(ln, ldk, qs) in &[
        (Engine::LnSingle, Engine::LdkSingle, q1),
        (Engine::LnMpp, Engine::LdkMpp, qm),
    ] {
        if !engines.contains(&ln) {
            continue;
        }
        for e in [ln, ldk] {
            if !engines.contains(&e) {
                continue;
            }
            let mut bad = Vec::new();
            for (i, x) in r(e).iter().enumerate() {
                if let Some(a) = &x.answer {
                    if let Err(m) = check_answer(g, &qs[i], a) {
                        bad.push(format!("q{i}: {m}"));
                    }
                }
            }
            let mut reasons = std::collections::BTreeMap::<String, usize>::new();
            for x in r(e) {
                if let Some(a) = x.answer.as_ref().filter(|a| !a.is_ok()) {
                    let why = x
                        .ldk_error
                        .clone()
                        .or_else(|| a.reason.clone())
                        .or_else(|| a.error.clone())
                        .unwrap_or_default();
                    *reasons.entry(why).or_default() += 1;
                }
            }
            println!(
                "{:<16} SPEC violations: {}{}   failures by reason: {:?}",
                e.name(),
                bad.len(),
                if bad.is_empty() {
                    String::new()
                } else {
                    format!(" e.g. {:?}", &bad[..bad.len().min(5)])
                },
                reasons
            );
        }
        if !engines.contains(&ldk) {
            continue;
        }
        let missed: Vec<usize> = (0..bqs.len())
            .filter(|&i| {
                r(ldk)[i].answer.as_ref().is_some_and(Answer::is_ok)
                    && !r(ln)[i].answer.as_ref().is_some_and(Answer::is_ok)
            })
            .collect();
        let extra = (0..bqs.len())
            .filter(|&i| {
                !r(ldk)[i].answer.as_ref().is_some_and(Answer::is_ok)
                    && r(ln)[i].answer.as_ref().is_some_and(Answer::is_ok)
            })
            .count();
        println!(
            "{} vs {}: LDK routed but lnroute did not: {} (must be 0){}; lnroute routed but LDK did not: {}",
            ln.name(),
            ldk.name(),
            missed.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!(
                    " -> {:?}",
                    missed
                        .iter()
                        .take(20)
                        .map(|&i| format!(
                            "q{i} {}→{} {} msat: {}",
                            &q1[i].source[..12],
                            &q1[i].target[..12],
                            bqs[i].amount_msat,
                            r(ln)[i].answer.as_ref().and_then(|a| a.reason.clone()).unwrap_or_default()
                        ))
                        .collect::<Vec<_>>()
                )
            },
            extra
        );
    }

    println!("\n== route quality ==");
    println!("prob mean = lnroute's uniform-liquidity model with no knowledge, evaluated on each engine's route (same function for both); own est = lnroute's own answer.probability; fees in msat; cltv without LDK's shadow offset");
    let amounts: Vec<u64> = bqs.iter().map(|b| b.amount_msat).collect();
    println!(
        "{:<16} {:<20} {:>5} {:>11} {:>11} {:>8} {:>9} {:>6} {:>9} {:>9} {:>7}",
        "engine",
        "over",
        "n",
        "fee median",
        "fee mean",
        "ppm med",
        "hops mean",
        "parts",
        "prob mean",
        "own est",
        "cltv"
    );
    for &(ln, ldk) in &[
        (Engine::LnSingle, Engine::LdkSingle),
        (Engine::LnMpp, Engine::LdkMpp),
    ] {
        if !engines.contains(&ln) || !engines.contains(&ldk) {
            continue;
        }
        let both = |i: usize| {
            r(ln)[i].answer.as_ref().is_some_and(Answer::is_ok)
                && r(ldk)[i].answer.as_ref().is_some_and(Answer::is_ok)
        };
        for (e, over, q) in [
            (ln, "own successes", quality(r(ln), &amounts, &|_| true)),
            (ldk, "own successes", quality(r(ldk), &amounts, &|_| true)),
            (ln, "both routed", quality(r(ln), &amounts, &both)),
            (ldk, "both routed", quality(r(ldk), &amounts, &both)),
        ] {
            println!(
                "{:<16} {:<20} {:>5} {:>11.0} {:>11.1} {:>8.1} {:>9.2} {:>6.2} {:>9.4} {:>9} {:>7.1}",
                e.name(), over, q.n, q.fee_median, q.fee_mean, q.fee_ppm_median, q.hops_mean,
                q.parts_mean, q.prob_mean,
                if matches!(e, Engine::LnSingle | Engine::LnMpp) { format!("{:.4}", q.est_mean) } else { "-".into() },
                q.cltv_mean
            );
        }
        let (mut cheaper, mut equal, mut dearer) = (0, 0, 0);
        for i in (0..bqs.len()).filter(|&i| both(i)) {
            let f = |e: Engine| {
                r(e)[i]
                    .answer
                    .as_ref()
                    .and_then(|a| a.fee_msat)
                    .unwrap_or(0)
            };
            match f(ln).cmp(&f(ldk)) {
                std::cmp::Ordering::Less => cheaper += 1,
                std::cmp::Ordering::Equal => equal += 1,
                std::cmp::Ordering::Greater => dearer += 1,
            }
        }
        let shadow: Vec<f64> = r(ldk)
            .iter()
            .flat_map(|x| x.shadow_cltv.iter().map(|&s| s as f64))
            .collect();
        println!(
            "  {} fee vs {} on common queries: cheaper {cheaper}, equal {equal}, dearer {dearer}; LDK's mean shadow CLTV offset (removed) {:.1}",
            ln.name(), ldk.name(), mean(&shadow)
        );
    }
    if engines.contains(&Engine::Bare) {
        let bare: Vec<f64> = r(Engine::Bare)
            .iter()
            .filter_map(|x| x.bare_fee.map(|f| f as f64))
            .collect();
        println!(
            "bare fee Dijkstra (no budgets, no probability): {} paths, fee median {:.0}, mean {:.1} msat (the fee floor)",
            bare.len(), median(&mut bare.clone()), mean(&bare)
        );
    }
}

fn write_json(path: &str, bqs: &[BenchQuery], engines: &[Engine], runs: &[Vec<Run>]) {
    let mut rows = Vec::with_capacity(bqs.len());
    for (i, b) in bqs.iter().enumerate() {
        let mut row = serde_json::json!({"i": i, "source": b.source.0, "target": b.target.0, "amount_msat": b.amount_msat});
        for &e in engines {
            let x = &runs[e as usize][i];
            row[e.name()] = serde_json::json!({
                "ns": x.ns,
                "ok": x.answer.as_ref().map(Answer::is_ok).unwrap_or(x.bare_fee.is_some()),
                "fee_msat": x.answer.as_ref().and_then(|a| a.fee_msat).or(x.bare_fee),
                "parts": x.answer.as_ref().map(|a| a.parts.len()),
                "hops": x.answer.as_ref().map(|a| a.parts.iter().map(|p| p.hops.len()).collect::<Vec<_>>()),
                "probability": x.answer.as_ref().and_then(|a| a.probability),
                "model_probability": x.model_prob,
                "reason": x.ldk_error.clone().or_else(|| x.answer.as_ref().and_then(|a| a.reason.clone())),
            });
        }
        rows.push(row);
    }
    match std::fs::write(
        path,
        serde_json::to_string_pretty(&rows).unwrap_or_default(),
    ) {
        Ok(()) => println!("per-query results written to {path}"),
        Err(e) => eprintln!("error: cannot write {path}: {e}"),
    }
}
