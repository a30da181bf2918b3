#!/usr/bin/env bash
# lnroute vs LDK on a mainnet snapshot, in one run (see benches/compare_ldk.rs and benches/README.md).
#
#   tools/compare-ldk.sh [--snapshot 2026|2024] [compare_ldk options, e.g. --queries 1000 --seed 1 --json out.json]
#
# Ingests the CLN gossmap-compress snapshot with its node map from $LNROUTE_DATA_DIR (default
# ../shared/data next to the crate) into a temporary .lnrg with the release `lnroute ingest`,
# then runs `cargo bench --bench compare_ldk` on it. Exit code: the comparison's.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${LNROUTE_DATA_DIR:-$root/../shared/data}"
snapshot=2026
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --snapshot) snapshot="$2"; shift 2 ;;
    --snapshot=*) snapshot="${1#*=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
case "$snapshot" in
  2026) base="gossip-store-2026-02-03" ;;
  2024) base="gossip-store-2024-09-22" ;;
  *) echo "error: unknown --snapshot '$snapshot' (2026 or 2024)" >&2; exit 2 ;;
esac
store="$data/cln-tests/$base.compressed"
map="$data/cln-tests/$base-node-map.xz"
for f in "$store" "$map"; do
  [[ -f "$f" ]] || { echo "error: $f missing (set LNROUTE_DATA_DIR)" >&2; exit 2; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$root"
cargo build --release --bin lnroute
./target/release/lnroute ingest "$store" "$map" -o "$tmp/$base.lnrg"
echo "commit $(git rev-parse --short HEAD) on $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench --bench compare_ldk -- --graph-source "$tmp/$base.lnrg" "${args[@]}"
