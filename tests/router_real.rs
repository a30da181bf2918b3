//! Every answer on the real graphs (2026 gossmap, 2021 listchannels, 2019 LND) satisfies the
//! SPEC §4 invariants, checked by the independent checker in `spec_check.rs`.

use std::sync::Arc;

use lnroute::gossip::{read_all, ReadOptions};
use lnroute::graph::{builder, Graph};
use lnroute::router::batch::route_batch;
use lnroute::router::{Router, SearchState};
use lnroute::sim::payments::random_queries;
use rand::{Rng, SeedableRng};

use crate::common::data_file;
use crate::spec_check::check_answer;

fn load(files: &[&str]) -> Option<Graph> {
    let paths: Option<Vec<_>> = files.iter().map(|f| data_file(f)).collect();
    let set = read_all(&paths?, &ReadOptions::default()).unwrap();
    Some(Graph::from_data(&builder::build(&set), &set.source_summary).unwrap())
}

fn check_graph(g: Graph, seed: u64, count: usize) {
    let router = Router::new(Arc::new(g));
    let g = &*router.graph;
    let mut qs = random_queries(g, count, 1_000, 5_000_000, seed);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let ids: Vec<String> = qs.iter().map(|q| q.target.clone()).collect();
    for q in &mut qs {
        match rng.gen_range(0..6) {
            0 => q.max_parts = Some(1),
            1 => q.max_parts = Some(rng.gen_range(2..5)),
            2 => q.max_total_cltv_expiry_delta = Some(rng.gen_range(200..600)),
            3 => q.max_fee_msat = Some(q.amount_msat / 1000),
            4 => q.exclude_nodes = vec![ids[rng.gen_range(0..ids.len())].clone()],
            _ => q.max_hops = Some(rng.gen_range(2..6)),
        }
    }
    let answers = route_batch(&router, &qs);
    let mut ok = 0;
    for (q, a) in qs.iter().zip(&answers) {
        check_answer(g, q, a).unwrap_or_else(|e| {
            panic!(
                "{e}\nquery {}\nanswer {}",
                serde_json::to_string(q).unwrap(),
                serde_json::to_string(a).unwrap()
            )
        });
        ok += a.is_ok() as usize;
    }
    assert!(ok * 3 > count, "only {ok} of {count} routed");
    // The source head start (A* potential) changes no answer on real graphs either.
    let mut plain = SearchState::new();
    plain.no_head_start = true;
    for (q, a) in qs.iter().zip(&answers) {
        let mut b = router.route(q, &mut plain);
        b.elapsed_us = a.elapsed_us;
        assert_eq!(
            serde_json::to_string(a).unwrap(),
            serde_json::to_string(&b).unwrap(),
            "head start changed the answer to {}",
            serde_json::to_string(q).unwrap()
        );
    }
}

#[test]
fn answers_on_2026_gossmap_keep_spec_invariants() {
    let Some(g) = load(&[
        "cln-tests/gossip-store-2026-02-03.compressed",
        "cln-tests/gossip-store-2026-02-03-node-map.xz",
    ]) else {
        return;
    };
    check_graph(g, 1, 600);
}

#[test]
fn answers_on_2021_listchannels_keep_spec_invariants() {
    let Some(g) = load(&["mpp-splitter/topo-20210416.json.gz"]) else {
        return;
    };
    check_graph(g, 2, 600);
}

#[test]
fn answers_on_2019_lnd_keep_spec_invariants() {
    let Some(g) = load(&["ln-congestion-attacks/LN_2019.03.09-09.23.00.json.zip"]) else {
        return;
    };
    check_graph(g, 3, 600);
}
