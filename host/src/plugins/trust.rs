//! Trust checks when running as root (like sudo's): a plugin file, its directory and
//! the directories above it must not be writable by anyone but root.

use std::{
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::Path,
};

const GROUP_OTHER_WRITE: u32 = 0o022;
const STICKY: u32 = 0o1000;

/// Refuses a plugin an unprivileged user could have planted or could replace.
pub fn check(file: &Path, owner_uid: u32) -> Result<(), String> {
    let meta = std::fs::metadata(file).map_err(|e| format!("cannot stat: {e}"))?;
    if meta.uid() != owner_uid {
        return Err(format!(
            "not owned by root (uid {}); fix: chown root:root {}",
            meta.uid(),
            file.display()
        ));
    }
    if meta.permissions().mode() & GROUP_OTHER_WRITE != 0 {
        return Err(format!(
            "writable by group/others; fix: chmod go-w {}",
            file.display()
        ));
    }
    let Some(parent) = file.parent() else {
        return Ok(());
    };
    let parent = parent
        .canonicalize()
        .map_err(|e| format!("cannot resolve directory: {e}"))?;
    for (depth, dir) in parent.ancestors().enumerate() {
        let meta =
            std::fs::metadata(dir).map_err(|e| format!("cannot stat {}: {e}", dir.display()))?;
        let mode = meta.permissions().mode();
        let writable = mode & GROUP_OTHER_WRITE != 0;
        // The plugin's own directory must be closed; above it, a root-owned sticky
        // directory such as /tmp is fine (nobody can rename our directory away).
        let tolerated = depth > 0 && mode & STICKY != 0 && meta.uid() == owner_uid;
        if writable && !tolerated {
            return Err(format!(
                "directory {} is writable by group/others; fix: chmod go-w {}",
                dir.display(),
                dir.display()
            ));
        }
        if meta.uid() != owner_uid {
            return Err(format!(
                "directory {} is not owned by root; fix: chown root {}",
                dir.display(),
                dir.display()
            ));
        }
    }
    Ok(())
}
