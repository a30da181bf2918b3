//! LND `lncli describegraph` JSON reader (`{"nodes":[…], "edges":[…]}`), streamed like the CLN
//! readers (see [`super::listchannels`] for the shared helpers and error style).
//!
//! - Numbers may be JSON integers or strings (LND prints 64-bit fields as strings). Field names
//!   are LND's snake_case; the camelCase spellings of the REST gateway are accepted as well.
//! - Every node in `nodes` becomes a graph node (with its alias and `last_update`), with or
//!   without channels.
//! - `channel_id` (u64) is the short_channel_id: block = id >> 40, tx = (id >> 16) & 0xFFFFFF,
//!   output = id & 0xFFFF. Endpoints are put in BOLT #7 order; `node1_policy` is the policy of
//!   the direction leaving `node1_pub`.
//! - `capacity` missing or 0 → unknown (the builder derives it from the htlc maxima).
//! - A `null` or missing policy → no half. Missing policy fields take proto3's default, zero
//!   (`disabled` false). `max_htlc_msat` missing or 0 → no htlc maximum (LND prints 0 when the
//!   update carried none; the builder then uses the capacity). The policy's `last_update`, when
//!   present and non-zero, else the edge's.
//! - Inbound fees: kept as [`HalfRecord::inbound_fee`] only when at least one of
//!   `inbound_fee_base_msat` / `inbound_fee_rate_milli_msat` is present and non-zero. LND
//!   prints both as 0 for every policy without inbound fees, so "present" alone would mark
//!   every half of a modern LND graph; zero inbound fees and no inbound fees mean the same.
//!   A missing one of the two counts as 0.

use std::borrow::Cow;
use std::path::Path;

use serde::de::MapAccess;
use serde::Deserialize;

use super::listchannels::{read_top_level, rows, JsonInt, TopLevel};
use super::{ChannelRecord, Collector, GossipError, HalfRecord, NodeRecord};
use crate::types::{NodeId, Scid};

/// Reads an LND `describegraph` JSON document into `c`.
pub fn read(path: &Path, bytes: &[u8], c: &mut Collector) -> Result<(), GossipError> {
    let mut doc = GraphDoc {
        c,
        seen_nodes: false,
        seen_edges: false,
        nodes: 0,
        edges: 0,
    };
    read_top_level(path, bytes, &mut doc)?;
    if !doc.seen_edges && !doc.seen_nodes {
        return Err(GossipError::invalid(
            path,
            "describegraph JSON has neither \"nodes\" nor \"edges\"",
        ));
    }
    let (nodes, edges) = (doc.nodes, doc.edges);
    *c.stats.read.entry("lnd_node".into()).or_default() += nodes;
    *c.stats.read.entry("lnd_edge".into()).or_default() += edges;
    Ok(())
}

struct GraphDoc<'c> {
    c: &'c mut Collector,
    seen_nodes: bool,
    seen_edges: bool,
    nodes: u64,
    edges: u64,
}

impl<'de> TopLevel<'de> for GraphDoc<'_> {
    const EXPECTING: &'static str =
        "an LND describegraph object ({\"nodes\": […], \"edges\": […]})";
    fn key<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        let c = &mut *self.c;
        match key {
            "nodes" => {
                let count = &mut self.nodes;
                rows(map, "nodes", &mut |i, n: LndNode| {
                    let id = parse_node(&n.pub_key, || format!("nodes[{i}].pub_key"))?;
                    let last_update = match n.last_update {
                        Some(t) => t.to().map_err(|e| format!("nodes[{i}].last_update: {e}"))?,
                        None => 0,
                    };
                    c.add_node(NodeRecord {
                        id,
                        alias: n.alias.map(Cow::into_owned).unwrap_or_default(),
                        last_update,
                    });
                    *count += 1;
                    Ok(())
                })?;
                self.seen_nodes = true;
                Ok(true)
            }
            "edges" => {
                let count = &mut self.edges;
                rows(map, "edges", &mut |i, e: LndEdge| {
                    c.add_channel(edge_record(i, e)?);
                    *count += 1;
                    Ok(())
                })?;
                self.seen_edges = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

fn parse_node(s: &str, field: impl Fn() -> String) -> Result<NodeId, String> {
    s.parse().map_err(|e| format!("{}: {e}", field()))
}

fn edge_record(i: usize, e: LndEdge) -> Result<ChannelRecord, String> {
    let field = |name: &str| format!("edges[{i}].{name}");
    let num = |v: JsonInt, name: &str| -> Result<u64, String> {
        v.to::<u64>()
            .map_err(|err| format!("{}: {err}", field(name)))
    };
    let scid = Scid(num(e.channel_id, "channel_id")?);
    let node1 = parse_node(&e.node1_pub, || field("node1_pub"))?;
    let node2 = parse_node(&e.node2_pub, || field("node2_pub"))?;
    let capacity_sat = match e.capacity {
        Some(v) => Some(num(v, "capacity")?).filter(|&c| c > 0),
        None => None,
    };
    let edge_update: u32 = match e.last_update {
        Some(v) => v
            .to()
            .map_err(|err| format!("{}: {err}", field("last_update")))?,
        None => 0,
    };
    let p1 = e
        .node1_policy
        .map(|p| policy(p, edge_update, &field("node1_policy")))
        .transpose()?;
    let p2 = e
        .node2_policy
        .map(|p| policy(p, edge_update, &field("node2_policy")))
        .transpose()?;
    Ok(ChannelRecord::ordered(
        scid,
        node1,
        node2,
        capacity_sat,
        p1,
        p2,
    ))
}

fn policy(p: LndPolicy, edge_update: u32, at: &str) -> Result<HalfRecord, String> {
    fn get<T: TryFrom<i128> + Default>(
        v: Option<JsonInt>,
        at: &str,
        name: &str,
    ) -> Result<T, String> {
        match v {
            Some(v) => v.to().map_err(|e| format!("{at}.{name}: {e}")),
            None => Ok(T::default()),
        }
    }
    let last_update: u32 = get(p.last_update, at, "last_update")?;
    let max: u64 = get(p.max_htlc_msat, at, "max_htlc_msat")?;
    let inbound_base: i32 = get(p.inbound_fee_base_msat, at, "inbound_fee_base_msat")?;
    let inbound_ppm: i32 = get(
        p.inbound_fee_rate_milli_msat,
        at,
        "inbound_fee_rate_milli_msat",
    )?;
    Ok(HalfRecord {
        base_fee_msat: get(p.fee_base_msat, at, "fee_base_msat")?,
        fee_ppm: get(p.fee_rate_milli_msat, at, "fee_rate_milli_msat")?,
        cltv_expiry_delta: get(p.time_lock_delta, at, "time_lock_delta")?,
        htlc_minimum_msat: get(p.min_htlc, at, "min_htlc")?,
        htlc_maximum_msat: (max > 0).then_some(max),
        disabled: p.disabled.unwrap_or(false),
        last_update: if last_update > 0 {
            last_update
        } else {
            edge_update
        },
        inbound_fee: (inbound_base != 0 || inbound_ppm != 0).then_some((inbound_base, inbound_ppm)),
    })
}

#[derive(Deserialize)]
struct LndNode<'a> {
    #[serde(borrow, alias = "pubKey")]
    pub_key: Cow<'a, str>,
    #[serde(borrow)]
    alias: Option<Cow<'a, str>>,
    #[serde(alias = "lastUpdate")]
    last_update: Option<JsonInt>,
}

#[derive(Deserialize)]
struct LndEdge<'a> {
    #[serde(alias = "channelId")]
    channel_id: JsonInt,
    #[serde(borrow, alias = "node1Pub")]
    node1_pub: Cow<'a, str>,
    #[serde(borrow, alias = "node2Pub")]
    node2_pub: Cow<'a, str>,
    capacity: Option<JsonInt>,
    #[serde(alias = "lastUpdate")]
    last_update: Option<JsonInt>,
    #[serde(alias = "node1Policy")]
    node1_policy: Option<LndPolicy>,
    #[serde(alias = "node2Policy")]
    node2_policy: Option<LndPolicy>,
}

#[derive(Deserialize)]
struct LndPolicy {
    #[serde(alias = "timeLockDelta")]
    time_lock_delta: Option<JsonInt>,
    #[serde(alias = "minHtlc")]
    min_htlc: Option<JsonInt>,
    #[serde(alias = "maxHtlcMsat")]
    max_htlc_msat: Option<JsonInt>,
    #[serde(alias = "feeBaseMsat")]
    fee_base_msat: Option<JsonInt>,
    #[serde(alias = "feeRateMilliMsat")]
    fee_rate_milli_msat: Option<JsonInt>,
    disabled: Option<bool>,
    #[serde(alias = "lastUpdate")]
    last_update: Option<JsonInt>,
    #[serde(alias = "inboundFeeBaseMsat")]
    inbound_fee_base_msat: Option<JsonInt>,
    #[serde(alias = "inboundFeeRateMilliMsat")]
    inbound_fee_rate_milli_msat: Option<JsonInt>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::ReadOptions;

    fn id(b: u8) -> String {
        format!("02{}", format!("{b:02x}").repeat(32))
    }

    fn graph(json: &str) -> Result<crate::gossip::GossipSet, GossipError> {
        let mut c = Collector::new(ReadOptions::default());
        read(Path::new("g.json"), json.as_bytes(), &mut c)?;
        Ok(c.finish())
    }

    #[test]
    fn edges_policies_and_nodes() {
        let json = format!(
            r#"{{"nodes": [{{"pub_key": "{}", "alias": "one", "last_update": 9}}, {{"pubKey": "{}"}}],
 "edges": [
  {{"channel_id": "559493088906641408", "node1_pub": "{}", "node2_pub": "{}", "capacity": "400000",
    "last_update": 100,
    "node1_policy": {{"time_lock_delta": 14, "min_htlc": "1000", "fee_base_msat": "1000",
      "fee_rate_milli_msat": "10", "disabled": false, "max_htlc_msat": "0",
      "inbound_fee_base_msat": 0, "inbound_fee_rate_milli_msat": 0}},
    "node2_policy": {{"timeLockDelta": 40, "minHtlc": 1, "feeBaseMsat": 0, "feeRateMilliMsat": 1,
      "disabled": true, "maxHtlcMsat": "5000", "lastUpdate": 200,
      "inboundFeeBaseMsat": -100, "inboundFeeRateMilliMsat": -5}}}},
  {{"channelId": 1099511627776, "node1Pub": "{}", "node2Pub": "{}", "capacity": 0,
    "node1Policy": null}}
 ]}}"#,
            id(1),
            id(9),
            id(2),
            id(1),
            id(1),
            id(2),
        );
        let set = graph(&json).unwrap();
        assert_eq!(set.nodes.len(), 2, "node 9 has no channels but is listed");
        assert_eq!(set.channels.len(), 2);
        let ch = set
            .channels
            .iter()
            .find(|c| c.scid == Scid::new(508856, 657, 0))
            .unwrap();
        // node1_pub was the larger id: its policy is direction 1.
        assert_eq!(ch.node_1.to_hex(), id(1));
        let from2 = ch.halves[1].as_ref().unwrap();
        assert_eq!(
            (from2.base_fee_msat, from2.fee_ppm, from2.cltv_expiry_delta),
            (1000, 10, 14)
        );
        assert_eq!(
            (from2.htlc_minimum_msat, from2.htlc_maximum_msat),
            (1000, None)
        );
        assert_eq!((from2.last_update, from2.inbound_fee), (100, None));
        let from1 = ch.halves[0].as_ref().unwrap();
        assert!(from1.disabled);
        assert_eq!(from1.htlc_maximum_msat, Some(5000));
        assert_eq!(
            (from1.last_update, from1.inbound_fee),
            (200, Some((-100, -5)))
        );
        assert_eq!(ch.capacity_sat, Some(400_000));
        let other = set
            .channels
            .iter()
            .find(|c| c.scid == Scid::new(1, 0, 0))
            .unwrap();
        assert_eq!(other.capacity_sat, None);
        assert!(other.halves.iter().all(Option::is_none));
        assert_eq!(set.stats.read["lnd_edge"], 2);
    }

    #[test]
    fn bad_rows_name_the_field() {
        let e = graph(r#"{"edges":[{"channel_id":"x","node1_pub":"","node2_pub":""}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("edges[0]"), "{e}");
        let json = format!(
            r#"{{"edges":[{{"channel_id":"1","node1_pub":"{}","node2_pub":"03ab"}}]}}"#,
            id(1)
        );
        let e = graph(&json).unwrap_err().to_string();
        assert!(e.contains("edges[0].node2_pub"), "{e}");
        let json = format!(
            r#"{{"edges":[{{"channel_id":"1","node1_pub":"{}","node2_pub":"{}","node1_policy":{{"time_lock_delta":70000}}}}]}}"#,
            id(1),
            id(2)
        );
        let e = graph(&json).unwrap_err().to_string();
        assert!(e.contains("edges[0].node1_policy.time_lock_delta"), "{e}");
        assert!(matches!(
            graph("{\"x\":1}"),
            Err(GossipError::Invalid { .. })
        ));
        assert!(matches!(
            graph("{\"edges\":[}"),
            Err(GossipError::Json { .. })
        ));
    }
}
