#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, the workspace build (host + plugins)
# and all tests with the real host binary, real crun and the other real tools.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo build --workspace --quiet
cargo test --workspace --quiet
