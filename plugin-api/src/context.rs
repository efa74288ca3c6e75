//! What the host hands a plugin: [`PluginContext`] with its config and callbacks.

use abi_stable::{
    StableAbi,
    std_types::{RStr, RString},
};

/// Log levels used by [`LogFn`] (same order as `tracing`).
pub mod level {
    pub const ERROR: u32 = 1;
    pub const WARN: u32 = 2;
    pub const INFO: u32 = 3;
    pub const DEBUG: u32 = 4;
    pub const TRACE: u32 = 5;
}

/// Host callback receiving a plugin's log events: level, target, message.
pub type LogFn = extern "C" fn(level: u32, target: RStr<'_>, message: RStr<'_>);

/// Host callback receiving progress of a long task: task label, done and total units
/// (total 0 when unknown). The host draws a progress bar on a terminal.
pub type ProgressFn = extern "C" fn(task: RStr<'_>, done: u64, total: u64);

/// Context given to `init`, `new_backend` and `new_integration`.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct PluginContext {
    /// Host version (`proxmox-lxcri --version`).
    pub host_version: RString,
    /// The host's `lxcri-plugin-api` version.
    pub api_version: RString,
    /// The state root (`--root`); a container's private dir is `<root>/<id>/<plugin>/`.
    pub root_dir: RString,
    /// This plugin's config table from the host config file, as a JSON object.
    pub config_json: RString,
    /// Most verbose level the host wants (see [`level`]).
    pub max_log_level: u32,
    /// A [`LogFn`] (spelled out: the layout check needs the signature inline).
    pub log: extern "C" fn(level: u32, target: RStr<'_>, message: RStr<'_>),
    /// A [`ProgressFn`].
    pub progress: extern "C" fn(task: RStr<'_>, done: u64, total: u64),
    /// Reserved for additions within 1.x: a JSON object (may be empty).
    pub extra_json: RString,
}

impl PluginContext {
    /// The plugin config decoded into `T` (an empty config decodes from `{}`).
    pub fn config<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::PluginError> {
        let raw = self.config_json.as_str();
        let raw = if raw.trim().is_empty() { "{}" } else { raw };
        serde_json::from_str(raw).map_err(|e| {
            crate::PluginError::invalid_input(format!("invalid plugin configuration: {e}"))
                .with_hint("fix this plugin's table in the proxmox-lxcri config file")
        })
    }

    /// Whether the plugin runs inside the host's own program rather than from a loaded
    /// file (`extra_json` key `in_process`, set by hosts that link a plugin directly,
    /// such as tests). Such a plugin shares the host's `tracing` and panic hook, so it
    /// installs neither.
    pub fn in_process(&self) -> bool {
        serde_json::from_str::<serde_json::Value>(self.extra_json.as_str())
            .ok()
            .and_then(|v| v.get("in_process").and_then(|b| b.as_bool()))
            .unwrap_or(false)
    }

    /// Reports progress to the host.
    pub fn report_progress(&self, task: &str, done: u64, total: u64) {
        (self.progress)(task.into(), done, total);
    }
}

extern "C" fn discard_log(_: u32, _: RStr<'_>, _: RStr<'_>) {}
extern "C" fn discard_progress(_: RStr<'_>, _: u64, _: u64) {}

impl Default for PluginContext {
    /// A context with no config whose callbacks discard everything (for unit tests).
    fn default() -> Self {
        Self {
            host_version: RString::new(),
            api_version: crate::API_VERSION.into(),
            root_dir: RString::new(),
            config_json: "{}".into(),
            max_log_level: level::INFO,
            log: discard_log,
            progress: discard_progress,
            extra_json: RString::new(),
        }
    }
}
