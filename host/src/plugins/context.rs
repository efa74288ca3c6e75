//! What a plugin is handed when it starts: versions, the state root, its config
//! section and the host's log and progress callbacks.

use lxcri_plugin_api::PluginContext;

use crate::{
    config::Config, logging::plugin_log_callback, progress::plugin_progress_callback,
    version::HOST_VERSION,
};

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
