//! One module per backend operation; this file wires them into [`BackendPlugin`].

mod create;
mod delete;
mod doctor;
mod exec;
mod kill;
mod list;
mod pause;
mod ps;
mod run;
mod start;
mod state;
mod update;

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginError,
    doctor::Check,
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, ListEntry},
};
use serde_json::Value;

use crate::runner::Crun;

impl BackendPlugin for Crun {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError> {
        create::create(self, c, &req)
    }
    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        start::start(self, c)
    }
    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        state::state(self, c)
    }
    fn kill(&self, c: Container<'_>, signal: i32, all: bool) -> Result<(), PluginError> {
        kill::kill(self, c, signal, all)
    }
    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        delete::delete(self, c, force)
    }
    /// The container's cgroup statistics, found through its init.
    fn stats(&self, c: Container<'_>) -> Result<Value, PluginError> {
        let pid = state::state(self, c)?
            .pid
            .ok_or_else(|| PluginError::conflict(format!("container {} is not running", c.id)))?;
        Ok(lxcri_plugin_helpers::cgroup_stats::of_pid(pid))
    }
    /// `crun features` where this crun has it; else what crun is known to support.
    fn features(&self) -> Result<Value, PluginError> {
        if let Ok(out) = self.output("features", std::iter::empty::<&str>())
            && let Ok(doc) = serde_json::from_str::<Value>(&out)
        {
            return Ok(doc);
        }
        use lxcri_plugin_helpers::features as f;
        let namespaces = [f::NAMESPACES, &["time"]].concat();
        Ok(serde_json::json!({
            "hooks": f::HOOKS,
            "mountOptions": f::MOUNT_OPTIONS,
            "linux": {
                "namespaces": namespaces,
                "capabilities": f::CAPABILITIES,
                "cgroup": {"v1": true, "v2": true, "systemd": true, "systemdUser": true},
                "seccomp": f::seccomp(),
                "apparmor": {"enabled": true},
                "selinux": {"enabled": true},
            },
        }))
    }
    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        list::list(self)
    }
    fn exec(&self, c: Container<'_>, req: ExecRequest) -> Result<ExecResult, PluginError> {
        exec::exec(self, c, &req)
    }
    fn ps(&self, c: Container<'_>) -> Result<Vec<i32>, PluginError> {
        ps::ps(self, c)
    }
    fn pause(&self, c: Container<'_>) -> Result<(), PluginError> {
        pause::pause(self, c)
    }
    fn resume(&self, c: Container<'_>) -> Result<(), PluginError> {
        pause::resume(self, c)
    }
    fn update(&self, c: Container<'_>, resources: Value) -> Result<(), PluginError> {
        update::update(self, c, &resources)
    }
    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        use lxcri_plugin_api::ops::{self, Operation, Run};
        match op {
            lxcri_plugin_api::doctor::DOCTOR_OP => Ok(Check::report(doctor::doctor(self))),
            Run::NAME => ops::reply::<Run>(run::run(self, &ops::request::<Run>(req)?)?),
            other => Err(PluginError::unsupported(format!(
                "operation '{other}' is not implemented"
            ))),
        }
    }
}

/// Reads a pid file crun wrote.
fn read_pid(path: &std::path::Path) -> Result<i32, PluginError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        PluginError::backend(format!("crun wrote no pid file {}: {e}", path.display()))
    })?;
    text.trim()
        .parse()
        .map_err(|_| PluginError::backend(format!("pid file {} holds {text:?}", path.display())))
}
