//! `doctor`: the zfs tools answer (the daemon or kernel module is there), a parent
//! dataset is configured, and its pool exists.

use lxcri_plugin_api::{PluginError, doctor::Check};

use crate::cli::Zfs;

fn failed(name: &str, e: &PluginError) -> Check {
    Check::fail(
        name,
        e.message.to_string(),
        e.hint()
            .map(str::to_string)
            .unwrap_or_else(|| "see docs/zfs.md".into()),
    )
}

pub fn doctor(zfs: &Zfs) -> Vec<Check> {
    let tools = "ZFS tools and daemon";
    let pools = match zfs.zpool(&["list", "-H", "-o", "name"]) {
        Ok(out) => out,
        Err(e) => return vec![failed(tools, &e)],
    };
    let mut checks = vec![Check::pass(
        tools,
        format!("{} and {}", zfs.cfg.zfs.display(), zfs.cfg.zpool.display()),
    )];
    let name = "parent dataset's pool";
    checks.push(match zfs.cfg.parent.as_deref() {
        None => Check::fail(
            name,
            "no parent dataset configured",
            "set parent = \"POOL/DATASET\" in [plugins.zfs]",
        ),
        Some(parent) => {
            let pool = parent.split('/').next().unwrap_or(parent);
            if pools.lines().any(|l| l.trim() == pool) {
                Check::pass(name, format!("{pool} (parent {parent})"))
            } else {
                Check::fail(
                    name,
                    format!("pool '{pool}' does not exist"),
                    "create or import the pool, or change parent in [plugins.zfs]",
                )
            }
        }
    });
    checks
}
