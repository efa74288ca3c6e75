//! The backend operations after create, on the container's process and cgroups.

use std::io::{Read, Write};

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginError,
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, ListEntry, Status},
};
use nix::libc;
use serde_json::Value;

use crate::{
    Lxc, cgroups, process,
    record::{self, Dir, Record},
    socket_path,
};

impl Lxc {
    fn dir(&self, id: &str) -> Dir {
        Dir::new(&self.lxcpath, id)
    }

    fn status(&self, dir: &Dir, r: &Record) -> Status {
        if !process::alive(r.pid, r.start_time) {
            Status::Stopped
        } else if cgroups::frozen(&r.cgroups) {
            Status::Paused
        } else if dir.created() {
            Status::Created
        } else {
            Status::Running
        }
    }

    /// The record of a container whose process is alive.
    pub(crate) fn live(&self, id: &str) -> Result<(Dir, Record, Status), PluginError> {
        let dir = self.dir(id);
        let r = dir.read(id)?;
        match self.status(&dir, &r) {
            Status::Stopped => Err(PluginError::conflict(format!(
                "container '{id}' is not running"
            ))),
            status => Ok((dir, r, status)),
        }
    }
}

fn signal_all(r: &Record, signal: i32) -> Result<Vec<std::os::fd::OwnedFd>, PluginError> {
    let mut fds = Vec::new();
    if let Some(fd) = process::pidfd(r.pid, Some(r.start_time)) {
        fds.push(fd);
    }
    for pid in cgroups::procs(&r.cgroups) {
        if pid != r.pid
            && let Some(fd) = process::pidfd(pid, None)
        {
            fds.push(fd);
        }
    }
    for fd in &fds {
        process::signal(fd, signal)?;
    }
    Ok(fds)
}

impl BackendPlugin for Lxc {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError> {
        crate::create::create(self, c, req)
    }

    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        let (dir, r, status) = self.live(c.id)?;
        if status != Status::Created {
            return Err(PluginError::conflict(
                format!("container '{}' is {status:?}, not created", c.id).to_lowercase(),
            ));
        }
        let socket = dir.path(record::START_SOCKET);
        let conn = socket_path::connect(&socket);
        let _ = std::fs::remove_file(&socket);
        let mut conn = conn.map_err(|e| {
            PluginError::conflict(format!("container '{}' can no longer start: {e}", c.id))
        })?;
        // The state for the startContainer hooks; the helper then closes the
        // connection by exec'ing the process, or writes why not.
        let _ = conn.write_all(&r.state.state("created", Some(r.pid)));
        let mut why = String::new();
        let _ = conn.read_to_string(&mut why);
        if !why.is_empty() {
            return Err(PluginError::backend(why));
        }
        if let Some(h) = &r.hooks {
            let state = r.state.state("running", Some(r.pid));
            crate::hooks::run_warn("poststart", h.poststart().as_ref(), &state);
        }
        Ok(())
    }

    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        let dir = self.dir(c.id);
        let r = dir.read(c.id)?;
        let status = self.status(&dir, &r);
        Ok(BackendState {
            status,
            pid: (status != Status::Stopped).then_some(r.pid),
            private: Value::Null,
        })
    }

    /// The container's cgroup statistics, found through its init.
    fn stats(&self, c: Container<'_>) -> Result<Value, PluginError> {
        let (_, r, status) = self.live(c.id)?;
        if status == Status::Stopped {
            return Err(PluginError::conflict(format!(
                "container {} is not running",
                c.id
            )));
        }
        Ok(lxcri_plugin_helpers::cgroup_stats::of_pid(r.pid))
    }

    /// What this backend runs of the spec (docs/backends/lxc.md has the details).
    fn features(&self) -> Result<Value, PluginError> {
        use lxcri_plugin_helpers::features as f;
        Ok(serde_json::json!({
            "hooks": f::HOOKS,
            "mountOptions": f::MOUNT_OPTIONS,
            "linux": {
                "namespaces": f::NAMESPACES,
                "capabilities": f::CAPABILITIES,
                "cgroup": {"v1": true, "v2": true, "systemd": false, "systemdUser": false},
                "seccomp": f::seccomp(),
            },
        }))
    }

    fn kill(&self, c: Container<'_>, signal: i32, all: bool) -> Result<(), PluginError> {
        let (_, r, status) = self.live(c.id)?;
        if all {
            signal_all(&r, signal)?;
        } else {
            let fd = process::pidfd(r.pid, Some(r.start_time)).ok_or_else(|| {
                PluginError::conflict(format!("container '{}' is not running", c.id))
            })?;
            process::signal(&fd, signal)?;
        }
        if status == Status::Paused && signal == libc::SIGKILL {
            // A frozen task dies only once thawed (runc does the same).
            cgroups::set_frozen(&r.cgroups, false)?;
        }
        Ok(())
    }

    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        let dir = self.dir(c.id);
        if !dir.0.exists() {
            return Err(PluginError::not_found(format!(
                "LXC container '{}' does not exist",
                c.id
            )));
        }
        let record = match dir.read(c.id) {
            Ok(r) => {
                let status = self.status(&dir, &r);
                if matches!(status, Status::Running | Status::Paused) && !force {
                    return Err(PluginError::conflict(format!(
                        "container '{}' is {}; stop it first or use --force",
                        c.id,
                        format!("{status:?}").to_lowercase()
                    )));
                }
                if status != Status::Stopped {
                    let fds = signal_all(&r, libc::SIGKILL)?;
                    if status == Status::Paused {
                        cgroups::set_frozen(&r.cgroups, false)?;
                    }
                    process::wait_all(&fds);
                }
                cgroups::remove(&r.cgroups)?;
                Some(r)
            }
            // A create that failed before the record: nothing runs.
            Err(e) if e.kind() == lxcri_plugin_api::ErrorKind::NotFound => None,
            Err(e) if force => {
                tracing::warn!("{e}; removing what is left");
                None
            }
            Err(e) => return Err(e),
        };
        std::fs::remove_dir_all(&dir.0).map_err(crate::io(&dir.0))?;
        if let Some(r) = record
            && let Some(h) = &r.hooks
        {
            let state = r.state.state("stopped", None);
            crate::hooks::run_warn("poststop", h.poststop().as_ref(), &state);
        }
        Ok(())
    }

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        let Ok(entries) = std::fs::read_dir(&self.lxcpath) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for e in entries.filter_map(|e| e.ok()) {
            let id = e.file_name().to_string_lossy().into_owned();
            let dir = self.dir(&id);
            if let Ok(r) = dir.read(&id) {
                let status = self.status(&dir, &r);
                out.push(ListEntry {
                    id,
                    status,
                    pid: (status != Status::Stopped).then_some(r.pid),
                });
            }
        }
        Ok(out)
    }

    fn exec(&self, c: Container<'_>, req: ExecRequest) -> Result<ExecResult, PluginError> {
        crate::exec::exec(self, c, req)
    }

    fn ps(&self, c: Container<'_>) -> Result<Vec<i32>, PluginError> {
        let r = self.dir(c.id).read(c.id)?;
        Ok(cgroups::procs(&r.cgroups))
    }

    fn pause(&self, c: Container<'_>) -> Result<(), PluginError> {
        let (_, r, status) = self.live(c.id)?;
        if status != Status::Running {
            return Err(PluginError::conflict(format!(
                "container '{}' is not running",
                c.id
            )));
        }
        cgroups::set_frozen(&r.cgroups, true)
    }

    fn resume(&self, c: Container<'_>) -> Result<(), PluginError> {
        let (_, r, status) = self.live(c.id)?;
        if status != Status::Paused {
            return Err(PluginError::conflict(format!(
                "container '{}' is not paused",
                c.id
            )));
        }
        cgroups::set_frozen(&r.cgroups, false)
    }

    fn update(&self, c: Container<'_>, resources: Value) -> Result<(), PluginError> {
        let (_, r, _) = self.live(c.id)?;
        let res: oci_spec::runtime::LinuxResources = serde_json::from_value(resources)
            .map_err(|e| PluginError::invalid_input(format!("resources: {e}")))?;
        let v1 = cgroups::v1(&r.cgroups);
        for s in crate::limits::settings(&res, v1)? {
            // cgroup v2 has no devices files: LXC attached its eBPF program at create.
            if !v1 && s.controller() == "devices" {
                continue;
            }
            cgroups::write(&r.cgroups, &s)?;
        }
        Ok(())
    }

    fn call(&self, op: &str, _req: Value) -> Result<Value, PluginError> {
        match op {
            lxcri_plugin_api::doctor::DOCTOR_OP => Ok(lxcri_plugin_api::doctor::Check::report(
                crate::doctor::doctor(self),
            )),
            other => Err(PluginError::unsupported(format!(
                "operation '{other}' is not implemented"
            ))),
        }
    }
}
