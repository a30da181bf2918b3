#!/usr/bin/env bash
# Captures SVG flamegraphs of a single-path and a multi-path batch run on the 2026 mainnet graph.
# Installs perf (Debian linux-perf) and inferno (cargo) when missing.
# Usage: tools/flamegraph.sh [DATA_DIR]   (default ../shared/data or $LNROUTE_DATA_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${LNROUTE_DATA_DIR:-../shared/data}}"
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf; }
command -v inferno-flamegraph >/dev/null || cargo install --quiet inferno
cargo build --release --quiet
L=target/release/lnroute
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$L ingest "$data/cln-tests/gossip-store-2026-02-03.compressed" "$data/cln-tests/gossip-store-2026-02-03-node-map.xz" -o "$tmp/g.lnrg" >/dev/null
commit=$(git rev-parse --short HEAD)
for mode in single mpp; do
  parts=$([ "$mode" = single ] && echo "--max-parts 1" || echo "")
  $L queries --graph "$tmp/g.lnrg" --count 3000 --seed 7 $parts -o "$tmp/q.jsonl"
  perf record -F 999 -g -o "$tmp/perf.data" -- $L batch --graph "$tmp/g.lnrg" --queries "$tmp/q.jsonl" --threads 1 -o "$tmp/a.jsonl" --quiet
  perf script -i "$tmp/perf.data" 2>/dev/null | inferno-collapse-perf | inferno-flamegraph --title "lnroute batch $mode-path, 3000 queries, 2026 graph, $commit" > "flamegraphs/batch-$mode.svg"
  echo "wrote flamegraphs/batch-$mode.svg"
done
