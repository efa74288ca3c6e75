//! `create`: LXC sets the container up (`lxc-start -F`) with the helper as its init;
//! the helper reports `ready` once the namespaces, mounts, cgroups and terminal exist
//! and blocks until `start`. LXC's monitor is then stopped, so the process's parent is
//! the caller (or its subreaper), which reaps it and reads its exit status, as with
//! crun. From here on the container is driven through its pid and cgroups.

use std::{
    os::fd::{AsRawFd, OwnedFd},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use lxcri_plugin_api::{
    Container, ErrorKind, PluginError,
    types::{BackendState, CreateRequest, Status},
};
use lxcri_plugin_helpers::tool::{Classifier, Rule};

use crate::{
    Lxc, cgroups,
    ctl::Message,
    helper::plan::fd,
    io,
    launch::Launch,
    process, process_plan,
    record::{self, Dir, Record},
    socket_path, spawn, translate,
};

/// LXC log lines that are noise on every start (Debian's build lacks lxc.seccomp keys).
fn noise(line: &str) -> bool {
    line.contains("Unsupported config key")
}

/// LXC's first error, without its log prefix: the cause, where later lines are
/// consequences.
pub fn summarise_log(log: &str) -> Option<String> {
    log.lines()
        .filter(|l| l.contains(" ERROR ") && !noise(l))
        .map(|l| {
            // "lxc-start ID TIME ERROR module - file:func:line - message"
            let mut parts = l.splitn(3, " - ");
            let (_, _, msg) = (parts.next(), parts.next(), parts.next());
            msg.unwrap_or(l).trim().to_string()
        })
        .next()
}

const FULL_LOG_HINT: &str = "run with --debug to have LXC's full log in the runtime log";

/// How LXC's first logged error maps to an error kind (the shared tool classifier, as
/// for crun's and zfs's messages).
const LXC_ERRORS: Classifier = Classifier(&[
    Rule {
        any: &["permission denied", "operation not permitted"],
        kind: ErrorKind::Permission,
        hint: Some(
            "LXC was refused by the kernel; run as root, and with --debug for LXC's full log",
        ),
    },
    Rule {
        any: &[
            "no such file or directory",
            "read-only file system",
            "not a directory",
            "invalid argument",
        ],
        kind: ErrorKind::InvalidInput,
        hint: Some(
            "a path or option of the bundle's config.json cannot be used here; run with --debug for LXC's full log",
        ),
    },
    Rule {
        any: &["device or resource busy", "already running"],
        kind: ErrorKind::Conflict,
        hint: None,
    },
]);

fn lxc_failed(id: &str, log_file: &Path) -> PluginError {
    let log = std::fs::read_to_string(log_file).unwrap_or_default();
    tracing::debug!("LXC's log for '{id}':\n{log}");
    let cause = summarise_log(&log).unwrap_or_else(|| "could not start the container".into());
    let err = LXC_ERRORS.classify("lxc-start", &cause);
    match err.hint() {
        Some(_) => err,
        None => err.with_hint(FULL_LOG_HINT),
    }
}

impl Lxc {
    /// `lxc-start` in `tools_dir`, else on this process's PATH (the child's PATH is
    /// narrowed, see below).
    pub fn lxc_start(&self) -> PathBuf {
        if let Some(d) = &self.cfg.tools_dir {
            return d.join("lxc-start");
        }
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|d| d.join("lxc-start"))
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("lxc-start"))
    }
}

pub fn create(
    lxc: &Lxc,
    c: Container<'_>,
    req: CreateRequest,
) -> Result<BackendState, PluginError> {
    let lxcri_plugin_helpers::bundle::Bundle { spec, rootfs } =
        lxcri_plugin_helpers::bundle::decode(&req)?;
    let t = translate::translate(&spec, c.id, &rootfs, &lxc.cfg)?;
    for w in &t.warnings {
        tracing::warn!("{}: {w}", c.id);
    }
    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| PluginError::invalid_input("config.json has no process"))?;
    let mut plan = process_plan::plan(process, req.preserve_fds)?;
    plan.setup = t.setup.clone();
    if let Some(hooks) = spec.hooks() {
        plan.start_hooks = crate::hooks::for_helper(hooks);
    }
    if let Some(s) = spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
        plan.seccomp = crate::seccomp::compile(s)?;
    }

    let dir = Dir::new(&lxc.lxcpath, c.id);
    if dir.exists() {
        return Err(PluginError::already_exists(format!(
            "LXC container '{}' exists",
            c.id
        )));
    }
    std::fs::create_dir_all(&dir.0).map_err(io(&dir.0))?;
    let config = dir.path(record::CONFIG);
    std::fs::write(&config, t.lines.join("\n") + "\n").map_err(io(&config))?;
    if !plan.seccomp.is_empty() {
        let filter = dir.path(record::SECCOMP);
        std::fs::write(&filter, &plan.seccomp).map_err(io(&filter))?;
    }

    // LXC wants both cgroups to be new; empty ones left by a crash (or by another
    // runtime) go, a populated one makes LXC refuse.
    for stale in [&t.container_cgroup, &t.monitor_cgroup]
        .into_iter()
        .flatten()
    {
        cgroups::remove_stale(stale);
    }
    let start_socket = dir.path(record::START_SOCKET);
    let listener = OwnedFd::from(socket_path::bind(&start_socket).map_err(io(&start_socket))?);
    let launch = Launch::new(&plan, req.console_socket.as_deref())?;

    let log = dir.path(record::LOG);
    let mut cmd = Command::new(lxc.lxc_start());
    cmd.arg("-F")
        .arg("-P")
        .arg(&lxc.lxcpath)
        .arg("-n")
        .arg(c.id)
        .arg("-o")
        .arg(&log)
        .args(["-l", "WARN", "--quiet"])
        // LXC maps ids through newuidmap/newgidmap when it finds them on PATH, even as
        // root, and they demand /etc/subuid ranges; without them it writes the maps
        // itself, as crun does.
        .env("PATH", "/usr/sbin:/sbin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut fds = launch.fds();
    fds.push((listener.as_raw_fd(), fd::START));
    let mut monitor = spawn::with_fds(&mut cmd, &fds, true, "lxc-start").map_err(|e| {
        e.with_hint("install LXC (Debian package lxc) or set tools_dir in [plugins.lxc]")
    })?;
    drop(listener);
    let ctl = launch.spawned();

    let ready = match ctl.recv() {
        Ok(Some(Message::Ready(pid))) => Ok(pid),
        Ok(Some(Message::Error(e, pid))) => {
            // Init waits until we close the socket: its cgroups are still there.
            let made = pid.map(|p| (process::pidfd(p, None), cgroups::of_pid(p)));
            drop(ctl);
            if let Some((fd, Ok(made))) = made {
                process::wait_all(&fd.into_iter().collect::<Vec<_>>());
                if let Err(e) = cgroups::remove(&made) {
                    tracing::warn!("{e}");
                }
            }
            Err(PluginError::backend(e))
        }
        Ok(Some(other)) => Err(PluginError::internal(format!(
            "unexpected message from the helper: {other:?}"
        ))),
        Ok(None) => Err(lxc_failed(c.id, &log)),
        Err(e) => Err(e),
    };
    // The monitor's own cgroups, to remove once it is gone.
    let monitor_cgroups = cgroups::of_pid(monitor.id() as i32).unwrap_or_default();
    let _ = monitor.kill();
    let _ = monitor.wait();
    for cg in monitor_cgroups {
        if cg.dir.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            n.starts_with("lxc.monitor.") || n.ends_with(".lxc-monitor")
        }) {
            let _ = cgroups::remove(&[cg]);
        }
    }
    let pid = ready?;
    let record = Record {
        pid,
        start_time: process::start_time(pid)
            .ok_or_else(|| PluginError::backend("the container's process exited during create"))?,
        cgroups: cgroups::of_pid(pid)?,
        state: crate::hooks::StateBase {
            oci_version: spec.version().clone(),
            id: c.id.to_string(),
            bundle: req.bundle.display().to_string(),
            annotations: serde_json::to_value(spec.annotations()).unwrap_or_default(),
        },
        hooks: spec.hooks().clone(),
    };
    dir.write(&record)?;
    // The container's namespaces exist and its process waits: the runtime-namespace
    // hooks of create (a failure fails create, which removes the container).
    let state = record.state.state("creating", Some(pid));
    if let Some(h) = &record.hooks {
        crate::hooks::run("prestart", h.prestart().as_ref(), &state)?;
        crate::hooks::run("createRuntime", h.create_runtime().as_ref(), &state)?;
        crate::hooks::run("createContainer", h.create_container().as_ref(), &state)?;
    }
    Ok(BackendState {
        status: Status::Created,
        pid: Some(pid),
        private: serde_json::Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    #[test]
    fn lxcs_error_gets_the_kind_of_its_cause() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        std::fs::write(
            &log,
            "lxc-start c 2026 ERROR    conf - conf.c:mount_entry:2459 - Read-only file system - Failed to create \"/x\"\n",
        )
        .unwrap();
        let err = super::lxc_failed("c", &log);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(
            err.message.as_str().starts_with("lxc-start: Read-only"),
            "{err:?}"
        );
        std::fs::write(&log, "").unwrap();
        let err = super::lxc_failed("c", &log);
        assert_eq!(err.kind(), ErrorKind::Backend);
        assert_eq!(err.hint(), Some(super::FULL_LOG_HINT));
    }

    #[test]
    fn the_first_real_error_is_the_summary() {
        let log = "lxc-start c 2026 ERROR    confile - ../src/lxc/confile.c:parse_line:3190 - Unsupported config key \"lxc.seccomp\"\n\
                   lxc-start c 2026 ERROR    conf - ../src/lxc/conf.c:mount_entry:2459 - Read-only file system - Failed to create \"/x\"\n\
                   lxc-start c 2026 ERROR    start - ../src/lxc/start.c:__lxc_start:2107 - Failed to spawn container \"c\"\n";
        assert_eq!(
            super::summarise_log(log).unwrap(),
            "Read-only file system - Failed to create \"/x\""
        );
    }
}
