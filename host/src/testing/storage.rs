//! `memstore`: an integration linked into the test binary. It offers rootfs snapshots
//! (any rootfs is dataset `mem/<dir name>`; snapshots are files under the state root)
//! and contributes the command `greet NAME`.

use std::{fs, path::PathBuf};

use lxcri_plugin_api::{
    ArgSpec, CommandSpec, IntegrationPlugin, PluginContext, PluginError, PluginInfo, PluginModRef,
    ops::{
        self, DatasetForPath, DatasetReply, HasSnapshot, Operation, Rollback, Snapshot,
        SnapshotReply, SnapshotRequest,
    },
    types::{CommandArgs, CommandOutput},
};
use serde_json::Value;

pub const NAME: &str = "memstore";
/// The capability `checkpoint` and `restore` look storage up by.
pub const ROOTFS_SNAPSHOT: &str = "rootfs-snapshot";

struct MemStore {
    dir: PathBuf,
}

impl MemStore {
    fn file(&self, req: &SnapshotRequest) -> PathBuf {
        self.dir
            .join(format!("{}@{}", req.dataset, req.name).replace('/', "_"))
    }
}

/// The snapshots `memstore` holds under state root `root`.
pub fn snapshots(root: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join(NAME))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().replace('_', "/"))
        .collect();
    names.sort();
    names
}

impl IntegrationPlugin for MemStore {
    fn run(&self, command: &str, args: CommandArgs) -> Result<CommandOutput, PluginError> {
        match command {
            "greet" => {
                let name = args.get("name").and_then(|v| v.as_str()).unwrap_or("?");
                Ok(CommandOutput::text(format!("hello, {name}\n")))
            }
            other => Err(PluginError::unsupported(format!("no command {other}"))),
        }
    }

    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        match op {
            DatasetForPath::NAME => {
                let req = ops::request::<DatasetForPath>(req)?;
                let leaf = req
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                ops::reply::<DatasetForPath>(leaf.map(|leaf| DatasetReply {
                    dataset: format!("mem/{leaf}"),
                }))
            }
            Snapshot::NAME => {
                let req = ops::request::<Snapshot>(req)?;
                fs::create_dir_all(&self.dir).map_err(|e| PluginError::backend(e.to_string()))?;
                fs::write(self.file(&req), b"").map_err(|e| PluginError::backend(e.to_string()))?;
                ops::reply::<Snapshot>(SnapshotReply {
                    snapshot: format!("{}@{}", req.dataset, req.name),
                })
            }
            HasSnapshot::NAME => {
                let req = ops::request::<HasSnapshot>(req)?;
                ops::reply::<HasSnapshot>(self.file(&req).exists())
            }
            Rollback::NAME => {
                let req = ops::request::<Rollback>(req)?;
                if !self.file(&req).exists() {
                    return Err(PluginError::not_found(format!(
                        "no snapshot {}@{}",
                        req.dataset, req.name
                    )));
                }
                ops::reply::<Rollback>(SnapshotReply {
                    snapshot: format!("{}@{}", req.dataset, req.name),
                })
            }
            _ => Err(PluginError::unsupported(format!("no operation {op}"))),
        }
    }
}

fn info() -> PluginInfo {
    PluginInfo::integration(NAME, "1.0.0", "in-process test storage")
        .with_capabilities(&[ROOTFS_SNAPSHOT])
        .with_command(
            CommandSpec::new("greet", "Print a greeting")
                .arg(ArgSpec::positional("name", "who to greet").value_name("NAME")),
        )
}

/// The root module, as a loaded file would export it.
pub fn module() -> PluginModRef {
    lxcri_plugin_api::plugin_module! {
        info: info,
        integration: |ctx: &PluginContext| Ok(MemStore {
            dir: PathBuf::from(ctx.root_dir.as_str()).join(NAME),
        }),
    }
}
