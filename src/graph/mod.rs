//! The channel graph: built from gossip ([`builder`]), stored as an rkyv archive in a `.lnrg`
//! file ([`file`]), opened by mmap and read in place through [`Graph`].

pub mod builder;
pub mod file;
pub mod layout;

use std::path::Path;

pub use file::{FileError, FileMeta};
pub use layout::{ArchivedGraphData, ArchivedRouteEdge, GraphData, RouteEdge};
use layout::{FLAG_DISABLED, FLAG_INBOUND_FEE, FLAG_PRESENT};

use crate::types::{ChanIdx, HalfIdx, NodeId, NodeIdx, Scid};

/// An opened, validated graph. Cheap to share (`Arc<Graph>`); all lookups are O(1) or
/// O(log n) binary searches over the mapped arrays.
pub struct Graph {
    file: file::GraphFile,
}

/// A half's policy as plain values (for display and checks; the search reads the arrays).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HalfPolicy {
    pub channel: Scid,
    pub direction: u8,
    pub from: NodeId,
    pub to: NodeId,
    pub base_fee_msat: u32,
    pub fee_ppm: u32,
    pub cltv_expiry_delta: u16,
    pub htlc_minimum_msat: u64,
    pub htlc_maximum_msat: u64,
    pub capacity_sat: u64,
    pub disabled: bool,
    pub last_update: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_base_fee_msat: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_fee_ppm: Option<i32>,
}

impl Graph {
    /// Opens a graph file: mmap + header, checksum, archive and structure validation.
    pub fn open(path: &Path) -> Result<Graph, FileError> {
        let g = Graph {
            file: file::GraphFile::open(path)?,
        };
        g.check_structure().map_err(|reason| FileError::Payload {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(g)
    }

    /// Validates a complete file image held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<Graph, FileError> {
        let g = Graph {
            file: file::GraphFile::from_bytes(bytes)?,
        };
        g.check_structure().map_err(|reason| FileError::Payload {
            path: "<memory>".into(),
            reason,
        })?;
        Ok(g)
    }

    /// Builds an in-memory graph from data (used by tests, `generate` and the server).
    pub fn from_data(data: &GraphData, source_summary: &str) -> Result<Graph, FileError> {
        let bytes = file::to_file_bytes(data, source_summary, now_unix()).map_err(|reason| {
            FileError::Serialize {
                path: "<memory>".into(),
                reason,
            }
        })?;
        Graph::from_bytes(&bytes)
    }

    /// Serializes `data` and writes it atomically to `path`.
    pub fn write(data: &GraphData, source_summary: &str, path: &Path) -> Result<u64, FileError> {
        let bytes = file::to_file_bytes(data, source_summary, now_unix()).map_err(|reason| {
            FileError::Serialize {
                path: path.to_path_buf(),
                reason,
            }
        })?;
        file::write_atomic(path, &bytes).map_err(|source| FileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(bytes.len() as u64)
    }

    pub fn meta(&self) -> &FileMeta {
        &self.file.meta
    }

    /// The archived arrays, for code that walks them directly (the router).
    #[inline]
    pub fn data(&self) -> &ArchivedGraphData {
        self.file.data()
    }

    pub fn node_count(&self) -> usize {
        self.data().node_ids.len()
    }
    pub fn channel_count(&self) -> usize {
        self.data().chan_scid.len()
    }
    pub fn half_count(&self) -> usize {
        2 * self.channel_count()
    }

    pub fn node_id(&self, n: NodeIdx) -> NodeId {
        NodeId(self.data().node_ids[n.0 as usize])
    }
    /// The node's alias (empty if none; lossy if the file's bytes are not UTF-8).
    pub fn node_alias(&self, n: NodeIdx) -> std::borrow::Cow<'_, str> {
        let d = self.data();
        let (s, e) = (
            d.node_alias_offsets[n.0 as usize].to_native() as usize,
            d.node_alias_offsets[n.0 as usize + 1].to_native() as usize,
        );
        String::from_utf8_lossy(&d.node_alias_bytes[s..e])
    }
    pub fn node_idx(&self, id: &NodeId) -> Option<NodeIdx> {
        self.data()
            .node_ids
            .binary_search(&id.0)
            .ok()
            .map(|i| NodeIdx(i as u32))
    }
    pub fn chan_idx(&self, scid: Scid) -> Option<ChanIdx> {
        let s = self.data().chan_scid.as_slice();
        s.binary_search_by(|x| x.to_native().cmp(&scid.0))
            .ok()
            .map(|i| ChanIdx(i as u32))
    }
    pub fn scid(&self, c: ChanIdx) -> Scid {
        Scid(self.data().chan_scid[c.0 as usize].to_native())
    }
    pub fn capacity_sat(&self, c: ChanIdx) -> u64 {
        self.data().chan_capacity_sat[c.0 as usize].to_native()
    }
    /// (node_1, node_2) of a channel.
    pub fn chan_nodes(&self, c: ChanIdx) -> (NodeIdx, NodeIdx) {
        let d = self.data();
        (
            NodeIdx(d.chan_node_1[c.0 as usize].to_native()),
            NodeIdx(d.chan_node_2[c.0 as usize].to_native()),
        )
    }
    /// (from, to) of a half.
    pub fn half_ends(&self, h: HalfIdx) -> (NodeIdx, NodeIdx) {
        let (a, b) = self.chan_nodes(h.chan());
        if h.direction() == 0 {
            (a, b)
        } else {
            (b, a)
        }
    }
    /// The half from `from` over channel `scid`, if `from` is one of its ends.
    pub fn half_by_scid_from(&self, scid: Scid, from: NodeIdx) -> Option<HalfIdx> {
        let c = self.chan_idx(scid)?;
        let (a, b) = self.chan_nodes(c);
        if a == from {
            Some(HalfIdx::new(c, 0))
        } else if b == from {
            Some(HalfIdx::new(c, 1))
        } else {
            None
        }
    }
    pub fn half_flags(&self, h: HalfIdx) -> u8 {
        self.data().half_flags[h.0 as usize]
    }
    pub fn half_present(&self, h: HalfIdx) -> bool {
        self.half_flags(h) & FLAG_PRESENT != 0
    }
    pub fn half_enabled(&self, h: HalfIdx) -> bool {
        self.half_flags(h) & (FLAG_PRESENT | FLAG_DISABLED) == FLAG_PRESENT
    }
    /// The half's policy, or `None` if the half has none.
    pub fn half_policy(&self, h: HalfIdx) -> Option<HalfPolicy> {
        if !self.half_present(h) {
            return None;
        }
        let d = self.data();
        let i = h.0 as usize;
        let (from, to) = self.half_ends(h);
        let flags = d.half_flags[i];
        let inbound = flags & FLAG_INBOUND_FEE != 0;
        Some(HalfPolicy {
            channel: self.scid(h.chan()),
            direction: h.direction(),
            from: self.node_id(from),
            to: self.node_id(to),
            base_fee_msat: d.half_base_fee_msat[i].to_native(),
            fee_ppm: d.half_fee_ppm[i].to_native(),
            cltv_expiry_delta: d.half_cltv_delta[i].to_native(),
            htlc_minimum_msat: d.half_htlc_min_msat[i].to_native(),
            htlc_maximum_msat: d.half_htlc_max_msat[i].to_native(),
            capacity_sat: self.capacity_sat(h.chan()),
            disabled: flags & FLAG_DISABLED != 0,
            last_update: d.half_last_update[i].to_native(),
            inbound_base_fee_msat: inbound.then(|| d.half_inbound_base_msat[i].to_native()),
            inbound_fee_ppm: inbound.then(|| d.half_inbound_ppm[i].to_native()),
        })
    }
    /// Halves (with a policy) leaving node `n`.
    pub fn out_halves(&self, n: NodeIdx) -> impl Iterator<Item = HalfIdx> + '_ {
        let d = self.data();
        let (s, e) = (
            d.out_offsets[n.0 as usize].to_native(),
            d.out_offsets[n.0 as usize + 1].to_native(),
        );
        d.out_halves[s as usize..e as usize]
            .iter()
            .map(|h| HalfIdx(h.to_native()))
    }
    /// Halves (with a policy) entering node `n`.
    pub fn in_halves(&self, n: NodeIdx) -> impl Iterator<Item = HalfIdx> + '_ {
        let d = self.data();
        let (s, e) = (
            d.in_offsets[n.0 as usize].to_native(),
            d.in_offsets[n.0 as usize + 1].to_native(),
        );
        d.in_halves[s as usize..e as usize]
            .iter()
            .map(|h| HalfIdx(h.to_native()))
    }
    /// Usable halves entering `n`, with their routing fields inline.
    #[inline]
    pub fn route_in(&self, n: NodeIdx) -> &[ArchivedRouteEdge] {
        let d = self.data();
        let (s, e) = (
            d.route_in_offsets[n.0 as usize].to_native(),
            d.route_in_offsets[n.0 as usize + 1].to_native(),
        );
        &d.route_in[s as usize..e as usize]
    }
    /// Number of channels of a node (halves with a policy leaving or entering it, by channel).
    pub fn degree(&self, n: NodeIdx) -> usize {
        let d = self.data();
        let mut chans: Vec<u32> = self
            .out_halves(n)
            .chain(self.in_halves(n))
            .map(|h| h.0 / 2)
            .collect();
        chans.sort_unstable();
        chans.dedup();
        let _ = d;
        chans.len()
    }

    /// Summary figures for `info`.
    pub fn summary(&self) -> GraphSummary {
        let d = self.data();
        let mut halves = 0u64;
        let mut disabled = 0u64;
        for f in d.half_flags.iter() {
            if f & FLAG_PRESENT != 0 {
                halves += 1;
                if f & FLAG_DISABLED != 0 {
                    disabled += 1;
                }
            }
        }
        GraphSummary {
            nodes: self.node_count() as u64,
            channels: self.channel_count() as u64,
            halves,
            disabled_halves: disabled,
            usable_halves: d.route_in.len() as u64,
            total_capacity_sat: d.chan_capacity_sat.iter().map(|c| c.to_native()).sum(),
            format_version: self.meta().format_version,
            created_unix: self.meta().created_unix,
            source: self.meta().source_summary.clone(),
            file_bytes: self.meta().file_len,
        }
    }

    /// Checks the structural invariants of [`layout`] that bytecheck cannot know. O(size).
    fn check_structure(&self) -> Result<(), String> {
        let d = self.data();
        let n = d.node_ids.len();
        let c = d.chan_scid.len();
        if n > u32::MAX as usize / 2 || c > u32::MAX as usize / 4 {
            return Err("too many nodes or channels".into());
        }
        let ao = d.node_alias_offsets.as_slice();
        if ao.len() != n + 1
            || ao[0].to_native() != 0
            || ao[n].to_native() as usize != d.node_alias_bytes.len()
            || ao.windows(2).any(|w| w[0].to_native() > w[1].to_native())
        {
            return Err("node alias offsets malformed".into());
        }
        if !d.node_ids.windows(2).all(|w| w[0] < w[1]) {
            return Err("node ids not strictly ascending".into());
        }
        if !d
            .chan_scid
            .windows(2)
            .all(|w| w[0].to_native() < w[1].to_native())
        {
            return Err("channel ids not strictly ascending".into());
        }
        for (name, len) in [
            ("chan_node_1", d.chan_node_1.len()),
            ("chan_node_2", d.chan_node_2.len()),
            ("chan_capacity_sat", d.chan_capacity_sat.len()),
        ] {
            if len != c {
                return Err(format!("{name} has {len} entries for {c} channels"));
            }
        }
        for (name, len) in [
            ("half_flags", d.half_flags.len()),
            ("half_base_fee_msat", d.half_base_fee_msat.len()),
            ("half_fee_ppm", d.half_fee_ppm.len()),
            ("half_cltv_delta", d.half_cltv_delta.len()),
            ("half_htlc_min_msat", d.half_htlc_min_msat.len()),
            ("half_htlc_max_msat", d.half_htlc_max_msat.len()),
            ("half_last_update", d.half_last_update.len()),
            ("half_inbound_base_msat", d.half_inbound_base_msat.len()),
            ("half_inbound_ppm", d.half_inbound_ppm.len()),
        ] {
            if len != 2 * c {
                return Err(format!("{name} has {len} entries for {} halves", 2 * c));
            }
        }
        for i in 0..c {
            let (a, b) = (
                d.chan_node_1[i].to_native() as usize,
                d.chan_node_2[i].to_native() as usize,
            );
            if a >= b || b >= n {
                return Err(format!("channel {i} has bad endpoints ({a}, {b})"));
            }
        }
        // Adjacency lists: offsets well formed and every index in range, so no lookup can go
        // out of bounds. (Which half an entry names is the builder's invariant, covered by the
        // checksum against accidental damage; a deliberately crafted file with consistent
        // checksum can give wrong routes, never a panic or undefined behaviour.)
        let csr = |name: &str, offs: &[rkyv::rend::u32_le], len: usize| -> Result<(), String> {
            if offs.len() != n + 1
                || offs[0].to_native() != 0
                || offs[n].to_native() as usize != len
            {
                return Err(format!("{name} offsets malformed"));
            }
            if offs.windows(2).any(|w| w[0].to_native() > w[1].to_native()) {
                return Err(format!("{name} offsets decrease"));
            }
            Ok(())
        };
        csr("out", d.out_offsets.as_slice(), d.out_halves.len())?;
        csr("in", d.in_offsets.as_slice(), d.in_halves.len())?;
        csr("route_in", d.route_in_offsets.as_slice(), d.route_in.len())?;
        let halves = 2 * c as u32;
        let max_of = |xs: &[rkyv::rend::u32_le]| xs.iter().map(|x| x.to_native()).max();
        if max_of(d.out_halves.as_slice()).is_some_and(|m| m >= halves)
            || max_of(d.in_halves.as_slice()).is_some_and(|m| m >= halves)
        {
            return Err("adjacency names a half out of range".into());
        }
        let (max_from, max_half) = d.route_in.iter().fold((0u32, 0u32), |(f, h), e| {
            (f.max(e.from.to_native()), h.max(e.half.to_native()))
        });
        if !d.route_in.is_empty() && (max_from as usize >= n || max_half >= halves) {
            return Err("route_in names a node or half out of range".into());
        }
        Ok(())
    }
}

/// Headline figures of a graph (`lnroute info --json`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct GraphSummary {
    pub nodes: u64,
    pub channels: u64,
    pub halves: u64,
    pub disabled_halves: u64,
    pub usable_halves: u64,
    pub total_capacity_sat: u64,
    pub format_version: u32,
    pub created_unix: u64,
    pub source: String,
    pub file_bytes: u64,
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
