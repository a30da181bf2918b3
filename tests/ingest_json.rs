//! Unsigned readers on the real data: CLN gossmap-compress (+ node map), CLN listchannels /
//! listnodes, LND describegraph. Each file goes the full way: `gossip::read_all` →
//! `builder::build` → `Graph::from_data` → `summary()`, and the counts are the ones measured
//! independently with python3 (SOURCES.md, and for what SOURCES.md does not list, the same
//! kind of script: distinct scids, halves after grouping, `active == false` / `disabled`
//! halves, Σ capacity). Then the CLI once, and bad input.
//!
//! Gossmap counting (see `src/gossip/gossmap.rs`): a half in the file's disabled list is a
//! present, disabled half, so `disabled_halves` = SOURCES' "disabled halves"; an enabled half
//! whose values are all zero had no channel_update and is absent, so
//! `halves` = 2 × channels − those (2026: 1, 2024: 31,710).

use std::path::{Path, PathBuf};
use std::process::Command;

use lnroute::gossip::{self, GossipError, ReadOptions};
use lnroute::graph::{builder, Graph};
use lnroute::{HalfIdx, NodeId, Scid};

use crate::common;

const ACINQ: &str = "03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f";

/// Reads the given data files (relative to the data dir); `None` when data is absent.
fn ingest(files: &[&str]) -> Option<Graph> {
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|f| common::data_file(f))
        .collect::<Option<_>>()?;
    let set = gossip::read_all(&paths, &ReadOptions::default()).expect("ingest");
    let data = builder::build(&set);
    Some(Graph::from_data(&data, &set.source_summary).expect("graph"))
}

#[derive(Debug, PartialEq, Eq)]
struct Counts {
    nodes: u64,
    channels: u64,
    halves: u64,
    disabled_halves: u64,
    total_capacity_sat: u64,
}

fn counts(g: &Graph) -> Counts {
    let s = g.summary();
    Counts {
        nodes: s.nodes,
        channels: s.channels,
        halves: s.halves,
        disabled_halves: s.disabled_halves,
        total_capacity_sat: s.total_capacity_sat,
    }
}

fn id(hex: &str) -> NodeId {
    hex.parse().expect("node id")
}

fn scid(s: &str) -> Scid {
    s.parse().expect("scid")
}

/// The half of `scid` leaving `from`.
fn half_from(g: &Graph, s: &str, from: &str) -> lnroute::graph::HalfPolicy {
    let n = g.node_idx(&id(from)).expect("node in graph");
    let h = g.half_by_scid_from(scid(s), n).expect("half");
    g.half_policy(h).expect("half present")
}

/// Every enabled half leaving ACINQ has CLTV delta 144 (its node-wide setting): this holds only
/// when directions are read the BOLT #7 way (SOURCES.md §1).
fn acinq_enabled_out_halves(g: &Graph) -> usize {
    let n = g.node_idx(&id(ACINQ)).expect("ACINQ in graph");
    assert_eq!(g.node_alias(n), "ACINQ");
    let mut enabled = 0;
    for h in g.out_halves(n) {
        let p = g.half_policy(h).expect("present");
        if !p.disabled {
            assert_eq!(p.cltv_expiry_delta, 144, "{}", p.channel);
            enabled += 1;
        }
    }
    enabled
}

#[test]
fn gossmap_2026() {
    let Some(g) = ingest(&[
        "cln-tests/gossip-store-2026-02-03.compressed",
        "cln-tests/gossip-store-2026-02-03-node-map.xz",
    ]) else {
        return;
    };
    assert_eq!(
        counts(&g),
        Counts {
            nodes: 17_324,
            channels: 50_808,
            halves: 2 * 50_808 - 1,
            disabled_halves: 35_806,
            total_capacity_sat: 536_168_010_515, // 5,361.68 BTC
        }
    );
    assert_eq!(acinq_enabled_out_halves(&g), 1_832);
    // Channel 0: listed as ACINQ (node 0) → node 2134, but 024b9a… is node_1.
    let peer = "024b9a1fa8e006f1e3937f65f66c408e6da8e1ca728ea43222a7381df1cc449605";
    let p = half_from(&g, "0x0x0", peer);
    assert_eq!(p.direction, 0);
    assert_eq!(p.capacity_sat, 9_093_802);
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (0, 11_000, 34)
    );
    assert_eq!(
        (p.htlc_minimum_msat, p.htlc_maximum_msat),
        (1, 4_092_210_000)
    );
    let p = half_from(&g, "0x0x0", ACINQ);
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (1000, 499, 144)
    );
    assert_eq!((p.htlc_minimum_msat, p.htlc_maximum_msat), (0, 1_000_000));
    // Channel 2, direction 1: htlc max template value 1 = 0.99 × 150,000,000 sat.
    let c = g.chan_idx(scid("2x0x0")).unwrap();
    let p = g.half_policy(HalfIdx::new(c, 1)).unwrap();
    assert_eq!(p.htlc_maximum_msat, 148_500_000_000);
    assert_eq!((p.fee_ppm, p.cltv_expiry_delta), (1999, 144));
    // Channel 12345, direction 1: template value 0 = capacity.
    let c = g.chan_idx(scid("12345x0x0")).unwrap();
    let p = g.half_policy(HalfIdx::new(c, 1)).unwrap();
    assert_eq!(p.htlc_maximum_msat, 50_000_000_000);
    assert_eq!(
        (p.fee_ppm, p.cltv_expiry_delta, p.htlc_minimum_msat),
        (10_000, 80, 1000)
    );
    // The last channel: both halves in the disabled list.
    let c = g.chan_idx(scid("50807x0x0")).unwrap();
    for d in 0..2 {
        let p = g.half_policy(HalfIdx::new(c, d)).unwrap();
        assert!(p.disabled);
        assert!(!g.half_enabled(HalfIdx::new(c, d)));
    }
}

#[test]
fn gossmap_2024() {
    let Some(g) = ingest(&[
        "cln-tests/gossip-store-2024-09-22-node-map.xz",
        "cln-tests/gossip-store-2024-09-22.compressed",
    ]) else {
        return;
    };
    assert_eq!(
        counts(&g),
        Counts {
            nodes: 18_212,
            channels: 59_428,
            halves: 2 * 59_428 - 31_710,
            disabled_halves: 12_190,
            total_capacity_sat: 536_887_559_260, // 5,368.88 BTC
        }
    );
    assert_eq!(acinq_enabled_out_halves(&g), 2_433);
    // Channel 0: ACINQ is node_1 here; its half has htlc max = 0.99 × 5,000,000 sat.
    let p = half_from(&g, "0x0x0", ACINQ);
    assert_eq!(p.direction, 0);
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (1000, 499, 144)
    );
    assert_eq!(
        (p.htlc_minimum_msat, p.htlc_maximum_msat),
        (1000, 4_950_000_000)
    );
    let c = g.chan_idx(scid("0x0x0")).unwrap();
    let p = g.half_policy(HalfIdx::new(c, 1)).unwrap();
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (1, 10, 40)
    );
    assert_eq!(p.htlc_maximum_msat, 5_000_000_000);
    // Channel 12345: direction 0 disabled, direction 1 all zeros without update → absent.
    let c = g.chan_idx(scid("12345x0x0")).unwrap();
    assert!(g.half_policy(HalfIdx::new(c, 0)).unwrap().disabled);
    assert!(g.half_policy(HalfIdx::new(c, 1)).is_none());
}

#[test]
fn listchannels_2021() {
    let Some(g) = ingest(&["mpp-splitter/topo-20210416.json.gz"]) else {
        return;
    };
    assert_eq!(
        counts(&g),
        Counts {
            nodes: 8_827,
            channels: 37_454,
            halves: 66_964,
            disabled_halves: 11_342,
            total_capacity_sat: 119_099_106_244,
        }
    );
    let p = half_from(
        &g,
        "513887x1177x0",
        "03fab7f8655169ea77d9691d4bd359e97782cb6177a6f76383994ed9c262af97a5",
    );
    assert_eq!(p.direction, 1);
    assert!(p.disabled, "active: false");
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (1000, 1, 144)
    );
    assert_eq!(
        (p.htlc_minimum_msat, p.htlc_maximum_msat),
        (1000, 50_000_000)
    );
    assert_eq!((p.capacity_sat, p.last_update), (50_000, 1_618_492_788));
}

#[test]
fn listchannels_2019_may_with_listnodes() {
    let Some(g) = ingest(&["million-channels-project/channels_5-14-19.json.xz"]) else {
        return;
    };
    let only_channels = Counts {
        nodes: 4_275,
        channels: 37_497,
        halves: 68_794,
        disabled_halves: 13_800,
        total_capacity_sat: 103_855_497_704,
    };
    assert_eq!(counts(&g), only_channels);
    let p = half_from(
        &g,
        "505149x622x0",
        "0250373555232cec757ea141273e75381c84cc3ab22f1e3a3ca5a2dc55b1904c24",
    );
    assert!(!p.disabled);
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (1000, 10, 14)
    );
    assert_eq!((p.capacity_sat, p.last_update), (300_000, 1_557_455_485));
    // No htlc fields in 2019: minimum 0, maximum = capacity.
    assert_eq!((p.htlc_minimum_msat, p.htlc_maximum_msat), (0, 300_000_000));

    // With listnodes: its 4,306 nodes cover every channel end.
    let g = ingest(&[
        "million-channels-project/channels_5-14-19.json.xz",
        "million-channels-project/nodes_5-14-19.json.xz",
    ])
    .unwrap();
    assert_eq!(
        counts(&g),
        Counts {
            nodes: 4_306,
            ..only_channels
        }
    );
    let n = g
        .node_idx(&id(
            "030cce6321ec437c2ffa244717dd24cc6286f7859ae4e2c3d6867e004f8307ce5a",
        ))
        .unwrap();
    assert_eq!(g.node_alias(n), "enekoasnode");
}

#[test]
fn listchannels_2019_january_colon_scids() {
    let Some(g) = ingest(&[
        "million-channels-project/channels_1-18-19.json.xz",
        "million-channels-project/nodes_1-18-19.json.xz",
    ]) else {
        return;
    };
    // 2,806 channel ends + 3,194 listed nodes = 3,195 distinct nodes.
    assert_eq!(
        counts(&g),
        Counts {
            nodes: 3_195,
            channels: 21_660,
            halves: 42_146,
            disabled_halves: 8_368,
            total_capacity_sat: 54_839_554_594,
        }
    );
    let p = half_from(
        &g,
        "506847x1633x0", // "506847:1633:0" in the file
        "023d280ae29f84dcfd289eb66b57227fea3a7bde97ec2869923d3c4d5c6a426028",
    );
    assert!(p.disabled);
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (1000, 10, 14)
    );
    assert_eq!((p.capacity_sat, p.last_update), (40_000, 1_547_113_426));
}

#[test]
fn lnd_describegraph_2019() {
    let Some(g) = ingest(&["ln-congestion-attacks/LN_2019.03.09-09.23.00.json.zip"]) else {
        return;
    };
    assert_eq!(
        counts(&g),
        Counts {
            nodes: 3_648,
            channels: 31_124,
            halves: 62_111,
            disabled_halves: 15_835,
            total_capacity_sat: 73_624_639_324,
        }
    );
    // channel_id 559493088906641408 = 508856x657x0.
    let node1 = "0206c7b60457550f512d80ecdd9fb6eb798ce7e91bf6ec08ad9c53d72e94ef620d";
    let node2 = "02f6725f9c1c40333b67faea92fd211c183050f28df32cac3f9d69685fe9665432";
    let p = half_from(&g, "508856x657x0", node1);
    assert_eq!(p.direction, 0);
    assert!(!p.disabled);
    assert_eq!(
        (p.base_fee_msat, p.fee_ppm, p.cltv_expiry_delta),
        (1000, 10, 14)
    );
    assert_eq!((p.htlc_minimum_msat, p.htlc_maximum_msat), (0, 400_000_000));
    assert_eq!((p.capacity_sat, p.last_update), (400_000, 1_551_079_557));
    assert!(half_from(&g, "508856x657x0", node2).disabled);
    let n = g
        .node_idx(&id(
            "0200072fd301cb4a680f26d87c28b705ccd6a1d5b00f1b5efd7fe5f998f1bbb1f1",
        ))
        .unwrap();
    assert_eq!(g.node_alias(n), "OutaSpace \u{1f680}");
}

// ---- the CLI ----

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(common::bin())
        .args(args)
        .output()
        .expect("run lnroute")
}

#[test]
fn cli_ingest_then_info() {
    let (Some(gossmap), Some(map)) = (
        common::data_file("cln-tests/gossip-store-2026-02-03.compressed"),
        common::data_file("cln-tests/gossip-store-2026-02-03-node-map.xz"),
    ) else {
        return;
    };
    let dir = common::tempdir();
    let out = dir.path().join("g.lnrg");
    let o = run(&[
        "ingest".as_ref(),
        gossmap.as_os_str(),
        map.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&[
        "info".as_ref(),
        "--graph".as_ref(),
        out.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("info JSON");
    assert_eq!(v["nodes"], 17_324);
    assert_eq!(v["channels"], 50_808);
    assert_eq!(v["halves"], 101_615);
    assert_eq!(v["disabled_halves"], 35_806);
    assert_eq!(v["total_capacity_sat"], 536_168_010_515u64);
}

/// `ingest` of `input` fails with exit code 2, one `error:` line naming the file, and leaves
/// nothing in the output's directory.
fn assert_cli_refuses(input: &Path, extra: &[&str]) -> String {
    let out_dir = common::tempdir();
    let out = out_dir.path().join("out.lnrg");
    let mut args: Vec<&std::ffi::OsStr> = vec!["ingest".as_ref(), input.as_os_str()];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    args.extend(["-o".as_ref(), out.as_os_str()]);
    let o = run(&args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    let name = input.file_name().unwrap().to_string_lossy();
    assert!(lines[0].contains(name.as_ref()), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(out_dir.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    stderr
}

fn read_err(path: &Path, format: Option<&str>) -> GossipError {
    let opts = ReadOptions {
        format: format.map(|f| gossip::Format::from_name(f).unwrap()),
        ..ReadOptions::default()
    };
    gossip::read_all(&[path.to_path_buf()], &opts).expect_err("must be refused")
}

const N1: &str = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const N2: &str = "03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[test]
fn malformed_json_is_refused() {
    let dir = common::tempdir();
    let p = dir.path().join("broken.json");
    let json = format!(
        "{{\"channels\": [\n {{\"source\": \"{N1}\", \"destination\": \"{N2}\",\n  \"short_channel_id\": \"1x2x3\" \n"
    );
    std::fs::write(&p, json).unwrap();
    match read_err(&p, None) {
        GossipError::Json { line, .. } => assert_eq!(line, 4),
        e => panic!("{e}"),
    }
    let msg = assert_cli_refuses(&p, &[]);
    assert!(msg.contains("line 4"), "{msg}");

    // Same for LND (numbers as strings, one policy with a bad field).
    let p = dir.path().join("lnd.json");
    let json = format!(
        r#"{{"nodes": [], "edges": [{{"channel_id": "1", "node1_pub": "{N1}", "node2_pub": "{N2}", "capacity": "x"}}]}}"#
    );
    std::fs::write(&p, json).unwrap();
    assert!(matches!(read_err(&p, None), GossipError::Json { .. }));
    let msg = assert_cli_refuses(&p, &[]);
    assert!(msg.contains("edges[0]"), "{msg}");
}

#[test]
fn bad_node_id_and_scid_name_row_and_field() {
    let dir = common::tempdir();
    let row = |src: &str, scid: &str| {
        format!(
            r#"{{"source": "{src}", "destination": "{N2}", "short_channel_id": "{scid}", "satoshis": 1000, "base_fee_millisatoshi": 1, "fee_per_millionth": 1, "delay": 40}}"#
        )
    };
    let p = dir.path().join("badid.json");
    let bad_id = format!("04{}", &N1[2..]);
    std::fs::write(
        &p,
        format!(
            r#"{{"channels": [{}, {}]}}"#,
            row(N1, "1x1x1"),
            row(&bad_id, "1x1x1")
        ),
    )
    .unwrap();
    let e = read_err(&p, None).to_string();
    assert!(
        e.contains("channels[1].source") && e.contains("02 or 03"),
        "{e}"
    );
    assert_cli_refuses(&p, &[]);

    let p = dir.path().join("badscid.json");
    std::fs::write(&p, format!(r#"{{"channels": [{}]}}"#, row(N1, "1x1x99999"))).unwrap();
    let e = read_err(&p, None).to_string();
    assert!(e.contains("channels[0].short_channel_id"), "{e}");

    let p = dir.path().join("nodes.json");
    std::fs::write(&p, r#"{"nodes": [{"nodeid": "02"}]}"#).unwrap();
    let e = read_err(&p, None).to_string();
    assert!(e.contains("nodes[0].nodeid"), "{e}");
}

#[test]
fn truncated_and_foreign_gossmap_is_refused() {
    let Some(path) = common::data_file("cln-tests/gossip-store-2026-02-03.compressed") else {
        return;
    };
    let raw = lnroute::gossip::input::read_input(&path).unwrap();
    let dir = common::tempdir();
    // Truncated (uncompressed, so the reader itself sees the cut): after the header, inside
    // the node lists, inside the templates, one byte short.
    for len in [19, 20, 1000, raw.len() / 2, raw.len() - 1] {
        let p = dir.path().join(format!("cut-{len}.gossmap"));
        std::fs::write(&p, &raw[..len]).unwrap();
        match read_err(&p, None) {
            GossipError::Malformed { offset, .. } => assert!(offset <= len as u64),
            e => panic!("cut at {len}: {e}"),
        }
    }
    let p = dir.path().join("cut-1000.gossmap");
    let msg = assert_cli_refuses(&p, &["--format", "gossmap-compress"]);
    assert!(msg.contains("offset"), "{msg}");
    // Truncated gzip: the decompressor refuses it.
    let gz = std::fs::read(&path).unwrap();
    let p = dir.path().join("cut.compressed");
    std::fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    assert!(matches!(read_err(&p, None), GossipError::Decompress { .. }));
    assert_cli_refuses(&p, &[]);
    // Wrong magic: another version, and another format forced to gossmap-compress.
    let mut v2 = raw.clone();
    v2[17] = b'2';
    let p = dir.path().join("v2.gossmap");
    std::fs::write(&p, &v2).unwrap();
    assert!(matches!(
        read_err(&p, None),
        GossipError::Malformed { offset: 0, .. }
    ));
    let p = dir.path().join("notgossmap.json");
    std::fs::write(&p, r#"{"channels": []}"#).unwrap();
    assert!(matches!(
        read_err(&p, Some("gossmap-compress")),
        GossipError::Malformed { offset: 0, .. }
    ));
    assert_cli_refuses(&p, &["--format", "gossmap-compress"]);
}

#[test]
fn bad_node_map_is_refused() {
    let Some(gossmap) = common::data_file("cln-tests/gossip-store-2026-02-03.compressed") else {
        return;
    };
    let dir = common::tempdir();
    let p = dir.path().join("node-map.txt");
    std::fs::write(&p, format!("0:{N1}:one\n1:{}:two\n", &N2[..64])).unwrap();
    let opts = ReadOptions::default();
    let e = gossip::read_all(&[gossmap.clone(), p.clone()], &opts).unwrap_err();
    assert!(matches!(e, GossipError::Malformed { .. }), "{e}");
    assert!(e.to_string().contains("line 2"), "{e}");
    // A well-formed map that lacks most of the file's nodes.
    std::fs::write(&p, format!("0:{N1}:one\n1:{N2}:two\n")).unwrap();
    let e = gossip::read_all(&[gossmap, p], &opts).unwrap_err();
    assert!(e.to_string().contains("node index"), "{e}");
}
