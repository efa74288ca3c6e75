//! state: `crun state ID`, decoded.

use lxcri_plugin_api::{
    Container, PluginError,
    types::{BackendState, Status},
};
use serde::Deserialize;

use crate::runner::Crun;

#[derive(Deserialize)]
struct CrunState {
    status: Status,
    #[serde(default)]
    pid: i32,
}

pub fn state(crun: &Crun, c: Container<'_>) -> Result<BackendState, PluginError> {
    let out = crun.output("state", [c.id])?;
    let state: CrunState = serde_json::from_str(&out)
        .map_err(|e| PluginError::backend(format!("crun state printed unexpected JSON: {e}")))?;
    Ok(BackendState {
        status: state.status,
        pid: (state.pid > 0).then_some(state.pid),
        private: serde_json::Value::Null,
    })
}
