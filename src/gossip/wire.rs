//! BOLT #7 wire messages: parsing `channel_announcement` (256), `node_announcement` (257) and
//! `channel_update` (258) with the `lightning` crate's message types, the byte ranges their
//! signatures cover, and encoding of unsigned message bodies (for the generator and tests).
//!
//! Parsing keeps no copy of the message: the caller holds the raw bytes (type included), and
//! signatures are checked over exactly those bytes. What each signature covers (BOLT #7): the
//! double-SHA256 of the message after its signature fields — for `channel_announcement` all four
//! signatures cover `msg[258..]`, for `channel_update` and `node_announcement` the one signature
//! covers `msg[66..]`.

use bitcoin::hashes::{sha256d, Hash};
use lightning::ln::msgs::{
    ChannelAnnouncement, ChannelUpdate, DecodeError, NodeAnnouncement, UnsignedChannelAnnouncement,
    UnsignedChannelUpdate, UnsignedNodeAnnouncement,
};
use lightning::util::ser::{LengthReadable, Writeable};

use super::HalfRecord;
use crate::types::{NodeId, Scid};

/// Bitcoin mainnet genesis block hash in the byte order gossip messages carry it.
pub const MAINNET_CHAIN_HASH: [u8; 32] = [
    0x6f, 0xe2, 0x8c, 0x0a, 0xb6, 0xf1, 0xb3, 0x72, 0xc1, 0xa6, 0xa2, 0x46, 0xae, 0x63, 0xf7, 0x4f,
    0x93, 0x1e, 0x83, 0x65, 0xe1, 0x5a, 0x08, 0x9c, 0x68, 0xd6, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00,
];

pub const MSG_CHANNEL_ANNOUNCEMENT: u16 = 256;
pub const MSG_NODE_ANNOUNCEMENT: u16 = 257;
pub const MSG_CHANNEL_UPDATE: u16 = 258;

/// Where the signed part of a `channel_announcement` starts (type + 4 signatures).
pub const CHANNEL_ANNOUNCEMENT_SIGNED_AT: usize = 2 + 4 * 64;
/// Where the signed part of a `channel_update` or `node_announcement` starts (type + 1 signature).
pub const SINGLE_SIG_SIGNED_AT: usize = 2 + 64;

/// The chain hash for a `--network` name (as carried in gossip: genesis hash, internal byte order).
pub fn chain_hash(network: &str) -> Option<[u8; 32]> {
    let net = match network {
        "bitcoin" | "mainnet" => bitcoin::Network::Bitcoin,
        "testnet" => bitcoin::Network::Testnet,
        "signet" => bitcoin::Network::Signet,
        "regtest" => bitcoin::Network::Regtest,
        _ => return None,
    };
    Some(bitcoin::constants::ChainHash::using_genesis_block(net).to_bytes())
}

/// The big-endian message type of a wire message, if it has one.
pub fn msg_type(msg: &[u8]) -> Option<u16> {
    match msg {
        [a, b, ..] => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    }
}

/// What a `channel_announcement` says (signatures stay in the raw bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelAnnouncementMsg {
    pub chain_hash: [u8; 32],
    pub scid: Scid,
    pub node_1: NodeId,
    pub node_2: NodeId,
    pub bitcoin_key_1: [u8; 33],
    pub bitcoin_key_2: [u8; 33],
}

/// What a `channel_update` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelUpdateMsg {
    pub chain_hash: [u8; 32],
    pub scid: Scid,
    pub timestamp: u32,
    pub message_flags: u8,
    pub channel_flags: u8,
    pub cltv_expiry_delta: u16,
    pub htlc_minimum_msat: u64,
    pub htlc_maximum_msat: u64,
    pub fee_base_msat: u32,
    pub fee_ppm: u32,
}

impl ChannelUpdateMsg {
    /// BOLT #7 direction: `channel_flags` bit 0 (0 = from `node_1`).
    pub fn direction(&self) -> u8 {
        self.channel_flags & 1
    }
    /// `channel_flags` bit 1.
    pub fn disabled(&self) -> bool {
        self.channel_flags & 2 != 0
    }
    pub fn to_half(&self) -> HalfRecord {
        HalfRecord {
            base_fee_msat: self.fee_base_msat,
            fee_ppm: self.fee_ppm,
            cltv_expiry_delta: self.cltv_expiry_delta,
            htlc_minimum_msat: self.htlc_minimum_msat,
            htlc_maximum_msat: Some(self.htlc_maximum_msat),
            disabled: self.disabled(),
            last_update: self.timestamp,
            inbound_fee: None,
        }
    }
}

/// What a `node_announcement` says that we keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAnnouncementMsg {
    pub node_id: NodeId,
    pub timestamp: u32,
    pub alias: [u8; 32],
}

impl NodeAnnouncementMsg {
    /// The alias with trailing NUL padding removed, as (lossy) UTF-8.
    pub fn alias_string(&self) -> String {
        let end = self
            .alias
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        String::from_utf8_lossy(&self.alias[..end]).into_owned()
    }
}

/// One parsed gossip message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GossipMsg {
    ChannelAnnouncement(ChannelAnnouncementMsg),
    NodeAnnouncement(NodeAnnouncementMsg),
    ChannelUpdate(ChannelUpdateMsg),
}

impl GossipMsg {
    pub fn kind(&self) -> &'static str {
        match self {
            GossipMsg::ChannelAnnouncement(_) => "channel_announcement",
            GossipMsg::NodeAnnouncement(_) => "node_announcement",
            GossipMsg::ChannelUpdate(_) => "channel_update",
        }
    }
}

/// Why a message could not be parsed: `reason` is the counter name (SPEC: rejected by reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    pub reason: &'static str,
    pub detail: String,
}

impl WireError {
    fn decode(what: &str, e: DecodeError) -> WireError {
        WireError {
            reason: "malformed_message",
            detail: format!("{what}: {e:?}"),
        }
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.reason, self.detail)
    }
}

/// The name under which a message type is counted.
pub fn kind_name(msg_type: u16) -> Option<&'static str> {
    match msg_type {
        MSG_CHANNEL_ANNOUNCEMENT => Some("channel_announcement"),
        MSG_NODE_ANNOUNCEMENT => Some("node_announcement"),
        MSG_CHANNEL_UPDATE => Some("channel_update"),
        _ => None,
    }
}

fn node_id(bytes: [u8; 33]) -> Result<NodeId, WireError> {
    if bytes[0] == 2 || bytes[0] == 3 {
        Ok(NodeId(bytes))
    } else {
        Err(WireError {
            reason: "malformed_message",
            detail: format!("node id starts with {:02x}, not 02/03", bytes[0]),
        })
    }
}

/// Parses a gossip message (2-byte type included). `Ok(None)` for a type that is not one of the
/// three gossip messages. Structure only: no signature is checked here.
pub fn parse(msg: &[u8]) -> Result<Option<GossipMsg>, WireError> {
    let Some(t) = msg_type(msg) else {
        return Err(WireError {
            reason: "malformed_message",
            detail: format!("{} bytes: no message type", msg.len()),
        });
    };
    let mut body = msg.get(2..).unwrap_or_default();
    match t {
        MSG_CHANNEL_ANNOUNCEMENT => {
            let m = ChannelAnnouncement::read_from_fixed_length_buffer(&mut body)
                .map_err(|e| WireError::decode("channel_announcement", e))?;
            let c = m.contents;
            let node_1 = node_id(c.node_id_1.as_array().to_owned())?;
            let node_2 = node_id(c.node_id_2.as_array().to_owned())?;
            if node_1 >= node_2 {
                return Err(WireError {
                    reason: "bad_node_order",
                    detail: "node_id_1 is not lexicographically less than node_id_2".into(),
                });
            }
            Ok(Some(GossipMsg::ChannelAnnouncement(
                ChannelAnnouncementMsg {
                    chain_hash: c.chain_hash.to_bytes(),
                    scid: Scid(c.short_channel_id),
                    node_1,
                    node_2,
                    bitcoin_key_1: c.bitcoin_key_1.as_array().to_owned(),
                    bitcoin_key_2: c.bitcoin_key_2.as_array().to_owned(),
                },
            )))
        }
        MSG_CHANNEL_UPDATE => {
            let m = ChannelUpdate::read_from_fixed_length_buffer(&mut body)
                .map_err(|e| WireError::decode("channel_update", e))?;
            let c = m.contents;
            Ok(Some(GossipMsg::ChannelUpdate(ChannelUpdateMsg {
                chain_hash: c.chain_hash.to_bytes(),
                scid: Scid(c.short_channel_id),
                timestamp: c.timestamp,
                message_flags: c.message_flags,
                channel_flags: c.channel_flags,
                cltv_expiry_delta: c.cltv_expiry_delta,
                htlc_minimum_msat: c.htlc_minimum_msat,
                htlc_maximum_msat: c.htlc_maximum_msat,
                fee_base_msat: c.fee_base_msat,
                fee_ppm: c.fee_proportional_millionths,
            })))
        }
        MSG_NODE_ANNOUNCEMENT => {
            let m = NodeAnnouncement::read_from_fixed_length_buffer(&mut body)
                .map_err(|e| WireError::decode("node_announcement", e))?;
            let c = m.contents;
            Ok(Some(GossipMsg::NodeAnnouncement(NodeAnnouncementMsg {
                node_id: node_id(c.node_id.as_array().to_owned())?,
                timestamp: c.timestamp,
                alias: c.alias.0,
            })))
        }
        _ => Ok(None),
    }
}

/// The double-SHA256 a gossip signature signs.
pub fn signed_digest(signed: &[u8]) -> [u8; 32] {
    sha256d::Hash::hash(signed).to_byte_array()
}

/// `(signature bytes, signed bytes)` of a `channel_update` or `node_announcement`.
pub fn single_signature(msg: &[u8]) -> Option<(&[u8], &[u8])> {
    Some((
        msg.get(2..SINGLE_SIG_SIGNED_AT)?,
        msg.get(SINGLE_SIG_SIGNED_AT..)?,
    ))
}

/// The four signature fields (node 1, node 2, bitcoin 1, bitcoin 2) and the signed bytes of a
/// `channel_announcement`.
pub fn announcement_signatures(msg: &[u8]) -> Option<([&[u8]; 4], &[u8])> {
    let sig = |i: usize| msg.get(2 + 64 * i..2 + 64 * (i + 1));
    Some((
        [sig(0)?, sig(1)?, sig(2)?, sig(3)?],
        msg.get(CHANNEL_ANNOUNCEMENT_SIGNED_AT..)?,
    ))
}

/// Encodes the part of a message its signature covers (BOLT #7 field order, via `lightning`).
pub fn encode_unsigned_announcement(u: &UnsignedChannelAnnouncement) -> Vec<u8> {
    u.encode()
}
pub fn encode_unsigned_update(u: &UnsignedChannelUpdate) -> Vec<u8> {
    u.encode()
}
pub fn encode_unsigned_node_announcement(u: &UnsignedNodeAnnouncement) -> Vec<u8> {
    u.encode()
}

/// Assembles a full wire message: type, signatures (64-byte compact each), then the signed part.
pub fn assemble(msg_type: u16, signatures: &[[u8; 64]], signed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 64 * signatures.len() + signed.len());
    out.extend_from_slice(&msg_type.to_be_bytes());
    for s in signatures {
        out.extend_from_slice(s);
    }
    out.extend_from_slice(signed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainnet_chain_hash_matches_bitcoin_crate() {
        assert_eq!(Some(MAINNET_CHAIN_HASH), chain_hash("bitcoin"));
        assert_eq!(chain_hash("mainnet"), chain_hash("bitcoin"));
        assert_ne!(chain_hash("regtest"), chain_hash("bitcoin"));
        assert_eq!(chain_hash("nonsense"), None);
    }

    #[test]
    fn short_and_unknown_messages() {
        assert!(parse(&[]).is_err());
        assert!(parse(&[1]).is_err());
        assert_eq!(parse(&[0, 17, 1, 2, 3]), Ok(None));
        for t in [256u16, 257, 258] {
            let mut m = t.to_be_bytes().to_vec();
            m.extend_from_slice(&[0u8; 40]);
            assert_eq!(parse(&m).unwrap_err().reason, "malformed_message");
        }
    }

    #[test]
    fn alias_trimmed_and_lossy() {
        let mut alias = [0u8; 32];
        alias[..5].copy_from_slice(b"hello");
        let n = NodeAnnouncementMsg {
            node_id: NodeId([2; 33]),
            timestamp: 0,
            alias,
        };
        assert_eq!(n.alias_string(), "hello");
        alias[5] = 0xff;
        let n = NodeAnnouncementMsg { alias, ..n };
        assert_eq!(n.alias_string(), "hello\u{fffd}");
    }
}
