//! Bad input end to end: damaged graph files (real 2026 graph), foreign and empty files, bad
//! CLI arguments. Each must give one `error:` line naming the file, exit code 2, no panic and
//! no output file left behind.

use std::path::Path;
use std::process::Command;

use lnroute::gossip::{read_all, ReadOptions};
use lnroute::graph::{builder, Graph};
use rand::{Rng, SeedableRng};

use crate::common::{bin, data_file, tempdir};

fn real_graph_bytes() -> Option<Vec<u8>> {
    let c = data_file("cln-tests/gossip-store-2026-02-03.compressed")?;
    let m = data_file("cln-tests/gossip-store-2026-02-03-node-map.xz")?;
    let set = read_all(&[c, m], &ReadOptions::default()).unwrap();
    let dir = tempdir();
    let p = dir.path().join("g.lnrg");
    Graph::write(&builder::build(&set), &set.source_summary, &p).unwrap();
    Some(std::fs::read(p).unwrap())
}

/// Runs the CLI and checks the bad-input contract: exit 2, one `error:` line naming `names`.
fn expect_bad_input(args: &[&str], names: &str) {
    let out = Command::new(bin()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: expected one line, got {stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(names),
        "{args:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn damaged_real_graph_files_are_refused() {
    let Some(good) = real_graph_bytes() else {
        return;
    };
    assert!(Graph::from_bytes(&good).is_ok());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for _ in 0..300 {
        let mut bad = good.clone();
        let i = rng.gen_range(0..bad.len());
        bad[i] ^= 1 << rng.gen_range(0..8);
        assert!(
            Graph::from_bytes(&bad).is_err(),
            "flipped byte at {i} accepted"
        );
    }
    for _ in 0..100 {
        let len = rng.gen_range(0..good.len());
        assert!(
            Graph::from_bytes(&good[..len]).is_err(),
            "truncation to {len} accepted"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(
        Graph::from_bytes(&longer).is_err(),
        "trailing byte accepted"
    );
    // wrong version, with a valid checksum: refused by version, not by checksum
    let mut v2 = good.clone();
    v2[8] = 99;
    let err = Graph::from_bytes(&v2).err().unwrap().to_string();
    assert!(err.contains("version 99"), "{err}");

    // via the CLI: a truncated file and a foreign file
    let dir = tempdir();
    let t = dir.path().join("trunc.lnrg");
    std::fs::write(&t, &good[..good.len() / 2]).unwrap();
    expect_bad_input(&["info", "--graph", t.to_str().unwrap()], "trunc.lnrg");
    let f = dir.path().join("foreign.lnrg");
    std::fs::write(&f, b"this is not a graph file at all, just text\n").unwrap();
    expect_bad_input(&["info", "--graph", f.to_str().unwrap()], "foreign.lnrg");
    expect_bad_input(
        &[
            "info",
            "--graph",
            dir.path().join("missing.lnrg").to_str().unwrap(),
        ],
        "missing.lnrg",
    );
}

#[test]
fn bad_ingest_inputs_leave_no_output() {
    let dir = tempdir();
    let out = dir.path().join("out.lnrg");
    let o = out.to_str().unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, b"").unwrap();
    expect_bad_input(&["ingest", empty.to_str().unwrap(), "-o", o], "empty.json");
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0xde, 0xad, 0xbe, 0xef, 1, 2, 3]).unwrap();
    expect_bad_input(&["ingest", junk.to_str().unwrap(), "-o", o], "junk.bin");
    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, b"{\"channels\": [ {\"source\": 12, ").unwrap();
    expect_bad_input(&["ingest", bad_json.to_str().unwrap(), "-o", o], "bad.json");
    expect_bad_input(
        &[
            "ingest",
            junk.to_str().unwrap(),
            "--format",
            "nope",
            "-o",
            o,
        ],
        "--format",
    );
    assert!(!out.exists(), "no output file after failed ingests");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        3,
        "only the three inputs remain: {leftovers:?}"
    );
}

#[test]
fn route_cli_reports_bad_and_unknown_nodes() {
    let Some(good) = real_graph_bytes() else {
        return;
    };
    let dir = tempdir();
    let g = dir.path().join("g.lnrg");
    std::fs::write(&g, &good).unwrap();
    let gs = g.to_str().unwrap();
    let graph = Graph::open(Path::new(gs)).unwrap();
    let known = graph.node_id(lnroute::NodeIdx(0)).to_hex();
    // malformed id: bad input, exit 2
    let out = Command::new(bin())
        .args([
            "route",
            "--graph",
            gs,
            "--from",
            "zz",
            "--to",
            &known,
            "--amount-msat",
            "1000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let ans: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ans["status"], "error");
    // well-formed but unknown: no_route / unknown_node, exit 1 (SPEC §5: 1 = no route)
    let unknown = format!("02{}", "11".repeat(32));
    let out = Command::new(bin())
        .args([
            "route",
            "--graph",
            gs,
            "--from",
            &unknown,
            "--to",
            &known,
            "--amount-msat",
            "1000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let ans: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (ans["status"].as_str(), ans["reason"].as_str()),
        (Some("no_route"), Some("unknown_node"))
    );
    let out = Command::new(bin())
        .args(["info", "--graph", gs, "--node", &unknown])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "unknown node in info: nothing found"
    );
    expect_bad_input(&["info", "--graph", gs, "--channel", "12x"], "--channel");
}
