//! OCI hooks run in the runtime namespace (prestart, createRuntime, createContainer,
//! poststart, poststop), each with the container's state on stdin and its timeout,
//! by the runner the helper uses for startContainer in the container (init/hooks.rs).

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::{Hook, Hooks};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::helper::{self, plan};

/// What the state on a hook's stdin says besides status and pid.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StateBase {
    pub oci_version: String,
    pub id: String,
    pub bundle: String,
    pub annotations: Value,
}

impl StateBase {
    /// The runtime-spec state document, one line.
    pub fn state(&self, status: &str, pid: Option<i32>) -> Vec<u8> {
        let mut v = json!({
            "ociVersion": self.oci_version,
            "id": self.id,
            "status": status,
            "bundle": self.bundle,
            "annotations": self.annotations,
        });
        if let Some(pid) = pid {
            v["pid"] = json!(pid);
        }
        let mut line = serde_json::to_vec(&v).expect("state serialises");
        line.push(b'\n');
        line
    }
}

fn run_one(kind: &str, hook: &Hook, state: &[u8]) -> Result<(), PluginError> {
    helper::hooks::run(&to_plan(hook), state)
        .map_err(|e| PluginError::backend(format!("{kind} hook {}: {e}", hook.path().display())))
}

/// Runs `hooks` in order; the first failure stops them.
pub fn run(kind: &str, hooks: Option<&Vec<Hook>>, state: &[u8]) -> Result<(), PluginError> {
    for hook in hooks.into_iter().flatten() {
        run_one(kind, hook, state)?;
    }
    Ok(())
}

/// Runs `hooks` in order; failures are warnings (poststart, poststop).
pub fn run_warn(kind: &str, hooks: Option<&Vec<Hook>>, state: &[u8]) {
    for hook in hooks.into_iter().flatten() {
        if let Err(e) = run_one(kind, hook, state) {
            tracing::warn!("{e}");
        }
    }
}

fn to_plan(h: &Hook) -> plan::Hook {
    plan::Hook {
        path: h.path().display().to_string(),
        args: h.args().clone().unwrap_or_default(),
        env: h.env().clone().unwrap_or_default(),
        timeout: h.timeout().unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
    }
}

/// The startContainer hooks for the helper.
pub fn for_helper(hooks: &Hooks) -> Vec<plan::Hook> {
    hooks
        .start_container()
        .iter()
        .flatten()
        .map(to_plan)
        .collect()
}
