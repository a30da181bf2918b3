//! Input format detection from content (SPEC §2), with `--format` names.

use std::path::Path;

use super::GossipError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    GossipStore,
    Bolt7,
    GossmapCompress,
    /// The text node map that goes with a gossmap-compress file (`index:node_id:alias`).
    GossmapNodeMap,
    ClnListChannels,
    ClnListNodes,
    LndDescribeGraph,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::GossipStore,
        Format::Bolt7,
        Format::GossmapCompress,
        Format::GossmapNodeMap,
        Format::ClnListChannels,
        Format::ClnListNodes,
        Format::LndDescribeGraph,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Format::GossipStore => "gossip-store",
            Format::Bolt7 => "bolt7",
            Format::GossmapCompress => "gossmap-compress",
            Format::GossmapNodeMap => "gossmap-node-map",
            Format::ClnListChannels => "cln-listchannels",
            Format::ClnListNodes => "cln-listnodes",
            Format::LndDescribeGraph => "lnd-describegraph",
        }
    }
    pub fn from_name(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// Names the format of a (decompressed) input from its first bytes.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format, GossipError> {
    if bytes.starts_with(b"GOSSMAP_COMPRESSv") {
        return Ok(Format::GossmapCompress);
    }
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| bytes[i]);
    if first == Some(b'{') {
        // Peek at the first top-level key names within the first few KiB.
        let head = &bytes[..bytes.len().min(1 << 16)];
        let head = String::from_utf8_lossy(head);
        let has = |k: &str| head.contains(&format!("\"{k}\""));
        // LND lists nodes first (a big graph's "edges" key is megabytes in): its node rows
        // carry "pub_key" where CLN listnodes rows carry "nodeid".
        if has("edges") || has("node1_pub") || (has("nodes") && (has("pub_key") || has("pubKey"))) {
            return Ok(Format::LndDescribeGraph);
        }
        if has("channels") {
            return Ok(Format::ClnListChannels);
        }
        if has("nodes") {
            return Ok(Format::ClnListNodes);
        }
        return Err(GossipError::UnknownFormat {
            path: path.to_path_buf(),
            hint: "JSON without \"channels\", \"nodes\" or \"edges\"".into(),
        });
    }
    if looks_like_node_map(bytes) {
        return Ok(Format::GossmapNodeMap);
    }
    // gossip_store: version byte with major version 0 (CLN uses 0x0c..0x0f; upper 3 bits = major),
    // then records whose type is a gossip message. A part without version byte starts with a
    // record header directly.
    if super::store::looks_like_store(bytes) {
        return Ok(Format::GossipStore);
    }
    if super::bolt7::looks_like_bolt7(bytes) {
        return Ok(Format::Bolt7);
    }
    Err(GossipError::UnknownFormat {
        path: path.to_path_buf(),
        hint: "not a known gossip format".into(),
    })
}

fn looks_like_node_map(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let Some(line) = head.split(|&b| b == b'\n').next() else {
        return false;
    };
    let line = String::from_utf8_lossy(line);
    let mut parts = line.splitn(3, ':');
    matches!((parts.next(), parts.next()), (Some(i), Some(id))
        if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) && id.len() == 66 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}
