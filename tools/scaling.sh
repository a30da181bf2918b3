#!/usr/bin/env bash
# Multi-core scaling of batch routing and ingest on the 2026 mainnet graph: throughput at
# 1, 2, 4, 8, 16 threads (those up to the machine's core count) and the speedup over 1 thread.
#
#   tools/scaling.sh [--queries N] [--threads "1 2 4 8 16"] [--repeat R]
#
# Batch: `lnroute batch --threads T` on N random queries (single-path set and multi-path set,
# same seed each time); the best of R runs per thread count is kept (less noise from other work).
# Ingest: `lnroute ingest` of a generated signed 5,000-node gossip_store with RAYON_NUM_THREADS=T
# (signature checks dominate). Data from $LNROUTE_DATA_DIR (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${LNROUTE_DATA_DIR:-../shared/data}"
queries=3000
threads="1 2 4 8 16"
repeat=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --queries) queries="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    *) echo "error: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
cores=$(nproc)
store="$data/cln-tests/gossip-store-2026-02-03.compressed"
map="$data/cln-tests/gossip-store-2026-02-03-node-map.xz"
for f in "$store" "$map"; do
  [[ -f "$f" ]] || { echo "error: $f missing (set LNROUTE_DATA_DIR)" >&2; exit 2; }
done
cargo build --release --quiet --bin lnroute
L=target/release/lnroute
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$L ingest "$store" "$map" -o "$tmp/g.lnrg" >/dev/null
$L queries --graph "$tmp/g.lnrg" --count "$queries" --seed 1 --max-parts 1 -o "$tmp/single.jsonl" >/dev/null
$L queries --graph "$tmp/g.lnrg" --count "$queries" --seed 1 -o "$tmp/mpp.jsonl" >/dev/null
$L generate --nodes 5000 --seed 1 -o "$tmp/gen.store" >/dev/null
echo "commit $(git rev-parse --short HEAD), $(uname -m), $cores cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$queries queries per batch set, best of $repeat runs"

# Prints the best (lowest) wall seconds of $repeat runs of the given command.
best_secs() {
  local best=""
  for _ in $(seq "$repeat"); do
    local s e t
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    e=$(date +%s.%N)
    t=$(awk -v e="$e" -v s="$s" 'BEGIN { print e - s }')
    if [[ -z "$best" ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
  done
  echo "$best"
}

printf "%-8s %10s %9s %10s %9s %9s %9s\n" threads "single q/s" speedup "mpp q/s" speedup "ingest s" speedup
base_s="" base_m="" base_i=""
for t in $threads; do
  if (( t > cores )); then
    echo "($t threads skipped: the machine has $cores cores)"
    continue
  fi
  s=$(best_secs $L batch --graph "$tmp/g.lnrg" --queries "$tmp/single.jsonl" --threads "$t" --quiet -o /dev/null)
  m=$(best_secs $L batch --graph "$tmp/g.lnrg" --queries "$tmp/mpp.jsonl" --threads "$t" --quiet -o /dev/null)
  i=$(best_secs env RAYON_NUM_THREADS="$t" $L ingest "$tmp/gen.store" -o "$tmp/gen.lnrg")
  base_s=${base_s:-$s}; base_m=${base_m:-$m}; base_i=${base_i:-$i}
  awk -v t="$t" -v n="$queries" -v s="$s" -v m="$m" -v i="$i" -v bs="$base_s" -v bm="$base_m" -v bi="$base_i" \
    'BEGIN { printf "%-8s %10.0f %8.2fx %10.0f %8.2fx %9.2f %8.2fx\n", t, n / s, bs / s, n / m, bm / m, i, bi / i }'
done
