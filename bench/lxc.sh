#!/usr/bin/env bash
# The lxc backend against LXC alone: `run` of a process that exits at once through the
# host (--backend lxc) vs `lxc-execute` of the same rootfs, and the create→start→delete
# cycle vs the same lxc-execute. Rounds alternate the commands (the machine drifts).
# Usage: bench/lxc.sh WORKDIR RUNS   (writes WORKDIR/lxc.json)
set -euo pipefail
work=$1 runs=$2
bin="$PWD/target/release/proxmox-lxcri"
export PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH=""
d="$work/lxc"
rm -rf "$d" && mkdir -p "$d/plugins" "$d/lxcpath/e1"
cp target/release/liblxcri_lxc.so "$d/plugins/"
mkdir -p "$d/bundle/rootfs/bin" "$d/bundle/rootfs"/{proc,sys,dev,tmp,etc}
cp /bin/busybox "$d/bundle/rootfs/bin/"
for a in sh true; do ln -s busybox "$d/bundle/rootfs/bin/$a"; done
(cd "$d/bundle" && crun spec)
python3 - "$d/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False; c["process"]["args"] = ["true"]
c["root"]["readonly"] = False
json.dump(c, open(sys.argv[1], "w"))
PY
# LXC alone, set up as close to the bundle as its own config gets.
cat > "$d/lxcpath/e1/config" <<CONF
lxc.rootfs.path = dir:$d/bundle/rootfs
lxc.uts.name = e1
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
lxc.autodev = 1
lxc.mount.auto = proc:mixed sys:ro
lxc.console.path = none
lxc.tty.max = 0
CONF
H="$bin --root $d/root --plugin-dir $d/plugins --backend lxc"
cat > "$d/host-run.sh" <<SH
exec $H run --bundle $d/bundle r1
SH
cat > "$d/host-cycle.sh" <<SH
$H create --bundle $d/bundle c1 && $H start c1 && exec $H delete --force c1
SH
cat > "$d/lxc-execute.sh" <<SH
exec lxc-execute -P $d/lxcpath -n e1 -- /bin/true
SH
cleanup() { for id in r1 c1; do $H delete --force "$id" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
rounds=5
per_round=$(( runs / rounds > 2 ? runs / rounds : 2 ))
for r in $(seq "$rounds"); do
  hyperfine -N --warmup 1 --runs "$per_round" --export-json "$d/round.$r.json" \
    "bash $d/lxc-execute.sh" "bash $d/host-run.sh" "bash $d/host-cycle.sh" >/dev/null 2>&1
done
python3 - "$d" "$rounds" "$work/lxc.json" <<'PY'
import json, os, statistics, sys
d, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = {}
for r in range(1, rounds + 1):
    for res in json.load(open(os.path.join(d, f"round.{r}.json")))["results"]:
        t.setdefault(res["command"].split("/")[-1], []).extend(res["times"])
m = {k: statistics.median(v) for k, v in t.items()}
base = m["lxc-execute.sh"]
json.dump({
    "lxc_execute_ms": base * 1000,
    "run_ratio": m["host-run.sh"] / base,
    "cycle_ratio": m["host-cycle.sh"] / base,
}, open(out, "w"))
print(json.dumps(m))
PY
