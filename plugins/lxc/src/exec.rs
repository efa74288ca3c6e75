//! `exec`: the helper joins the container's cgroups and namespaces (opened here from
//! its process), forks the new process into them with the same credentials, limits
//! and terminal handling as init, reports its host pid and, unless detached, waits
//! for it and returns its status.

use std::{
    os::{
        fd::{AsRawFd, OwnedFd},
        linux::fs::MetadataExt,
        unix::process::CommandExt,
    },
    process::{Command, Stdio},
};

use lxcri_plugin_api::{
    Container, PluginError,
    types::{ExecRequest, ExecResult, Status},
};
use nix::libc;

use crate::{
    Lxc, cgroups,
    ctl::Message,
    helper::{self, plan::fd},
    launch::Launch,
    process, process_plan, spawn,
};

/// Namespaces in the order they are joined: the user namespace first (it grants the
/// rights for the others), the mount namespace last (paths change with it).
const NAMESPACES: &[(&str, i32)] = &[
    ("user", libc::CLONE_NEWUSER),
    ("ipc", libc::CLONE_NEWIPC),
    ("uts", libc::CLONE_NEWUTS),
    ("net", libc::CLONE_NEWNET),
    ("pid", libc::CLONE_NEWPID),
    ("cgroup", libc::CLONE_NEWCGROUP),
    ("mnt", libc::CLONE_NEWNS),
];

fn ino(path: &str) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.st_ino())
}

/// The namespaces of `pid` that differ from ours, opened.
fn namespaces(pid: i32) -> Result<Vec<(OwnedFd, u32)>, PluginError> {
    let mut out = Vec::new();
    for (name, flag) in NAMESPACES {
        let theirs = format!("/proc/{pid}/ns/{name}");
        if ino(&theirs) == ino(&format!("/proc/self/ns/{name}")) {
            continue;
        }
        let f = std::fs::File::open(&theirs)
            .map_err(|e| PluginError::backend(format!("{theirs}: {e}")))?;
        out.push((OwnedFd::from(f), *flag as u32));
    }
    Ok(out)
}

pub fn exec(lxc: &Lxc, c: Container<'_>, req: ExecRequest) -> Result<ExecResult, PluginError> {
    let (_, r, status) = lxc.live(c.id)?;
    if status == Status::Paused {
        return Err(
            PluginError::conflict(format!("cannot exec in paused container '{}'", c.id))
                .with_hint("resume it first"),
        );
    }
    let process: oci_spec::runtime::Process = serde_json::from_value(req.process.clone())
        .map_err(|e| PluginError::invalid_input(format!("process: {e}")))?;
    let mut plan = process_plan::plan(&process, req.preserve_fds)?;
    plan.detach = req.detach;
    // An exec'd process is confined like init (runc and crun apply the bundle's
    // profile to it).
    let filter = crate::record::Dir::new(&lxc.lxcpath, c.id).path(crate::record::SECCOMP);
    if filter.exists() {
        plan.seccomp = std::fs::read(&filter).map_err(crate::io(&filter))?;
    }
    plan.cgroup_procs = cgroups::procs_files(&r.cgroups)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let ns = namespaces(r.pid)?;
    // Opened after the process was checked; make sure they are still its.
    if !process::alive(r.pid, r.start_time) {
        return Err(PluginError::conflict(format!(
            "container '{}' is not running",
            c.id
        )));
    }
    plan.namespaces = ns.iter().map(|(_, flag)| *flag).collect();
    let launch = Launch::new(&plan, req.console_socket.as_deref())?;

    let mut cmd = Command::new(helper::exe_path());
    cmd.arg0("lxcri-init")
        .arg("exec")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut fds = launch.fds();
    for (i, (f, _)) in ns.iter().enumerate() {
        fds.push((f.as_raw_fd(), fd::NS_BASE + i as i32));
    }
    let mut helper = spawn::with_fds(&mut cmd, &fds, false, "the lxc helper")?;
    drop(ns);
    let ctl = launch.spawned();

    let mut pid = None;
    let mut error = None;
    loop {
        match ctl.recv() {
            Ok(Some(Message::Pid(p))) => pid = Some(p),
            Ok(Some(Message::Error(e, _))) => error = Some(e),
            Ok(Some(Message::Ready(_))) => {}
            Ok(None) => break,
            Err(e) => {
                error = Some(e.message.to_string());
                break;
            }
        }
    }
    let status = helper
        .wait()
        .map_err(|e| PluginError::internal(format!("waiting for the helper: {e}")))?;
    if let Some(e) = error {
        return Err(PluginError::backend(e));
    }
    let pid = pid.ok_or_else(|| PluginError::backend("exec: the process did not start"))?;
    if req.detach {
        return Ok(ExecResult {
            pid: Some(pid),
            ..Default::default()
        });
    }
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok(ExecResult {
        pid: Some(pid),
        exit_code: Some(code),
        ..Default::default()
    })
}
