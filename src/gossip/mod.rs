//! Gossip readers: one per input format, all producing the format-neutral [`GossipSet`]
//! (channels with their two halves, and node metadata).
//!
//! Flow: [`input::read_input`] loads (and decompresses) each file, [`detect::detect`] names its
//! format from its content, and the format's reader feeds a [`Collector`], which applies BOLT #7
//! rules (newer `channel_update` wins, updates for unknown channels are held until their
//! announcement arrives, rejections are counted by reason, never applied).

pub mod bolt7;
pub mod collect;
pub mod detect;
pub mod generate;
pub mod gossmap;
pub mod input;
pub mod listchannels;
pub mod lnd;
pub mod signed;
pub mod store;
pub mod verify;
pub mod wire;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::types::{NodeId, Scid};

pub use collect::Collector;
pub use detect::Format;

/// One direction of a channel, as gossip describes it. Field names carry their units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HalfRecord {
    pub base_fee_msat: u32,
    pub fee_ppm: u32,
    pub cltv_expiry_delta: u16,
    pub htlc_minimum_msat: u64,
    /// `None` when the source has no htlc maximum; the builder then uses the capacity.
    pub htlc_maximum_msat: Option<u64>,
    pub disabled: bool,
    /// Unix seconds of the update (0 when the source has none).
    pub last_update: u32,
    /// LND inbound fee (base msat, ppm), stored but not applied to routing (SPEC §4).
    pub inbound_fee: Option<(i32, i32)>,
}

/// A channel: its id, its two endpoints in BOLT #7 order (`node_1 < node_2`) and up to two halves;
/// `halves[d]` is the policy for direction `d` (0 = from `node_1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelRecord {
    pub scid: Scid,
    pub node_1: NodeId,
    pub node_2: NodeId,
    /// `None` when unknown (a signed announcement without CLN's amount record).
    pub capacity_sat: Option<u64>,
    pub halves: [Option<HalfRecord>; 2],
}

impl ChannelRecord {
    /// Makes a record with the endpoints put in BOLT #7 order; `half_from_a` is the policy for
    /// the direction leaving `a`, `half_from_b` for the one leaving `b`.
    pub fn ordered(
        scid: Scid,
        a: NodeId,
        b: NodeId,
        capacity_sat: Option<u64>,
        half_from_a: Option<HalfRecord>,
        half_from_b: Option<HalfRecord>,
    ) -> ChannelRecord {
        if a <= b {
            ChannelRecord {
                scid,
                node_1: a,
                node_2: b,
                capacity_sat,
                halves: [half_from_a, half_from_b],
            }
        } else {
            ChannelRecord {
                scid,
                node_1: b,
                node_2: a,
                capacity_sat,
                halves: [half_from_b, half_from_a],
            }
        }
    }
}

/// What node metadata the sources had (alias, last announcement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    pub id: NodeId,
    pub alias: String,
    pub last_update: u32,
}

/// Counters of one ingest run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestStats {
    /// Messages or rows read, by kind (e.g. `channel_announcement`, `listchannels_row`).
    pub read: BTreeMap<String, u64>,
    /// Messages or rows rejected, by reason (e.g. `bad_signature`, `wrong_chain`).
    pub rejected: BTreeMap<String, u64>,
    /// Signatures checked.
    pub signatures_checked: u64,
}

impl IngestStats {
    pub fn count_read(&mut self, kind: &str) {
        *self.read.entry(kind.to_string()).or_default() += 1;
    }
    pub fn reject(&mut self, reason: &str) {
        *self.rejected.entry(reason.to_string()).or_default() += 1;
    }
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// The format-neutral result of reading all inputs.
#[derive(Clone, Debug, Default)]
pub struct GossipSet {
    pub channels: Vec<ChannelRecord>,
    pub nodes: Vec<NodeRecord>,
    pub stats: IngestStats,
    /// One line naming the inputs and their formats, kept in the graph file header.
    pub source_summary: String,
}

/// Everything that can go wrong reading gossip input. Each variant names the file and where.
#[derive(Debug, thiserror::Error)]
pub enum GossipError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: empty input")]
    Empty { path: PathBuf },
    #[error("{path}: cannot tell the input format ({hint}); use --format")]
    UnknownFormat { path: PathBuf, hint: String },
    #[error("{path}: at byte offset {offset}: {reason}")]
    Malformed {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    #[error("{path}: line {line}, column {column}: {reason}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path}: decompression failed: {reason}")]
    Decompress { path: PathBuf, reason: String },
}

impl GossipError {
    pub fn malformed(path: &std::path::Path, offset: u64, reason: impl Into<String>) -> Self {
        GossipError::Malformed {
            path: path.to_path_buf(),
            offset,
            reason: reason.into(),
        }
    }
    pub fn invalid(path: &std::path::Path, reason: impl Into<String>) -> Self {
        GossipError::Invalid {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
    pub fn json(path: &std::path::Path, e: &serde_json::Error) -> Self {
        GossipError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        }
    }
}

/// Options for [`read_all`].
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Force one format for every input instead of detecting it.
    pub format: Option<Format>,
    /// Check signatures of signed gossip (default true).
    pub verify: bool,
    /// Chain hash signed gossip must carry (default: Bitcoin mainnet).
    pub chain_hash: [u8; 32],
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            verify: true,
            chain_hash: wire::MAINNET_CHAIN_HASH,
        }
    }
}

/// Reads every input (in the order given, node maps first) into one [`GossipSet`].
pub fn read_all(paths: &[PathBuf], opts: &ReadOptions) -> Result<GossipSet, GossipError> {
    let mut inputs = Vec::with_capacity(paths.len());
    for p in paths {
        let bytes = input::read_input(p)?;
        if bytes.is_empty() {
            return Err(GossipError::Empty { path: p.clone() });
        }
        let format = match opts.format {
            Some(f) => f,
            None => detect::detect(p, &bytes)?,
        };
        inputs.push((p.clone(), format, bytes));
    }
    let mut collector = Collector::new(opts.clone());
    // Node maps and listnodes first: other readers resolve node ids and aliases through them.
    let mut node_maps = Vec::new();
    for (p, f, b) in &inputs {
        if *f == Format::GossmapNodeMap {
            node_maps.push(gossmap::read_node_map(p, b)?);
        }
    }
    let mut summary = Vec::new();
    for (p, f, b) in &inputs {
        summary.push(format!(
            "{} ({})",
            p.file_name()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default(),
            f.name()
        ));
        match f {
            Format::GossipStore => store::read(p, b, &mut collector)?,
            Format::Bolt7 => bolt7::read(p, b, &mut collector)?,
            Format::GossmapCompress => {
                let map = node_maps.first();
                gossmap::read(p, b, map, &mut collector)?
            }
            Format::GossmapNodeMap => {}
            Format::ClnListChannels => listchannels::read_channels(p, b, &mut collector)?,
            Format::ClnListNodes => listchannels::read_nodes(p, b, &mut collector)?,
            Format::LndDescribeGraph => lnd::read(p, b, &mut collector)?,
        }
    }
    let mut set = collector.finish();
    set.source_summary = summary.join(", ");
    Ok(set)
}
