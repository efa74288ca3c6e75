//! `checkpoint ID`: the backend's own checkpoint when it has one; otherwise a
//! filesystem checkpoint through a storage integration (zfs): pause the container,
//! snapshot its rootfs dataset, resume it (always, even when the snapshot failed).
//! This captures the filesystem, not process memory (CRIU does not work here).

use std::io::Write;

use super::output;
use crate::args::checkpoint::CheckpointArgs;

use lxcri_plugin_api::{
    capability,
    ops::{DatasetForPath, PathRequest, Snapshot, SnapshotRequest},
    types::Status,
};
use serde_json::json;

use super::container::Opened;
use crate::{
    error::{HostError, Result},
    integration::IntegrationHandle,
    services::Services,
};

/// The storage integration and the dataset holding a container's rootfs.
pub fn rootfs_dataset(
    svc: &Services,
    c: &Opened<'_>,
    what: &str,
) -> Result<(IntegrationHandle, String)> {
    let storage = IntegrationHandle::with_capability(svc, "rootfs-snapshot")?.ok_or_else(|| {
        HostError::new(
            lxcri_plugin_api::ErrorKind::Unsupported,
            format!(
                "{what} is not supported by backend {} and no storage integration (zfs) is loaded",
                c.backend.name
            ),
        )
    })?;
    let rootfs = c.record.rootfs.clone().unwrap_or_default();
    let found = storage.call_op::<DatasetForPath>(&PathRequest {
        path: rootfs.clone(),
    })?;
    let dataset = found.map(|d| d.dataset).ok_or_else(|| {
        HostError::new(
            lxcri_plugin_api::ErrorKind::Unsupported,
            format!(
                "the rootfs of '{}' ({}) is not a ZFS dataset",
                c.record.id,
                rootfs.display()
            ),
        )
        .hint(
            "put the bundle's rootfs on a dataset (`proxmox-lxcri zfs create ID`) to checkpoint it",
        )
    })?;
    Ok((storage, dataset))
}

pub fn run(svc: &Services, args: &CheckpointArgs, out: &mut dyn Write) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    if c.backend.info.has_capability(capability::CHECKPOINT) {
        let request = json!({"image_path": args.image_path, "name": args.name, "leave_running": args.leave_running});
        let reply = c.backend.checkpoint(&args.id, &c.plugin_dir()?, &request)?;
        if !reply.is_null() {
            writeln!(out, "{reply}").map_err(output)?;
        }
        return Ok(0);
    }
    let (storage, dataset) = rootfs_dataset(svc, &c, "checkpoint")?;
    let name = args.name.clone().unwrap_or_else(|| {
        format!(
            "checkpoint-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        )
    });
    c.refresh()?;
    let dir = c.plugin_dir()?;
    let pause =
        c.record.status == Status::Running && c.backend.info.has_capability(capability::PAUSE);
    if pause {
        c.backend.pause(&args.id, &dir)?;
    }
    let snapshot = storage.call_op::<Snapshot>(&SnapshotRequest {
        dataset,
        name: name.clone(),
    });
    if pause {
        c.backend.resume(&args.id, &dir)?;
    }
    writeln!(out, "{}", snapshot?.snapshot).map_err(output)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{
        args::checkpoint::CheckpointArgs,
        testing::{TestHost, storage},
    };

    #[test]
    fn snapshots_the_rootfs_through_storage_and_keeps_the_container_running() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let args = CheckpointArgs {
            image_path: None,
            leave_running: false,
            name: Some("cp1".into()),
            id: "c1".into(),
        };
        let mut out = Vec::new();
        run(&host.svc, &args, &mut out).unwrap();
        assert_eq!(out, b"mem/rootfs@cp1\n");
        assert_eq!(storage::snapshots(host.root()), ["mem/rootfs@cp1"]);
        assert_eq!(host.state("c1")["status"], "running");
    }
}
