//! `lnroute generate`: a synthetic, signed, mainnet-like network written as a CLN gossip_store.
//!
//! Shape, calibrated on the CLN mainnet snapshot of 2026-02-03 (17,324 nodes, 50,808 channels;
//! see `../shared/data/SOURCES.md` §1):
//! - **Degrees**: preferential attachment by a static, heavy-tailed node weight. Node of rank `r`
//!   has weight `(r + 3)^-0.8`; 65 % of nodes past rank 50 are "leaves" with 3 % of that weight.
//!   Every node first attaches to an earlier node chosen by weight (so the graph is connected
//!   and every node has a channel), the remaining channels join two nodes both chosen by
//!   weight (at most two parallel channels per pair). At 17k nodes this gives a top degree of
//!   ≈ 2,000, ≈ 54 % of nodes with one channel, median degree 1 — as on mainnet.
//! - **Channels** ≈ [`CHANNELS_PER_NODE`] × nodes unless given.
//! - **Capacity**: log-normal, median 2,000,000 sat, σ = 2 (ln), clamped to 20,000 sat – 10 BTC.
//! - **Policies** per node (most nodes use one CLTV delta and one fee everywhere) with per-channel
//!   variation: base fee mostly 0 or 1,000 msat; ppm 0 / 1 for a quarter, else log-normal
//!   (median ≈ 240, clamped to 5,000), overall median ≈ 100; CLTV delta from
//!   {18, 34, 40, 72, 80, 144}; htlc minimum mostly 1,000 or 1 msat; htlc maximum mostly
//!   0.99 × capacity, else capacity or lower; ≈ 7 % of halves disabled (some nodes offline).
//! - **Signatures**: real secp256k1 keys (node keys and per-channel bitcoin keys) derived from
//!   the seed; every message correctly signed (RFC 6979, so the bytes are deterministic),
//!   mainnet chain hash, CLN amount record after each announcement.
//!
//! Determinism: everything is drawn from ChaCha streams keyed by the seed, one stream per node
//! and per channel (index in the stream id), so the work runs in parallel and the same seed gives
//! the same bytes on any machine and thread count.

use std::io::Write;
use std::path::Path;

use bitcoin::constants::ChainHash;
use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey, SignOnly};
use indicatif::{ProgressBar, ProgressStyle};
use lightning::ln::msgs::{
    SocketAddress, UnsignedChannelAnnouncement, UnsignedChannelUpdate, UnsignedNodeAnnouncement,
};
use lightning::routing::gossip::{NodeAlias, NodeId as LdkNodeId};
use lightning::types::features::{ChannelFeatures, NodeFeatures};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::store;
use super::wire;
use crate::types::Scid;

/// Channels per node when `--channels` is not given: mainnet 2026-02-03 had 50,808 channels
/// among 17,324 nodes (2.93).
pub const CHANNELS_PER_NODE: f64 = 2.93;
/// Timestamps lie in the 14 days before this time (2026-01-01T00:00:00Z), never "now", so the
/// output depends on the seed only.
pub const BASE_TIME: u32 = 1_767_225_600;
const TIME_SPREAD_S: u32 = 14 * 86_400;

const WEIGHT_EXPONENT: f64 = 0.8;
const WEIGHT_RANK_OFFSET: f64 = 3.0;
const LEAF_SHARE: f64 = 0.65;
const LEAF_WEIGHT: f64 = 0.03;
const LEAF_MIN_RANK: u32 = 50;
const MAX_PARALLEL_CHANNELS: u8 = 2;
const CAPACITY_MEDIAN_SAT: f64 = 2_000_000.0;
const CAPACITY_LN_SIGMA: f64 = 2.0;
const CAPACITY_MIN_SAT: u64 = 20_000;
const CAPACITY_MAX_SAT: u64 = 1_000_000_000;
const OFFLINE_NODE_SHARE: f64 = 0.03;
const DISABLED_HALF_SHARE: f64 = 0.045;
const CHUNK_CHANNELS: usize = 4096;

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub nodes: u32,
    /// Number of channels; default `nodes × CHANNELS_PER_NODE`.
    pub channels: Option<u64>,
    pub seed: u64,
    /// Show a progress bar on stderr (hidden when stderr is not a terminal).
    pub progress: bool,
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Nodes with at least one channel (all of them, unless `--channels` < nodes − 1).
    pub nodes: u64,
    pub channels: u64,
    pub disabled_halves: u64,
    pub node_announcements: u64,
    pub records: u64,
    pub bytes: u64,
}

/// Per-seed random streams: stream id = domain << 56 | index.
struct Streams {
    key: [u8; 32],
}

const DOMAIN_TOPOLOGY: u64 = 0;
const DOMAIN_NODE: u64 = 1;
const DOMAIN_CHANNEL: u64 = 2;

impl Streams {
    fn new(seed: u64) -> Streams {
        let mut input = b"lnroute-generate-v1".to_vec();
        input.extend_from_slice(&seed.to_le_bytes());
        Streams {
            key: sha256::Hash::hash(&input).to_byte_array(),
        }
    }
    fn rng(&self, domain: u64, index: u64) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::from_seed(self.key);
        r.set_stream((domain << 56) | (index & ((1 << 56) - 1)));
        r
    }
}

fn signer() -> &'static Secp256k1<SignOnly> {
    static CTX: std::sync::OnceLock<Secp256k1<SignOnly>> = std::sync::OnceLock::new();
    CTX.get_or_init(Secp256k1::signing_only)
}

fn secret_key(rng: &mut ChaCha8Rng) -> SecretKey {
    loop {
        let bytes: [u8; 32] = rng.gen();
        if let Ok(k) = SecretKey::from_slice(&bytes) {
            return k;
        }
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Picks a value from `(value, weight)` pairs.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|&(_, w)| w).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for &(v, w) in table {
        if x < w {
            return v;
        }
        x -= w;
    }
    table[0].0
}

const CLTV_DELTAS: [(u16, u32); 6] = [(80, 40), (144, 22), (40, 20), (34, 9), (72, 5), (18, 4)];
const BASE_FEES_MSAT: [(u32, u32); 8] = [
    (0, 46),
    (1000, 42),
    (1, 4),
    (500, 2),
    (100, 2),
    (2000, 2),
    (5000, 1),
    (10_000, 1),
];
const HTLC_MINIMA_MSAT: [(u64, u32); 6] = [
    (1000, 79),
    (1, 11),
    (0, 2),
    (10_000, 3),
    (100_000, 3),
    (1_000_000, 2),
];
const ROUND_PPM: [u32; 9] = [10, 50, 100, 200, 250, 500, 1000, 2000, 5000];

fn draw_ppm(rng: &mut ChaCha8Rng) -> u32 {
    let u: f64 = rng.gen();
    if u < 0.07 {
        return 0;
    }
    if u < 0.25 {
        return 1;
    }
    let x = (240f64.ln() + 1.8 * normal(rng)).exp().clamp(1.0, 5000.0);
    if rng.gen_bool(0.3) {
        // Operators like round numbers.
        let i = ROUND_PPM.partition_point(|&p| (p as f64) < x);
        return ROUND_PPM[i.min(ROUND_PPM.len() - 1)];
    }
    x.round() as u32
}

/// One node's keys and defaults.
struct NodeGen {
    secret: SecretKey,
    pubkey: PublicKey,
    id: [u8; 33],
    cltv_expiry_delta: u16,
    base_fee_msat: u32,
    fee_ppm: u32,
    htlc_minimum_msat: u64,
    offline: bool,
    alias: [u8; 32],
    rgb: [u8; 3],
    address: Option<SocketAddress>,
    timestamp: u32,
}

const ADJECTIVES: [&str; 24] = [
    "Swift",
    "Silent",
    "Golden",
    "Lucky",
    "Brave",
    "Cosmic",
    "Electric",
    "Humble",
    "Midnight",
    "Orange",
    "Quiet",
    "Rapid",
    "Satoshi",
    "Stable",
    "Sunny",
    "Thunder",
    "Wild",
    "Zen",
    "Blue",
    "Frozen",
    "Hidden",
    "Iron",
    "Sovereign",
    "Stacking",
];
const NOUNS: [&str; 24] = [
    "Otter",
    "Falcon",
    "Node",
    "Bolt",
    "Hub",
    "Router",
    "Lightning",
    "Badger",
    "Channel",
    "Sats",
    "Wallet",
    "Forge",
    "Garden",
    "Harbor",
    "Lab",
    "Mountain",
    "Pleb",
    "River",
    "Rocket",
    "Signal",
    "Spark",
    "Station",
    "Tiger",
    "Vault",
];

fn make_alias(rng: &mut ChaCha8Rng, id: &[u8; 33]) -> [u8; 32] {
    let adj = ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())];
    let noun = NOUNS[rng.gen_range(0..NOUNS.len())];
    let s = match rng.gen_range(0..10u8) {
        0..=3 => format!("{adj}{noun}"),
        4 => format!("⚡{adj}{noun}⚡"),
        5 => format!("{}-{}", noun.to_lowercase(), rng.gen_range(1..10_000u32)),
        // CLN's default alias style.
        6 => format!(
            "{}{}-v25.{:02}",
            adj.to_uppercase(),
            noun.to_uppercase(),
            rng.gen_range(2..13u8)
        ),
        // LND's default alias: the key's first 10 bytes in hex.
        7 => hex::encode(&id[..10]),
        _ => format!("{adj} {noun} {}", rng.gen_range(1..100u8)),
    };
    let mut alias = [0u8; 32];
    let mut end = s.len().min(32);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    alias[..end].copy_from_slice(&s.as_bytes()[..end]);
    alias
}

fn make_node(streams: &Streams, i: u32) -> NodeGen {
    let mut rng = streams.rng(DOMAIN_NODE, i as u64);
    let secret = secret_key(&mut rng);
    let pubkey = PublicKey::from_secret_key(signer(), &secret);
    let id = pubkey.serialize();
    let address = match rng.gen_range(0..20u8) {
        0..=11 => Some(SocketAddress::TcpIpV4 {
            addr: [rng.gen_range(1..224), rng.gen(), rng.gen(), rng.gen()],
            port: 9735,
        }),
        12..=16 => Some(SocketAddress::OnionV3 {
            ed25519_pubkey: rng.gen(),
            checksum: rng.gen(),
            version: 3,
            port: 9735,
        }),
        _ => None,
    };
    NodeGen {
        cltv_expiry_delta: weighted(&mut rng, &CLTV_DELTAS),
        base_fee_msat: weighted(&mut rng, &BASE_FEES_MSAT),
        fee_ppm: draw_ppm(&mut rng),
        htlc_minimum_msat: weighted(&mut rng, &HTLC_MINIMA_MSAT),
        offline: rng.gen_bool(OFFLINE_NODE_SHARE),
        alias: make_alias(&mut rng, &id),
        rgb: rng.gen(),
        address,
        timestamp: BASE_TIME - rng.gen_range(0..TIME_SPREAD_S),
        secret,
        pubkey,
        id,
    }
}

/// Channel endpoints (node ranks) and scids, sorted by scid (the order a store fills in).
struct Topology {
    ends: Vec<(u32, u32)>,
    scids: Vec<Scid>,
}

fn topology(streams: &Streams, nodes: u32, channels: u64) -> Topology {
    let mut rng = streams.rng(DOMAIN_TOPOLOGY, 0);
    let n = nodes as usize;
    let mut cum = Vec::with_capacity(n);
    let mut total = 0.0f64;
    for r in 0..nodes {
        let mut w = (r as f64 + WEIGHT_RANK_OFFSET).powf(-WEIGHT_EXPONENT);
        if r >= LEAF_MIN_RANK && rng.gen_bool(LEAF_SHARE) {
            w *= LEAF_WEIGHT;
        }
        total += w;
        cum.push(total);
    }
    // A node among the first `upto`, chosen by weight.
    let pick = |rng: &mut ChaCha8Rng, upto: usize| -> u32 {
        let x = rng.gen::<f64>() * cum[upto - 1];
        cum[..upto].partition_point(|&c| c <= x).min(upto - 1) as u32
    };
    let mut ends = Vec::with_capacity(channels as usize);
    let mut pairs: std::collections::HashMap<(u32, u32), u8> = Default::default();
    for i in 1..n {
        if ends.len() as u64 >= channels {
            break;
        }
        let j = pick(&mut rng, i);
        ends.push((j, i as u32));
        pairs.insert((j, i as u32), 1);
    }
    let mut attempts = 20 * channels + 1000;
    while (ends.len() as u64) < channels && attempts > 0 && n >= 2 {
        attempts -= 1;
        let (a, b) = (pick(&mut rng, n), pick(&mut rng, n));
        if a == b {
            continue;
        }
        let count = pairs.entry((a.min(b), a.max(b))).or_insert(0);
        if *count < MAX_PARALLEL_CHANNELS {
            *count += 1;
            ends.push((a, b));
        }
    }
    let mut used = std::collections::HashSet::with_capacity(ends.len());
    let mut with_scid: Vec<(Scid, (u32, u32))> = ends
        .into_iter()
        .map(|e| loop {
            let scid = Scid::new(
                rng.gen_range(505_000..930_000),
                rng.gen_range(1..3_500),
                weighted(&mut rng, &[(0u16, 60), (1, 35), (2, 4), (3, 1)]),
            );
            if used.insert(scid) {
                break (scid, e);
            }
        })
        .collect();
    with_scid.sort_unstable_by_key(|&(s, _)| s);
    Topology {
        scids: with_scid.iter().map(|&(s, _)| s).collect(),
        ends: with_scid.into_iter().map(|(_, e)| e).collect(),
    }
}

fn sign(digest: &Message, key: &SecretKey) -> [u8; 64] {
    signer().sign_ecdsa(digest, key).serialize_compact()
}

fn node_announcement(node: &NodeGen) -> Vec<u8> {
    let u = UnsignedNodeAnnouncement {
        features: NodeFeatures::from_le_bytes(vec![0xa2, 0x69, 0x02, 0x0a, 0x80, 0x08]),
        timestamp: node.timestamp,
        node_id: LdkNodeId::from_pubkey(&node.pubkey),
        rgb: node.rgb,
        alias: NodeAlias(node.alias),
        addresses: node.address.iter().cloned().collect(),
        excess_address_data: Vec::new(),
        excess_data: Vec::new(),
    };
    let signed = wire::encode_unsigned_node_announcement(&u);
    let digest = Message::from_digest(wire::signed_digest(&signed));
    wire::assemble(
        wire::MSG_NODE_ANNOUNCEMENT,
        &[sign(&digest, &node.secret)],
        &signed,
    )
}

/// The records of channel `k` (announcement, amount, two updates, then the node announcements
/// of endpoints first seen here), and how many halves are disabled.
fn channel_records(
    streams: &Streams,
    k: usize,
    topo: &Topology,
    nodes: &[NodeGen],
    first_seen: &[u32],
) -> (Vec<u8>, u64, u64) {
    let mut rng = streams.rng(DOMAIN_CHANNEL, k as u64);
    let (a, b) = topo.ends[k];
    let scid = topo.scids[k];
    let (na, nb) = (&nodes[a as usize], &nodes[b as usize]);
    let (n1, n2) = if na.id < nb.id { (na, nb) } else { (nb, na) };
    let btc: [SecretKey; 2] = [secret_key(&mut rng), secret_key(&mut rng)];
    let btc_id = |k: &SecretKey| LdkNodeId::from_pubkey(&PublicKey::from_secret_key(signer(), k));
    let ann = UnsignedChannelAnnouncement {
        features: ChannelFeatures::empty(),
        chain_hash: ChainHash::BITCOIN,
        short_channel_id: scid.0,
        node_id_1: LdkNodeId::from_pubkey(&n1.pubkey),
        node_id_2: LdkNodeId::from_pubkey(&n2.pubkey),
        bitcoin_key_1: btc_id(&btc[0]),
        bitcoin_key_2: btc_id(&btc[1]),
        excess_data: Vec::new(),
    };
    let signed = wire::encode_unsigned_announcement(&ann);
    let digest = Message::from_digest(wire::signed_digest(&signed));
    let sigs = [
        sign(&digest, &n1.secret),
        sign(&digest, &n2.secret),
        sign(&digest, &btc[0]),
        sign(&digest, &btc[1]),
    ];
    let ann_msg = wire::assemble(wire::MSG_CHANNEL_ANNOUNCEMENT, &sigs, &signed);

    let ln_cap = CAPACITY_MEDIAN_SAT.ln() + CAPACITY_LN_SIGMA * normal(&mut rng);
    let mut capacity_sat =
        (ln_cap.exp() as u64).clamp(CAPACITY_MIN_SAT, CAPACITY_MAX_SAT) / 1000 * 1000;
    if rng.gen_bool(0.4) {
        // Round to one significant digit, as people open 1M, 2M, 5M channels.
        let p = 10u64.pow(capacity_sat.max(1).ilog10());
        capacity_sat = (capacity_sat / p * p).max(CAPACITY_MIN_SAT);
    }
    let capacity_msat = capacity_sat * 1000;

    let mut updates = Vec::with_capacity(2);
    let mut disabled = 0;
    for (direction, from) in [n1, n2].into_iter().enumerate() {
        let htlc_maximum_msat = match rng.gen_range(0..100u8) {
            0..=73 => capacity_msat / 100 * 99,
            74..=80 => capacity_msat,
            _ => capacity_msat / 1000 * rng.gen_range(50..950u64),
        };
        let off = from.offline || rng.gen_bool(DISABLED_HALF_SHARE);
        disabled += off as u64;
        let u = UnsignedChannelUpdate {
            chain_hash: ChainHash::BITCOIN,
            short_channel_id: scid.0,
            timestamp: BASE_TIME - rng.gen_range(0..TIME_SPREAD_S),
            message_flags: 1,
            channel_flags: direction as u8 | ((off as u8) << 1),
            cltv_expiry_delta: if rng.gen_bool(0.95) {
                from.cltv_expiry_delta
            } else {
                weighted(&mut rng, &CLTV_DELTAS)
            },
            htlc_minimum_msat: from.htlc_minimum_msat.min(htlc_maximum_msat),
            htlc_maximum_msat,
            fee_base_msat: if rng.gen_bool(0.9) {
                from.base_fee_msat
            } else {
                weighted(&mut rng, &BASE_FEES_MSAT)
            },
            fee_proportional_millionths: if rng.gen_bool(0.7) {
                from.fee_ppm
            } else {
                draw_ppm(&mut rng)
            },
            excess_data: Vec::new(),
        };
        let signed = wire::encode_unsigned_update(&u);
        let digest = Message::from_digest(wire::signed_digest(&signed));
        let msg = wire::assemble(
            wire::MSG_CHANNEL_UPDATE,
            &[sign(&digest, &from.secret)],
            &signed,
        );
        updates.push((u.timestamp, msg));
    }

    let mut out = Vec::with_capacity(1200);
    let first_update = updates.iter().map(|u| u.0).min().unwrap_or(BASE_TIME);
    let mut put = |ts: u32, msg: &[u8]| {
        // Our messages are far below the 64 KiB record limit.
        let _ = store::encode_record(&mut out, store::FLAG_COMPLETED, ts, msg);
    };
    put(first_update, &ann_msg);
    put(0, &store::amount_message(capacity_sat));
    for (ts, msg) in &updates {
        put(*ts, msg);
    }
    let mut node_anns = 0;
    for n in [a, b] {
        if first_seen[n as usize] == k as u32 {
            let node = &nodes[n as usize];
            put(node.timestamp, &node_announcement(node));
            node_anns += 1;
        }
    }
    (out, disabled, node_anns)
}

/// Generates the store into `out`.
pub fn generate(opts: &GenerateOptions, out: &mut impl Write) -> std::io::Result<GenerateSummary> {
    if opts.nodes < 2 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("--nodes must be at least 2 (got {})", opts.nodes),
        ));
    }
    let channels = opts
        .channels
        .unwrap_or((opts.nodes as f64 * CHANNELS_PER_NODE).round() as u64);
    let streams = Streams::new(opts.seed);
    let progress = if opts.progress {
        ProgressBar::new(opts.nodes as u64 + channels)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) =
        ProgressStyle::default_bar().template("{msg:>9} [{bar:40}] {pos}/{len} ({eta})")
    {
        progress.set_style(style.progress_chars("=> "));
    }
    progress.set_message("keys");
    let nodes: Vec<NodeGen> = (0..opts.nodes)
        .into_par_iter()
        .map(|i| {
            let n = make_node(&streams, i);
            progress.inc(1);
            n
        })
        .collect();
    progress.set_message("topology");
    let topo = topology(&streams, opts.nodes, channels);
    let mut first_seen = vec![u32::MAX; nodes.len()];
    for (k, &(a, b)) in topo.ends.iter().enumerate() {
        for n in [a, b] {
            let f = &mut first_seen[n as usize];
            *f = (*f).min(k as u32);
        }
    }
    progress.set_message("channels");
    let mut summary = GenerateSummary {
        nodes: first_seen.iter().filter(|&&f| f != u32::MAX).count() as u64,
        channels: topo.ends.len() as u64,
        ..Default::default()
    };
    let mut head = Vec::new();
    store::encode_store_header(&mut head);
    out.write_all(&head)?;
    summary.bytes = head.len() as u64;
    for lo in (0..topo.ends.len()).step_by(CHUNK_CHANNELS) {
        let hi = (lo + CHUNK_CHANNELS).min(topo.ends.len());
        let chunk: Vec<_> = (lo..hi)
            .into_par_iter()
            .map(|k| channel_records(&streams, k, &topo, &nodes, &first_seen))
            .collect();
        for (bytes, disabled, node_anns) in chunk {
            out.write_all(&bytes)?;
            summary.bytes += bytes.len() as u64;
            summary.disabled_halves += disabled;
            summary.node_announcements += node_anns;
            summary.records += 4 + node_anns;
        }
        progress.inc((hi - lo) as u64);
    }
    progress.finish_and_clear();
    Ok(summary)
}

/// Generates the store in memory.
pub fn generate_bytes(opts: &GenerateOptions) -> std::io::Result<(Vec<u8>, GenerateSummary)> {
    let mut out = Vec::new();
    let s = generate(opts, &mut out)?;
    Ok((out, s))
}

/// Generates the store into `path` atomically: a temporary file in the same directory, fsync,
/// rename. On failure no file (whole or partial) is left at `path`.
pub fn write_store(path: &Path, opts: &GenerateOptions) -> std::io::Result<GenerateSummary> {
    crate::graph::file::write_atomic_with(path, |w| generate(opts, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_index_and_seed() {
        let s = Streams::new(1);
        let a: u64 = s.rng(DOMAIN_NODE, 0).gen();
        let b: u64 = s.rng(DOMAIN_NODE, 1).gen();
        let c: u64 = s.rng(DOMAIN_CHANNEL, 0).gen();
        let d: u64 = Streams::new(2).rng(DOMAIN_NODE, 0).gen();
        assert!(a != b && a != c && a != d);
        assert_eq!(a, s.rng(DOMAIN_NODE, 0).gen::<u64>());
    }

    #[test]
    fn aliases_fit_and_are_utf8() {
        let s = Streams::new(3);
        for i in 0..200 {
            let mut rng = s.rng(DOMAIN_NODE, i);
            let a = make_alias(&mut rng, &[2; 33]);
            let end = a.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            assert!(std::str::from_utf8(&a[..end]).is_ok());
        }
    }
}
