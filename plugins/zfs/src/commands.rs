//! The contributed commands (`proxmox-lxcri zfs …`) and the hooks other parts use:
//! `dataset_for_path`, `snapshot`, `rollback`, `rootfs`.

use std::{fmt::Write as _, path::PathBuf};

use lxcri_plugin_api::{
    ArgSpec, CommandSpec, IntegrationPlugin, PluginError, PluginInfo,
    types::{CommandArgs, CommandOutput},
};
use serde_json::{Value, json};

use crate::cli::Zfs;

pub fn info() -> PluginInfo {
    let id = || ArgSpec::positional("id", "container id").value_name("ID");
    let snap = || ArgSpec::positional("snapshot", "snapshot name").value_name("SNAPSHOT");
    PluginInfo::integration(
        "zfs",
        env!("CARGO_PKG_VERSION"),
        "ZFS datasets, snapshots and clones for containers",
    )
    .with_capabilities(&["rootfs-snapshot", "rootfs-dataset"])
    .with_command(CommandSpec::new("zfs", "ZFS datasets for containers"))
    .with_command(
        CommandSpec::new(
            "zfs create",
            "Create a container's dataset (or a clone of ID@SNAPSHOT)",
        )
        .arg(id())
        .arg(
            ArgSpec::option("from", "clone this snapshot (ID@SNAPSHOT or POOL/DS@SNAP)")
                .value_name("SNAPSHOT"),
        )
        .arg(
            ArgSpec::option("property", "zfs property")
                .short('o')
                .value_name("PROP=VALUE")
                .multiple(),
        ),
    )
    .with_command(
        CommandSpec::new("zfs destroy", "Destroy a container's dataset")
            .arg(id())
            .arg(ArgSpec::flag("recursive", "also its snapshots").short('r')),
    )
    .with_command(
        CommandSpec::new("zfs snapshot", "Snapshot a container's dataset")
            .arg(id())
            .arg(snap()),
    )
    .with_command(
        CommandSpec::new(
            "zfs rollback",
            "Roll a dataset back (later snapshots are destroyed)",
        )
        .arg(id())
        .arg(snap()),
    )
    .with_command(
        CommandSpec::new(
            "zfs clone",
            "Clone ID@SNAPSHOT into a new container's dataset",
        )
        .arg(id())
        .arg(snap())
        .arg(ArgSpec::positional("new_id", "the new container id").value_name("NEW_ID")),
    )
    .with_command(
        CommandSpec::new(
            "zfs list",
            "Datasets of containers (and with --snapshots, their snapshots)",
        )
        .arg(ArgSpec::flag("json", "JSON output"))
        .arg(ArgSpec::flag("snapshots", "include snapshots")),
    )
    .with_command(
        CommandSpec::new(
            "zfs send",
            "Export ID@SNAPSHOT to a file (a checkpoint export)",
        )
        .arg(id())
        .arg(snap())
        .arg(ArgSpec::positional("file", "output file").value_name("FILE")),
    )
    .with_command(
        CommandSpec::new(
            "zfs receive",
            "Import a file made by `zfs send` as a new container's dataset",
        )
        .arg(ArgSpec::positional("file", "input file").value_name("FILE"))
        .arg(ArgSpec::positional("new_id", "the new container id").value_name("NEW_ID")),
    )
}

fn arg<'a>(args: &'a CommandArgs, name: &str) -> Result<&'a str, PluginError> {
    args.get(name)
        .and_then(|v| v.as_str())
        .ok_or_else(|| PluginError::invalid_input(format!("missing {name}")))
}

fn text(s: String) -> Result<CommandOutput, PluginError> {
    Ok(CommandOutput::text(s))
}

impl IntegrationPlugin for Zfs {
    fn run(&self, command: &str, args: CommandArgs) -> Result<CommandOutput, PluginError> {
        match command {
            "zfs create" => {
                let props: Vec<String> = match args.get("property") {
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                let from = args.get("from").and_then(|v| v.as_str());
                let (name, mp) = self.create(arg(&args, "id")?, from, &props)?;
                text(format!("{name} mounted at {mp}\n"))
            }
            "zfs destroy" => {
                let recursive = args
                    .get("recursive")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                self.destroy(arg(&args, "id")?, recursive)?;
                text(format!("destroyed {}\n", self.name(arg(&args, "id")?)?))
            }
            "zfs snapshot" => text(format!(
                "{}\n",
                self.snapshot(arg(&args, "id")?, arg(&args, "snapshot")?)?
            )),
            "zfs rollback" => text(format!(
                "rolled back to {}\n",
                self.rollback(arg(&args, "id")?, arg(&args, "snapshot")?)?
            )),
            "zfs clone" => {
                let from = format!("{}@{}", arg(&args, "id")?, arg(&args, "snapshot")?);
                let (name, mp) = self.create(arg(&args, "new_id")?, Some(&from), &[])?;
                text(format!("{name} mounted at {mp}\n"))
            }
            "zfs list" => {
                let datasets = self.list()?;
                let with_snaps = args
                    .get("snapshots")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                if args.get("json").and_then(|v| v.as_bool()).unwrap_or(false) {
                    let mut out = Vec::new();
                    for d in &datasets {
                        let mut v = json!(d);
                        if with_snaps {
                            v["snapshots"] = json!(self.snapshots(&d.id)?);
                        }
                        out.push(v);
                    }
                    return text(serde_json::to_string_pretty(&out).unwrap_or_default() + "\n");
                }
                let mut s = format!("{:<20} {:<36} {:<8} MOUNTPOINT\n", "ID", "DATASET", "USED");
                for d in &datasets {
                    let _ = writeln!(
                        s,
                        "{:<20} {:<36} {:<8} {}",
                        d.id, d.name, d.used, d.mountpoint
                    );
                    if with_snaps {
                        for snap in self.snapshots(&d.id)? {
                            let _ = writeln!(s, "  {snap}");
                        }
                    }
                }
                text(s)
            }
            "zfs send" => {
                let file = PathBuf::from(arg(&args, "file")?);
                self.send(arg(&args, "id")?, arg(&args, "snapshot")?, &file)?;
                text(format!("sent to {}\n", file.display()))
            }
            "zfs receive" => {
                let name =
                    self.receive(&PathBuf::from(arg(&args, "file")?), arg(&args, "new_id")?)?;
                text(format!("received into {name}\n"))
            }
            other => Err(PluginError::unsupported(format!(
                "unknown command '{other}'"
            ))),
        }
    }

    /// Hooks: `dataset_for_path {path}` → `{dataset}` or null; `snapshot` / `rollback`
    /// `{dataset, name}`; `rootfs {id, from?}` → `{dataset, mountpoint, created}` (an
    /// existing dataset is reused, a new one filled from `from`); `release {id}`;
    /// `doctor`.
    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        use lxcri_plugin_api::ops::{
            self, DatasetForPath, DatasetReply, HasSnapshot, Operation, Release, Rollback, Rootfs,
            RootfsReply, Snapshot, SnapshotReply,
        };
        match op {
            DatasetForPath::NAME => {
                let req = ops::request::<DatasetForPath>(req)?;
                let found = self.dataset_for_path(&req.path)?;
                ops::reply::<DatasetForPath>(found.map(|dataset| DatasetReply { dataset }))
            }
            Snapshot::NAME => {
                let req = ops::request::<Snapshot>(req)?;
                let snapshot = format!("{}@{}", req.dataset, req.name);
                self.zfs(&["snapshot", &snapshot])?;
                ops::reply::<Snapshot>(SnapshotReply { snapshot })
            }
            HasSnapshot::NAME => {
                let req = ops::request::<HasSnapshot>(req)?;
                ops::reply::<HasSnapshot>(self.has_snapshot(&req.dataset, &req.name)?)
            }
            Rollback::NAME => {
                let req = ops::request::<Rollback>(req)?;
                let snapshot = self.rollback_dataset(&req.dataset, &req.name)?;
                ops::reply::<Rollback>(SnapshotReply { snapshot })
            }
            Rootfs::NAME => {
                let req = ops::request::<Rootfs>(req)?;
                let (dataset, mountpoint, created) = self.rootfs(&req.id, req.from.as_deref())?;
                ops::reply::<Rootfs>(RootfsReply {
                    dataset,
                    mountpoint: mountpoint.into(),
                    created,
                })
            }
            Release::NAME => {
                let req = ops::request::<Release>(req)?;
                self.destroy(&req.id, true)?;
                ops::reply::<Release>(None)
            }
            lxcri_plugin_api::doctor::DOCTOR_OP => Ok(lxcri_plugin_api::doctor::Check::report(
                crate::doctor::doctor(self),
            )),
            other => Err(PluginError::unsupported(format!(
                "operation '{other}' is not implemented"
            ))),
        }
    }
}
