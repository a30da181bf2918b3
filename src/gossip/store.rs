//! Core Lightning `gossip_store` reader and record writer.
//!
//! Layout (CLN `common/gossip_store.h`, versions 12 and later): one version byte (upper 3 bits =
//! major version, must be 0; lower 5 bits = minor, CLN writes 12..=15), then records
//! `[be16 flags][be16 len][be32 crc][be32 timestamp][len bytes of message]`. The crc is CRC-32C
//! of the message with the record's timestamp as the starting value (checked against CLN's own
//! files). Flags: 0x8000 deleted (skipped), 0x2000 completed (version 15; a record without it
//! was never finished and is skipped), 0x1000 zombie (versions 12–13; skipped as CLN does).
//! Messages are BOLT #7 messages plus CLN-internal types: 4101 channel amount (u64 sat, for the
//! `channel_announcement` just before it), 4103 delete channel (scid); other internal types are
//! skipped and counted.
//!
//! A store part without its version byte (CLN's pyln test data splits one store in two) is
//! read as records from byte 0, version 15 rules.

use std::path::Path;

use super::{Collector, GossipError};
use crate::types::Scid;

/// The version byte written by [`encode_store_header`] (what CLN writes today).
pub const VERSION: u8 = 0x0f;
/// The first version with 16-bit flags and length fields.
pub const MIN_VERSION: u8 = 12;
pub const HEADER_LEN: usize = 12;
pub const FLAG_DELETED: u16 = 0x8000;
pub const FLAG_PUSH: u16 = 0x4000;
pub const FLAG_COMPLETED: u16 = 0x2000;
pub const FLAG_ZOMBIE_V13: u16 = 0x1000;
pub const FLAG_DYING: u16 = 0x0800;
pub const TYPE_CHANNEL_AMOUNT: u16 = 4101;
pub const TYPE_DELETE_CHAN: u16 = 4103;
/// CLN-internal message types start here.
const CLN_INTERNAL_FIRST: u16 = 4096;

/// The checksum CLN stores in a record header.
pub fn record_crc(timestamp: u32, msg: &[u8]) -> u32 {
    crc32c::crc32c_append(timestamp, msg)
}

#[derive(Clone, Copy, Debug)]
struct Header {
    flags: u16,
    len: u16,
    crc: u32,
    timestamp: u32,
}

fn header_at(b: &[u8], off: usize) -> Option<Header> {
    let h: &[u8; HEADER_LEN] = b.get(off..off.checked_add(HEADER_LEN)?)?.try_into().ok()?;
    Some(Header {
        flags: u16::from_be_bytes([h[0], h[1]]),
        len: u16::from_be_bytes([h[2], h[3]]),
        crc: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        timestamp: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
    })
}

/// A whole record with a matching checksum at `off`.
fn record_ok_at(b: &[u8], off: usize) -> bool {
    let Some(h) = header_at(b, off) else {
        return false;
    };
    let body = off + HEADER_LEN;
    match b.get(body..body + h.len as usize) {
        Some(msg) => h.len >= 2 && record_crc(h.timestamp, msg) == h.crc,
        None => false,
    }
}

fn is_version_byte(v: u8) -> bool {
    v & 0xE0 == 0 && v >= MIN_VERSION
}

/// Where the records start and which version's rules apply: after a version byte, or at byte 0
/// for a part without one (recognised by a valid first record).
fn start(bytes: &[u8]) -> Option<(usize, u8)> {
    let first = *bytes.first()?;
    if is_version_byte(first) && (bytes.len() == 1 || record_ok_at(bytes, 1)) {
        return Some((1, first));
    }
    if record_ok_at(bytes, 0) {
        return Some((0, VERSION));
    }
    None
}

/// Whether `bytes` look like a gossip_store (or a part of one without its version byte).
pub fn looks_like_store(bytes: &[u8]) -> bool {
    start(bytes).is_some()
}

/// Reads one gossip_store (or part) into the collector's signed queue. Framing errors
/// (truncation, unsupported version) are errors naming the byte offset; damaged or invalid
/// records are counted rejections.
pub fn read(path: &Path, bytes: &[u8], c: &mut Collector) -> Result<(), GossipError> {
    let (mut off, version) = match start(bytes) {
        Some(s) => s,
        None => match bytes.first() {
            Some(&v) if is_version_byte(v) => (1, v),
            Some(&v) if v & 0xE0 == 0 => {
                return Err(GossipError::malformed(
                    path,
                    0,
                    format!("gossip_store version {v} is not supported (need {MIN_VERSION} or later)"),
                ))
            }
            Some(&v) => {
                return Err(GossipError::malformed(
                    path,
                    0,
                    format!("not a gossip_store: byte 0x{v:02x} is neither a version byte with major version 0 nor the start of a valid record"),
                ))
            }
            None => return Err(GossipError::Empty { path: path.to_path_buf() }),
        },
    };
    c.signed.reserve(bytes.len() - off);
    while off < bytes.len() {
        let Some(h) = header_at(bytes, off) else {
            return Err(GossipError::malformed(
                path,
                off as u64,
                format!(
                    "truncated record header ({} of {HEADER_LEN} bytes)",
                    bytes.len() - off
                ),
            ));
        };
        let body = off + HEADER_LEN;
        let Some(msg) = bytes.get(body..body + h.len as usize) else {
            return Err(GossipError::malformed(
                path,
                off as u64,
                format!(
                    "truncated record: header says {} bytes, {} left",
                    h.len,
                    bytes.len() - body
                ),
            ));
        };
        off = body + h.len as usize;
        let skip = if h.flags & FLAG_DELETED != 0 {
            Some("deleted_record")
        } else if version <= 13 && h.flags & FLAG_ZOMBIE_V13 != 0 {
            Some("zombie_record")
        } else if version >= 15 && h.flags & FLAG_COMPLETED == 0 {
            Some("incomplete_record")
        } else {
            None
        };
        if let Some(kind) = skip {
            c.stats.count_read(kind);
            c.signed.skipped(msg);
            continue;
        }
        if record_crc(h.timestamp, msg) != h.crc {
            c.stats.reject("bad_crc");
            c.signed.skipped(msg);
            continue;
        }
        read_message(msg, c);
    }
    Ok(())
}

fn read_message(msg: &[u8], c: &mut Collector) {
    let be_u64 = |m: &[u8]| -> Option<u64> {
        let b: [u8; 8] = m.get(2..10)?.try_into().ok()?;
        (m.len() == 10).then(|| u64::from_be_bytes(b))
    };
    match super::wire::msg_type(msg) {
        Some(TYPE_CHANNEL_AMOUNT) => match be_u64(msg) {
            Some(sat) => c.signed.push_amount(sat, &mut c.stats),
            None => malformed_internal(msg, c),
        },
        Some(TYPE_DELETE_CHAN) => match be_u64(msg) {
            Some(scid) => c.signed.push_delete(Scid(scid), &mut c.stats),
            None => malformed_internal(msg, c),
        },
        Some(t) if t >= CLN_INTERNAL_FIRST => {
            c.stats.count_read("cln_internal");
            c.signed.skipped(msg);
        }
        _ => {
            c.signed.push_message(msg, &mut c.stats);
        }
    }
}

fn malformed_internal(msg: &[u8], c: &mut Collector) {
    c.stats.count_read("cln_internal");
    c.stats.reject("malformed_message");
    c.signed.skipped(msg);
}

/// The version byte a store starts with.
pub fn encode_store_header(out: &mut Vec<u8>) {
    out.push(VERSION);
}

/// Appends one record (header with CLN's checksum, then `msg`). Fails for a message longer
/// than the 16-bit length field allows.
pub fn encode_record(
    out: &mut Vec<u8>,
    flags: u16,
    timestamp: u32,
    msg: &[u8],
) -> std::io::Result<()> {
    let len = u16::try_from(msg.len()).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("gossip_store record of {} bytes is too long", msg.len()),
        )
    })?;
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&record_crc(timestamp, msg).to_be_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(msg);
    Ok(())
}

/// The CLN `gossip_store_channel_amount` message.
pub fn amount_message(capacity_sat: u64) -> [u8; 10] {
    let mut m = [0u8; 10];
    m[..2].copy_from_slice(&TYPE_CHANNEL_AMOUNT.to_be_bytes());
    m[2..].copy_from_slice(&capacity_sat.to_be_bytes());
    m
}

/// The CLN `gossip_store_delete_chan` message.
pub fn delete_message(scid: Scid) -> [u8; 10] {
    let mut m = [0u8; 10];
    m[..2].copy_from_slice(&TYPE_DELETE_CHAN.to_be_bytes());
    m[2..].copy_from_slice(&scid.0.to_be_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_is_seeded_with_timestamp() {
        // A CLN amount record of 1,000,000 sat with timestamp 0 (from CLN's test data).
        assert_eq!(record_crc(0, &amount_message(1_000_000)), 0x9111_83f6);
    }

    #[test]
    fn detection() {
        let mut s = Vec::new();
        encode_store_header(&mut s);
        assert!(
            looks_like_store(&s),
            "a bare version byte is an empty store"
        );
        encode_record(&mut s, FLAG_COMPLETED, 7, &amount_message(5)).unwrap();
        assert!(looks_like_store(&s));
        assert!(looks_like_store(&s[1..]), "part without version byte");
        assert!(!looks_like_store(&s[2..]));
        assert!(!looks_like_store(b"{\"channels\": []}"));
        let mut bad = s.clone();
        bad[1 + 5] ^= 1;
        assert!(!looks_like_store(&bad), "first record's crc must match");
    }
}
