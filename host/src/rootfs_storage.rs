//! `rootfs_storage = "zfs"`: each new container's rootfs lives on a dataset of that
//! storage integration. The dataset is filled from the bundle's rootfs the first time
//! and reused afterwards (a restore, a re-create), like the bundle it stands for: a
//! `delete` keeps it, `proxmox-lxcri zfs destroy ID` removes it. The backend gets a
//! bundle of its own in the container's state dir whose `root.path` is the dataset.

use std::path::{Path, PathBuf};

use lxcri_plugin_api::ops::{IdRequest, Release, Rootfs, RootfsRequest};
use serde_json::{Value, json};

use crate::{
    bundle::Bundle,
    error::{HostError, Result},
    integration::IntegrationHandle,
    services::Services,
};

/// A rootfs placed on a storage dataset for one create.
pub struct Provisioned {
    storage: IntegrationHandle,
    id: String,
    /// Whether this create made the dataset (and must destroy it if the create fails).
    created: bool,
    pub rootfs: PathBuf,
    pub bundle: PathBuf,
    pub config: Value,
}

/// Places the rootfs of `id` on the configured storage, if any; the bundle the backend
/// should use is written below `state_dir`.
pub fn provision(
    svc: &Services,
    id: &str,
    bundle: &Bundle,
    state_dir: &Path,
) -> Result<Option<Provisioned>> {
    let Some(name) = svc.config.rootfs_storage.as_deref() else {
        return Ok(None);
    };
    let storage = IntegrationHandle::named(svc, name, "rootfs-dataset")?;
    let reply = storage.call_op::<Rootfs>(&RootfsRequest {
        id: id.to_string(),
        from: Some(bundle.rootfs.clone()),
    })?;
    let mountpoint = reply.mountpoint.display().to_string();
    let mut provisioned = Provisioned {
        storage,
        id: id.to_string(),
        created: reply.created,
        rootfs: reply.mountpoint.clone(),
        bundle: state_dir.join("bundle"),
        config: bundle.config.clone(),
    };
    provisioned.config["root"]["path"] = json!(mountpoint);
    if let Err(e) = write_bundle(&provisioned.bundle, &provisioned.config) {
        provisioned.release();
        return Err(e);
    }
    tracing::debug!(id, rootfs = mountpoint, "rootfs on {name}");
    Ok(Some(provisioned))
}

fn write_bundle(dir: &Path, config: &Value) -> Result<()> {
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(dir.join("config.json"), config.to_string()))
        .map_err(|e| HostError::io(format!("cannot write bundle {}", dir.display()), e))
}

impl Provisioned {
    /// Undoes the provisioning after a failed create: a dataset made for it goes.
    pub fn release(&self) {
        if self.created {
            let id = IdRequest {
                id: self.id.clone(),
            };
            if let Err(e) = self.storage.call_op::<Release>(&id) {
                tracing::warn!("could not remove the rootfs dataset of '{}': {e}", self.id);
            }
        }
    }
}
