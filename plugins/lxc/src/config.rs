//! `[plugins.lxc]`: host-specific defaults.

use std::path::PathBuf;

use serde::Deserialize;

/// Container network when the bundle has its own network namespace.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// A new network namespace with only `lo` (LXC `empty`).
    Empty,
    /// A veth pair on `bridge`.
    Veth,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LxcConfig {
    pub network: Network,
    /// Bridge for `network = "veth"`.
    pub bridge: Option<String>,
    /// `lxc.apparmor.profile` (hosts without AppArmor need `unconfined`).
    pub apparmor_profile: String,
    /// Directory of `lxc-start` (PATH when unset).
    pub tools_dir: Option<PathBuf>,
    /// lxcpath; default `<host root>/.lxc`.
    pub lxcpath: Option<PathBuf>,
}

impl Default for LxcConfig {
    fn default() -> Self {
        Self {
            network: Network::Empty,
            bridge: None,
            apparmor_profile: "unconfined".into(),
            tools_dir: None,
            lxcpath: None,
        }
    }
}
