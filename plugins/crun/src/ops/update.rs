//! update: `crun update --resources FILE ID`.

use lxcri_plugin_api::{Container, PluginError};
use serde_json::Value;

use crate::runner::Crun;

pub fn update(crun: &Crun, c: Container<'_>, resources: &Value) -> Result<(), PluginError> {
    let file = tempfile::Builder::new()
        .prefix("resources-")
        .suffix(".json")
        .tempfile_in(c.dir)
        .map_err(|e| PluginError::backend(format!("cannot write resources file: {e}")))?;
    serde_json::to_writer(file.as_file(), resources)
        .map_err(|e| PluginError::backend(format!("cannot write resources file: {e}")))?;
    let arg = format!("--resources={}", file.path().display());
    crun.output("update", [arg.as_str(), c.id]).map(|_| ())
}
