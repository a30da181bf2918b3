//! Opening a graph: lnroute's `Graph::open` (mmap + header, full-file checksum, rkyv and
//! structure validation) vs reading back LDK's serialized `NetworkGraph` of the same channels
//! (`ReadableArgs` with a logger), side by side in one run.
//!
//! ```text
//! cargo bench --bench graph                 # 2026 mainnet snapshot (LNROUTE_BENCH_GRAPH as in route.rs)
//! ```
//! LDK reads from bytes already in memory (no file I/O), lnroute opens the file (page cache
//! warm): this favours LDK. Targets: open < 1 ms, ≥ 100x faster than LDK's read.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use lightning::util::ser::{ReadableArgs, Writeable};
use lnroute::graph::Graph;
use lnroute::ldk::{build_network_graph, LdkGraph, NULL_LOGGER};

use common::{criterion_dir, env_graph, estimate_ns};

const GROUP: &str = "graph_open";

fn ldk_read(bytes: &[u8]) -> LdkGraph {
    let mut r = bytes;
    LdkGraph::read(&mut r, &NULL_LOGGER).expect("LDK reads its own graph back")
}

fn main() {
    let bg = env_graph();
    let g = &bg.graph;
    let now = lnroute::graph::now_unix() as u32;
    let (net, stats) = build_network_graph(g, now);
    let bytes = net.encode();
    let back = ldk_read(&bytes);
    assert_eq!(
        back.read_only().channels().len(),
        stats.channels as usize,
        "LDK round trip keeps every channel"
    );
    let file_len = std::fs::metadata(&bg.path).map(|m| m.len()).unwrap_or(0);
    println!(
        "graph: {}: {} channels; lnroute file {} bytes, LDK serialization {} bytes",
        bg.description,
        stats.channels,
        file_len,
        bytes.len()
    );

    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    {
        let mut grp = c.benchmark_group(GROUP);
        grp.sample_size(50)
            .measurement_time(Duration::from_secs(10));
        grp.bench_function("lnroute_open", |b| {
            b.iter(|| black_box(Graph::open(&bg.path).expect("opens")))
        });
        grp.sample_size(10)
            .measurement_time(Duration::from_secs(15));
        grp.bench_function("ldk_read", |b| b.iter(|| black_box(ldk_read(&bytes))));
        grp.finish();
    }
    c.final_summary();

    // Side by side, interleaved, outside criterion too (medians of 21 rounds).
    let (mut a, mut l) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        let t = Instant::now();
        black_box(Graph::open(&bg.path).expect("opens"));
        a.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        black_box(ldk_read(&bytes));
        l.push(t.elapsed().as_secs_f64());
    }
    a.sort_by(f64::total_cmp);
    l.sort_by(f64::total_cmp);
    let (ma, ml) = (a[a.len() / 2], l[l.len() / 2]);
    println!(
        "\ninterleaved medians (21 rounds): lnroute Graph::open {:.3} ms, LDK NetworkGraph::read {:.1} ms -> {:.0}x faster (target: < 1 ms and ≥ 100x)",
        ma * 1e3,
        ml * 1e3,
        ml / ma
    );
    if let (Some(x), Some(y)) = (
        estimate_ns(GROUP, "lnroute_open"),
        estimate_ns(GROUP, "ldk_read"),
    ) {
        println!(
            "criterion means: lnroute {:.3} ms, LDK {:.1} ms -> {:.0}x (medians {:.3} ms vs {:.1} ms -> {:.0}x)",
            x.0 / 1e6,
            y.0 / 1e6,
            y.0 / x.0,
            x.1 / 1e6,
            y.1 / 1e6,
            y.1 / x.1
        );
    }
}
