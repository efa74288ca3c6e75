//! `restore ID --name N`: the backend's own restore when it has one; otherwise roll
//! the container's rootfs dataset back to the checkpoint snapshot (the container must
//! be stopped) and run the container again from its bundle.

use std::path::PathBuf;

use lxcri_plugin_api::{capability, types::Status};
use serde_json::json;

use super::{checkpoint::rootfs_dataset, container::Opened};
use crate::{
    app::App,
    error::{HostError, Result},
};

#[derive(Debug, Clone, clap::Args)]
pub struct RestoreArgs {
    /// A backend's own checkpoint image.
    #[arg(long, value_name = "DIR")]
    pub image_path: Option<PathBuf>,
    /// Checkpoint (snapshot) name.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, short = 'b', value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    /// Return once the restored container runs (always, for snapshot restores).
    #[arg(long, short = 'd')]
    pub detach: bool,
    pub id: String,
}

pub fn run(app: &App, args: &RestoreArgs) -> Result<i32> {
    let mut c = Opened::open(app, &args.id)?;
    if c.backend.info.has_capability(capability::RESTORE) {
        let request =
            json!({"image_path": args.image_path, "name": args.name, "bundle": args.bundle});
        let out = c.backend.restore(&args.id, &c.plugin_dir()?, &request)?;
        if !out.is_null() {
            println!("{out}");
        }
        return Ok(0);
    }
    let name = args
        .name
        .clone()
        .ok_or_else(|| HostError::invalid("restore needs --name CHECKPOINT"))?;
    let (storage, dataset) = rootfs_dataset(app, &c, "restore")?;
    c.refresh()?;
    if c.record.status != Status::Stopped {
        return Err(HostError::conflict(format!(
            "container '{}' is {}; stop it before restoring",
            args.id, c.record.status
        ))
        .hint("`proxmox-lxcri kill ID KILL`, then restore"));
    }
    let bundle = args
        .bundle
        .clone()
        .unwrap_or_else(|| c.record.bundle.clone());
    let backend = c.record.backend.clone();
    drop(c);
    // The old container goes first, so that nothing holds the dataset during the rollback.
    super::delete::run(
        app,
        &super::delete::DeleteArgs {
            force: true,
            id: args.id.clone(),
        },
    )?;
    storage.call_op::<lxcri_plugin_api::ops::Rollback>(
        &lxcri_plugin_api::ops::SnapshotRequest {
            dataset: dataset.clone(),
            name: name.clone(),
        },
    )?;
    let create = super::create::CreateArgs {
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
    super::create::create_on(app, &create, Some(&backend))?;
    super::start::run(
        app,
        &super::start::StartArgs {
            id: args.id.clone(),
        },
    )
}
