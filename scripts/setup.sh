#!/usr/bin/env bash
# Installs what the demo and the tests need (Debian packages), once. Idempotent.
set -euo pipefail

packages=(crun runc busybox-static containerd skopeo umoci lxc zfs-fuse hyperfine zstd
          podman conmon uidmap debootstrap libseccomp-dev pkg-config
          libzstd1 libsodium23)  # the last two: what the reference bfc (a benchmark baseline) links
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq </dev/null >/dev/null || true
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
fi
command -v cargo >/dev/null || { echo "setup: cargo (Rust stable) is required" >&2; exit 1; }
command -v cargo-fuzz >/dev/null || {
    echo "setup: installing cargo-fuzz" >&2
    cargo install --quiet --locked cargo-fuzz
}
command -v cargo-deb >/dev/null || {
    echo "setup: installing cargo-deb" >&2
    cargo install --quiet --locked cargo-deb
}
