//! A crun wrapper for tests that need to stop crun in the middle of a `create`. The
//! crun plugin itself runs crun on a hybrid cgroup host (crun 1.8 refuses that layout
//! otherwise), so plain crun needs no wrapper.

use std::{os::unix::fs::PermissionsExt, path::Path};

/// The wrapper. With `$LXCRI_TEST_HANG_CREATE=FILE`, a `create` runs crun, writes its
/// pid to FILE and blocks until `FILE.release` exists (to test operations that meet a
/// create in progress, and a host killed in the middle of it); otherwise it is crun.
/// With `$LXCRI_TEST_CRUN_CALLS=FILE`, each call appends its arguments to FILE.
pub const WRAPPER: &str = r#"#!/bin/sh
if [ -n "$LXCRI_TEST_CRUN_CALLS" ]; then
    echo "$*" >> "$LXCRI_TEST_CRUN_CALLS"
fi
if [ -n "$LXCRI_TEST_HANG_CREATE" ]; then
    for a in "$@"; do
        if [ "$a" = create ]; then
            crun "$@" || exit $?
            echo $$ > "$LXCRI_TEST_HANG_CREATE.tmp" && mv "$LXCRI_TEST_HANG_CREATE.tmp" "$LXCRI_TEST_HANG_CREATE"
            while [ ! -e "$LXCRI_TEST_HANG_CREATE.release" ]; do sleep 0.05; done
            exit 0
        fi
    done
fi
exec crun "$@"
"#;

/// Writes the wrapper into `dir` and returns its path.
pub fn write_wrapper(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("crun-wrap.sh");
    std::fs::write(&path, WRAPPER).expect("write crun wrapper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}
