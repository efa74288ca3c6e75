//! The backend operations on top of the lxc-* tools.

use std::{
    os::unix::process::CommandExt,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginError,
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, ListEntry, Status},
};
use nix::{sys::signal::Signal, unistd::Pid};
use oci_spec::runtime::Spec;
use serde_json::{Value, json};

use crate::{Lxc, hold, tools::pids_of, translate};

fn io(what: &Path) -> impl Fn(std::io::Error) -> PluginError + '_ {
    move |e| PluginError::backend(format!("{}: {e}", what.display()))
}

fn last_log_error(log: &Path) -> String {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .rfind(|l| l.contains("ERROR"))
        .map(|l| l.split(" - ").last().unwrap_or(l).trim().to_string())
        .unwrap_or_else(|| "the container did not start".into())
}

fn exit_code(dir: &Path) -> Option<i32> {
    std::fs::read_to_string(dir.join("exit_code"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

impl Lxc {
    fn running(&self, id: &str) -> Result<(String, i32), PluginError> {
        match self.tools.info(id)? {
            (state, Some(pid)) if state != "STOPPED" => Ok((state, pid)),
            _ => Err(PluginError::conflict(format!(
                "container '{id}' is not running"
            ))),
        }
    }
}

impl BackendPlugin for Lxc {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError> {
        let spec: Spec = serde_json::from_value(req.config.clone())
            .map_err(|e| PluginError::invalid_input(format!("config.json: {e}")))?;
        let root = spec
            .root()
            .as_ref()
            .map(|r| r.path().clone())
            .unwrap_or_else(|| "rootfs".into());
        let rootfs = if root.is_absolute() {
            root
        } else {
            req.bundle.join(root)
        };
        let hold_dir = c.dir.join("hold");
        let t = translate::translate(&spec, c.id, &rootfs, &hold_dir, &self.cfg)?;
        for w in &t.warnings {
            tracing::warn!("{}: {w}", c.id);
        }
        let dir = self.tools.container_dir(c.id);
        if dir.join("config").exists() {
            return Err(PluginError::already_exists(format!(
                "LXC container '{}' exists",
                c.id
            )));
        }
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        std::fs::write(dir.join("config"), t.lines.join("\n") + "\n").map_err(io(&dir))?;
        let args = spec
            .process()
            .as_ref()
            .and_then(|p| p.args().clone())
            .unwrap_or_default();
        hold::prepare(&hold_dir, &self.cfg.helper, &args)?;
        let log = c.dir.join("lxc.log");
        let tool = self
            .tools
            .dir
            .as_ref()
            .map(|d| d.join("lxc-execute"))
            .unwrap_or_else(|| "lxc-execute".into());
        // lxc-execute runs until the container ends and returns its exit status, which
        // the wrapper shell records; stdio is the container's (inherited).
        let script = r#"tool="$1"; out="$2"; shift 2; "$tool" "$@"; echo $? > "$out""#;
        Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(&tool)
            .arg(c.dir.join("exit_code"))
            .arg("-P")
            .arg(&self.tools.lxcpath)
            .arg("-n")
            .arg(c.id)
            .arg("-o")
            .arg(&log)
            .arg("-l")
            .arg("WARN")
            .arg("--quiet")
            .args([
                "--",
                &format!("/{}/busybox", translate::HOLD_DIR),
                "sh",
                &format!("/{}/init.sh", translate::HOLD_DIR),
            ])
            .process_group(0)
            .spawn()
            .map_err(|e| crate::tools::spawn_error("lxc-execute", e))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let (state, Some(pid)) = self.tools.info(c.id)?
                && state == "RUNNING"
            {
                return Ok(BackendState {
                    status: Status::Created,
                    pid: Some(pid),
                    private: Value::Null,
                });
            }
            if exit_code(c.dir).is_some() || Instant::now() > deadline {
                let why = last_log_error(&log);
                tracing::debug!(
                    "lxc log of '{}':\n{}",
                    c.id,
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                let _ = std::fs::remove_dir_all(&dir);
                return Err(PluginError::backend(format!("lxc-execute: {why}")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.running(c.id)?;
        hold::release(&c.dir.join("hold"))
    }

    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        let (state, pid) = self.tools.info(c.id)?;
        let started = hold::started(&c.dir.join("hold"));
        if state == "STOPPED" && started {
            // lxc-execute's wrapper records the exit status just after the container ends.
            let deadline = Instant::now() + Duration::from_secs(5);
            while exit_code(c.dir).is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let status = match state.as_str() {
            "STOPPED" => Status::Stopped,
            "FROZEN" | "FREEZING" => Status::Paused,
            _ if !started => Status::Created,
            _ => Status::Running,
        };
        let private = match exit_code(c.dir) {
            Some(code) if status == Status::Stopped => json!({ "exit_code": code }),
            _ => Value::Null,
        };
        Ok(BackendState {
            status,
            pid: if status == Status::Stopped { None } else { pid },
            private,
        })
    }

    fn kill(&self, c: Container<'_>, signal: i32, all: bool) -> Result<(), PluginError> {
        let (_, init) = self.running(c.id)?;
        let sig = Signal::try_from(signal)
            .map_err(|_| PluginError::invalid_input(format!("signal {signal}")))?;
        let targets = if all { pids_of(c.id) } else { vec![init] };
        for pid in targets {
            nix::sys::signal::kill(Pid::from_raw(pid), sig)
                .map_err(|e| PluginError::backend(format!("kill {pid}: {e}")))?;
        }
        Ok(())
    }

    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        let (state, _) = self.tools.info(c.id)?;
        if state != "STOPPED" {
            if !force {
                return Err(PluginError::conflict(format!(
                    "container '{}' is {}; stop it first or use --force",
                    c.id,
                    state.to_lowercase()
                )));
            }
            if state == "FROZEN" {
                let _ = self.tools.run("lxc-unfreeze", c.id, &[]);
            }
            self.tools.run("lxc-stop", c.id, &["-k"])?;
        }
        // Not lxc-destroy: it would delete the bundle's rootfs.
        let dir = self.tools.container_dir(c.id);
        std::fs::remove_dir_all(&dir).map_err(io(&dir))
    }

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        let Ok(entries) = std::fs::read_dir(&self.tools.lxcpath) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for e in entries.filter_map(|e| e.ok()) {
            let id = e.file_name().to_string_lossy().into_owned();
            if let Ok((state, pid)) = self.tools.info(&id) {
                let status = if state == "STOPPED" {
                    Status::Stopped
                } else {
                    Status::Running
                };
                out.push(ListEntry { id, status, pid });
            }
        }
        Ok(out)
    }

    fn exec(&self, c: Container<'_>, req: ExecRequest) -> Result<ExecResult, PluginError> {
        self.running(c.id)?;
        let process: oci_spec::runtime::Process = serde_json::from_value(req.process.clone())
            .map_err(|e| PluginError::invalid_input(format!("process: {e}")))?;
        if process.terminal().unwrap_or(false) {
            return Err(PluginError::unsupported(
                "exec with a terminal is not supported by the lxc backend",
            ));
        }
        let mut cmd = self.tools.command("lxc-attach", c.id);
        cmd.arg("--clear-env");
        for e in process.env().clone().unwrap_or_default() {
            cmd.arg("-v").arg(e);
        }
        cmd.arg("-u")
            .arg(process.user().uid().to_string())
            .arg("-g")
            .arg(process.user().gid().to_string());
        cmd.arg("--")
            .arg(format!("/{}/busybox", translate::HOLD_DIR))
            .arg("sh")
            .arg("-c")
            .arg(r#"cd "$0" && exec "$@""#);
        cmd.arg(process.cwd());
        cmd.args(process.args().clone().unwrap_or_default());
        if req.detach {
            let child = cmd
                .stdin(Stdio::null())
                .process_group(0)
                .spawn()
                .map_err(|e| crate::tools::spawn_error("lxc-attach", e))?;
            return Ok(ExecResult {
                pid: Some(child.id() as i32),
                ..Default::default()
            });
        }
        let status = cmd
            .status()
            .map_err(|e| crate::tools::spawn_error("lxc-attach", e))?;
        Ok(ExecResult {
            exit_code: Some(status.code().unwrap_or(128 + 9)),
            ..Default::default()
        })
    }

    fn ps(&self, c: Container<'_>) -> Result<Vec<i32>, PluginError> {
        self.tools.info(c.id)?;
        Ok(pids_of(c.id))
    }

    fn pause(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.running(c.id)?;
        self.tools.run("lxc-freeze", c.id, &[]).map(|_| ())
    }

    fn resume(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.tools.run("lxc-unfreeze", c.id, &[]).map(|_| ())
    }

    fn update(&self, c: Container<'_>, resources: Value) -> Result<(), PluginError> {
        self.running(c.id)?;
        let res: oci_spec::runtime::LinuxResources = serde_json::from_value(resources)
            .map_err(|e| PluginError::invalid_input(format!("resources: {e}")))?;
        let mut set = Vec::new();
        if let Some(limit) = res.memory().as_ref().and_then(|m| m.limit()) {
            set.push(("memory.limit_in_bytes", limit.to_string()));
        }
        if let Some(cpu) = res.cpu() {
            if let Some(s) = cpu.shares() {
                set.push(("cpu.shares", s.to_string()));
            }
            if let Some(q) = cpu.quota() {
                set.push(("cpu.cfs_quota_us", q.to_string()));
            }
            if let Some(p) = cpu.period() {
                set.push(("cpu.cfs_period_us", p.to_string()));
            }
        }
        if let Some(p) = res.pids() {
            set.push(("pids.max", p.limit().to_string()));
        }
        for (key, value) in set {
            self.tools.run("lxc-cgroup", c.id, &[key, &value])?;
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
