#!/usr/bin/env bash
# Benchmarks with baselines measured in the same run; reports ratios, not absolute
# claims. Writes bench/results.md and bench/results.json.
#   bash bench/run.sh            # full
#   RUNS=5 bash bench/run.sh     # short setting
# Exits non-zero when a regression check fails (the cycle overhead ratio, the host's
# own added time on the no-op backend).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine </dev/null >/dev/null; }
cargo build --release --workspace --quiet
runs=${RUNS:-20}
work=$(mktemp -d /tmp/lxcri-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin="$PWD/target/release/proxmox-lxcri"
wrap="$PWD/scripts/crun-hybrid-wrapper.sh"
export PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH=""
mkdir -p "$work/plugins1" "$work/plugins6" "$work/plugins24"
cp target/release/liblxcri_crun.so target/release/liblxcri_example_noop.so "$work/plugins1/" 2>/dev/null
cp target/release/liblxcri_example_noop.so "$work/plugins1/"
for so in target/release/*.so; do cp "$so" "$work/plugins6/"; done
for n in 1 2 3 4; do for so in target/release/*.so; do cp "$so" "$work/plugins24/$n-$(basename "$so")"; done; done
cat > "$work/config.toml" <<TOML
[plugins.crun]
path = "$wrap"
TOML
# busybox bundle
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs"/{proc,sys,dev,tmp,etc}
cp /bin/busybox "$work/bundle/rootfs/bin/"
for a in sh sleep true; do ln -s busybox "$work/bundle/rootfs/bin/$a"; done
(cd "$work/bundle" && crun spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["process"]["terminal"] = False; c["process"]["args"] = ["sleep", "1000"]
json.dump(c, open(sys.argv[1], "w"))
PY
host() { echo "$bin --root $work/root --config $work/config.toml --plugin-dir $work/plugins1"; }
H=$(host)
C="$wrap --root $work/crunroot"

hf() { hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/$1.json" "${@:2}" >/dev/null 2>&1; }

# Cycle: create → start → delete --force, host+crun vs crun alone.
hf cycle \
  -n "host+crun cycle" "sh -c '$H create --bundle $work/bundle b1 && $H start b1 && $H delete --force b1'" \
  -n "crun cycle" "sh -c '$C create --bundle $work/bundle c1 && $C start c1 && $C delete --force c1'"
# Per-invocation: state on a running container.
$H run -d --bundle "$work/bundle" s1 >/dev/null
$C run -d --bundle "$work/bundle" s2 >/dev/null
hf state -n "host+crun state" "$H state s1" -n "crun state" "$C state s2"
$H delete --force s1; $C delete --force s2
# The host's own cost: the same commands on the no-op backend.
H0="$bin --root $work/root0 --plugin-dir $work/plugins1 --backend noop"
$H0 create --bundle "$work/bundle" n1 >/dev/null
hf noop -n "noop state" "$H0 state n1" -n "noop list" "$H0 list --quiet" -n "true" "true"
# Discovery with 1, 6, 24 plugins.
hf discovery \
  -n "plugins (2 files)" "$bin --plugin-dir $work/plugins1 plugins" \
  -n "plugins (6 files)" "$bin --plugin-dir $work/plugins6 plugins" \
  -n "plugins (24 files)" "$bin --plugin-dir $work/plugins24 plugins" \
  -n "version (6 files)" "$bin --plugin-dir $work/plugins6 --version"
rss=$( { /usr/bin/time -f %M $bin --plugin-dir "$work/plugins6" --root "$work/root0" --backend noop state n1 >/dev/null; } 2>&1 | tail -1)
python3 - "$work" "$rss" <<'PY'
import json, sys, os
work, rss = sys.argv[1], int(sys.argv[2])
def med(name):
    d = json.load(open(os.path.join(work, name + ".json")))
    return {r["command"]: r["median"] for r in d["results"]}
cycle, state, noop, disc = med("cycle"), med("state"), med("noop"), med("discovery")
res = {
  "cycle_ratio": cycle["host+crun cycle"] / cycle["crun cycle"],
  "state_ratio": state["host+crun state"] / state["crun state"],
  "host_added_ms_state": (noop["noop state"] - noop["true"]) * 1000,
  "host_added_ms_list": (noop["noop list"] - noop["true"]) * 1000,
  "discovery_ms": {k: v * 1000 for k, v in disc.items()},
  "max_rss_kb_state_6_plugins": rss,
  "medians_s": {**cycle, **state, **noop},
}
json.dump(res, open("bench/results.json", "w"), indent=2)
lines = ["| figure | value | target |", "|---|---|---|",
  f"| create→start→delete, host+crun / crun | {res['cycle_ratio']:.3f} | ≤ 1.10 |",
  f"| state, host+crun / crun | {res['state_ratio']:.3f} | |",
  f"| host's own time, `state` on noop (minus `true`) | {res['host_added_ms_state']:.2f} ms | < 3 ms |",
  f"| host's own time, `list` (noop backend) | {res['host_added_ms_list']:.2f} ms | < 3 ms |",
  f"| max RSS, `state` with 6 plugins | {rss} KiB | |"]
for k, v in res["discovery_ms"].items():
    lines.append(f"| {k} | {v:.2f} ms | |")
open("bench/results.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
ok = res["cycle_ratio"] <= 1.10 and res["host_added_ms_state"] < 3 and res["host_added_ms_list"] < 3
sys.exit(0 if ok else 1)
PY
