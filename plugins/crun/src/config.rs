//! `[plugins.crun]` in the host config.

use std::path::PathBuf;

use serde::Deserialize;

/// The crun plugin's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrunConfig {
    /// The crun binary (a name is looked up in PATH). Hosts with a hybrid cgroup layout
    /// point this at a wrapper (see docs/backends/crun.md).
    pub path: PathBuf,
    /// Extra global arguments placed before every crun command (e.g. `--cgroup-manager=disabled`).
    pub args: Vec<String>,
    /// crun's state root; default `<host root>/.crun`.
    pub root: Option<PathBuf>,
}

impl Default for CrunConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("crun"),
            args: Vec::new(),
            root: None,
        }
    }
}
