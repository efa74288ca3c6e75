//! A named operation (`lxcri_plugin_api::ops`) through a plugin's by-name `call`: the
//! request encoded, the reply decoded, for backends and integrations alike.

use lxcri_plugin_api::ops::Operation;
use serde_json::Value;

use crate::error::{HostError, Result};

/// Calls `O` on plugin `plugin` through `call` (its by-name `call`).
pub fn call<O: Operation>(
    plugin: &str,
    req: &O::Request,
    call: impl FnOnce(&str, &Value) -> Result<Value>,
) -> Result<O::Reply> {
    let req = serde_json::to_value(req).map_err(|e| HostError::internal(e.to_string()))?;
    let reply = call(O::NAME, &req)?;
    serde_json::from_value(reply)
        .map_err(|e| HostError::internal(format!("{plugin}: malformed {} reply: {e}", O::NAME)))
}
