//! Graph file: build, write, open, and refusal of damaged files.

use lnroute::gossip::{ChannelRecord, GossipSet, HalfRecord};
use lnroute::graph::{builder, Graph};
use lnroute::types::{NodeId, Scid};

fn node(i: u8) -> NodeId {
    let mut b = [i; 33];
    b[0] = 2;
    NodeId(b)
}

fn half(base: u32, ppm: u32) -> HalfRecord {
    HalfRecord {
        base_fee_msat: base,
        fee_ppm: ppm,
        cltv_expiry_delta: 40,
        htlc_minimum_msat: 1,
        htlc_maximum_msat: None,
        disabled: false,
        last_update: 1_700_000_000,
        inbound_fee: None,
    }
}

pub fn tiny_set() -> GossipSet {
    let mut set = GossipSet::default();
    for (i, (a, b)) in [(1u8, 2u8), (2, 3), (1, 3)].into_iter().enumerate() {
        set.channels.push(ChannelRecord::ordered(
            Scid::new(700_000 + i as u32, 1, 0),
            node(a),
            node(b),
            Some(1_000_000),
            Some(half(1000, 100)),
            Some(half(0, 1)),
        ));
    }
    set
}

#[test]
fn write_open_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.lnrg");
    let data = builder::build(&tiny_set());
    Graph::write(&data, "tiny", &path).unwrap();
    let g = Graph::open(&path).unwrap();
    let s = g.summary();
    assert_eq!(
        (s.nodes, s.channels, s.halves, s.disabled_halves),
        (3, 3, 6, 0)
    );
    assert_eq!(s.total_capacity_sat, 3_000_000);
    let c = g.chan_idx(Scid::new(700_001, 1, 0)).unwrap();
    let p = g.half_policy(lnroute::HalfIdx::new(c, 0)).unwrap();
    assert_eq!(
        p.htlc_maximum_msat, 1_000_000_000,
        "missing htlc max defaults to capacity"
    );
    assert_eq!(g.meta().source_summary, "tiny");
}

#[test]
fn flipped_bytes_and_truncation_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.lnrg");
    let data = builder::build(&tiny_set());
    Graph::write(&data, "tiny", &path).unwrap();
    let good = std::fs::read(&path).unwrap();
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x40;
        assert!(
            Graph::from_bytes(&bad).is_err(),
            "flipped byte {i} accepted"
        );
    }
    for len in 0..good.len() {
        assert!(
            Graph::from_bytes(&good[..len]).is_err(),
            "truncation to {len} accepted"
        );
    }
    assert!(Graph::from_bytes(&good).is_ok());
}
