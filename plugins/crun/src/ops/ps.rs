//! ps: `crun ps --format json ID` (a JSON array of host pids).

use lxcri_plugin_api::{Container, PluginError};

use crate::runner::Crun;

pub fn ps(crun: &Crun, c: Container<'_>) -> Result<Vec<i32>, PluginError> {
    let out = crun.output("ps", ["--format", "json", c.id])?;
    serde_json::from_str(out.trim())
        .map_err(|e| PluginError::backend(format!("crun ps printed unexpected JSON: {e}")))
}
