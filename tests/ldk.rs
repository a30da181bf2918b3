//! The LDK comparison adapter: graph building (placeholders, disabled halves, clamped htlc
//! maxima), `find_route` from a payer that is a graph node, and the translation of LDK's
//! shifted `RouteHop`s into SPEC §4 answers, verified with the independent checker.

use std::sync::Arc;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use lnroute::gossip::{ChannelRecord, GossipSet, HalfRecord};
use lnroute::graph::{builder, Graph};
use lnroute::ldk::{build_network_graph, LdkRouter};
use lnroute::router::{Query, Router, SearchState};
use lnroute::types::{NodeId, Scid};
use rand::{Rng, SeedableRng};

use crate::common::policy;
use crate::spec_check::check_answer;

/// A real secp256k1 key for test node `i` (LDK parses payer and payee keys).
fn key(i: u32) -> NodeId {
    let mut b = [0u8; 32];
    b[0] = 7;
    b[28..].copy_from_slice(&i.to_be_bytes());
    let sk = SecretKey::from_slice(&b).unwrap();
    NodeId(PublicKey::from_secret_key(&Secp256k1::signing_only(), &sk).serialize())
}

fn chan(
    i: u32,
    a: u32,
    b: u32,
    cap: u64,
    ab: Option<HalfRecord>,
    ba: Option<HalfRecord>,
) -> ChannelRecord {
    ChannelRecord::ordered(
        Scid::new(800_000 + i, 1, 0),
        key(a),
        key(b),
        Some(cap),
        ab,
        ba,
    )
}

fn graph(channels: Vec<ChannelRecord>) -> Arc<Graph> {
    let set = GossipSet {
        channels,
        ..Default::default()
    };
    Arc::new(Graph::from_data(&builder::build(&set), "ldk test").unwrap())
}

fn query(s: u32, t: u32, amount_msat: u64) -> Query {
    Query::new(key(s), key(t), amount_msat)
}

#[test]
fn single_path_translation_matches_spec() {
    // 0 -> 1 -> 2 -> 3 with distinct fees and deltas, and a dearer detour 0 -> 4 -> 3.
    let g = graph(vec![
        chan(
            0,
            0,
            1,
            1_000_000,
            Some(policy(7, 7, 7)),
            Some(policy(0, 0, 40)),
        ),
        chan(
            1,
            1,
            2,
            1_000_000,
            Some(policy(1000, 100, 40)),
            Some(policy(0, 0, 40)),
        ),
        chan(
            2,
            2,
            3,
            1_000_000,
            Some(policy(500, 1000, 80)),
            Some(policy(0, 0, 40)),
        ),
        chan(
            3,
            0,
            4,
            1_000_000,
            Some(policy(0, 0, 40)),
            Some(policy(0, 0, 40)),
        ),
        chan(
            4,
            4,
            3,
            1_000_000,
            Some(policy(50_000, 5000, 18)),
            Some(policy(0, 0, 40)),
        ),
    ]);
    let ldk = LdkRouter::new(g.clone());
    assert_eq!(ldk.build_stats().rejected, 0);
    let q = query(0, 3, 10_000_000);
    let o = ldk.route_detailed(&q, 1);
    let a = &o.answer;
    assert!(a.is_ok(), "{:?} {:?}", a, o.ldk_error);
    check_answer(&g, &q, a).unwrap();
    let hops = &a.parts[0].hops;
    assert_eq!(hops.len(), 3);
    assert_eq!(hops[0].from, key(0));
    assert_eq!(hops[2].to, key(3));
    // hop 2 (2 -> 3) is charged by node 2: 500 + 10_000_000 * 1000 / 1e6 = 10_500, delta 80
    assert_eq!(hops[2].amount_msat, 10_000_000);
    assert_eq!((hops[2].fee_msat, hops[2].cltv_expiry_delta), (10_500, 80));
    // hop 1 (1 -> 2) is charged by node 1 on 10_010_500: 1000 + 1001 = 2001, delta 40
    assert_eq!((hops[1].fee_msat, hops[1].cltv_expiry_delta), (2001, 40));
    assert_eq!((hops[0].fee_msat, hops[0].cltv_expiry_delta), (0, 0));
    assert_eq!(a.fee_msat, Some(12_501));
    assert_eq!(
        a.cltv_expiry_delta,
        Some(144 + 120),
        "shadow offset removed"
    );
    assert_eq!(o.shadow_cltv.len(), 1);
    // lnroute finds the same cheapest route
    let lnr = Router::new(g.clone()).route(&q, &mut SearchState::new());
    assert_eq!(lnr.fee_msat, Some(12_501));
}

#[test]
fn placeholder_for_missing_half_keeps_channel_usable() {
    // 1 -> 2 has a policy only in that direction: LDK needs a placeholder for 2 -> 1.
    let g = graph(vec![
        chan(
            0,
            0,
            1,
            500_000,
            Some(policy(0, 0, 40)),
            Some(policy(0, 0, 40)),
        ),
        chan(1, 1, 2, 500_000, Some(policy(1000, 10, 40)), None),
    ]);
    let ldk = LdkRouter::new(g.clone());
    let st = ldk.build_stats();
    assert_eq!((st.channels, st.halves, st.placeholders), (2, 3, 1));
    let q = query(0, 2, 50_000_000);
    let a = ldk.route(&q, 1);
    assert!(a.is_ok(), "{a:?}");
    check_answer(&g, &q, &a).unwrap();
    // and the missing direction stays unusable
    assert!(!ldk.route(&query(2, 0, 1_000), 1).is_ok());
}

#[test]
fn disabled_halves_and_htlc_limits_are_respected() {
    let mut off = policy(0, 0, 40);
    off.disabled = true;
    let mut small = policy(0, 1, 40);
    small.htlc_maximum_msat = Some(900_000_000_000); // above capacity: clamped
    let g = graph(vec![
        chan(0, 0, 1, 1_000_000, Some(off), Some(policy(0, 0, 40))),
        chan(
            1,
            0,
            2,
            1_000_000,
            Some(policy(0, 0, 40)),
            Some(policy(0, 0, 40)),
        ),
        chan(2, 2, 1, 1_000_000, Some(small), Some(policy(0, 0, 40))),
    ]);
    let (_, st) = build_network_graph(&g, lnroute::graph::now_unix() as u32);
    assert_eq!((st.htlc_max_clamped, st.rejected), (1, 0));
    let ldk = LdkRouter::new(g.clone());
    let q = query(0, 1, 100_000_000);
    let a = ldk.route(&q, 1);
    assert!(a.is_ok(), "{a:?}");
    check_answer(&g, &q, &a).unwrap();
    assert_eq!(
        a.parts[0].hops.len(),
        2,
        "the disabled direct half is not used"
    );
}

#[test]
fn mpp_needs_the_basic_mpp_feature_and_translates() {
    // Two disjoint 2-hop paths of 600k sat each; 1M sat needs both.
    let g = graph(vec![
        chan(
            0,
            0,
            1,
            600_000,
            Some(policy(0, 0, 40)),
            Some(policy(0, 0, 40)),
        ),
        chan(
            1,
            1,
            3,
            600_000,
            Some(policy(1000, 100, 40)),
            Some(policy(0, 0, 40)),
        ),
        chan(
            2,
            0,
            2,
            600_000,
            Some(policy(0, 0, 40)),
            Some(policy(0, 0, 40)),
        ),
        chan(
            3,
            2,
            3,
            600_000,
            Some(policy(2000, 200, 144)),
            Some(policy(0, 0, 40)),
        ),
    ]);
    let ldk = LdkRouter::new(g.clone());
    let mut q = query(0, 3, 1_000_000_000);
    q.max_fee_msat = Some(10_000_000);
    q.max_parts = Some(1);
    assert!(!ldk.route(&q, 1).is_ok(), "one path cannot carry it");
    q.max_parts = Some(10);
    let a = ldk.route(&q, 10);
    let b = ldk.ldk_route(&q);
    assert_eq!(
        (&b.parts, b.fee_msat),
        (&a.parts, a.fee_msat),
        "ldk_route takes max_parts from the query (same seed, same route)"
    );
    assert!(a.is_ok(), "{a:?}");
    assert!(a.parts.len() >= 2);
    check_answer(&g, &q, &a).unwrap();
    assert!(a.probability.unwrap() > 0.0 && a.probability.unwrap() < 1.0);
}

#[test]
fn bad_queries_are_answered_not_panicked() {
    let g = graph(vec![chan(
        0,
        0,
        1,
        100_000,
        Some(policy(0, 0, 40)),
        Some(policy(0, 0, 40)),
    )]);
    let ldk = LdkRouter::new(g);
    let mut q = query(0, 1, 1000);
    q.source = "zz".into();
    assert_eq!(ldk.route(&q, 1).status, "error");
    let mut q = query(0, 1, 1000);
    q.target = format!("02{}", "00".repeat(32)); // not on the curve
    assert_eq!(ldk.route(&q, 1).status, "error");
    assert_eq!(ldk.route(&query(0, 1, 0), 1).status, "error");
    assert_eq!(ldk.route(&query(0, 0, 1000), 1).status, "no_route");
    assert_eq!(ldk.route(&query(0, 5, 1000), 1).status, "no_route");
}

/// On random graphs: every LDK answer passes the SPEC checker, and lnroute routes at least
/// every query LDK routes.
#[test]
fn random_graphs_ldk_answers_pass_the_checker() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let n = 40;
    let mut chans = Vec::new();
    for i in 0..160 {
        let a = rng.gen_range(0..n);
        let b = (a + rng.gen_range(1..n)) % n;
        let mut half = || {
            if rng.gen_bool(0.1) {
                return None;
            }
            let mut p = policy(
                rng.gen_range(0..3) * 500,
                rng.gen_range(0..2000),
                [18, 40, 80, 144][rng.gen_range(0..4)],
            );
            p.disabled = rng.gen_bool(0.15);
            p.htlc_minimum_msat = [0, 1000, 1_000_000][rng.gen_range(0..3)];
            Some(p)
        };
        let (ab, ba) = (half(), half());
        let cap = rng.gen_range(20_000..3_000_000);
        chans.push(chan(i, a, b, cap, ab, ba));
    }
    let g = graph(chans);
    let ldk = LdkRouter::new(g.clone());
    let router = Router::new(g.clone());
    let mut st = SearchState::new();
    let (mut ldk_ok, mut lnr_ok) = (0, 0);
    for k in 0..150 {
        let s = rng.gen_range(0..n);
        let t = (s + rng.gen_range(1..n)) % n;
        let amount = 10f64.powf(rng.gen_range(6.0..9.3)) as u64;
        for parts in [1u32, 10] {
            let mut q = query(s, t, amount);
            q.max_parts = Some(parts);
            let a = ldk.route(&q, parts as u8);
            check_answer(&g, &q, &a).unwrap_or_else(|e| panic!("query {k}: {e}\n{a:?}"));
            let b = router.route(&q, &mut st);
            check_answer(&g, &q, &b).unwrap();
            if a.is_ok() {
                ldk_ok += 1;
                assert!(
                    b.is_ok(),
                    "query {k} ({parts} parts): LDK routed, lnroute not: {b:?}"
                );
            }
            lnr_ok += b.is_ok() as u32;
        }
    }
    assert!(ldk_ok > 50, "too few routed to mean anything: {ldk_ok}");
    assert!(lnr_ok >= ldk_ok);
}
