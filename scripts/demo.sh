#!/usr/bin/env bash
# The main job: builds the host and its plugins, then runs a busybox container through
# the host and its crun plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --workspace --quiet
here=$(pwd)
bin="$here/target/debug/proxmox-lxcri"
work=$(mktemp -d /tmp/lxcri-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH=""   # only the plugins built here

cat > "$work/config.toml" <<TOML
default_backend = "crun"
TOML
lxcri() { "$bin" --root "$work/root" --config "$work/config.toml" --plugin-dir "$here/target/debug" "$@"; }

echo "== plugins"
lxcri plugins

echo "== busybox bundle"
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs"/{proc,sys,dev,tmp,etc}
cp /bin/busybox "$work/bundle/rootfs/bin/"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$work/bundle/rootfs/bin/$applet"; done
(cd "$work/bundle" && lxcri spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sleep", "1000"]
c["hostname"] = "demo"
json.dump(c, open(path, "w"), indent=2)
PY

echo "== create, start, exec, ps, pause/resume, kill, delete (backend crun)"
lxcri create --bundle "$work/bundle" demo1
lxcri state demo1 | grep -E '"(status|pid|backend)"'
lxcri start demo1
lxcri exec demo1 sh -c 'echo "hello from $(hostname), pid 1 is $(cat /proc/1/comm)"'
lxcri ps demo1
lxcri pause demo1 && lxcri list
lxcri resume demo1
lxcri kill demo1 KILL
while [ "$(lxcri state demo1 | grep -o '"status": "[a-z]*"')" != '"status": "stopped"' ]; do sleep 0.1; done
lxcri delete demo1
lxcri list

echo "== run: waits and returns the container's exit status"
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["args"] = ["sh", "-c", "echo the container says hi; exit 3"]
json.dump(c, open(path, "w"), indent=2)
PY
set +e
lxcri run --bundle "$work/bundle" demo2
echo "exit status: $?"
set -e

echo "== a plugin-contributed command"
lxcri greet world

echo "== Proxmox backends against the simulator"
"$here/target/debug/pve-sim" > "$work/sim.out" 2>&1 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; rm -rf "$work"' EXIT
while ! grep -q '^token=' "$work/sim.out" 2>/dev/null; do sleep 0.1; done
endpoints=$(sed -n 's/^endpoints=//p' "$work/sim.out" | sed 's/,/", "/g')
fingerprint=$(sed -n 's/^fingerprint=//p' "$work/sim.out")
(umask 077; sed -n 's/^token=//p' "$work/sim.out" > "$work/pve-token")
for plugin in proxmox-lxc proxmox-vm; do
    cat >> "$work/config.toml" <<TOML
[plugins.$plugin.api]
endpoints = ["$endpoints"]
token_file = "$work/pve-token"
[plugins.$plugin.api.tls]
fingerprint = "$fingerprint"
TOML
done
cat >> "$work/config.toml" <<TOML
[plugins.proxmox-lxc]
storage = "local-lvm"
bridge = "vmbr0"
[plugins.proxmox-vm]
template_vmid = 9000
bridge = "vmbr0"
agent = true
TOML
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["args"] = ["sleep", "1000"]
c["linux"]["resources"] = {"memory": {"limit": 536870912}}
json.dump(c, open(path, "w"), indent=2)
PY
for backend in proxmox-lxc proxmox-vm; do
    echo "-- $backend"
    lxcri --backend $backend create --bundle "$work/bundle" "demo-$backend"
    lxcri start "demo-$backend"
    lxcri state "demo-$backend" | grep -E '"(status|backend)"'
    if [ $backend = proxmox-vm ]; then lxcri exec "demo-$backend" echo hello from the VM guest agent; fi
    lxcri pause "demo-$backend" && lxcri resume "demo-$backend"
    lxcri list
    lxcri kill "demo-$backend" TERM
    lxcri state "demo-$backend" | grep '"status"'
    lxcri delete "demo-$backend"
done
echo "demo finished"
