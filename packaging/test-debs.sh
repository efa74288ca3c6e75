#!/usr/bin/env bash
# Installs the Debian packages with dpkg and runs a busybox container with only the
# installed files (plus this machine's crun wrapper in the config); removing one plugin
# package removes that backend and nothing else. Everything is purged at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/lxcri-debs.XXXXXX)
packages=(proxmox-lxcri proxmox-lxcri-plugin-{crun,lxc,proxmox-lxc,proxmox-vm,zfs,bfc})
cleanup() {
  /usr/bin/proxmox-lxcri --root "$work/root" delete --force deb1 >/dev/null 2>&1 || true
  dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test-debs: $*" >&2; exit 1; }

bash packaging/build-debs.sh "$work/debs" >/dev/null
dpkg -i "$work"/debs/*.deb >/dev/null
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null || fail "$p is not installed"; done

# Only installed files: no plugin dir, the system search path.
bin=/usr/bin/proxmox-lxcri
unset PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH PROXMOX_LXCRI_PLUGIN_PATH
# Plain crun: the plugin copes with a hybrid cgroup host itself.
printf 'default_backend = "crun"\n' > "$work/config.toml"
lx() { "$bin" --root "$work/root" --config "$work/config.toml" "$@"; }
names() { lx plugins --format json | python3 -c 'import json,sys; print(" ".join(sorted(p["name"] for p in json.load(sys.stdin)["plugins"])))'; }
[ "$(names)" = "bfc crun lxc proxmox-lxc proxmox-vm zfs" ] || fail "installed plugins: $(names)"
rejected=$(lx plugins --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rejected"]))')
[ "$rejected" = 0 ] || fail "$rejected rejected plugin files on a clean installation"

mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs"/{proc,sys,dev,tmp,etc}
cp /bin/busybox "$work/bundle/rootfs/bin/"
ln -s busybox "$work/bundle/rootfs/bin/sh"
(cd "$work/bundle" && lx spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "echo from-deb > /tmp/out; exit 7"]
c["root"]["readonly"] = False
json.dump(c, open(sys.argv[1], "w"))
PY
set +e; lx run --bundle "$work/bundle" deb1 >/dev/null 2>&1; code=$?; set -e
[ "$code" = 7 ] || fail "the container's exit status 7 came back as $code"
grep -q from-deb "$work/bundle/rootfs/tmp/out" || fail "the container did not run"

# Man pages and completions, with plugin commands.
man -w proxmox-lxcri-create >/dev/null 2>&1 || [ -f /usr/share/man/man1/proxmox-lxcri-create.1.gz ] || fail "no man page"
[ -f /usr/share/man/man1/proxmox-lxcri-zfs-snapshot.1.gz ] || fail "no man page for a plugin command"
grep -q "bfc" /usr/share/bash-completion/completions/proxmox-lxcri || fail "completions lack plugin commands"
[ -f /usr/share/doc/proxmox-lxcri/examples/config.toml ] || fail "no example config"

# Removing one plugin package removes that backend only.
dpkg -r proxmox-lxcri-plugin-lxc >/dev/null
[ "$(names)" = "bfc crun proxmox-lxc proxmox-vm zfs" ] || fail "after removing lxc: $(names)"
out=$(lx --backend lxc run --bundle "$work/bundle" deb2 2>&1) && fail "lxc still runs containers"
echo "$out" | grep -q "backend 'lxc' is not loaded" || fail "unexpected error without lxc: $out"
set +e; lx run --bundle "$work/bundle" deb1 >/dev/null 2>&1; code=$?; set -e
[ "$code" = 7 ] || fail "crun stopped working after removing lxc ($code)"
echo "debian packages: install, run, man pages, completions and removal OK"
