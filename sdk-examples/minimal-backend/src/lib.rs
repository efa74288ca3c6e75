//! `noop`: the smallest complete backend. It keeps each container's lifecycle state in
//! its private state dir and runs no process at all, so it is also what the host's own
//! overhead is measured against. Copy this crate to start a real backend.

use std::fs;

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginContext, PluginError, PluginInfo, capability,
    types::{BackendState, CreateRequest, ListEntry, Status},
};

/// The state file this backend keeps in the container's private dir.
const STATE_FILE: &str = "noop-state.json";

struct Noop;

fn load(c: Container<'_>) -> Result<BackendState, PluginError> {
    let raw = fs::read(c.dir.join(STATE_FILE))
        .map_err(|_| PluginError::not_found(format!("container '{}' does not exist", c.id)))?;
    serde_json::from_slice(&raw)
        .map_err(|e| PluginError::internal(format!("corrupt state of '{}': {e}", c.id)))
}

fn save(c: Container<'_>, state: &BackendState) -> Result<(), PluginError> {
    let raw = serde_json::to_vec(state).map_err(|e| PluginError::internal(e.to_string()))?;
    fs::write(c.dir.join(STATE_FILE), raw)
        .map_err(|e| PluginError::backend(format!("cannot write state of '{}': {e}", c.id)))
}

fn transition(c: Container<'_>, from: &[Status], to: Status) -> Result<(), PluginError> {
    let mut state = load(c)?;
    if !from.contains(&state.status) {
        return Err(PluginError::conflict(format!(
            "container '{}' is {}, cannot become {to}",
            c.id, state.status
        )));
    }
    state.status = to;
    tracing::debug!(id = c.id, status = %to, "noop transition");
    save(c, &state)
}

impl BackendPlugin for Noop {
    fn create(&self, c: Container<'_>, _req: CreateRequest) -> Result<BackendState, PluginError> {
        let state = BackendState {
            status: Status::Created,
            pid: None,
            private: serde_json::Value::Null,
        };
        save(c, &state)?;
        Ok(state)
    }

    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        transition(c, &[Status::Created], Status::Running)
    }

    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        load(c)
    }

    fn kill(&self, c: Container<'_>, _signal: i32, _all: bool) -> Result<(), PluginError> {
        transition(
            c,
            &[Status::Created, Status::Running, Status::Paused],
            Status::Stopped,
        )
    }

    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        let state = load(c)?;
        if !force && !matches!(state.status, Status::Stopped | Status::Created) {
            return Err(PluginError::conflict(format!(
                "container '{}' is {}; stop it first or use --force",
                c.id, state.status
            )));
        }
        fs::remove_file(c.dir.join(STATE_FILE))
            .map_err(|e| PluginError::backend(format!("cannot remove state: {e}")))
    }

    fn pause(&self, c: Container<'_>) -> Result<(), PluginError> {
        transition(c, &[Status::Running], Status::Paused)
    }

    fn resume(&self, c: Container<'_>) -> Result<(), PluginError> {
        transition(c, &[Status::Paused], Status::Running)
    }

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        Ok(Vec::new())
    }
}

fn info() -> PluginInfo {
    PluginInfo::backend(
        "noop",
        env!("CARGO_PKG_VERSION"),
        "example backend: lifecycle bookkeeping only, runs no process",
    )
    .with_capabilities(&[capability::PAUSE, capability::RESUME, capability::LIST])
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: |_ctx: &PluginContext| Ok(Noop),
}
