//! Running real crun on this kind of host: crun 1.8 refuses the hybrid cgroup layout
//! unless it runs in a private mount namespace with the cgroup2 mount hidden, so tests
//! point the crun plugin at a wrapper script (the host system stays unchanged).

use std::{os::unix::fs::PermissionsExt, path::Path};

/// The wrapper. With `$LXCRI_TEST_HANG_CREATE=FILE`, a `create` runs crun, writes its
/// pid to FILE and blocks until `FILE.release` exists (to test operations that meet a
/// create in progress, and a host killed in the middle of it).
pub const WRAPPER: &str = r#"#!/bin/sh
if [ -n "$LXCRI_TEST_HANG_CREATE" ]; then
    for a in "$@"; do
        if [ "$a" = create ]; then
            unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@" || exit $?
            echo $$ > "$LXCRI_TEST_HANG_CREATE.tmp" && mv "$LXCRI_TEST_HANG_CREATE.tmp" "$LXCRI_TEST_HANG_CREATE"
            while [ ! -e "$LXCRI_TEST_HANG_CREATE.release" ]; do sleep 0.05; done
            exit 0
        fi
    done
fi
exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"
"#;

/// Writes the wrapper into `dir` and returns its path.
pub fn write_wrapper(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("crun-wrap.sh");
    std::fs::write(&path, WRAPPER).expect("write crun wrapper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}
