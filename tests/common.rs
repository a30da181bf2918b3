//! Shared test helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The real-data directory: `$LNROUTE_DATA_DIR`, else `../shared/data` next to the crate.
/// Returns `None` (test skips) when absent, unless `LNROUTE_REQUIRE_DATA=1`, then panics.
pub fn data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("LNROUTE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    if dir.join("SOURCES.md").exists() || dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("LNROUTE_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!(
            "real data required (LNROUTE_REQUIRE_DATA=1) but {} is missing",
            dir.display()
        );
    }
    eprintln!(
        "skipping: real data not found at {} (set LNROUTE_DATA_DIR)",
        dir.display()
    );
    None
}

/// A file under the data dir; `None` to skip (or panic when data is required).
pub fn data_file(rel: &str) -> Option<PathBuf> {
    let p = data_dir()?.join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("LNROUTE_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!("real data file required but missing: {}", p.display());
    }
    eprintln!("skipping: {} missing", p.display());
    None
}

/// Path to the built `lnroute` binary (for CLI tests).
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lnroute"))
}

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

use lnroute::gossip::{ChannelRecord, GossipSet, HalfRecord};
use lnroute::graph::{builder, Graph};
use lnroute::router::Query;
use lnroute::types::{NodeId, NodeIdx, Scid};
use rand::{Rng, SeedableRng};

/// A query between two distinct random nodes of `g` (source first, then target, then the
/// amount, drawn from `amounts_msat`, in that order from `rng`).
pub fn random_query(rng: &mut impl Rng, g: &Graph, amounts_msat: std::ops::Range<u64>) -> Query {
    let n = g.node_count() as u32;
    let s = rng.gen_range(0..n);
    let t = (s + rng.gen_range(1..n)) % n;
    Query::new(
        g.node_id(NodeIdx(s)),
        g.node_id(NodeIdx(t)),
        rng.gen_range(amounts_msat),
    )
}

/// A deterministic fake node id for index `i` (valid prefix, distinct per `i`).
pub fn node_id(i: u32) -> NodeId {
    let mut b = [0u8; 33];
    b[0] = 2;
    b[1..5].copy_from_slice(&i.to_be_bytes());
    b[5] = 0xaa;
    NodeId(b)
}

/// A half policy with the given fee and delta, no htlc limits beyond capacity.
pub fn policy(base_fee_msat: u32, fee_ppm: u32, cltv_expiry_delta: u16) -> HalfRecord {
    HalfRecord {
        base_fee_msat,
        fee_ppm,
        cltv_expiry_delta,
        htlc_minimum_msat: 0,
        htlc_maximum_msat: None,
        disabled: false,
        last_update: 1_700_000_000,
        inbound_fee: None,
    }
}

/// A channel between test nodes `a` and `b` with policies for `a→b` and `b→a`.
pub fn channel(
    i: u32,
    a: u32,
    b: u32,
    capacity_sat: u64,
    ab: Option<HalfRecord>,
    ba: Option<HalfRecord>,
) -> ChannelRecord {
    ChannelRecord::ordered(
        Scid::new(600_000 + i, i % 1000, (i % 7) as u16),
        node_id(a),
        node_id(b),
        Some(capacity_sat),
        ab,
        ba,
    )
}

/// A channel between test nodes `a` and `b` that charges nothing either way (delta 40).
pub fn free_channel(i: u32, a: u32, b: u32, capacity_sat: u64) -> ChannelRecord {
    channel(
        i,
        a,
        b,
        capacity_sat,
        Some(policy(0, 0, 40)),
        Some(policy(0, 0, 40)),
    )
}

pub fn graph_of(channels: Vec<ChannelRecord>) -> Graph {
    let set = GossipSet {
        channels,
        ..Default::default()
    };
    Graph::from_data(&builder::build(&set), "test").expect("test graph builds")
}

/// A random graph of `n` nodes: random channels with random fees, deltas and capacities;
/// some halves disabled or missing. No htlc minimums.
pub fn random_graph(seed: u64, n: u32, channels: u32) -> Graph {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut chans = Vec::new();
    for i in 0..channels {
        let a = rng.gen_range(0..n);
        let mut b = rng.gen_range(0..n);
        if a == b {
            b = (a + 1) % n;
        }
        let half = |rng: &mut rand_chacha::ChaCha8Rng| {
            if rng.gen_bool(0.1) {
                return None;
            }
            let mut p = policy(
                rng.gen_range(0..3) * 500,
                rng.gen_range(0..2000),
                [18, 40, 80, 144][rng.gen_range(0..4)],
            );
            p.disabled = rng.gen_bool(0.1);
            Some(p)
        };
        let (ab, ba) = (half(&mut rng), half(&mut rng));
        chans.push(channel(i, a, b, rng.gen_range(10_000..5_000_000), ab, ba));
    }
    graph_of(chans)
}
