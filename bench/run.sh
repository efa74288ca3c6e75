#!/usr/bin/env bash
# Benchmarks. Every figure is measured against a baseline in the same run and reported
# as a ratio (or as the host's own time over `true`); bench/check.py holds the
# regression limits. Writes bench/results.md and bench/results.json.
#   bash bench/run.sh            # full setting
#   RUNS=5 bash bench/run.sh     # short setting (CI)
# Exits non-zero when a regression check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LXCRI_BENCH_NO_SETUP:-}" ]; then bash scripts/setup.sh; fi
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine </dev/null >/dev/null
command -v zstd >/dev/null || apt-get install -y -qq zstd </dev/null >/dev/null
cargo build --release --workspace --quiet
runs=${RUNS:-20}
# Fewer than 10 runs is the short setting: check.py widens its timing limits.
if [ "$runs" -lt 10 ]; then export BENCH_SHORT=1; fi
work=$(mktemp -d /tmp/lxcri-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== host overhead and discovery" >&2
bash bench/host.sh "$work" "$runs"
echo "== lxc backend against lxc-execute" >&2
bash bench/lxc.sh "$work" "$runs"
echo "== BFC against tar + zstd" >&2
mkdir -p "$work/bfc-plugins" && cp target/release/liblxcri_bfc.so "$work/bfc-plugins/"
PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH="" bash bench/bfc.sh "$work" "$PWD/target/release/proxmox-lxcri" \
  "$work/bfc-plugins" "$(( runs < 10 ? runs : 10 ))"
echo "== Proxmox LXC requests per operation" >&2
LXCRI_BUILD_PROFILE=release RUNS=$(( runs < 5 ? runs : 5 )) LXCRI_BENCH_OUT="$work/proxmox.json" \
  cargo bench --quiet -p lxcri-integration-tests --bench proxmox >/dev/null
python3 bench/check.py "$work" bench/results
