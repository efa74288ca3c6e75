#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, the workspace build (host + plugins),
# all tests with the real host binary, real crun and the other real tools, and a
# bounded fuzz run of the BFC reader ($FUZZ_SECONDS, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo build --workspace --quiet
cargo test --workspace --quiet
# Tests that need root are ignored (not passed) elsewhere; as root, they run.
if [ "$(id -u)" = 0 ]; then
    cargo test --quiet -p lxcri-integration-tests --test plugins -- --ignored
fi
# A third party's plugin in its own workspace, built against the published API version
# and tested with the host binary built above.
(cd sdk-examples/process-backend && cargo fmt --check \
  && CARGO_TARGET_DIR="$OLDPWD/target" cargo clippy --all-targets --quiet -- -D warnings \
  && CARGO_TARGET_DIR="$OLDPWD/target" cargo build --quiet \
  && CARGO_TARGET_DIR="$OLDPWD/target" PROXMOX_LXCRI_BIN="$OLDPWD/target/debug/proxmox-lxcri" \
     cargo test --quiet)
# The Debian packages, installed with dpkg, run a container from the installed files.
bash packaging/test-debs.sh
# The benchmarks on the short setting: each figure's regression check can fail the run.
LXCRI_BENCH_NO_SETUP=1 RUNS=3 bash bench/run.sh
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
(cd plugins/bfc/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run reader -- -max_total_time="${FUZZ_SECONDS:-30}" -print_final_stats=1 2>&1 | tail -3)
