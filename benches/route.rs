//! Criterion benchmarks of one route query, over a fixed random query set (each iteration
//! routes the next query of the set, cyclically): lnroute single-path and MPP, the bare
//! fee-only Dijkstra, and LDK `find_route` (default `ProbabilisticScorer`) single and MPP.
//!
//! ```text
//! cargo bench --bench route                       # 2026 mainnet snapshot, 1000 queries
//! LNROUTE_BENCH_GRAPH=synthetic cargo bench --bench route
//! ```
//! `LNROUTE_BENCH_GRAPH`: `2026` (default; falls back to `synthetic` when the data is absent),
//! `2024`, `synthetic[:NODES[:CHANNELS]]` or a `.lnrg` path. `LNROUTE_BENCH_QUERIES`: query set
//! size (1000). LDK runs with few samples (flat sampling) so the bench finishes in minutes; use
//! `benches/compare_ldk.rs` for the per-query distribution (p50/p99) and route quality.

mod common;

use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use lnroute::ldk::LdkRouter;
use lnroute::router::baseline::{bare_fee_dijkstra, BareState};
use lnroute::router::{Query, Router, SearchState};

use common::{criterion_dir, env_graph, estimate_ns, random_queries};

const GROUP: &str = "route";

fn benches(c: &mut Criterion) {
    let bg = env_graph();
    let g = bg.graph.clone();
    let n: usize = std::env::var("LNROUTE_BENCH_QUERIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let bqs = random_queries(&g, n, 1);
    let q1: Vec<Query> = bqs
        .iter()
        .enumerate()
        .map(|(i, b)| b.query(&g, i, 1))
        .collect();
    let qm: Vec<Query> = bqs
        .iter()
        .enumerate()
        .map(|(i, b)| b.query(&g, i, 10))
        .collect();
    eprintln!("graph: {}; {} queries (seed 1)", bg.description, bqs.len());
    let router = Router::new(g.clone());
    let ldk = LdkRouter::new(g.clone());
    let next = Cell::new(0usize);
    let pick = || {
        let i = next.get();
        next.set((i + 1) % bqs.len());
        i
    };

    let mut grp = c.benchmark_group(GROUP);
    grp.sample_size(30)
        .measurement_time(Duration::from_secs(10));
    let mut st = SearchState::new();
    grp.bench_function("lnroute_single", |b| {
        b.iter(|| black_box(router.route(&q1[pick()], &mut st)))
    });
    // MPP has a long tail (failing queries retry splits): flat samples, more time.
    grp.sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(20));
    grp.bench_function("lnroute_mpp", |b| {
        b.iter(|| black_box(router.route(&qm[pick()], &mut st)))
    });
    let mut bare = BareState::default();
    grp.sampling_mode(SamplingMode::Auto)
        .measurement_time(Duration::from_secs(10));
    grp.bench_function("bare_dijkstra", |b| {
        b.iter(|| {
            let q = &bqs[pick()];
            black_box(bare_fee_dijkstra(
                &g,
                q.source.0,
                q.target.0,
                q.amount_msat,
                &mut bare,
            ))
        })
    });
    // LDK is ~100x slower per query: few, flat samples.
    grp.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(30));
    grp.bench_function("ldk_single", |b| {
        b.iter(|| black_box(ldk.route_detailed(&q1[pick()], 1).find_route_ns))
    });
    grp.bench_function("ldk_mpp", |b| {
        b.iter(|| black_box(ldk.route_detailed(&qm[pick()], 10).find_route_ns))
    });
    grp.finish();
}

fn main() {
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    // Ratios from criterion's estimates (mean time per query over the cycled query set).
    let est = |f: &str| estimate_ns(GROUP, f);
    println!(
        "\nratios (criterion mean per query, last run of each in {}; median in brackets):",
        criterion_dir().display()
    );
    for (a, b, what) in [
        (
            "ldk_single",
            "lnroute_single",
            "LDK single / lnroute single (target ≥ 30x)",
        ),
        (
            "ldk_mpp",
            "lnroute_mpp",
            "LDK MPP / lnroute MPP (target ≥ 15x)",
        ),
        (
            "lnroute_single",
            "bare_dijkstra",
            "lnroute single / bare Dijkstra (target ≤ 3x)",
        ),
        (
            "lnroute_mpp",
            "bare_dijkstra",
            "lnroute MPP / bare Dijkstra",
        ),
        ("ldk_single", "bare_dijkstra", "LDK single / bare Dijkstra"),
    ] {
        match (est(a), est(b)) {
            (Some(x), Some(y)) => println!(
                "  {what:<48} {:>8.1}x  [{:.1}x]   ({:.3} ms vs {:.3} ms)",
                x.0 / y.0,
                x.1 / y.1,
                x.0 / 1e6,
                y.0 / 1e6
            ),
            _ => println!("  {what:<48} (not measured in this run)"),
        }
    }
}
