//! Core Lightning `listchannels` and `listnodes` JSON readers, plus the streaming JSON helpers
//! the LND reader shares.
//!
//! Both files are read in one streaming pass (`serde_json` visitors, strings borrowed from the
//! input when they hold no escapes): rows are checked and grouped as they are parsed, never
//! collected into a tree first.
//!
//! `listchannels` (`{"channels":[…]}`): each row is one half, `source` → `destination`. Rows are
//! grouped by `short_channel_id` (`BLOCKxTXxOUT`, or the `BLOCK:TX:OUT` of 2018/2019 CLN) into
//! one channel whose endpoints are put in BOLT #7 order; the half's direction follows from
//! `source` (0 when it is the smaller id), not from `channel_flags`. Field defaults:
//! - capacity: `satoshis`, else `amount_msat` / 1000, else unknown (the builder derives it);
//!   when rows of one channel disagree the first row's value is kept;
//! - `active` false → disabled; without `active`, bit 1 of `channel_flags`; without both, enabled;
//! - `htlc_minimum_msat` missing (2019 files) → 0; `htlc_maximum_msat` missing → none (the
//!   builder then uses the capacity); `last_update` missing → 0.
//!   Amounts may be integers or strings (`"1000"`, `"1000msat"`).
//! - Two rows for the same half: the newer `last_update` wins, on a tie the later row.
//! - A row whose endpoints differ from an earlier row of the same scid is dropped and counted as
//!   rejected `conflicting_channel`.
//!
//! `listnodes` (`{"nodes":[…]}`): `nodeid`, optional `alias` (else empty) and `last_timestamp`
//! (else 0); every listed node becomes a graph node, with or without channels.
//!
//! Errors: malformed JSON, a missing required field, a wrong type, an out-of-range number or a
//! bad node id / scid give [`GossipError::Json`] with the line and column where the parser
//! stood, and for row problems a reason naming the row and field, e.g.
//! `channels[17].source: node id must be 66 hex characters, got 12 characters`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{ChannelRecord, Collector, GossipError, HalfRecord, NodeRecord};
use crate::types::{NodeId, Scid};

/// Reads a CLN `listchannels` JSON document into `c`.
pub fn read_channels(path: &Path, bytes: &[u8], c: &mut Collector) -> Result<(), GossipError> {
    let mut doc = ChannelsDoc::default();
    read_top_level(path, bytes, &mut doc)?;
    if !doc.seen_array {
        return Err(GossipError::invalid(
            path,
            "listchannels JSON has no \"channels\" array",
        ));
    }
    let g = doc.grouper;
    *c.stats.read.entry("listchannels_row".into()).or_default() += g.rows;
    if g.conflicts > 0 {
        *c.stats
            .rejected
            .entry("conflicting_channel".into())
            .or_default() += g.conflicts;
    }
    for ch in g.channels {
        c.add_channel(ch);
    }
    Ok(())
}

/// Reads a CLN `listnodes` JSON document into `c`.
pub fn read_nodes(path: &Path, bytes: &[u8], c: &mut Collector) -> Result<(), GossipError> {
    let mut doc = NodesDoc {
        nodes: Vec::new(),
        seen_array: false,
    };
    read_top_level(path, bytes, &mut doc)?;
    if !doc.seen_array {
        return Err(GossipError::invalid(
            path,
            "listnodes JSON has no \"nodes\" array",
        ));
    }
    *c.stats.read.entry("listnodes_node".into()).or_default() += doc.nodes.len() as u64;
    for n in doc.nodes {
        c.add_node(n);
    }
    Ok(())
}

#[derive(Default)]
struct ChannelsDoc {
    grouper: Grouper,
    seen_array: bool,
}

impl<'de> TopLevel<'de> for ChannelsDoc {
    const EXPECTING: &'static str = "a CLN listchannels object ({\"channels\": […]})";
    fn key<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if key != "channels" {
            return Ok(false);
        }
        let g = &mut self.grouper;
        rows(map, "channels", &mut |i, row: ChannelRow| g.add(i, row))?;
        self.seen_array = true;
        Ok(true)
    }
}

struct NodesDoc {
    nodes: Vec<NodeRecord>,
    seen_array: bool,
}

impl<'de> TopLevel<'de> for NodesDoc {
    const EXPECTING: &'static str = "a CLN listnodes object ({\"nodes\": […]})";
    fn key<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if key != "nodes" {
            return Ok(false);
        }
        let nodes = &mut self.nodes;
        rows(map, "nodes", &mut |i, row: NodeRow| {
            let id = node_id(&row.nodeid).map_err(|e| format!("nodes[{i}].nodeid: {e}"))?;
            let last_update = match row.last_timestamp {
                Some(t) => t
                    .to::<u32>()
                    .map_err(|e| format!("nodes[{i}].last_timestamp: {e}"))?,
                None => 0,
            };
            nodes.push(NodeRecord {
                id,
                alias: row.alias.map(Cow::into_owned).unwrap_or_default(),
                last_update,
            });
            Ok(())
        })?;
        self.seen_array = true;
        Ok(true)
    }
}

#[derive(Deserialize)]
struct ChannelRow<'a> {
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow)]
    destination: Cow<'a, str>,
    #[serde(borrow)]
    short_channel_id: Cow<'a, str>,
    satoshis: Option<JsonInt>,
    amount_msat: Option<JsonInt>,
    active: Option<bool>,
    channel_flags: Option<JsonInt>,
    last_update: Option<JsonInt>,
    base_fee_millisatoshi: JsonInt,
    fee_per_millionth: JsonInt,
    delay: JsonInt,
    htlc_minimum_msat: Option<JsonInt>,
    htlc_maximum_msat: Option<JsonInt>,
}

#[derive(Deserialize)]
struct NodeRow<'a> {
    #[serde(borrow)]
    nodeid: Cow<'a, str>,
    #[serde(borrow)]
    alias: Option<Cow<'a, str>>,
    last_timestamp: Option<JsonInt>,
}

/// Groups listchannels rows (halves) into channels, in first-seen order.
#[derive(Default)]
struct Grouper {
    index: HashMap<Scid, usize>,
    channels: Vec<ChannelRecord>,
    rows: u64,
    conflicts: u64,
}

impl Grouper {
    fn add(&mut self, i: usize, row: ChannelRow) -> Result<(), String> {
        let field = |name: &str, e: &dyn fmt::Display| format!("channels[{i}].{name}: {e}");
        let source = node_id(&row.source).map_err(|e| field("source", &e))?;
        let destination = node_id(&row.destination).map_err(|e| field("destination", &e))?;
        let scid = parse_scid(&row.short_channel_id).map_err(|e| field("short_channel_id", &e))?;
        let capacity_sat = match (row.satoshis, row.amount_msat) {
            (Some(s), _) => Some(s.to::<u64>().map_err(|e| field("satoshis", &e))?),
            (None, Some(m)) => Some(m.to::<u64>().map_err(|e| field("amount_msat", &e))? / 1000),
            (None, None) => None,
        };
        let disabled = match (row.active, row.channel_flags) {
            (Some(active), _) => !active,
            (None, Some(f)) => f.to::<u8>().map_err(|e| field("channel_flags", &e))? & 2 != 0,
            (None, None) => false,
        };
        let opt = |v: Option<JsonInt>, name: &str| -> Result<Option<u64>, String> {
            v.map(|v| v.to::<u64>().map_err(|e| field(name, &e)))
                .transpose()
        };
        let half = HalfRecord {
            base_fee_msat: row
                .base_fee_millisatoshi
                .to()
                .map_err(|e| field("base_fee_millisatoshi", &e))?,
            fee_ppm: row
                .fee_per_millionth
                .to()
                .map_err(|e| field("fee_per_millionth", &e))?,
            cltv_expiry_delta: row.delay.to().map_err(|e| field("delay", &e))?,
            htlc_minimum_msat: opt(row.htlc_minimum_msat, "htlc_minimum_msat")?.unwrap_or(0),
            htlc_maximum_msat: opt(row.htlc_maximum_msat, "htlc_maximum_msat")?,
            disabled,
            last_update: match row.last_update {
                Some(t) => t.to().map_err(|e| field("last_update", &e))?,
                None => 0,
            },
            inbound_fee: None,
        };
        self.rows += 1;
        let (node_1, node_2) = if source <= destination {
            (source, destination)
        } else {
            (destination, source)
        };
        let dir = usize::from(source != node_1);
        match self
            .index
            .get(&scid)
            .and_then(|&k| self.channels.get_mut(k))
        {
            None => {
                let mut halves = [None, None];
                halves[dir] = Some(half);
                self.index.insert(scid, self.channels.len());
                self.channels.push(ChannelRecord {
                    scid,
                    node_1,
                    node_2,
                    capacity_sat,
                    halves,
                });
            }
            Some(known) if known.node_1 != node_1 || known.node_2 != node_2 => {
                self.conflicts += 1;
            }
            Some(known) => {
                if known.capacity_sat.is_none() {
                    known.capacity_sat = capacity_sat;
                }
                let slot = &mut known.halves[dir];
                if slot
                    .as_ref()
                    .is_none_or(|k| k.last_update <= half.last_update)
                {
                    *slot = Some(half);
                }
            }
        }
        Ok(())
    }
}

fn node_id(s: &str) -> Result<NodeId, crate::types::IdError> {
    s.parse()
}

/// `BLOCKxTXxOUT`, or the colon-separated form older CLN printed.
fn parse_scid(s: &str) -> Result<Scid, crate::types::IdError> {
    if s.contains(':') {
        s.replace(':', "x").parse()
    } else {
        s.parse()
    }
}

// ---- streaming JSON helpers (shared with the LND reader) ----

/// An integer written as a JSON number or as a string (`"1000"`, `"1000msat"`, `"-5"`), as CLN
/// and LND print them. Converted to the field's type with a range check by [`JsonInt::to`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct JsonInt(pub i128);

impl JsonInt {
    pub(super) fn to<T: TryFrom<i128>>(self) -> Result<T, String> {
        T::try_from(self.0).map_err(|_| {
            format!(
                "{} is out of range for {}",
                self.0,
                std::any::type_name::<T>()
            )
        })
    }
}

impl<'de> Deserialize<'de> for JsonInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = JsonInt;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer, or a string of digits (optionally ending in \"msat\")")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonInt, E> {
                Ok(JsonInt(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonInt, E> {
                Ok(JsonInt(v.into()))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<JsonInt, E> {
                let digits = s.strip_suffix("msat").unwrap_or(s);
                let body = digits.strip_prefix('-').unwrap_or(digits);
                if body.is_empty() || body.len() > 30 || !body.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::invalid_value(de::Unexpected::Str(s), &self));
                }
                digits
                    .parse::<i128>()
                    .map(JsonInt)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// Turns a `serde_json` error into [`GossipError::Json`], without repeating the position in
/// the reason.
pub(super) fn json_error(path: &Path, e: &serde_json::Error) -> GossipError {
    GossipError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        reason: strip_position(&e.to_string()).to_string(),
    }
}

/// `"… at line 3 column 7"` → `"…"` (serde_json appends the position to its messages).
fn strip_position(text: &str) -> &str {
    let Some(at) = text.rfind(" at line ") else {
        return text;
    };
    let tail = &text[at + " at line ".len()..];
    let mut words = tail.split(' ');
    let is_num =
        |w: Option<&str>| w.is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
    let ok = is_num(words.next())
        && words.next() == Some("column")
        && is_num(words.next())
        && words.next().is_none();
    if ok {
        &text[..at]
    } else {
        text
    }
}

/// A JSON document whose top level is an object; the reader picks the keys it wants.
pub(super) trait TopLevel<'de> {
    /// What the top level should be, for the error when it is not an object.
    const EXPECTING: &'static str;
    /// Handles the value of `key` (e.g. with [`rows`]) and returns true, or returns false to
    /// have it skipped.
    fn key<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

/// Parses `bytes` as one JSON object, handing each top-level key to `doc`. Trailing
/// non-whitespace is an error.
pub(super) fn read_top_level<'de, T: TopLevel<'de>>(
    path: &Path,
    bytes: &'de [u8],
    doc: &mut T,
) -> Result<(), GossipError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    TopSeed(doc)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| json_error(path, &e))
}

struct TopSeed<'d, T>(&'d mut T);

impl<'de, T: TopLevel<'de>> DeserializeSeed<'de> for TopSeed<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: TopLevel<'de>> Visitor<'de> for TopSeed<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if !self.0.key(&key, &mut map)? {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Streams the current value of `map`, an array of `T` (or `null`, read as empty), calling `f`
/// with each element and its index. An `Err` from `f`, or an element that does not parse,
/// aborts parsing there with an error naming `what[index]`.
pub(super) fn rows<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    what: &'static str,
    f: &mut dyn FnMut(usize, T) -> Result<(), String>,
) -> Result<(), A::Error> {
    map.next_value_seed(RowsSeed {
        what,
        f,
        _t: PhantomData,
    })
}

struct RowsSeed<'f, T> {
    what: &'static str,
    f: &'f mut dyn FnMut(usize, T) -> Result<(), String>,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for RowsSeed<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for RowsSeed<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array of {}", self.what)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let mut i = 0usize;
        loop {
            let row = seq.next_element::<T>().map_err(|e| {
                de::Error::custom(format_args!(
                    "{}[{i}]: {}",
                    self.what,
                    strip_position(&e.to_string())
                ))
            })?;
            let Some(row) = row else {
                return Ok(());
            };
            (self.f)(i, row).map_err(de::Error::custom)?;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::ReadOptions;

    fn id(b: u8, prefix: u8) -> String {
        format!("{prefix:02x}{}", format!("{b:02x}").repeat(32))
    }

    fn channels(json: &str) -> Result<crate::gossip::GossipSet, GossipError> {
        let mut c = Collector::new(ReadOptions::default());
        read_channels(Path::new("lc.json"), json.as_bytes(), &mut c)?;
        Ok(c.finish())
    }

    #[test]
    fn rows_group_into_channels() {
        let (a, b) = (id(0xaa, 3), id(0xbb, 2)); // b sorts first
        let json = format!(
            r#"{{"channels": [
  {{"source": "{a}", "destination": "{b}", "short_channel_id": "500000:1:2", "satoshis": 1000,
    "active": false, "last_update": 5, "base_fee_millisatoshi": 1000, "fee_per_millionth": 10,
    "delay": 14}},
  {{"source": "{b}", "destination": "{a}", "short_channel_id": "500000x1x2",
    "amount_msat": "1000000msat", "channel_flags": 1, "last_update": 6,
    "base_fee_millisatoshi": "0", "fee_per_millionth": 1, "delay": 40,
    "htlc_minimum_msat": "1000msat", "htlc_maximum_msat": 990000, "extra": [1, {{}}]}},
  {{"source": "{b}", "destination": "{a}", "short_channel_id": "500000x1x2",
    "base_fee_millisatoshi": 7, "fee_per_millionth": 7, "delay": 7, "last_update": 3}}
], "other": {{"x": 1}}}}"#
        );
        let set = channels(&json).unwrap();
        assert_eq!(set.channels.len(), 1);
        let ch = &set.channels[0];
        assert_eq!(ch.scid, "500000x1x2".parse().unwrap());
        assert_eq!(ch.node_1.to_hex(), b);
        assert_eq!(ch.capacity_sat, Some(1000));
        let h0 = ch.halves[0].as_ref().unwrap(); // from b; the older row (ts 3) lost
        assert_eq!(
            (h0.base_fee_msat, h0.fee_ppm, h0.cltv_expiry_delta),
            (0, 1, 40)
        );
        assert_eq!(
            (h0.htlc_minimum_msat, h0.htlc_maximum_msat),
            (1000, Some(990_000))
        );
        assert!(!h0.disabled);
        let h1 = ch.halves[1].as_ref().unwrap(); // from a
        assert!(h1.disabled);
        assert_eq!((h1.htlc_minimum_msat, h1.htlc_maximum_msat), (0, None));
        assert_eq!(set.stats.read["listchannels_row"], 3);
    }

    #[test]
    fn conflicting_endpoints_are_counted() {
        let (a, b, c) = (id(1, 2), id(2, 2), id(3, 2));
        let row = |s: &str, d: &str| {
            format!(
                r#"{{"source":"{s}","destination":"{d}","short_channel_id":"1x1x1","base_fee_millisatoshi":1,"fee_per_millionth":1,"delay":1}}"#
            )
        };
        let json = format!(r#"{{"channels":[{},{}]}}"#, row(&a, &b), row(&a, &c));
        let set = channels(&json).unwrap();
        assert_eq!(set.channels.len(), 1);
        assert_eq!(set.stats.rejected["conflicting_channel"], 1);
    }

    #[test]
    fn errors_name_position_row_and_field() {
        let a = id(1, 2);
        let e = channels("{\"channels\": [\n  {\"source\": }]}").unwrap_err();
        assert!(matches!(e, GossipError::Json { line: 2, .. }), "{e}");
        let bad = format!(
            r#"{{"channels":[{{"source":"{a}","destination":"02zz","short_channel_id":"1x1x1","base_fee_millisatoshi":1,"fee_per_millionth":1,"delay":1}}]}}"#
        );
        let e = channels(&bad).unwrap_err().to_string();
        assert!(e.contains("channels[0].destination"), "{e}");
        assert!(!e.contains(" at line "), "position given once: {e}");
        let bad = bad.replace("02zz", &a).replace("1x1x1", "1x1");
        let e = channels(&bad).unwrap_err().to_string();
        assert!(e.contains("channels[0].short_channel_id"), "{e}");
        let bad = bad
            .replace("1x1\"", "1x1x1\"")
            .replace("\"delay\":1", "\"delay\":70000");
        let e = channels(&bad).unwrap_err().to_string();
        assert!(e.contains("channels[0].delay"), "{e}");
        assert!(matches!(channels("{}"), Err(GossipError::Invalid { .. })));
        assert!(matches!(channels("[]"), Err(GossipError::Json { .. })));
        assert!(matches!(
            channels("{\"channels\":[]} x"),
            Err(GossipError::Json { .. })
        ));
        assert_eq!(channels("{\"channels\":null}").unwrap().channels.len(), 0);
    }

    #[test]
    fn listnodes() {
        let json = format!(
            r#"{{"nodes":[{{"nodeid":"{}","alias":"A\u00e9","last_timestamp":7}},{{"nodeid":"{}"}}]}}"#,
            id(1, 2),
            id(2, 3)
        );
        let mut c = Collector::new(ReadOptions::default());
        read_nodes(Path::new("n"), json.as_bytes(), &mut c).unwrap();
        let set = c.finish();
        assert_eq!(set.nodes.len(), 2);
        assert_eq!(
            (set.nodes[0].alias.as_str(), set.nodes[0].last_update),
            ("Aé", 7)
        );
        assert_eq!(set.nodes[1].alias, "");
        let mut c = Collector::new(ReadOptions::default());
        let e = read_nodes(Path::new("n"), br#"{"nodes":[{"nodeid":"x"}]}"#, &mut c).unwrap_err();
        assert!(e.to_string().contains("nodes[0].nodeid"), "{e}");
    }

    #[test]
    fn json_int_forms() {
        let p = |s: &str| serde_json::from_str::<JsonInt>(s).map(|v| v.0);
        assert_eq!(p("12").unwrap(), 12);
        assert_eq!(p("\"12\"").unwrap(), 12);
        assert_eq!(p("\"12msat\"").unwrap(), 12);
        assert_eq!(p("-3").unwrap(), -3);
        assert_eq!(p("\"18446744073709551615\"").unwrap(), u64::MAX as i128);
        for bad in ["1.5", "\"\"", "\"msat\"", "\"1 2\"", "true", "\"12sat\""] {
            assert!(p(bad).is_err(), "{bad}");
        }
        assert!(JsonInt(-1).to::<u64>().is_err());
        assert!(JsonInt(1 << 40).to::<u32>().is_err());
    }
}
