//! `crun`: the faithful pass-through backend. Every operation runs the `crun` binary
//! (path and extra global arguments configurable) with its own `--root` below the host's
//! root; errors carry crun's own message.

mod config;
mod hybrid;
mod ops;
mod runner;

use lxcri_plugin_api::{PluginContext, PluginInfo, capability};

use crate::{config::CrunConfig, runner::Crun};

fn info() -> PluginInfo {
    PluginInfo::backend(
        "crun",
        env!("CARGO_PKG_VERSION"),
        "runs containers with the crun OCI runtime",
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
        capability::RUN,
    ])
}

fn new_backend(ctx: &PluginContext) -> Result<Crun, lxcri_plugin_api::PluginError> {
    let config: CrunConfig = ctx.config()?;
    Crun::new(config, ctx.root_dir.as_str())
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: new_backend,
}
