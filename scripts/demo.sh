#!/usr/bin/env bash
# The main job: builds the host and its plugins, then shows them at work.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --workspace --quiet
bin=target/debug/proxmox-lxcri
export PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH=""   # only the plugins built here

echo "== plugins"
"$bin" plugins
echo "== a plugin-contributed command"
"$bin" greet world
