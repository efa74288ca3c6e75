//! `[plugins.zfs]`.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ZfsConfig {
    /// Parent dataset of the per-container datasets (`tank/lxcri`); no default pool.
    pub parent: Option<String>,
    pub zfs: PathBuf,
    pub zpool: PathBuf,
    /// Placed before every zfs/zpool call (e.g. `["nsenter", "-t", "PID", "-m"]` for a
    /// daemon in its own mount namespace).
    pub command_prefix: Vec<String>,
}

impl Default for ZfsConfig {
    fn default() -> Self {
        Self {
            parent: None,
            zfs: "zfs".into(),
            zpool: "zpool".into(),
            command_prefix: Vec::new(),
        }
    }
}
