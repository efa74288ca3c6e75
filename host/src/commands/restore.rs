//! `restore ID --name N`: the backend's own restore when it has one; otherwise roll
//! the container's rootfs dataset back to the checkpoint snapshot (the container must
//! be stopped) and run the container again from its bundle.

use std::io::Write;

use super::output;
use crate::args::restore::RestoreArgs;

use lxcri_plugin_api::{
    capability,
    ops::{HasSnapshot, Rollback, SnapshotRequest},
    types::Status,
};
use serde_json::json;

use super::{checkpoint::rootfs_dataset, container::Opened};
use crate::{
    error::{HostError, Result},
    services::Services,
};

pub fn run(svc: &Services, args: &RestoreArgs, out: &mut dyn Write) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    if c.backend.info.has_capability(capability::RESTORE) {
        let request =
            json!({"image_path": args.image_path, "name": args.name, "bundle": args.bundle});
        let reply = c.backend.restore(&args.id, &c.plugin_dir()?, &request)?;
        if !reply.is_null() {
            writeln!(out, "{reply}").map_err(output)?;
        }
        return Ok(0);
    }
    let name = args
        .name
        .clone()
        .ok_or_else(|| HostError::invalid("restore needs --name CHECKPOINT"))?;
    let (storage, dataset) = rootfs_dataset(svc, &c, "restore")?;
    c.refresh()?;
    if c.record.status != Status::Stopped {
        return Err(HostError::conflict(format!(
            "container '{}' is {}; stop it before restoring",
            args.id, c.record.status
        ))
        .hint("`proxmox-lxcri kill ID KILL`, then restore"));
    }
    // The container goes before the rollback: a snapshot that is not there must be
    // found first, while there is still a container to keep.
    let wanted = SnapshotRequest {
        dataset: dataset.clone(),
        name: name.clone(),
    };
    match storage.call_op::<HasSnapshot>(&wanted) {
        Ok(true) => {}
        Ok(false) => {
            return Err(HostError::not_found(format!(
                "'{}' has no checkpoint {name} ({dataset}@{name} does not exist)",
                args.id
            ))
            .hint("`proxmox-lxcri zfs list --snapshots` shows the checkpoints"));
        }
        // An integration from before the check: the rollback itself will tell.
        Err(e) if e.kind == lxcri_plugin_api::ErrorKind::Unsupported => {}
        Err(e) => return Err(e),
    }
    let bundle = args
        .bundle
        .clone()
        .unwrap_or_else(|| c.record.bundle.clone());
    let backend = c.record.backend.clone();
    drop(c);
    // The old container goes first, so that nothing holds the dataset during the rollback.
    super::delete::run(
        svc,
        &crate::args::delete::DeleteArgs {
            force: true,
            id: args.id.clone(),
        },
    )?;
    storage.call_op::<Rollback>(&wanted)?;
    let create = crate::args::create::CreateArgs {
        bundle,
        pid_file: None,
        console_socket: None,
        no_pivot: false,
        no_new_keyring: false,
        preserve_fds: 0,
        id: args.id.clone(),
    };
    tracing::info!(
        "restored {dataset}@{name}; running '{}' again with backend {backend}",
        args.id
    );
    super::create::create_on(svc, &create, Some(&backend))?;
    super::start::run(
        svc,
        &crate::args::start::StartArgs {
            id: args.id.clone(),
        },
    )
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{
        args::{checkpoint::CheckpointArgs, kill::KillArgs, restore::RestoreArgs},
        testing::TestHost,
    };

    fn restore(name: Option<&str>) -> RestoreArgs {
        RestoreArgs {
            image_path: None,
            name: name.map(String::from),
            bundle: None,
            detach: true,
            id: "c1".into(),
        }
    }

    #[test]
    fn runs_the_container_again_from_its_snapshot_once_stopped() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let checkpoint = CheckpointArgs {
            image_path: None,
            leave_running: false,
            name: Some("cp1".into()),
            id: "c1".into(),
        };
        crate::commands::checkpoint::run(&host.svc, &checkpoint, &mut Vec::new()).unwrap();
        let err = run(&host.svc, &restore(Some("cp1")), &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
        let kill = KillArgs {
            all: false,
            id: "c1".into(),
            signal: "KILL".into(),
        };
        crate::commands::kill::run(&host.svc, &kill).unwrap();
        run(&host.svc, &restore(Some("cp1")), &mut Vec::new()).unwrap();
        assert_eq!(host.state("c1")["status"], "running");
        assert!(
            host.kept("c1").unwrap().signals.is_empty(),
            "a new container"
        );
    }

    #[test]
    fn a_checkpoint_that_does_not_exist_is_refused_before_anything_is_undone() {
        let host = TestHost::new();
        host.running("c1", &["exit", "0"]);
        let err = run(&host.svc, &restore(Some("nope")), &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
        assert!(err.to_string().contains("nope"), "{err}");
        assert_eq!(
            host.state("c1")["status"],
            "stopped",
            "the container is kept"
        );
        assert!(host.kept("c1").is_some());
    }

    #[test]
    fn a_snapshot_restore_needs_a_name() {
        let host = TestHost::new();
        host.running("c1", &["exit", "0"]);
        let err = run(&host.svc, &restore(None), &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidInput);
        assert_eq!(host.state("c1")["status"], "stopped");
    }
}
