//! list: `crun list --format json`.

use lxcri_plugin_api::{
    PluginError,
    types::{ListEntry, Status},
};
use serde::Deserialize;

use crate::runner::Crun;

#[derive(Deserialize)]
struct Entry {
    id: String,
    status: Status,
    #[serde(default)]
    pid: i32,
}

pub fn list(crun: &Crun) -> Result<Vec<ListEntry>, PluginError> {
    if !crun.root().exists() {
        return Ok(Vec::new());
    }
    let out = crun.output("list", ["--format", "json"])?;
    let entries: Vec<Entry> = serde_json::from_str(out.trim())
        .or_else(|e| {
            if out.trim().is_empty() {
                Ok(Vec::new())
            } else {
                Err(e)
            }
        })
        .map_err(|e| PluginError::backend(format!("crun list printed unexpected JSON: {e}")))?;
    Ok(entries
        .into_iter()
        .map(|e| ListEntry {
            id: e.id,
            status: e.status,
            pid: (e.pid > 0).then_some(e.pid),
        })
        .collect())
}
