//! `lxc`: runs OCI bundles as LXC containers. The bundle is translated into an LXC
//! config under a private lxcpath (`<root>/.lxc`) and driven with the lxc-* tools;
//! the process is held until `start` (see `hold`).

mod config;
mod doctor;
mod hold;
mod lifecycle;
mod tools;
mod translate;

use std::path::Path;

use lxcri_plugin_api::{PluginContext, PluginError, PluginInfo, capability};

use crate::{config::LxcConfig, tools::Tools};

/// The backend.
pub struct Lxc {
    cfg: LxcConfig,
    tools: Tools,
}

fn info() -> PluginInfo {
    PluginInfo::backend(
        "lxc",
        env!("CARGO_PKG_VERSION"),
        "runs containers with LXC (lxc-* tools)",
    )
    .with_capabilities(&[
        capability::LIST,
        capability::EXEC,
        capability::PS,
        capability::PAUSE,
        capability::RESUME,
        capability::UPDATE,
    ])
}

fn new_backend(ctx: &PluginContext) -> Result<Lxc, PluginError> {
    let cfg: LxcConfig = ctx.config()?;
    let lxcpath = cfg
        .lxcpath
        .clone()
        .unwrap_or_else(|| Path::new(ctx.root_dir.as_str()).join(".lxc"));
    let tools = Tools {
        dir: cfg.tools_dir.clone(),
        lxcpath,
    };
    Ok(Lxc { cfg, tools })
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: new_backend,
}
