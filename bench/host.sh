#!/usr/bin/env bash
# The host's cost against plain crun: the create→start→delete cycle, `run`, `state`,
# `kill`, `delete`, and `list` at 0, 10 and 100 containers; the host's own time on the
# no-op backend (vs `true`), plugin discovery with 1, 6 (every plugin this project
# ships) and 24 plugin files, and max RSS.
# Usage: bench/host.sh WORKDIR RUNS   (writes WORKDIR/host.json)
set -euo pipefail
# crun 1.8 refuses a hybrid cgroup host (a cgroup2 mount holding a controller). There,
# the whole benchmark runs in a private mount namespace without that mount, where crun
# runs as it is: the baseline is plain crun, and the plugin, seeing a pure cgroup v1
# host, runs the same plain crun. The host system's mounts stay as they are.
if [ -z "${LXCRI_BENCH_IN_NS:-}" ] && [ ! -e /sys/fs/cgroup/cgroup.controllers ] \
   && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
  exec env LXCRI_BENCH_IN_NS=1 unshare -m --propagation private \
    sh -c 'umount /sys/fs/cgroup/unified && exec bash "$0" "$@"' "$0" "$@"
fi
work=$1 runs=$2
bin="$PWD/target/release/proxmox-lxcri"
export PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH=""
d="$work/host"
rm -rf "$d" && mkdir -p "$d/plugins8" "$d/disc1" "$d/disc6" "$d/disc24"
# Lifecycle figures: every shipped plugin plus the example backends (the no-op one).
for so in target/release/*.so; do cp "$so" "$d/plugins8/"; done
shipped="crun lxc proxmox_lxc proxmox_vm zfs bfc"
cp target/release/liblxcri_crun.so "$d/disc1/"
for p in $shipped; do cp "target/release/liblxcri_$p.so" "$d/disc6/"; done
for n in 1 2 3 4; do for p in $shipped; do cp "target/release/liblxcri_$p.so" "$d/disc24/$n-liblxcri_$p.so"; done; done
# All plugins installed, as on a full installation.
printf 'default_backend = "crun"\n' > "$d/config.toml"
mkdir -p "$d/bundle/rootfs/bin" "$d/bundle/rootfs"/{proc,sys,dev,tmp,etc}
cp /bin/busybox "$d/bundle/rootfs/bin/"
for a in sh sleep true; do ln -s busybox "$d/bundle/rootfs/bin/$a"; done
(cd "$d/bundle" && crun spec)
python3 - "$d/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["process"]["terminal"] = False; c["process"]["args"] = ["sleep", "1000"]
json.dump(c, open(sys.argv[1], "w"))
PY
H="$bin --root $d/root --config $d/config.toml --plugin-dir $d/plugins8"
C="crun --root $d/crunroot"
H0="$bin --root $d/root0 --plugin-dir $d/plugins8 --backend noop"
# Whatever happens, no benchmark container outlives the run.
cleanup() {
  for id in b1 s1 d1 r1; do $H delete --force "$id" >/dev/null 2>&1 || true; done
  for id in c1 t1 s2 d2 r2; do $C delete --force "$id" >/dev/null 2>&1 || true; done
  for n in $(seq 100); do $H delete --force "l$n" >/dev/null 2>&1 || true; done
  $H0 delete --force n1 >/dev/null 2>&1 || true
}
trap cleanup EXIT
# The machine's speed drifts; measuring all runs of one command and then all of the
# other would put the drift into the ratio. So each figure is measured in rounds that
# alternate the commands, and the medians come from all rounds' samples together.
rounds=5
per_round=$(( runs / rounds > 2 ? runs / rounds : 2 ))
hf() {
  local name=$1; shift
  for r in $(seq "$rounds"); do
    hyperfine -N --warmup 1 --runs "$per_round" --export-json "$d/$name.$r.json" "$@" >/dev/null 2>&1
  done
  python3 - "$d" "$name" "$rounds" <<'PY'
import json, os, statistics, sys
d, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
merged = {}
for r in range(1, rounds + 1):
    for res in json.load(open(os.path.join(d, f"{name}.{r}.json")))["results"]:
        merged.setdefault(res["command"], []).extend(res["times"])
results = [{"command": c, "median": statistics.median(t), "times": t} for c, t in merged.items()]
json.dump({"results": results}, open(os.path.join(d, name + ".json"), "w"))
PY
}

# `timeout` is the smallest program that, like the host, starts crun and waits for it:
# the cycle behind it shows what any process in between costs on this machine.
T="timeout 600 $C"
hf cycle \
  -n host "sh -c '$H create --bundle $d/bundle b1 && $H start b1 && $H delete --force b1'" \
  -n crun "sh -c '$C create --bundle $d/bundle c1 && $C start c1 && $C delete --force c1'" \
  -n timeout "sh -c '$T create --bundle $d/bundle t1 && $T start t1 && $T delete --force t1'"
# run: one process that exits at once, waited for and removed.
cp -r "$d/bundle" "$d/bundle-true"
python3 - "$d/bundle-true/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["process"]["args"] = ["true"]
json.dump(c, open(sys.argv[1], "w"))
PY
hf run -n host "$H run --bundle $d/bundle-true r1" -n crun "$C run --bundle $d/bundle-true r2"
$H run -d --bundle "$d/bundle" s1 >/dev/null
$C run -d --bundle "$d/bundle" s2 >/dev/null
hf state -n host "$H state s1" -n crun "$C state s2"
hf kill -n host "$H kill s1 CONT" -n crun "$C kill s2 CONT"
$H delete --force s1; $C delete --force s2
# delete of a created container; making it is not timed.
hf delete \
  --prepare "$H create --bundle $d/bundle d1" -n host "$H delete --force d1" \
  --prepare "$C create --bundle $d/bundle d2" -n crun "$C delete --force d2"
# list: the host's list over its crun containers against `crun list` of the same crun
# root, at 0, 10 and 100 containers.
L="crun --root $d/root/.crun"
listed=0
for n in 0 10 100; do
  while [ "$listed" -lt "$n" ]; do
    listed=$((listed + 1)); $H run -d --bundle "$d/bundle" "l$listed" >/dev/null
  done
  hf "list$n" -n host "$H list" -n crun "$L list"
done
for n in $(seq 100); do $H delete --force "l$n" >/dev/null; done
$H0 create --bundle "$d/bundle" n1 >/dev/null
hf noop -n state "$H0 state n1" -n list "$H0 list --quiet" -n true "true"
hf discovery \
  -n "plugins, 1 file" "$bin --plugin-dir $d/disc1 plugins" \
  -n "plugins, 6 files" "$bin --plugin-dir $d/disc6 plugins" \
  -n "plugins, 24 files" "$bin --plugin-dir $d/disc24 plugins" \
  -n "version flag, 6 files" "$bin --plugin-dir $d/disc6 --version"
rss=$( { /usr/bin/time -f %M $H0 state n1 >/dev/null; } 2>&1 | tail -1)

python3 - "$d" "$rss" "$work/host.json" <<'PY'
import json, os, sys
d, rss, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def med(name):
    return {r["command"]: r["median"] for r in json.load(open(os.path.join(d, name + ".json")))["results"]}
cycle, state, kill, noop, disc = med("cycle"), med("state"), med("kill"), med("noop"), med("discovery")
delete, run = med("delete"), med("run")
lists = {n: med(f"list{n}") for n in (0, 10, 100)}
json.dump({
    "cycle_ratio": cycle["host"] / cycle["crun"],
    "cycle_ratio_timeout": cycle["timeout"] / cycle["crun"],
    "state_ratio": state["host"] / state["crun"],
    "kill_ratio": kill["host"] / kill["crun"],
    "delete_ratio": delete["host"] / delete["crun"],
    "run_ratio": run["host"] / run["crun"],
    "crun_run_ms": run["crun"] * 1000,
    "list_ratio": {str(n): l["host"] / l["crun"] for n, l in lists.items()},
    "crun_list_ms": {str(n): l["crun"] * 1000 for n, l in lists.items()},
    "own_ms_state": (noop["state"] - noop["true"]) * 1000,
    "own_ms_list": (noop["list"] - noop["true"]) * 1000,
    "discovery_ms": {k: v * 1000 for k, v in disc.items()},
    "max_rss_kb": rss,
}, open(out, "w"), indent=2)
PY
