//! `process`: runs the bundle's process directly on the host, in the bundle's rootfs
//! directory and with its environment, but with no namespaces, cgroups or chroot. It is
//! meant for trying the host and for writing plugins, not for running untrusted code.
//!
//! The process is held between `create` and `start` by a shell that waits to read a
//! FIFO in the container's private dir; `start` writes to it and the shell execs the
//! process, so the pid the host records is the process's own.

mod hold;
mod spec;

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginContext, PluginError, PluginInfo, capability,
    types::{BackendState, CreateRequest, ListEntry, Status},
};
use nix::{sys::signal, unistd::Pid};

struct Process;

fn pid_of(c: Container<'_>) -> Result<i32, PluginError> {
    hold::read_pid(c.dir)
        .ok_or_else(|| PluginError::not_found(format!("container '{}' does not exist", c.id)))
}

impl BackendPlugin for Process {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError> {
        let process = spec::Process::from_config(&req.bundle, &req.config)?;
        let pid = hold::spawn(c.dir, &process)?;
        Ok(BackendState {
            status: Status::Created,
            pid: Some(pid),
            private: serde_json::Value::Null,
        })
    }

    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        pid_of(c)?;
        hold::release(c.dir)
    }

    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        let pid = pid_of(c)?;
        let status = if !hold::alive(pid) {
            Status::Stopped
        } else if hold::held(c.dir) {
            Status::Created
        } else {
            Status::Running
        };
        Ok(BackendState {
            status,
            pid: (status != Status::Stopped).then_some(pid),
            private: serde_json::Value::Null,
        })
    }

    fn kill(&self, c: Container<'_>, sig: i32, all: bool) -> Result<(), PluginError> {
        let pid = pid_of(c)?;
        let sig = signal::Signal::try_from(sig)
            .map_err(|_| PluginError::invalid_input(format!("unsupported signal {sig}")))?;
        // The process leads its own process group: `all` reaches its children too.
        let target = if all {
            Pid::from_raw(-pid)
        } else {
            Pid::from_raw(pid)
        };
        signal::kill(target, sig)
            .map_err(|e| PluginError::conflict(format!("container '{}' is not running: {e}", c.id)))
    }

    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        let pid = pid_of(c)?;
        if hold::alive(pid) {
            if !force && !hold::held(c.dir) {
                return Err(PluginError::conflict(format!(
                    "container '{}' is running; stop it first or use --force",
                    c.id
                )));
            }
            let _ = signal::kill(Pid::from_raw(-pid), signal::Signal::SIGKILL);
        }
        hold::remove(c.dir)
    }

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        Ok(Vec::new())
    }
}

fn info() -> PluginInfo {
    PluginInfo::backend(
        "process",
        env!("CARGO_PKG_VERSION"),
        "runs the bundle's process on the host, without isolation (example plugin)",
    )
    .with_capabilities(&[capability::LIST])
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: |_ctx: &PluginContext| Ok(Process),
}
