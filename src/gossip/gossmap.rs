//! Core Lightning `devtools/gossmap-compress` v1 reader, and the node-map text file that goes
//! with it.
//!
//! The stream (already gunzipped by [`super::input`]) is `"GOSSMAP_COMPRESSv1\0"` followed by
//! BOLT #1 `bigsize` integers (minimal encoding required, as CLN's `bigsize_get` does):
//!
//! 1. `channel_count` N, then N "start" node indices, then N "end" node indices;
//! 2. the disabled halves, each as `chan * 2 + direction`, ended by any value ≥ 2N;
//! 3. six template blocks, each `count`, `count` distinct values, then one value index per item:
//!    capacity (sat, one per channel), then per half (chan 0 dir 0, chan 0 dir 1, chan 1 dir 0, …)
//!    htlc minimum (msat), htlc maximum (msat; 0 means "= capacity", 1 means "= 0.99 × capacity",
//!    computed in `f64` and truncated as CLN does), base fee (msat), proportional fee (ppm) and
//!    CLTV expiry delta (blocks). Nothing may follow the last block.
//!
//! Directions are BOLT #7 directions (0 = from the lexicographically smaller node id), not
//! "from the start node as listed": the compressor writes `chan->half[dir]` of CLN's gossmap.
//!
//! What the format cannot say, and how it is read here:
//! - The compressor writes zeros for every value of a half that is not enabled, so a disabled
//!   half (one in the disabled list) has no policy; it is kept as a present, disabled half with
//!   zero fees, zero delta, htlc minimum 0 and htlc maximum = capacity. The graph's
//!   `disabled_halves` therefore equals the length of the disabled list.
//! - A half that is *not* in the disabled list but whose five values are all zero (htlc maximum
//!   template value 0, i.e. "= capacity") had no `channel_update`: it is left out (`None`), so it
//!   counts neither as a half nor as a disabled half. Such halves are counted under
//!   `gossmap_half_without_update` in the ingest's `read` counters.
//! - There are no short_channel_ids: channel `i` (0-based, file order) gets `ix0x0`.
//! - There are no timestamps: `last_update` is 0.
//! - Node ids come from the node map (`index:node_id_hex:alias`, one line per node). Without
//!   one, node `i` gets the same pseudo id CLN's decompressor gives it: the public key of the
//!   secret key whose 32 bytes are all `0x01` except the first 8, which hold `i` as a
//!   little-endian u64. With a node map, an index the map lacks is an error.
//!
//! Every offset in an error is a byte offset in the decompressed stream.

use std::collections::HashMap;
use std::path::Path;

use super::{ChannelRecord, Collector, GossipError, HalfRecord, NodeRecord};
use crate::types::{NodeId, Scid};

/// index → (node id, alias)
pub type NodeMap = Vec<Option<(NodeId, String)>>;

/// The header of a v1 stream, NUL included.
pub const MAGIC: &[u8] = b"GOSSMAP_COMPRESSv1\0";

/// More bitcoin than will ever exist, in sat: a larger capacity is malformed.
const MAX_CAPACITY_SAT: u64 = 21_000_000 * 100_000_000;

/// Fewest bytes one channel takes in the stream after the count: two node indices, one
/// capacity index and five per-half indices for each of its two halves.
const MIN_BYTES_PER_CHANNEL: u64 = 2 + 1 + 5 * 2;

/// Reads a node map: one `index:node_id_hex:alias` line per node (the alias may contain ':';
/// it is read as UTF-8, invalid bytes replaced). Empty lines and a trailing `\r` are ignored.
/// Indices need not be dense, but each may appear only once and must stay below
/// `max(4 × entries, 65536)` (this bounds the memory a hostile file can ask for).
pub fn read_node_map(path: &Path, bytes: &[u8]) -> Result<NodeMap, GossipError> {
    let entries = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && *l != b"\r")
        .count();
    let max_index = entries.saturating_mul(4).max(1 << 16);
    let mut map: NodeMap = Vec::with_capacity(entries);
    let mut offset = 0usize;
    for (line_no, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_offset = offset;
        offset += raw.len() + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        let bad = |reason: String| {
            GossipError::malformed(
                path,
                line_offset as u64,
                format!("node map line {}: {reason}", line_no + 1),
            )
        };
        let mut parts = line.splitn(3, |&b| b == b':');
        let (Some(index), Some(id), Some(alias)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected index:node_id:alias".into()));
        };
        let index = std::str::from_utf8(index)
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| bad("index is not a decimal number".into()))?;
        if index >= max_index {
            return Err(bad(format!("index {index} is too large")));
        }
        let id: NodeId = std::str::from_utf8(id)
            .map_err(|_| bad("node id is not text".into()))?
            .parse()
            .map_err(|e| bad(format!("{e}")))?;
        if map.len() <= index {
            map.resize(index + 1, None);
        }
        let slot = &mut map[index];
        if slot.is_some() {
            return Err(bad(format!("index {index} appears twice")));
        }
        *slot = Some((id, String::from_utf8_lossy(alias).into_owned()));
    }
    Ok(map)
}

/// Reads a gossmap-compress v1 stream into `c`, naming nodes through `map` when given (and
/// giving the mapped nodes their aliases).
pub fn read(
    path: &Path,
    bytes: &[u8],
    map: Option<&NodeMap>,
    c: &mut Collector,
) -> Result<(), GossipError> {
    let file = decode(path, bytes)?;
    let ids = node_ids(path, &file, map)?;
    let n = file.ends.len();
    let mut without_update = 0u64;
    for (i, &(start, end)) in file.ends.iter().enumerate() {
        let (Some(&a), Some(&b)) = (ids.get(&start), ids.get(&end)) else {
            // node_ids() resolved every index used above; not reachable, but no panic either.
            return Err(GossipError::invalid(
                path,
                format!("channel {i}: unresolved node"),
            ));
        };
        let capacity_sat = file.capacity_sat.get(i).copied().unwrap_or(0);
        let mut halves: [Option<HalfRecord>; 2] = [None, None];
        for (dir, slot) in halves.iter_mut().enumerate() {
            let h = i * 2 + dir;
            let v = file.half(h);
            let disabled = file.disabled.get(h).copied().unwrap_or(false);
            if !disabled && v == HalfValues::default() {
                without_update += 1;
                continue;
            }
            let htlc_maximum_msat = match v.htlc_max {
                0 => capacity_sat * 1000,
                // CLN: amount_msat_scale(capacity_msat, 0.99), a truncating f64 product.
                1 => ((capacity_sat * 1000) as f64 * 0.99) as u64,
                m => m,
            };
            *slot = Some(HalfRecord {
                base_fee_msat: v.base_fee as u32,
                fee_ppm: v.ppm as u32,
                cltv_expiry_delta: v.delay as u16,
                htlc_minimum_msat: v.htlc_min,
                htlc_maximum_msat: Some(htlc_maximum_msat),
                disabled,
                last_update: 0,
                inbound_fee: None,
            });
        }
        let scid = Scid::new(i as u32, 0, 0);
        let [h0, h1] = halves;
        // `dir` is the BOLT direction, so half 0 leaves the smaller id whichever end is listed first.
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        c.add_channel(ChannelRecord::ordered(
            scid,
            lo,
            hi,
            Some(capacity_sat),
            h0,
            h1,
        ));
    }
    if let Some(map) = map {
        let mut used = vec![false; map.len()];
        for &(s, e) in &file.ends {
            for x in [s, e] {
                if let Some(u) = usize::try_from(x).ok().and_then(|x| used.get_mut(x)) {
                    *u = true;
                }
            }
        }
        for (entry, _) in map.iter().zip(&used).filter(|(_, &u)| u) {
            if let Some((id, alias)) = entry {
                c.add_node(NodeRecord {
                    id: *id,
                    alias: alias.clone(),
                    last_update: 0,
                });
            }
        }
    }
    *c.stats.read.entry("gossmap_channel".into()).or_default() += n as u64;
    if without_update > 0 {
        *c.stats
            .read
            .entry("gossmap_half_without_update".into())
            .or_default() += without_update;
    }
    Ok(())
}

/// The decoded stream, values range-checked.
struct Decoded {
    /// (start node index, end node index) per channel, as listed.
    ends: Vec<(u64, u64)>,
    /// Per half: in the disabled list.
    disabled: Vec<bool>,
    capacity_sat: Vec<u64>,
    htlc_min_msat: Vec<u64>,
    /// Raw template values: 0 and 1 are the special "capacity" / "0.99 × capacity".
    htlc_max: Vec<u64>,
    base_fee_msat: Vec<u64>,
    fee_ppm: Vec<u64>,
    cltv_delta: Vec<u64>,
}

#[derive(Default, PartialEq, Eq)]
struct HalfValues {
    htlc_min: u64,
    htlc_max: u64,
    base_fee: u64,
    ppm: u64,
    delay: u64,
}

impl Decoded {
    fn half(&self, h: usize) -> HalfValues {
        let get = |v: &Vec<u64>| v.get(h).copied().unwrap_or(0);
        HalfValues {
            htlc_min: get(&self.htlc_min_msat),
            htlc_max: get(&self.htlc_max),
            base_fee: get(&self.base_fee_msat),
            ppm: get(&self.fee_ppm),
            delay: get(&self.cltv_delta),
        }
    }
}

fn decode(path: &Path, bytes: &[u8]) -> Result<Decoded, GossipError> {
    let mut r = Reader {
        path,
        bytes,
        pos: 0,
    };
    if !bytes.starts_with(MAGIC) {
        let reason = if bytes.starts_with(b"GOSSMAP_COMPRESSv") {
            "unsupported gossmap-compress version (only v1 is known)"
        } else {
            "not a gossmap-compress stream (no \"GOSSMAP_COMPRESSv1\" header)"
        };
        return Err(GossipError::malformed(path, 0, reason));
    }
    r.pos = MAGIC.len();

    let count_at = r.pos;
    let n = r.bigsize("channel count")?;
    let remaining = r.remaining() as u64;
    let fits = matches!(n.checked_mul(MIN_BYTES_PER_CHANNEL), Some(need) if need <= remaining);
    if !fits {
        return Err(r.err_at(
            count_at,
            format!("channel count {n} needs more bytes than the {remaining} left"),
        ));
    }
    if n >= 1 << 24 {
        return Err(r.err_at(
            count_at,
            format!("channel count {n} exceeds the 2^24 scids of the form ix0x0"),
        ));
    }
    let n = n as usize;
    let mut starts = Vec::with_capacity(n);
    for _ in 0..n {
        starts.push(r.bigsize("channel start node index")?);
    }
    let mut ends = Vec::with_capacity(n);
    for s in starts {
        ends.push((s, r.bigsize("channel end node index")?));
    }

    let halves = 2 * n;
    let mut disabled = vec![false; halves];
    loop {
        let h = r.bigsize("disabled half index")?;
        match usize::try_from(h).ok().and_then(|h| disabled.get_mut(h)) {
            Some(d) => *d = true,
            None => break, // any value ≥ 2N ends the list
        }
    }

    let capacity_sat = r.template("capacity", n, MAX_CAPACITY_SAT)?;
    let htlc_min_msat = r.template("htlc minimum", halves, u64::MAX)?;
    let htlc_max = r.template("htlc maximum", halves, u64::MAX)?;
    let base_fee_msat = r.template("base fee", halves, u32::MAX as u64)?;
    let fee_ppm = r.template("proportional fee", halves, u32::MAX as u64)?;
    let cltv_delta = r.template("cltv delta", halves, u16::MAX as u64)?;
    if r.remaining() > 0 {
        return Err(r.err_at(
            r.pos,
            format!("{} unexpected bytes after the last block", r.remaining()),
        ));
    }
    Ok(Decoded {
        ends,
        disabled,
        capacity_sat,
        htlc_min_msat,
        htlc_max,
        base_fee_msat,
        fee_ppm,
        cltv_delta,
    })
}

/// Resolves every node index used by a channel to a node id.
fn node_ids(
    path: &Path,
    file: &Decoded,
    map: Option<&NodeMap>,
) -> Result<HashMap<u64, NodeId>, GossipError> {
    let mut ids: HashMap<u64, NodeId> = HashMap::new();
    match map {
        Some(map) => {
            for (i, &(s, e)) in file.ends.iter().enumerate() {
                for x in [s, e] {
                    if ids.contains_key(&x) {
                        continue;
                    }
                    let entry = usize::try_from(x)
                        .ok()
                        .and_then(|x| map.get(x))
                        .and_then(|e| e.as_ref());
                    let Some((id, _)) = entry else {
                        return Err(GossipError::invalid(
                            path,
                            format!(
                                "channel {i} uses node index {x}, which the node map ({} entries) lacks",
                                map.iter().flatten().count()
                            ),
                        ));
                    };
                    ids.insert(x, *id);
                }
            }
        }
        None => {
            let mut wanted: Vec<u64> = file.ends.iter().flat_map(|&(s, e)| [s, e]).collect();
            wanted.sort_unstable();
            wanted.dedup();
            let secp = bitcoin::secp256k1::Secp256k1::signing_only();
            for x in wanted {
                ids.insert(x, pseudo_node_id(&secp, x));
            }
        }
    }
    Ok(ids)
}

/// CLN's pseudo id for node `index` when no node map is given (see the module docs).
pub fn pseudo_node_id<C: bitcoin::secp256k1::Signing>(
    secp: &bitcoin::secp256k1::Secp256k1<C>,
    index: u64,
) -> NodeId {
    let mut secret = [1u8; 32];
    secret[..8].copy_from_slice(&index.to_le_bytes());
    // 0x0101…01 with any first 8 bytes is non-zero and below the curve order: always valid.
    let key = bitcoin::secp256k1::SecretKey::from_slice(&secret)
        .map(|k| bitcoin::secp256k1::PublicKey::from_secret_key(secp, &k).serialize())
        .unwrap_or([2u8; 33]);
    NodeId(key)
}

/// Bounds-checked cursor over the decompressed stream.
struct Reader<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn err_at(&self, offset: usize, reason: String) -> GossipError {
        GossipError::malformed(self.path, offset as u64, reason)
    }

    /// One BOLT #1 bigsize, minimally encoded.
    fn bigsize(&mut self, what: &str) -> Result<u64, GossipError> {
        let at = self.pos;
        let Some(&first) = self.bytes.get(at) else {
            return Err(self.err_at(at, format!("input ends where the {what} should be")));
        };
        let (len, min) = match first {
            0xfd => (2, 0xfd),
            0xfe => (4, 0x1_0000),
            0xff => (8, 0x1_0000_0000),
            b => {
                self.pos = at + 1;
                return Ok(b as u64);
            }
        };
        let Some(body) = self.bytes.get(at + 1..at + 1 + len) else {
            return Err(self.err_at(at, format!("input ends inside the {what}")));
        };
        let v = body.iter().fold(0u64, |v, &b| (v << 8) | b as u64);
        if v < min {
            return Err(self.err_at(at, format!("non-minimal bigsize encoding of the {what}")));
        }
        self.pos = at + 1 + len;
        Ok(v)
    }

    /// One template block: distinct values (each ≤ `max_value`), then `items` indices into
    /// them; returns the value of each item.
    fn template(
        &mut self,
        what: &str,
        items: usize,
        max_value: u64,
    ) -> Result<Vec<u64>, GossipError> {
        let at = self.pos;
        let count = self.bigsize(&format!("{what} template count"))?;
        if count > self.remaining() as u64 {
            return Err(self.err_at(
                at,
                format!(
                    "{what} template count {count} exceeds the {} bytes left",
                    self.remaining()
                ),
            ));
        }
        let mut values = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let v_at = self.pos;
            let v = self.bigsize(&format!("{what} template value"))?;
            if v > max_value {
                return Err(self.err_at(v_at, format!("{what} value {v} exceeds {max_value}")));
            }
            values.push(v);
        }
        let mut out = Vec::with_capacity(items);
        for _ in 0..items {
            let i_at = self.pos;
            let i = self.bigsize(&format!("{what} index"))?;
            let Some(&v) = usize::try_from(i).ok().and_then(|i| values.get(i)) else {
                return Err(self.err_at(
                    i_at,
                    format!("{what} index {i} out of range (template has {count} values)"),
                ));
            };
            out.push(v);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::ReadOptions;

    fn bigsize(out: &mut Vec<u8>, v: u64) {
        match v {
            0..=0xfc => out.push(v as u8),
            0xfd..=0xffff => {
                out.push(0xfd);
                out.extend_from_slice(&(v as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(0xfe);
                out.extend_from_slice(&(v as u32).to_be_bytes());
            }
            _ => {
                out.push(0xff);
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
    }

    /// Template block with one distinct value per item (simple, not compact).
    fn block(out: &mut Vec<u8>, vals: &[u64]) {
        bigsize(out, vals.len() as u64);
        for &v in vals {
            bigsize(out, v);
        }
        for i in 0..vals.len() {
            bigsize(out, i as u64);
        }
    }

    /// Two channels: 0 = node0–node1 (dir 1 disabled), 1 = node1–node2 (dir 1 without update).
    fn sample() -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        bigsize(&mut b, 2);
        for x in [0, 1, 1, 2] {
            bigsize(&mut b, x);
        }
        bigsize(&mut b, 1); // chan 0 dir 1 disabled
        bigsize(&mut b, 4); // end of list
        block(&mut b, &[1_000_000, 70_000]);
        block(&mut b, &[1, 0, 1000, 0]); // htlc min
        block(&mut b, &[0, 0, 1, 0]); // htlc max: capacity, 0.99 × capacity
        block(&mut b, &[1000, 0, 0, 0]);
        block(&mut b, &[100, 0, 2500, 0]);
        block(&mut b, &[144, 0, 40, 0]);
        b
    }

    fn map3() -> NodeMap {
        (0..3u8)
            .map(|i| {
                let mut id = [0x10 + i; 33];
                id[0] = if i == 1 { 2 } else { 3 }; // node 1 sorts first
                Some((NodeId(id), format!("n:{i}")))
            })
            .collect()
    }

    #[test]
    fn reads_sample_with_bolt_directions() {
        let mut c = Collector::new(ReadOptions::default());
        let map = map3();
        read(Path::new("t"), &sample(), Some(&map), &mut c).unwrap();
        let set = c.finish();
        assert_eq!(set.channels.len(), 2);
        assert_eq!(set.nodes.len(), 3);
        let ch0 = &set.channels[0];
        assert_eq!(ch0.scid, Scid::new(0, 0, 0));
        // node 1 (02…) is node_1 although node 0 is listed first.
        assert_eq!(ch0.node_1, map[1].as_ref().unwrap().0);
        assert_eq!(ch0.capacity_sat, Some(1_000_000));
        let h0 = ch0.halves[0].as_ref().unwrap();
        assert_eq!(
            (h0.base_fee_msat, h0.fee_ppm, h0.cltv_expiry_delta),
            (1000, 100, 144)
        );
        assert_eq!(h0.htlc_maximum_msat, Some(1_000_000_000));
        assert!(ch0.halves[1].as_ref().unwrap().disabled);
        let ch1 = &set.channels[1];
        let h = ch1.halves[0].as_ref().unwrap();
        assert_eq!(h.htlc_maximum_msat, Some(69_300_000));
        assert_eq!(h.htlc_minimum_msat, 1000);
        assert!(ch1.halves[1].is_none(), "all-zero half is absent");
        assert_eq!(set.stats.read["gossmap_half_without_update"], 1);
        assert!(set.nodes.iter().any(|n| n.alias == "n:2"));
    }

    #[test]
    fn pseudo_ids_without_map_are_deterministic() {
        let mut c1 = Collector::new(ReadOptions::default());
        read(Path::new("t"), &sample(), None, &mut c1).unwrap();
        let mut c2 = Collector::new(ReadOptions::default());
        read(Path::new("t"), &sample(), None, &mut c2).unwrap();
        let (s1, s2) = (c1.finish(), c2.finish());
        assert_eq!(s1.channels, s2.channels);
        assert!(s1.nodes.is_empty());
        let secp = bitcoin::secp256k1::Secp256k1::signing_only();
        assert_ne!(pseudo_node_id(&secp, 0), pseudo_node_id(&secp, 1));
    }

    #[test]
    fn every_truncation_and_bad_magic_is_an_error() {
        let good = sample();
        let map = map3();
        for len in 0..good.len() {
            let mut c = Collector::new(ReadOptions::default());
            let e = read(Path::new("t"), &good[..len], Some(&map), &mut c).unwrap_err();
            assert!(matches!(e, GossipError::Malformed { .. }), "len {len}: {e}");
        }
        let mut bad = good.clone();
        bad[17] = b'2';
        let mut c = Collector::new(ReadOptions::default());
        let e = read(Path::new("t"), &bad, Some(&map), &mut c).unwrap_err();
        assert!(e.to_string().contains("version"), "{e}");
        let mut extra = good.clone();
        extra.push(0);
        assert!(read(Path::new("t"), &extra, Some(&map), &mut c).is_err());
    }

    #[test]
    fn every_byte_flip_is_handled() {
        let good = sample();
        let map = map3();
        for i in 0..good.len() {
            for x in [0x01, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] ^= x;
                let mut c = Collector::new(ReadOptions::default());
                let _ = read(Path::new("t"), &bad, Some(&map), &mut c);
                let _ = read(Path::new("t"), &bad, None, &mut c);
            }
        }
    }

    #[test]
    fn node_index_missing_from_map_is_an_error() {
        let map: NodeMap = map3().into_iter().take(2).collect();
        let mut c = Collector::new(ReadOptions::default());
        let e = read(Path::new("t"), &sample(), Some(&map), &mut c).unwrap_err();
        assert!(e.to_string().contains("node index 2"), "{e}");
    }

    #[test]
    fn node_map_lines() {
        let id = format!("02{}", "ab".repeat(32));
        let text = format!("0:{id}:alias:with:colons\r\n\n2:{id}:\n");
        let m = read_node_map(Path::new("m"), text.as_bytes()).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].as_ref().unwrap().1, "alias:with:colons");
        assert!(m[1].is_none());
        assert_eq!(m[2].as_ref().unwrap().1, "");
        for bad in [
            format!("x:{id}:a\n"),
            "0:02ab:a\n".to_string(),
            format!("0:{id}\n"),
            format!("0:{id}:a\n0:{id}:b\n"),
            format!("99999999999:{id}:a\n"),
        ] {
            let e = read_node_map(Path::new("m"), bad.as_bytes()).unwrap_err();
            assert!(matches!(e, GossipError::Malformed { .. }), "{bad}: {e}");
        }
    }
}
