//! The few fields of `config.json` this backend uses.

use std::path::{Path, PathBuf};

use lxcri_plugin_api::PluginError;
use serde_json::Value;

pub struct Process {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The rootfs joined with `process.cwd`.
    pub cwd: PathBuf,
}

impl Process {
    pub fn from_config(bundle: &Path, config: &Value) -> Result<Self, PluginError> {
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let args = strings(&config["process"]["args"]);
        if args.is_empty() {
            return Err(PluginError::invalid_input(
                "config.json: process.args is empty",
            ));
        }
        let root = Path::new(config["root"]["path"].as_str().unwrap_or("rootfs"));
        let cwd = config["process"]["cwd"]
            .as_str()
            .unwrap_or("/")
            .trim_start_matches('/');
        Ok(Self {
            args,
            env: strings(&config["process"]["env"])
                .into_iter()
                .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.into(), v.into())))
                .collect(),
            cwd: bundle.join(root).join(cwd),
        })
    }
}
