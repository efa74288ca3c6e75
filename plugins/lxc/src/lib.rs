//! `lxc`: runs OCI bundles as LXC containers. The bundle is translated into an LXC
//! config under a private lxcpath (`<root>/.lxc`); LXC sets the container up with a
//! static helper as init (`create`), the helper becomes the bundle's own process at
//! `start`, and the container is then driven through its pid and cgroups.

mod cgroups;
mod config;
mod create;
mod ctl;
mod doctor;
mod exec;
mod helper;
mod hooks;
mod launch;
mod lifecycle;
mod limits;
mod process;
mod process_plan;
mod record;
mod seccomp;
mod socket_path;
mod spawn;
mod translate;

use std::path::{Path, PathBuf};

use lxcri_plugin_api::{PluginContext, PluginError, PluginInfo, capability};

use crate::config::LxcConfig;

/// The backend.
pub struct Lxc {
    cfg: LxcConfig,
    lxcpath: PathBuf,
}

fn info() -> PluginInfo {
    PluginInfo::backend(
        "lxc",
        env!("CARGO_PKG_VERSION"),
        "runs containers with LXC (lxc-start and a static helper)",
    )
    .with_capabilities(&[
        capability::LIST,
        capability::EXEC,
        capability::PS,
        capability::PAUSE,
        capability::RESUME,
        capability::UPDATE,
        capability::EVENTS,
        capability::FEATURES,
    ])
}

fn new_backend(ctx: &PluginContext) -> Result<Lxc, PluginError> {
    let cfg: LxcConfig = ctx.config()?;
    let lxcpath = cfg
        .lxcpath
        .clone()
        .unwrap_or_else(|| Path::new(ctx.root_dir.as_str()).join(".lxc"));
    Ok(Lxc { cfg, lxcpath })
}

/// An I/O failure on `what` as a backend error, `path: error` (one mapping for the
/// whole plugin).
pub(crate) fn io(what: &Path) -> impl Fn(std::io::Error) -> PluginError + '_ {
    move |e| PluginError::backend(format!("{}: {e}", what.display()))
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: new_backend,
}
