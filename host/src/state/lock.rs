//! Per-container lock: an exclusive flock on `<root>/<id>/lock`, held for the whole
//! operation so that two operations on one id never interleave.

use std::{
    fs::{File, OpenOptions},
    os::unix::fs::MetadataExt,
    path::Path,
};

use nix::fcntl::{Flock, FlockArg};

use crate::error::{HostError, Result};

/// Name of the lock file inside a container's dir.
pub const LOCK_FILE: &str = "lock";

/// A held lock; released on drop.
pub struct ContainerLock {
    _lock: Flock<File>,
}

impl ContainerLock {
    /// Waits for the lock of the container whose dir is `dir`. Fails with NotFound when
    /// the container was deleted while we waited (its lock file is then unlinked).
    pub fn acquire(dir: &Path, id: &str) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => not_found(id),
                _ => HostError::io(format!("cannot open lock {}", path.display()), e),
            })?;
        let lock = Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| {
            HostError::internal(format!("cannot lock {}: {e}", path.display()))
        })?;
        let unlinked = lock.metadata().map(|m| m.nlink() == 0).unwrap_or(true);
        if unlinked {
            return Err(not_found(id));
        }
        Ok(Self { _lock: lock })
    }

    /// Creates the lock file in a fresh container dir and takes it.
    pub fn create(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| HostError::io(format!("cannot create lock {}", path.display()), e))?;
        let lock = Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| {
            HostError::internal(format!("cannot lock {}: {e}", path.display()))
        })?;
        Ok(Self { _lock: lock })
    }
}

/// The error for a container that does not exist.
pub fn not_found(id: &str) -> HostError {
    HostError::not_found(format!("container '{id}' does not exist"))
        .hint("`proxmox-lxcri list` shows the containers under this --root")
}
