//! What every command works with: the global options, the config and the plugins.

use std::path::PathBuf;

use lxcri_plugin_api::PluginContext;

use crate::{
    cli::GlobalOpts, config::Config, logging::plugin_log_callback, plugins::Registry,
    progress::plugin_progress_callback,
};

/// The host's version, printed by `--version` and handed to plugins.
pub const HOST_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The OCI runtime-spec version this host speaks.
pub const OCI_SPEC_VERSION: &str = "1.0.2";

pub struct App {
    pub global: GlobalOpts,
    pub config: Config,
    pub registry: Registry,
    /// Level code handed to plugins.
    pub plugin_log_level: u32,
}

impl App {
    /// The state root (`--root`).
    pub fn root(&self) -> PathBuf {
        self.global.root.clone()
    }

    /// The context handed to plugin `name`.
    pub fn context(&self, name: &str) -> PluginContext {
        plugin_context(&self.global.root, &self.config, name, self.plugin_log_level)
    }
}

/// The context handed to plugin `name` under state root `root`.
pub fn plugin_context(
    root: &std::path::Path,
    config: &Config,
    name: &str,
    log_level: u32,
) -> PluginContext {
    PluginContext {
        host_version: HOST_VERSION.into(),
        api_version: lxcri_plugin_api::API_VERSION.into(),
        root_dir: root.display().to_string().into(),
        config_json: config.plugin_json(name).into(),
        max_log_level: log_level,
        log: plugin_log_callback,
        progress: plugin_progress_callback,
        extra_json: "{}".into(),
    }
}

/// The text of `--version` and `proxmox-lxcri version`.
pub fn version_text() -> String {
    format!(
        "proxmox-lxcri version {HOST_VERSION}\nplugin-api: {}\nspec: {OCI_SPEC_VERSION}\n",
        lxcri_plugin_api::API_VERSION
    )
}
