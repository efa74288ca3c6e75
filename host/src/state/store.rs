//! The state store: `<root>/<id>/state.json` (written atomically), the per-container
//! lock, and each plugin's private dir `<root>/<id>/<plugin>/`.

use std::{collections::BTreeMap, fs, io::Write, path::PathBuf};

use lxcri_plugin_api::types::Status;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    id,
    lock::{self, ContainerLock},
};
use crate::error::{HostError, Result};

const STATE_FILE: &str = "state.json";

/// What the host records about a container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRecord {
    pub id: String,
    /// The backend plugin that serves it.
    pub backend: String,
    pub bundle: PathBuf,
    pub status: Status,
    #[serde(default)]
    pub pid: Option<i32>,
    /// RFC 3339 creation time.
    pub created: String,
    /// Name of the user who created it (empty in records of older versions).
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub rootfs: Option<PathBuf>,
    /// The bundle's `ociVersion`.
    #[serde(default)]
    pub oci_version: String,
    /// Backend-private data returned by the backend.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub private: Value,
}

/// The state root.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A container dir whose lock this process holds.
pub struct Locked {
    pub dir: PathBuf,
    _lock: ContainerLock,
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `<root>/<id>` (the id must have been validated).
    pub fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    /// Reserves a new container dir (atomic: exactly one of two racing creates wins)
    /// and locks it.
    pub fn reserve(&self, id: &str) -> Result<Locked> {
        id::validate(id)?;
        fs::create_dir_all(&self.root).map_err(|e| {
            HostError::io(
                format!("cannot create state root {}", self.root.display()),
                e,
            )
        })?;
        let dir = self.dir(id);
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(HostError::new(
                    lxcri_plugin_api::ErrorKind::AlreadyExists,
                    format!("container '{id}' already exists"),
                )
                .hint("pick another id, or remove the old one with `delete --force`"));
            }
            Err(e) => return Err(HostError::io(format!("cannot create {}", dir.display()), e)),
        }
        let lock = ContainerLock::create(&dir)?;
        Ok(Locked { dir, _lock: lock })
    }

    /// Locks an existing container.
    pub fn lock(&self, id: &str) -> Result<Locked> {
        id::validate(id)?;
        let dir = self.dir(id);
        if !dir.is_dir() {
            return Err(lock::not_found(id));
        }
        let lock = ContainerLock::acquire(&dir, id)?;
        Ok(Locked { dir, _lock: lock })
    }

    /// Locks an existing container dir, making its lock file again when it is missing
    /// (a damaged dir that `delete --force` removes).
    pub fn lock_or_repair(&self, id: &str) -> Result<Locked> {
        id::validate(id)?;
        let dir = self.dir(id);
        if !dir.is_dir() {
            return Err(lock::not_found(id));
        }
        let lock = match ContainerLock::acquire(&dir, id) {
            Err(e) if e.kind == lxcri_plugin_api::ErrorKind::NotFound => {
                ContainerLock::create(&dir)?
            }
            other => other?,
        };
        Ok(Locked { dir, _lock: lock })
    }

    /// Ids of every container dir under the root (sorted).
    pub fn ids(&self) -> Result<Vec<String>> {
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(HostError::io(
                    format!("cannot read {}", self.root.display()),
                    e,
                ));
            }
        };
        // Every container dir, a damaged one (without its lock file) too.
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(super::inspect::is_dir)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| id::validate(name).is_ok())
            .collect();
        ids.sort();
        Ok(ids)
    }
}

impl Locked {
    /// Reads the record; `None` when a create crashed before writing it.
    pub fn read(&self) -> Result<Option<ContainerRecord>> {
        let path = self.dir.join(STATE_FILE);
        match fs::read(&path) {
            Ok(raw) => serde_json::from_slice(&raw).map(Some).map_err(|e| {
                HostError::internal(format!("corrupt state file {}: {e}", path.display()))
                    .hint("remove the container with `delete --force`")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(HostError::io(format!("cannot read {}", path.display()), e)),
        }
    }

    /// Writes the record atomically: temp file, then rename over the old one. A crash
    /// leaves the old or the new record, never a torn one. No fsync: the state root
    /// normally lives on tmpfs (`/run`), and state does not outlive a reboot anyway.
    pub fn write(&self, record: &ContainerRecord) -> Result<()> {
        let path = self.dir.join(STATE_FILE);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| {
            HostError::io(format!("cannot write state in {}", self.dir.display()), e)
        })?;
        let raw =
            serde_json::to_vec_pretty(record).map_err(|e| HostError::internal(e.to_string()))?;
        tmp.write_all(&raw)
            .map_err(|e| HostError::io("cannot write state", e))?;
        tmp.persist(&path)
            .map_err(|e| HostError::io(format!("cannot replace {}", path.display()), e.error))?;
        Ok(())
    }

    /// The private dir of `plugin` for this container (created on demand).
    pub fn plugin_dir(&self, plugin: &str) -> Result<PathBuf> {
        let dir = self.dir.join(plugin);
        fs::create_dir_all(&dir)
            .map_err(|e| HostError::io(format!("cannot create {}", dir.display()), e))?;
        Ok(dir)
    }

    /// Removes the container dir (the lock file first, so waiters see it is gone).
    pub fn remove(self) -> Result<()> {
        let _ = fs::remove_file(self.dir.join(lock::LOCK_FILE));
        fs::remove_dir_all(&self.dir)
            .map_err(|e| HostError::io(format!("cannot remove {}", self.dir.display()), e))
    }
}
