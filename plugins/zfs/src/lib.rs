//! `zfs`: an integration that gives containers ZFS datasets (create with properties,
//! destroy, snapshot, rollback, clone, list, send/receive) through the `zfs`/`zpool`
//! tools, and backs the host's `checkpoint`/`restore` with filesystem snapshots.

mod cli;
mod commands;
mod config;
mod dataset;
mod doctor;
mod in_use;
mod populate;

use lxcri_plugin_api::{PluginContext, PluginError};

lxcri_plugin_api::declare_plugin! {
    info: commands::info,
    integration: |ctx: &PluginContext| -> Result<cli::Zfs, PluginError> {
        Ok(cli::Zfs { cfg: ctx.config()? })
    },
}
