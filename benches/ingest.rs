//! Signed-gossip ingest: how many signatures per second are verified on one thread and on all
//! threads, against a parse-only run (`verify: false`) of the same store, to show that
//! verification dominates ingest.
//!
//! The store is a generated mainnet-like network (`LNROUTE_BENCH_NODES`, default 20,000 nodes,
//! seed 1), cached under the target directory. A one-shot timing of each variant is printed
//! first (with the 1-thread / all-threads ratio), then criterion measures them (flat sampling,
//! 10 samples; throughput in signatures).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use lnroute::gossip::generate::{write_store, GenerateOptions};
use lnroute::gossip::{store, Collector, GossipSet, ReadOptions};

fn store_file(nodes: u32) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("bench-ingest-{nodes}-seed1.store"));
    if !path.exists() {
        let t = Instant::now();
        let s = write_store(
            &path,
            &GenerateOptions {
                nodes,
                channels: None,
                seed: 1,
                progress: true,
            },
        )
        .expect("generate bench store");
        eprintln!(
            "generated {} ({} channels, {} bytes) in {:.1}s",
            path.display(),
            s.channels,
            s.bytes,
            t.elapsed().as_secs_f64()
        );
    }
    path
}

fn ingest(bytes: &[u8], verify: bool) -> GossipSet {
    let opts = ReadOptions {
        verify,
        ..ReadOptions::default()
    };
    let mut c = Collector::new(opts);
    store::read(Path::new("bench.store"), bytes, &mut c).expect("valid store");
    c.finish()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn time_once(f: impl FnOnce() -> GossipSet) -> (Duration, GossipSet) {
    let t = Instant::now();
    let set = f();
    (t.elapsed(), set)
}

fn main() {
    let nodes: u32 = std::env::var("LNROUTE_BENCH_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let bytes = std::fs::read(store_file(nodes)).expect("read bench store");
    let all = rayon::current_num_threads();
    let one = pool(1);
    let many = pool(all);

    // One-shot timings (after a warm-up parse) and the ratio.
    let _ = ingest(&bytes, false);
    let (parse, p) = time_once(|| many.install(|| ingest(&bytes, false)));
    let (v1, s1) = time_once(|| one.install(|| ingest(&bytes, true)));
    let (vn, sn) = time_once(|| many.install(|| ingest(&bytes, true)));
    assert!(s1.stats.rejected.is_empty() && sn.stats.rejected.is_empty());
    assert_eq!(p.channels.len(), sn.channels.len());
    let sigs = sn.stats.signatures_checked;
    let rate = |d: Duration| sigs as f64 / d.as_secs_f64();
    println!(
        "store: {nodes} nodes, {} channels, {} bytes, {sigs} signatures",
        sn.channels.len(),
        bytes.len()
    );
    println!(
        "parse only ({all} threads): {:.3}s = {:.1}% of verified ingest on {all} threads, {:.1}% on 1",
        parse.as_secs_f64(),
        100.0 * parse.as_secs_f64() / vn.as_secs_f64(),
        100.0 * parse.as_secs_f64() / v1.as_secs_f64()
    );
    println!(
        "verified ingest, 1 thread: {:.3}s, {:.0} signatures/s",
        v1.as_secs_f64(),
        rate(v1)
    );
    println!(
        "verified ingest, {all} threads: {:.3}s, {:.0} signatures/s",
        vn.as_secs_f64(),
        rate(vn)
    );
    println!(
        "speed-up {all} threads / 1 thread: {:.2}x",
        v1.as_secs_f64() / vn.as_secs_f64()
    );

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("ingest");
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.throughput(Throughput::Elements(sigs));
    let budget = |d: Duration| d.mul_f64(11.0).max(Duration::from_secs(2));
    g.measurement_time(budget(parse));
    g.bench_function("parse_only", |b| {
        b.iter(|| many.install(|| black_box(ingest(&bytes, false))))
    });
    g.measurement_time(budget(v1));
    g.bench_function("verify_1_thread", |b| {
        b.iter(|| one.install(|| black_box(ingest(&bytes, true))))
    });
    g.measurement_time(budget(vn));
    g.bench_function(format!("verify_{all}_threads"), |b| {
        b.iter(|| many.install(|| black_box(ingest(&bytes, true))))
    });
    g.finish();
    c.final_summary();
}
