//! Shared by the benches: where the graph comes from, a synthetic graph with real keys, and
//! the fixed random query set.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use lnroute::gossip::{self, ChannelRecord, GossipSet, HalfRecord, ReadOptions};
use lnroute::graph::{builder, Graph};
use lnroute::router::Query;
use lnroute::types::{NodeId, NodeIdx, Scid};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A graph ready for benchmarking: opened from `path` (a temp file when built here).
pub struct BenchGraph {
    pub graph: Arc<Graph>,
    pub path: PathBuf,
    pub description: String,
    _tmp: Option<tempfile::TempDir>,
}

/// The data directory: `$LNROUTE_DATA_DIR`, else `../shared/data` next to the crate.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("LNROUTE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
}

/// Loads the graph named by `source`:
/// - a path to a `.lnrg` file: opened as is;
/// - `2026` / `2024`: the CLN gossmap-compress mainnet snapshot of that year (with its node
///   map) from the data directory, ingested through the library into a temp `.lnrg`;
/// - `synthetic[:NODES[:CHANNELS]]`: a generated graph with real keys (default 17,000 nodes,
///   50,000 channels, like the 2026 snapshot).
pub fn load_graph(source: &str) -> Result<BenchGraph, String> {
    if source.ends_with(".lnrg") || Path::new(source).is_file() {
        let path = PathBuf::from(source);
        let g = Graph::open(&path).map_err(|e| e.to_string())?;
        return Ok(BenchGraph {
            graph: Arc::new(g),
            description: format!("{} ({})", path.display(), source),
            path,
            _tmp: None,
        });
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = tmp.path().join("bench.lnrg");
    let (set, description) = if let Some(rest) = source.strip_prefix("synthetic") {
        let mut it = rest.split(':').filter(|s| !s.is_empty());
        let nodes = it.next().and_then(|s| s.parse().ok()).unwrap_or(17_000);
        let chans = it.next().and_then(|s| s.parse().ok()).unwrap_or(50_000);
        (
            synthetic_set(7, nodes, chans),
            format!("synthetic ({nodes} nodes, {chans} channels, seed 7)"),
        )
    } else {
        let (file, map) = match source {
            "2026" => (
                "cln-tests/gossip-store-2026-02-03.compressed",
                "cln-tests/gossip-store-2026-02-03-node-map.xz",
            ),
            "2024" => (
                "cln-tests/gossip-store-2024-09-22.compressed",
                "cln-tests/gossip-store-2024-09-22-node-map.xz",
            ),
            other => return Err(format!("unknown graph source '{other}'")),
        };
        let dir = data_dir();
        let inputs = vec![dir.join(file), dir.join(map)];
        for p in &inputs {
            if !p.exists() {
                return Err(format!("{} missing (set LNROUTE_DATA_DIR)", p.display()));
            }
        }
        let set = gossip::read_all(&inputs, &ReadOptions::default()).map_err(|e| e.to_string())?;
        (
            set,
            format!("{source} mainnet gossmap ({})", dir.join(file).display()),
        )
    };
    let data = builder::build(&set);
    Graph::write(&data, &description, &path).map_err(|e| e.to_string())?;
    let g = Graph::open(&path).map_err(|e| e.to_string())?;
    Ok(BenchGraph {
        graph: Arc::new(g),
        path,
        description,
        _tmp: Some(tmp),
    })
}

/// Real secp256k1 keys for nodes `0..n` (LDK needs valid public keys for payer and payee).
pub fn node_keys(n: u32) -> Vec<NodeId> {
    let secp = Secp256k1::signing_only();
    (0..n)
        .map(|i| {
            let mut b = [0u8; 32];
            b[0] = 1;
            b[28..].copy_from_slice(&i.to_be_bytes());
            let sk = SecretKey::from_slice(&b).expect("valid secret key");
            NodeId(PublicKey::from_secret_key(&secp, &sk).serialize())
        })
        .collect()
}

/// A synthetic network shaped roughly like mainnet: preferential attachment (a few hubs with
/// thousands of channels), fees and deltas drawn from common values, ~35 % of halves disabled,
/// a few missing, htlc maxima at or below capacity, some htlc minimums.
pub fn synthetic_set(seed: u64, nodes: u32, channels: u32) -> GossipSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let keys = node_keys(nodes);
    let pick = |rng: &mut ChaCha8Rng| -> u32 {
        // skewed towards low indices (u³): a few hubs get most channel ends
        let u: f64 = rng.gen();
        ((u * u * u) * nodes as f64) as u32 % nodes
    };
    let mut chans = Vec::with_capacity(channels as usize);
    for i in 0..channels {
        let a = pick(&mut rng);
        let mut b = rng.gen_range(0..nodes);
        if a == b {
            b = (a + 1) % nodes;
        }
        let capacity_sat: u64 = (10f64.powf(rng.gen_range(4.5..8.0))) as u64;
        let half = |rng: &mut ChaCha8Rng| -> Option<HalfRecord> {
            if rng.gen_bool(0.03) {
                return None;
            }
            let base = [0, 0, 0, 1, 1000, 1000, 500][rng.gen_range(0..7)];
            let ppm = [0, 1, 10, 50, 100, 200, 500, 1000, 2500][rng.gen_range(0..9)];
            let cltv = [18, 34, 40, 80, 144, 144, 288][rng.gen_range(0..7)];
            let htlc_max = match rng.gen_range(0..3) {
                0 => None,
                1 => Some(capacity_sat * 990),
                _ => Some(capacity_sat * 1000 / rng.gen_range(1..10)),
            };
            Some(HalfRecord {
                base_fee_msat: base,
                fee_ppm: ppm,
                cltv_expiry_delta: cltv,
                htlc_minimum_msat: [1, 1, 1000, 1_000_000][rng.gen_range(0..4)],
                htlc_maximum_msat: htlc_max,
                disabled: rng.gen_bool(0.35),
                last_update: 1_760_000_000,
                inbound_fee: None,
            })
        };
        let (ab, ba) = (half(&mut rng), half(&mut rng));
        chans.push(ChannelRecord::ordered(
            Scid::new(700_000 + i / 3000, i % 3000, 0),
            keys[a as usize],
            keys[b as usize],
            Some(capacity_sat),
            ab,
            ba,
        ));
    }
    GossipSet {
        channels: chans,
        source_summary: "synthetic".into(),
        ..Default::default()
    }
}

/// One benchmark query (the same for every engine): indices and the public query.
#[derive(Clone, Debug)]
pub struct BenchQuery {
    pub source: NodeIdx,
    pub target: NodeIdx,
    pub amount_msat: u64,
}

impl BenchQuery {
    /// The SPEC query with all defaults but `max_parts`.
    pub fn query(&self, g: &Graph, i: usize, max_parts: u32) -> Query {
        let mut q = Query::new(
            g.node_id(self.source),
            g.node_id(self.target),
            self.amount_msat,
        );
        q.id = Some(serde_json::json!(i));
        q.max_parts = Some(max_parts);
        q
    }
}

/// `n` random queries, fixed by `seed`: source drawn among nodes with an enabled outgoing half,
/// target among nodes with an enabled incoming half (source ≠ target), amount log-uniform in
/// 1,000 – 1,000,000 sat (whole sat).
pub fn random_queries(g: &Graph, n: usize, seed: u64) -> Vec<BenchQuery> {
    let nodes = g.node_count() as u32;
    let senders: Vec<u32> = (0..nodes)
        .filter(|&v| g.out_halves(NodeIdx(v)).any(|h| g.half_enabled(h)))
        .collect();
    let receivers: Vec<u32> = (0..nodes)
        .filter(|&v| !g.route_in(NodeIdx(v)).is_empty())
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    if senders.is_empty() || receivers.is_empty() {
        return out;
    }
    while out.len() < n {
        let s = senders[rng.gen_range(0..senders.len())];
        let t = receivers[rng.gen_range(0..receivers.len())];
        if s == t {
            continue;
        }
        let sat = 10f64.powf(rng.gen_range(3.0f64..6.0)).round() as u64;
        out.push(BenchQuery {
            source: NodeIdx(s),
            target: NodeIdx(t),
            amount_msat: sat.clamp(1_000, 1_000_000) * 1000,
        });
    }
    out
}

/// Reads `--name value` from the process arguments (harness = false benches get cargo's own
/// `--bench` too, which is ignored).
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            let p = format!("{name}=");
            args.iter()
                .find_map(|a| a.strip_prefix(&p).map(str::to_string))
        })
}

pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// Where criterion writes its results: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else `target/criterion` in the crate (set explicitly so the ratios below can read them).
pub fn criterion_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(d);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d).join("criterion"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion"),
    }
}

/// Criterion's (mean, median) estimate in ns of `group/function` from its last run, if any.
pub fn estimate_ns(group: &str, function: &str) -> Option<(f64, f64)> {
    let p = criterion_dir()
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).ok()?).ok()?;
    Some((
        v["mean"]["point_estimate"].as_f64()?,
        v["median"]["point_estimate"].as_f64()?,
    ))
}

/// The graph named by `$LNROUTE_BENCH_GRAPH` (default `2026`; the 2026 snapshot falls back to a
/// synthetic graph when the real data is absent).
#[allow(dead_code)]
pub fn env_graph() -> BenchGraph {
    let src = std::env::var("LNROUTE_BENCH_GRAPH").unwrap_or_else(|_| "2026".into());
    match load_graph(&src) {
        Ok(g) => g,
        Err(e) if src == "2026" => {
            eprintln!("note: {e}; using a synthetic graph");
            load_graph("synthetic").expect("synthetic graph")
        }
        Err(e) => panic!("graph '{src}': {e}"),
    }
}
