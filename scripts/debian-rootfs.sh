#!/usr/bin/env bash
# Makes the Debian bookworm rootfs the tests run as a real distribution image
# (debootstrap --variant=minbase, about 1-3 minutes and 40 MB of downloads), once:
# later runs reuse target/test-cache/bookworm.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=target/test-cache/bookworm
[ -e "$dest/etc/debian_version" ] && exit 0
mkdir -p target/test-cache
exec 9>target/test-cache/bookworm.lock
flock 9
[ -e "$dest/etc/debian_version" ] && exit 0
echo "debian-rootfs: debootstrap of a minimal Debian bookworm into $dest (1-3 minutes)" >&2
rm -rf "$dest.tmp"
debootstrap --variant=minbase bookworm "$dest.tmp" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    > target/test-cache/debootstrap.log 2>&1 || {
    tail -5 target/test-cache/debootstrap.log >&2
    echo "debian-rootfs: debootstrap failed (log: target/test-cache/debootstrap.log)" >&2
    exit 1
}
# Nothing in the image should change from one run to the next.
rm -rf "$dest.tmp/var/cache/apt/archives"/*.deb
mv "$dest.tmp" "$dest"
