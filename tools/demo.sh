#!/usr/bin/env bash
# The main job on built-in data (no downloads): generate a signed, mainnet-like network,
# ingest it (every signature verified) into a graph file, and route random payments in parallel.
# Usage: tools/demo.sh [NODES]   (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes="${1:-2000}"
cargo build --release --quiet
L=target/release/lnroute
mkdir -p data
echo "== generate: $nodes nodes, signed gossip_store"
$L generate --nodes "$nodes" --seed 1 -o data/demo.gossip_store
echo "== ingest: verify signatures, build the graph file"
$L ingest data/demo.gossip_store -o data/graph.lnrg
echo "== info"
$L info --graph data/graph.lnrg
echo "== batch: 2000 random payments (1k-1M sat), multi-path, all cores"
$L queries --graph data/graph.lnrg --count 2000 --seed 1 -o data/demo-queries.jsonl
$L batch --graph data/graph.lnrg --queries data/demo-queries.jsonl -o data/demo-answers.jsonl
echo "== one route (first answer that found one):"
grep -m1 '"status":"ok"' data/demo-answers.jsonl | cut -c1-600
echo
