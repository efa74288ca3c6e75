//! What the per-container commands share: locking an existing container, opening its
//! recorded backend, refreshing its status and printing runtime-spec state.

use std::path::{Path, PathBuf};

use lxcri_plugin_api::{ErrorKind, types::Status};
use serde_json::json;

use crate::{
    backend::BackendHandle,
    error::Result,
    routing,
    services::Services,
    state::{ContainerRecord, Locked, lock},
};

/// An existing container, locked, with its backend open.
pub struct Opened<'a> {
    pub locked: Locked,
    pub record: ContainerRecord,
    pub backend: BackendHandle<'a>,
}

impl<'a> Opened<'a> {
    /// Locks container `id` and opens the backend recorded for it. A container
    /// unknown here but named with `--backend` is looked up in that backend (a lost
    /// local state is rebuilt from what the backend still has).
    pub fn open(svc: &'a Services, id: &str) -> Result<Self> {
        let store = svc.store();
        let locked = match store.lock(id) {
            Err(e) if e.kind == ErrorKind::NotFound && svc.backend_flag.is_some() => {
                return Self::adopt(svc, id, svc.backend_flag().unwrap_or_default());
            }
            other => other?,
        };
        let record = locked.read()?.ok_or_else(|| {
            lock::not_found(id)
                .hint("a create was interrupted; `delete --force` removes what is left")
        })?;
        routing::for_existing(id, &record.backend, svc.backend_flag())?;
        let backend = BackendHandle::open(svc, &record.backend)?;
        Ok(Self {
            locked,
            record,
            backend,
        })
    }

    fn adopt(svc: &'a Services, id: &str, backend_name: &str) -> Result<Self> {
        let backend = BackendHandle::open(svc, backend_name)?;
        use lxcri_plugin_api::ops::{Find, IdRequest};
        let found = match backend.call_op::<Find>(&IdRequest { id: id.to_string() }) {
            Err(e) if e.kind == ErrorKind::Unsupported => return Err(lock::not_found(id)),
            other => other?,
        };
        let Some(found) = found.filter(|f| !f.is_null()) else {
            return Err(lock::not_found(id));
        };
        tracing::info!("container '{id}' found again in backend {backend_name}");
        let locked = svc.store().reserve(id)?;
        let record = ContainerRecord {
            id: id.to_string(),
            backend: backend_name.to_string(),
            bundle: PathBuf::new(),
            status: Status::Stopped,
            pid: None,
            created: humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string(),
            owner: current_owner(),
            annotations: Default::default(),
            rootfs: None,
            oci_version: String::new(),
            private: found,
        };
        locked.write(&record)?;
        let mut opened = Self {
            locked,
            record,
            backend,
        };
        opened.refresh()?;
        Ok(opened)
    }

    /// This container's private dir for its backend.
    pub fn plugin_dir(&self) -> Result<PathBuf> {
        self.locked.plugin_dir(&self.record.backend)
    }

    /// Asks the backend for the live status and stores it. A container the backend no
    /// longer knows is stopped.
    pub fn refresh(&mut self) -> Result<()> {
        if self.record.status == Status::Creating {
            return Ok(());
        }
        let dir = self.plugin_dir()?;
        let before = self.record.clone();
        match self.backend.state(&self.record.id, &dir) {
            Ok(state) => {
                self.record.status = state.status;
                self.record.pid = state.pid.or(self.record.pid);
                if state.status == Status::Stopped {
                    self.record.pid = None;
                }
                if !state.private.is_null() {
                    self.record.private = state.private;
                }
            }
            Err(e) if e.kind == ErrorKind::NotFound => {
                self.record.status = Status::Stopped;
                self.record.pid = None;
            }
            Err(e) => return Err(e),
        }
        if self.record == before {
            return Ok(());
        }
        self.locked.write(&self.record)
    }

    /// Sets and stores a new status.
    pub fn set_status(&mut self, status: Status) -> Result<()> {
        self.record.status = status;
        self.locked.write(&self.record)
    }
}

/// Runtime-spec state JSON of a record.
pub fn oci_state(record: &ContainerRecord) -> serde_json::Value {
    let mut state = json!({
        "ociVersion": if record.oci_version.is_empty() { crate::version::OCI_SPEC_VERSION } else { &record.oci_version },
        "id": record.id,
        "status": record.status.as_str(),
        "pid": record.pid.unwrap_or(0),
        "bundle": record.bundle,
        "created": record.created,
        "owner": if record.owner.is_empty() { current_owner() } else { record.owner.clone() },
        "backend": record.backend,
    });
    if let Some(rootfs) = &record.rootfs {
        state["rootfs"] = json!(rootfs);
    }
    if !record.annotations.is_empty() {
        state["annotations"] = json!(record.annotations);
    }
    state
}

/// The name of the effective user (looked up once, at create: a name service lookup
/// costs more than the rest of a `state`).
pub fn current_owner() -> String {
    let uid = nix::unistd::geteuid();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| uid.to_string())
}

/// Writes a pid file atomically (relative paths are relative to the working dir).
pub fn write_pid_file(path: &Path, pid: i32) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| {
        crate::error::HostError::io(format!("cannot write pid file in {}", dir.display()), e)
    })?;
    std::fs::write(tmp.path(), pid.to_string())
        .map_err(|e| crate::error::HostError::io("cannot write pid file", e))?;
    tmp.persist(path).map_err(|e| {
        crate::error::HostError::io(format!("cannot write pid file {}", path.display()), e.error)
    })?;
    Ok(())
}
