//! Signed gossip: CLN gossip_store and bolt7 inputs, signature and chain checks, tampering,
//! damaged input, and the synthetic network generator.
//!
//! Real data: CLN's pyln-client gossip_store (real mainnet signatures) and two regtest stores
//! with node announcements (see ../shared/data/SOURCES.md §2).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use lnroute::gossip::generate::{generate_bytes, GenerateOptions};
use lnroute::gossip::{
    bolt7, detect, input, read_all, store, wire, Collector, Format, GossipError, GossipSet,
    ReadOptions,
};
use lnroute::types::{NodeId, Scid};
use rand::{Rng, SeedableRng};

use crate::common;

const PYLN: &str = "cln-pyln-client";

fn load(name: &str) -> Option<Vec<u8>> {
    let p = common::data_file(&format!("{PYLN}/{name}"))?;
    Some(input::read_input(&p).expect("decompress"))
}

fn regtest() -> ReadOptions {
    ReadOptions {
        chain_hash: wire::chain_hash("regtest").unwrap(),
        ..ReadOptions::default()
    }
}

/// Reads in-memory inputs in order into one collector, the way `read_all` reads files.
fn ingest(inputs: &[(&str, &[u8])], opts: ReadOptions) -> Result<GossipSet, GossipError> {
    let mut c = Collector::new(opts);
    for (name, bytes) in inputs {
        let p = Path::new(name);
        match detect::detect(p, bytes)? {
            Format::GossipStore => store::read(p, bytes, &mut c)?,
            Format::Bolt7 => bolt7::read(p, bytes, &mut c)?,
            f => panic!("{name}: unexpected format {f:?}"),
        }
    }
    Ok(c.finish())
}

/// One gossip_store record: where it starts, its flags, and where its message is.
#[derive(Clone, Debug)]
struct Rec {
    off: usize,
    flags: u16,
    msg: std::ops::Range<usize>,
}

impl Rec {
    fn msg_type(&self, b: &[u8]) -> u16 {
        u16::from_be_bytes([b[self.msg.start], b[self.msg.start + 1]])
    }
}

/// The records of a (well-formed) store or part, found with the test's own walker.
fn records(b: &[u8]) -> Vec<Rec> {
    let mut off = if b[0] < 0x20 { 1 } else { 0 };
    let mut out = Vec::new();
    while off < b.len() {
        let flags = u16::from_be_bytes([b[off], b[off + 1]]);
        let len = u16::from_be_bytes([b[off + 2], b[off + 3]]) as usize;
        let msg = off + 12..off + 12 + len;
        out.push(Rec { off, flags, msg });
        off += 12 + len;
    }
    out
}

/// Rewrites a record's checksum after its message was changed on purpose.
fn fix_crc(b: &mut [u8], r: &Rec) {
    let ts = u32::from_be_bytes(b[r.off + 8..r.off + 12].try_into().unwrap());
    let crc = store::record_crc(ts, &b[r.msg.clone()]);
    b[r.off + 4..r.off + 8].copy_from_slice(&crc.to_be_bytes());
}

fn scid_of(b: &[u8], r: &Rec) -> Scid {
    match wire::parse(&b[r.msg.clone()]).unwrap().unwrap() {
        wire::GossipMsg::ChannelAnnouncement(m) => m.scid,
        wire::GossipMsg::ChannelUpdate(m) => m.scid,
        wire::GossipMsg::NodeAnnouncement(_) => panic!("no scid"),
    }
}

fn endpoints(set: &GossipSet) -> HashSet<NodeId> {
    set.channels
        .iter()
        .flat_map(|c| [c.node_1, c.node_2])
        .collect()
}

fn halves(set: &GossipSet) -> usize {
    set.channels
        .iter()
        .map(|c| c.halves.iter().flatten().count())
        .sum()
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect()
}

#[test]
fn pyln_store_parts_as_two_inputs() {
    let Some(p1) = common::data_file(&format!("{PYLN}/gossip_store-part1.xz")) else {
        return;
    };
    let p2 = p1.with_file_name("gossip_store-part2.xz");
    let set = read_all(&[p1.clone(), p2.clone()], &ReadOptions::default()).unwrap();
    // 89 announcements in all, one of them in a deleted record. The one delete_chan record
    // (686386x1093x1) has a checksum that does not match its content (the fixture's record was
    // edited by hand; it carries the crc of a 1,000,000 sat amount record), so it is rejected and
    // that channel stays.
    assert_eq!(set.channels.len(), 88);
    assert_eq!(set.stats.rejected, counts(&[("bad_crc", 1)]));
    assert_eq!(
        set.stats.read,
        counts(&[
            ("channel_amount", 87),
            ("channel_announcement", 88),
            ("channel_update", 4),
            ("deleted_record", 6),
        ])
    );
    assert_eq!(set.stats.signatures_checked, 88 * 4 + 4);
    assert_eq!(endpoints(&set).len(), 126);
    assert_eq!(halves(&set), 4);
    // Every channel has its amount, but the last one of part 2: the delete record stands where
    // its amount record was.
    let no_amount: Vec<String> = set
        .channels
        .iter()
        .filter(|c| c.capacity_sat.is_none())
        .map(|c| c.scid.to_string())
        .collect();
    assert_eq!(no_amount.len(), 1, "{no_amount:?}");
    let cap = |s: &str| {
        let scid: Scid = s.parse().unwrap();
        set.channels
            .iter()
            .find(|c| c.scid == scid)
            .and_then(|c| c.capacity_sat)
    };
    assert_eq!(cap("686200x1137x0"), Some(3_000_000), "pyln's own check");
    assert_eq!(
        set.source_summary,
        "gossip_store-part1.xz (gossip-store), gossip_store-part2.xz (gossip-store)"
    );

    // Each part alone; part 2 has no version byte and is still recognised.
    let one = read_all(&[p1], &ReadOptions::default()).unwrap();
    assert_eq!((one.channels.len(), halves(&one)), (45, 2));
    assert!(one.stats.rejected.is_empty());
    let two = read_all(&[p2], &ReadOptions::default()).unwrap();
    assert_eq!((two.channels.len(), halves(&two)), (43, 2));
    assert_eq!(two.stats.rejected, counts(&[("bad_crc", 1)]));
}

#[test]
fn pyln_delete_applies_once_its_crc_is_right() {
    let (Some(p1), Some(mut p2)) = (load("gossip_store-part1.xz"), load("gossip_store-part2.xz"))
    else {
        return;
    };
    let recs = records(&p2);
    let del = recs
        .iter()
        .find(|r| r.msg_type(&p2) == store::TYPE_DELETE_CHAN)
        .unwrap()
        .clone();
    fix_crc(&mut p2, &del);
    let set = ingest(&[("part1", &p1), ("part2", &p2)], ReadOptions::default()).unwrap();
    assert_eq!(set.channels.len(), 87);
    assert!(set.stats.rejected.is_empty(), "{:?}", set.stats.rejected);
    let gone: Scid = "686386x1093x1".parse().unwrap();
    assert!(set.channels.iter().all(|c| c.scid != gone));
    // As in pyln's test: deleting that channel removes one of its nodes, not the other.
    let ends = endpoints(&set);
    let id = |s: &str| s.parse::<NodeId>().unwrap();
    assert!(!ends.contains(&id(
        "029deaf9d2fba868fe0a124050f0a13e021519a12f41bea34f391fe7533fb3166d"
    )));
    assert!(ends.contains(&id(
        "02e0af3c70bf42343316513e54683b10c01d906c04a05dfcd9479b90d7beed9129"
    )));
}

/// Every signed message of the two parts, deleted records included, as bolt7 messages.
fn all_signed_messages(p1: &[u8], p2: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for b in [p1, p2] {
        for r in records(b) {
            if (256..=258).contains(&r.msg_type(b)) {
                out.push(b[r.msg.clone()].to_vec());
            }
        }
    }
    out
}

#[test]
fn pyln_every_real_signature_verifies() {
    let (Some(p1), Some(p2)) = (load("gossip_store-part1.xz"), load("gossip_store-part2.xz"))
    else {
        return;
    };
    let msgs = all_signed_messages(&p1, &p2);
    assert_eq!(msgs.len(), 89 + 8);
    let framed = bolt7::encode_framed(msgs.iter().map(|m| &m[..])).unwrap();
    assert_eq!(
        detect::detect(Path::new("x"), &framed).unwrap(),
        Format::Bolt7
    );
    let set = ingest(&[("all.bolt7", &framed)], ReadOptions::default()).unwrap();
    assert_eq!(set.channels.len(), 89);
    assert_eq!(endpoints(&set).len(), 127);
    assert!(set.stats.rejected.is_empty(), "{:?}", set.stats.rejected);
    assert_eq!(set.stats.signatures_checked, 89 * 4 + 8);
    assert_eq!(halves(&set), 8);
    assert!(
        set.channels.iter().all(|c| c.capacity_sat.is_none()),
        "bolt7 has no amounts"
    );
    let unverified = ingest(
        &[("all.bolt7", &framed)],
        ReadOptions {
            verify: false,
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(unverified.stats.signatures_checked, 0);
    assert_eq!(unverified.channels, set.channels);
}

#[test]
fn regtest_stores_with_node_announcements() {
    let (Some(mesh), Some(simple)) = (
        load("gossip_store.mesh-3x3.xz"),
        load("gossip_store.simple.xz"),
    ) else {
        return;
    };
    let set = ingest(&[("mesh", &mesh)], regtest()).unwrap();
    assert_eq!(set.channels.len(), 12);
    assert_eq!(halves(&set), 24);
    assert_eq!(set.nodes.len(), 9);
    assert_eq!(endpoints(&set).len(), 9);
    assert!(set.stats.rejected.is_empty(), "{:?}", set.stats.rejected);
    assert_eq!(set.stats.signatures_checked, 12 * 4 + 24 + 9);
    let aliases: HashMap<String, &str> = set
        .nodes
        .iter()
        .map(|n| (n.id.to_hex(), n.alias.as_str()))
        .collect();
    assert_eq!(
        aliases["0266e4598d1d3c415f572a8488830b60f7e744ed9235eb0b1ba93283b315c03518"],
        "JUNIORBEAM-v23.02rc1-4-g1dd29ea"
    );
    assert_eq!(
        aliases["030eeb52087b9dbb27b7aec79ca5249369f6ce7b20a5684ce38d9f4595a21c2fda"],
        "SOMBERCHIPMUNK-.02rc1-4-g1dd29ea"
    );

    let set = ingest(&[("simple", &simple)], regtest()).unwrap();
    assert_eq!(set.channels.len(), 1);
    let c = &set.channels[0];
    assert_eq!(c.capacity_sat, Some(1_000_000));
    assert_eq!(
        c.node_1.to_hex(),
        "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59"
    );
    for (d, h) in c.halves.iter().enumerate() {
        let h = h.as_ref().unwrap_or_else(|| panic!("half {d}"));
        assert_eq!(
            (
                h.cltv_expiry_delta,
                h.htlc_minimum_msat,
                h.htlc_maximum_msat
            ),
            (6, 0, Some(990_000_000))
        );
        assert_eq!((h.base_fee_msat, h.fee_ppm, h.disabled), (1, 10, false));
    }
    assert_eq!(set.nodes.len(), 2);
    assert!(set.nodes.iter().all(|n| n.alias.contains("g31d1e15")));

    // The same regtest gossip checked against mainnet: nothing is applied.
    let set = ingest(&[("mesh", &mesh)], ReadOptions::default()).unwrap();
    assert!(set.channels.is_empty() && set.nodes.is_empty());
    assert_eq!(
        set.stats.rejected,
        counts(&[("unknown_node", 9), ("wrong_chain", 36)])
    );
}

#[test]
fn wrong_chain_rejected() {
    let Some(p1) = load("gossip_store-part1.xz") else {
        return;
    };
    let set = ingest(&[("part1", &p1)], regtest()).unwrap();
    assert!(set.channels.is_empty());
    assert_eq!(set.stats.rejected, counts(&[("wrong_chain", 45 + 2)]));
    assert_eq!(set.stats.signatures_checked, 0);
}

#[test]
fn tampered_messages_are_rejected_and_not_applied() {
    let Some(p1) = load("gossip_store-part1.xz") else {
        return;
    };
    let base = ingest(&[("part1", &p1)], ReadOptions::default()).unwrap();
    let recs = records(&p1);
    let live = |t: u16| {
        recs.iter()
            .filter(|r| r.flags & store::FLAG_DELETED == 0 && r.msg_type(&p1) == t)
            .cloned()
            .collect::<Vec<_>>()
    };
    let anns = live(wire::MSG_CHANNEL_ANNOUNCEMENT);
    let upds = live(wire::MSG_CHANNEL_UPDATE);
    let features_len = |r: &Rec| {
        let m = &p1[r.msg.clone()];
        u16::from_be_bytes([m[258], m[259]]) as usize
    };
    // (record, byte inside its message): signatures, then signed content.
    let cases = [
        (&anns[3], 2 + 10),                                // node signature 1
        (&anns[4], 2 + 64 * 3 + 40),                       // bitcoin signature 2
        (&anns[5], 260 + features_len(&anns[5]) + 32 + 5), // short_channel_id
        (&upds[0], 2 + 20),                                // the update's signature
        (&upds[0], 66 + 32 + 8 + 4 + 1 + 1 + 2 + 8 + 3),   // fee_base_msat
    ];
    for (r, at) in cases {
        for fix in [false, true] {
            let mut bad = p1.clone();
            bad[r.msg.start + at] ^= 0x01;
            if fix {
                fix_crc(&mut bad, r);
            }
            let set = ingest(&[("part1", &bad)], ReadOptions::default()).unwrap();
            let want = if fix { "bad_signature" } else { "bad_crc" };
            assert_eq!(
                set.stats.rejected,
                counts(&[(want, 1)]),
                "byte {at} of record at {}",
                r.off
            );
            let scid = scid_of(&p1, r);
            if r.msg_type(&p1) == wire::MSG_CHANNEL_ANNOUNCEMENT {
                assert_eq!(set.channels.len(), base.channels.len() - 1);
                assert!(set.channels.iter().all(|c| c.scid != scid));
            } else {
                assert_eq!(halves(&set), halves(&base) - 1);
                let c = set.channels.iter().find(|c| c.scid == scid).unwrap();
                assert!(c.halves.iter().all(|h| h.is_none()));
            }
        }
    }
}

#[test]
fn damaged_store_never_panics() {
    let (Some(p1), Some(p2)) = (load("gossip_store-part1.xz"), load("gossip_store-part2.xz"))
    else {
        return;
    };
    let whole = [p1.clone(), p2].concat();
    let boundaries: HashSet<usize> = records(&whole)
        .iter()
        .map(|r| r.off)
        .chain([whole.len()])
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for trial in 0..120 {
        let mut bad = whole.clone();
        for _ in 0..rng.gen_range(1..4) {
            let i = rng.gen_range(0..bad.len());
            bad[i] ^= 1 << rng.gen_range(0..8);
        }
        let opts = ReadOptions {
            verify: trial % 4 == 0,
            ..ReadOptions::default()
        };
        let mut c = Collector::new(opts);
        match store::read(Path::new("bad"), &bad, &mut c) {
            Ok(()) => {
                let set = c.finish();
                assert!(set.channels.len() <= 89);
            }
            Err(e) => assert!(matches!(e, GossipError::Malformed { .. }), "{e}"),
        }
        // Detection decides too: it must not panic either.
        let _ = detect::detect(Path::new("bad"), &bad);
    }
    for _ in 0..150 {
        let len = rng.gen_range(1..whole.len());
        let mut c = Collector::new(ReadOptions::default());
        match store::read(Path::new("cut"), &whole[..len], &mut c) {
            Ok(()) => assert!(boundaries.contains(&len), "cut at {len} accepted"),
            Err(GossipError::Malformed { offset, reason, .. }) => {
                assert!(!boundaries.contains(&len));
                assert!(
                    boundaries.contains(&(offset as usize)),
                    "{offset}: {reason}"
                );
                assert!(reason.contains("truncated"), "{reason}");
            }
            Err(e) => panic!("{e}"),
        }
    }
    let err = read_all_bytes("cut.store", &whole[..whole.len() - 3]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("cut.store") && text.contains("byte offset"),
        "{text}"
    );
}

/// Writes `bytes` to a temporary file called `name` and reads it with `read_all`.
fn read_all_bytes(name: &str, bytes: &[u8]) -> Result<GossipSet, GossipError> {
    let dir = common::tempdir();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    read_all(&[p], &ReadOptions::default())
}

#[test]
fn bolt7_round_trip_matches_store() {
    let Some(simple) = load("gossip_store.simple.xz") else {
        return;
    };
    let msgs: Vec<&[u8]> = records(&simple)
        .into_iter()
        .filter(|r| (256..=258).contains(&r.msg_type(&simple)))
        .map(|r| &simple[r.msg])
        .collect();
    assert_eq!(msgs.len(), 5);
    let framed = bolt7::encode_framed(msgs.iter().copied()).unwrap();
    let from_store = ingest(&[("s", &simple)], regtest()).unwrap();
    let from_bolt7 = ingest(&[("b", &framed)], regtest()).unwrap();
    let mut expect = from_store.channels.clone();
    expect[0].capacity_sat = None;
    assert_eq!(from_bolt7.channels, expect);
    assert_eq!(from_bolt7.nodes, from_store.nodes);
    assert_eq!(from_bolt7.stats.signatures_checked, 8);
    // Cut inside the last message: an error at that message's offset.
    let mut c = Collector::new(regtest());
    let last_at = framed.len() - msgs[4].len() - 2;
    match bolt7::read(Path::new("b"), &framed[..framed.len() - 1], &mut c) {
        Err(GossipError::Malformed { offset, .. }) => assert_eq!(offset as usize, last_at),
        other => panic!("{other:?}"),
    }
}

#[test]
fn updates_before_their_announcement_are_held() {
    let Some(simple) = load("gossip_store.simple.xz") else {
        return;
    };
    let by_type = |t: u16| -> Vec<&[u8]> {
        records(&simple)
            .into_iter()
            .filter(|r| r.msg_type(&simple) == t)
            .map(|r| &simple[r.msg])
            .collect()
    };
    let updates = bolt7::encode_framed(by_type(wire::MSG_CHANNEL_UPDATE)).unwrap();
    let nodes = bolt7::encode_framed(by_type(wire::MSG_NODE_ANNOUNCEMENT)).unwrap();
    let anns = bolt7::encode_framed(by_type(wire::MSG_CHANNEL_ANNOUNCEMENT)).unwrap();
    // Updates and node announcements first, in one input; the announcement in the next.
    let set = ingest(&[("u", &updates), ("n", &nodes), ("a", &anns)], regtest()).unwrap();
    assert!(set.stats.rejected.is_empty(), "{:?}", set.stats.rejected);
    assert_eq!(set.channels.len(), 1);
    assert_eq!(halves(&set), 2);
    assert_eq!(set.nodes.len(), 2);
    // Without the announcement they are rejected, never applied.
    let set = ingest(&[("u", &updates), ("n", &nodes)], regtest()).unwrap();
    assert!(set.channels.is_empty() && set.nodes.is_empty());
    assert_eq!(
        set.stats.rejected,
        counts(&[("unknown_channel", 2), ("unknown_node", 2)])
    );
}

/// Test keys and freshly signed messages (regtest chain) for order and replacement rules.
mod crafted {
    use bitcoin::constants::ChainHash;
    use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
    use lightning::ln::msgs::{UnsignedChannelAnnouncement, UnsignedChannelUpdate};
    use lightning::routing::gossip::NodeId as LdkNodeId;
    use lightning::types::features::ChannelFeatures;
    use lnroute::gossip::wire;

    pub fn key(i: u8) -> SecretKey {
        SecretKey::from_slice(&[i; 32]).unwrap()
    }
    fn ldk_id(k: &SecretKey) -> LdkNodeId {
        LdkNodeId::from_pubkey(&PublicKey::from_secret_key(&Secp256k1::new(), k))
    }
    fn sign(signed: &[u8], k: &SecretKey) -> [u8; 64] {
        let digest = Message::from_digest(wire::signed_digest(signed));
        Secp256k1::new().sign_ecdsa(&digest, k).serialize_compact()
    }
    /// Nodes `a` and `b` (secret keys), ordered by public key.
    pub fn ordered(a: u8, b: u8) -> (SecretKey, SecretKey) {
        let (ka, kb) = (key(a), key(b));
        if ldk_id(&ka).as_slice() < ldk_id(&kb).as_slice() {
            (ka, kb)
        } else {
            (kb, ka)
        }
    }
    pub fn announcement(scid: u64, n1: &SecretKey, n2: &SecretKey) -> Vec<u8> {
        let (b1, b2) = (key(101), key(102));
        let u = UnsignedChannelAnnouncement {
            features: ChannelFeatures::empty(),
            chain_hash: ChainHash::REGTEST,
            short_channel_id: scid,
            node_id_1: ldk_id(n1),
            node_id_2: ldk_id(n2),
            bitcoin_key_1: ldk_id(&b1),
            bitcoin_key_2: ldk_id(&b2),
            excess_data: Vec::new(),
        };
        let s = wire::encode_unsigned_announcement(&u);
        let sigs = [sign(&s, n1), sign(&s, n2), sign(&s, &b1), sign(&s, &b2)];
        wire::assemble(wire::MSG_CHANNEL_ANNOUNCEMENT, &sigs, &s)
    }
    pub fn update(
        scid: u64,
        direction: u8,
        timestamp: u32,
        fee_ppm: u32,
        k: &SecretKey,
    ) -> Vec<u8> {
        let u = UnsignedChannelUpdate {
            chain_hash: ChainHash::REGTEST,
            short_channel_id: scid,
            timestamp,
            message_flags: 1,
            channel_flags: direction,
            cltv_expiry_delta: 40,
            htlc_minimum_msat: 1000,
            htlc_maximum_msat: 500_000_000,
            fee_base_msat: 1000,
            fee_proportional_millionths: fee_ppm,
            excess_data: Vec::new(),
        };
        let s = wire::encode_unsigned_update(&u);
        wire::assemble(wire::MSG_CHANNEL_UPDATE, &[sign(&s, k)], &s)
    }
}

#[test]
fn newer_update_wins_whatever_the_order() {
    let (n1, n2) = crafted::ordered(1, 2);
    let ann = crafted::announcement(42, &n1, &n2);
    let old = crafted::update(42, 0, 100, 11, &n1);
    let new = crafted::update(42, 0, 200, 22, &n1);
    let other = crafted::update(42, 1, 150, 33, &n2);
    let wrong_signer = crafted::update(42, 1, 300, 44, &n1);
    for order in [
        vec![&ann, &old, &new, &other, &wrong_signer],
        vec![&new, &wrong_signer, &other, &old, &ann],
        vec![&other, &ann, &new, &old, &wrong_signer],
    ] {
        let framed = bolt7::encode_framed(order.iter().map(|m| &m[..])).unwrap();
        let set = ingest(&[("c", &framed)], regtest()).unwrap();
        assert_eq!(set.channels.len(), 1);
        let [h0, h1] = &set.channels[0].halves;
        assert_eq!(
            h0.as_ref().map(|h| (h.fee_ppm, h.last_update)),
            Some((22, 200))
        );
        assert_eq!(
            h1.as_ref().map(|h| h.fee_ppm),
            Some(33),
            "signed by node 1, not node 2"
        );
        assert_eq!(set.stats.rejected, counts(&[("bad_signature", 1)]));
        assert_eq!(set.stats.signatures_checked, 4 + 4);
    }
    // Node ids must come in order: swapped endpoints are rejected as malformed.
    let swapped = crafted::announcement(43, &n2, &n1);
    let framed = bolt7::encode_framed([&swapped[..]]).unwrap();
    let set = ingest(&[("s", &framed)], regtest()).unwrap();
    assert!(set.channels.is_empty());
    assert_eq!(set.stats.rejected, counts(&[("bad_node_order", 1)]));
}

fn generated(nodes: u32, seed: u64) -> (Vec<u8>, lnroute::gossip::generate::GenerateSummary) {
    generate_bytes(&GenerateOptions {
        nodes,
        channels: None,
        seed,
        progress: false,
    })
    .unwrap()
}

#[test]
fn generate_is_deterministic_per_seed() {
    let (a, sa) = generated(120, 1);
    let (b, _) = generated(120, 1);
    let (c, _) = generated(120, 2);
    assert!(a == b, "same seed, same bytes");
    assert!(a != c, "another seed, another network");
    assert_eq!(sa.bytes as usize, a.len());
    assert!(store::looks_like_store(&a));
    assert!(generate_bytes(&GenerateOptions {
        nodes: 1,
        channels: None,
        seed: 1,
        progress: false
    })
    .is_err());
}

fn median<T: Copy + Ord>(mut v: Vec<T>) -> T {
    v.sort_unstable();
    v[v.len() / 2]
}

#[test]
fn generated_store_ingests_cleanly_and_looks_like_mainnet() {
    let (bytes, summary) = generated(500, 11);
    let set = ingest(&[("gen", &bytes)], ReadOptions::default()).unwrap();
    assert!(set.stats.rejected.is_empty(), "{:?}", set.stats.rejected);
    assert_eq!(set.channels.len() as u64, summary.channels);
    let n_channels = set.channels.len() as u64;
    assert!(
        (1400..=1530).contains(&n_channels),
        "≈ 2.93 × 500: {n_channels}"
    );
    assert_eq!(
        set.stats.signatures_checked,
        n_channels * 6 + summary.node_announcements
    );
    assert_eq!(set.nodes.len(), 500);
    assert!(set.nodes.iter().all(|n| !n.alias.is_empty()));

    // Heavy-tailed degrees: a few hubs, most nodes with 1–3 channels.
    let mut degree: HashMap<NodeId, u64> = HashMap::new();
    for c in &set.channels {
        *degree.entry(c.node_1).or_default() += 1;
        *degree.entry(c.node_2).or_default() += 1;
    }
    assert_eq!(degree.len(), 500);
    let mut d: Vec<u64> = degree.values().copied().collect();
    d.sort_unstable_by(|a, b| b.cmp(a));
    let share = |f: &dyn Fn(u64) -> bool| d.iter().filter(|&&x| f(x)).count() as f64 / 500.0;
    assert!(d[0] >= 60, "top hub has {} channels", d[0]);
    assert!(d[0] >= 20 * d[250], "max {} vs median {}", d[0], d[250]);
    assert!((0.35..0.7).contains(&share(&|x| x == 1)), "degree-1 share");
    assert!(share(&|x| x <= 3) > 0.6, "degree ≤ 3 share");
    let top5: u64 = d[..5].iter().sum();
    assert!(top5 as f64 > 0.1 * 2.0 * n_channels as f64, "top 1 % ends");

    // Policies.
    let hs: Vec<_> = set
        .channels
        .iter()
        .flat_map(|c| c.halves.iter().flatten().map(move |h| (c, h)))
        .collect();
    assert_eq!(hs.len() as u64, 2 * n_channels);
    let disabled = hs.iter().filter(|(_, h)| h.disabled).count() as f64 / hs.len() as f64;
    assert!(
        (0.03..0.15).contains(&disabled),
        "disabled share {disabled}"
    );
    assert!(hs
        .iter()
        .all(|(_, h)| [18, 34, 40, 72, 80, 144].contains(&h.cltv_expiry_delta)));
    let base_0_or_1000 = hs
        .iter()
        .filter(|(_, h)| h.base_fee_msat == 0 || h.base_fee_msat == 1000)
        .count() as f64
        / hs.len() as f64;
    assert!(base_0_or_1000 > 0.75, "{base_0_or_1000}");
    let ppm = median(hs.iter().map(|(_, h)| h.fee_ppm).collect());
    assert!((20..=500).contains(&ppm), "median ppm {ppm}");
    assert!(hs.iter().all(|(_, h)| h.fee_ppm <= 5000));
    let min_1000 = hs
        .iter()
        .filter(|(_, h)| h.htlc_minimum_msat == 1000)
        .count();
    assert!(min_1000 * 2 > hs.len());
    let mut max_099 = 0;
    for (c, h) in &hs {
        let cap_msat = c.capacity_sat.unwrap() * 1000;
        let max = h.htlc_maximum_msat.unwrap();
        assert!(h.htlc_minimum_msat <= max && max <= cap_msat);
        max_099 += (max == cap_msat / 100 * 99) as usize;
    }
    assert!(max_099 * 2 > hs.len(), "mostly 0.99 × capacity");
    let caps: Vec<u64> = set
        .channels
        .iter()
        .map(|c| c.capacity_sat.unwrap())
        .collect();
    assert!(caps.iter().all(|&c| (20_000..=1_000_000_000).contains(&c)));
    let cap_median = median(caps.clone());
    assert!((700_000..=6_000_000).contains(&cap_median), "{cap_median}");
    assert!(caps.iter().any(|&c| c >= 50_000_000), "some big channels");
    let last = set
        .channels
        .iter()
        .flat_map(|c| c.halves.iter().flatten())
        .map(|h| h.last_update);
    assert!(last
        .clone()
        .all(|t| (1_766_000_000..=1_767_225_600).contains(&t)));
}

#[test]
fn cli_generate_ingest_info() {
    let dir = common::tempdir();
    let store_path = dir.path().join("net.store");
    let graph = dir.path().join("net.lnrg");
    let run = |args: &[&std::ffi::OsStr]| Command::new(common::bin()).args(args).output().unwrap();
    let out = run(&[
        "generate".as_ref(),
        "--nodes".as_ref(),
        "300".as_ref(),
        "--seed".as_ref(),
        "5".as_ref(),
        "-o".as_ref(),
        store_path.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "ingest".as_ref(),
        store_path.as_os_str(),
        "-o".as_ref(),
        graph.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rejected"], serde_json::json!({}));
    let out = run(&[
        "info".as_ref(),
        "--graph".as_ref(),
        graph.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["nodes"], 300);
    let channels = v["channels"].as_u64().unwrap();
    assert!((850..=910).contains(&channels), "{channels}");
    assert_eq!(v["halves"].as_u64(), Some(2 * channels));
    assert!(v["disabled_halves"].as_u64().unwrap() > 0);
    assert!(v["total_capacity_sat"].as_u64().unwrap() > 0);
    assert!(v["format_version"].is_number());

    // --channels overrides the ratio; bad usage exits 2 and leaves no file.
    let small = dir.path().join("small.store");
    let out = run(&[
        "generate".as_ref(),
        "--nodes".as_ref(),
        "50".as_ref(),
        "--channels".as_ref(),
        "400".as_ref(),
        "-o".as_ref(),
        small.as_os_str(),
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("channels 400"));
    let none = dir.path().join("none.store");
    let out = run(&[
        "generate".as_ref(),
        "--nodes".as_ref(),
        "1".as_ref(),
        "-o".as_ref(),
        none.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error:"));
    assert!(!none.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

/// Regression: `-o -` used to create a file named `-`; it now means stdout, as `--queries -`
/// means stdin, for both `lnroute queries` and `lnroute batch`.
#[test]
fn dash_output_means_stdout() {
    let dir = common::tempdir();
    let store = dir.path().join("net.store");
    let graph = dir.path().join("net.lnrg");
    let run = |args: &[&std::ffi::OsStr]| {
        Command::new(common::bin())
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let ok = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        )
    };
    std::fs::write(&store, generated(80, 2).0).unwrap();
    ok(&run(&[
        "ingest".as_ref(),
        store.as_os_str(),
        "-o".as_ref(),
        graph.as_os_str(),
    ]));
    let out = run(&[
        "queries".as_ref(),
        "--graph".as_ref(),
        graph.as_os_str(),
        "--count".as_ref(),
        "7".as_ref(),
        "-o".as_ref(),
        "-".as_ref(),
    ]);
    ok(&out);
    let qs = String::from_utf8(out.stdout).unwrap();
    assert_eq!(qs.lines().count(), 7, "{qs}");
    let qpath = dir.path().join("q.jsonl");
    std::fs::write(&qpath, &qs).unwrap();
    let out = run(&[
        "batch".as_ref(),
        "--graph".as_ref(),
        graph.as_os_str(),
        "--queries".as_ref(),
        qpath.as_os_str(),
        "--quiet".as_ref(),
        "-o".as_ref(),
        "-".as_ref(),
    ]);
    ok(&out);
    let answers: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 7);
    assert!(answers.iter().all(|a| a["status"].is_string()));
    assert!(
        !dir.path().join("-").exists(),
        "a file named `-` was written"
    );
}
