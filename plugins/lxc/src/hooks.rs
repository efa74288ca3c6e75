//! OCI hooks run in the runtime namespace (prestart, createRuntime, createContainer,
//! poststart, poststop), each with the container's state on stdin and its timeout;
//! startContainer hooks run in the container (the helper, init/hooks.rs).

use std::{
    io::Write,
    os::{fd::AsFd, unix::process::CommandExt},
    process::{Command, Stdio},
};

use lxcri_plugin_api::PluginError;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use oci_spec::runtime::{Hook, Hooks};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::helper::plan;

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

fn failed(kind: &str, hook: &Hook, why: impl std::fmt::Display) -> PluginError {
    PluginError::backend(format!("{kind} hook {}: {why}", hook.path().display()))
}

fn run_one(kind: &str, hook: &Hook, state: &[u8]) -> Result<(), PluginError> {
    let mut cmd = Command::new(hook.path());
    if let Some((arg0, rest)) = hook.args().as_deref().and_then(|a| a.split_first()) {
        cmd.arg0(arg0).args(rest);
    }
    cmd.env_clear()
        .envs(
            hook.env()
                .iter()
                .flatten()
                .filter_map(|e| e.split_once('=')),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| failed(kind, hook, e))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is not an error.
        let _ = stdin.write_all(state);
    }
    if let Some(secs) = hook.timeout().filter(|t| *t > 0) {
        let pidfd = crate::process::pidfd(child.id() as i32, None);
        if let Some(fd) = &pidfd {
            let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
            let ms = (secs as u64 * 1000).min(i32::MAX as u64) as i32;
            let ready = poll(
                &mut fds,
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
            );
            if matches!(ready, Ok(0)) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(kind, hook, format!("timed out after {secs} s")));
            }
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| failed(kind, hook, e))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = lxcri_plugin_api::tool::last_line(&stderr);
    Err(failed(
        kind,
        hook,
        if last.is_empty() {
            format!("exited with {}", out.status)
        } else {
            format!("exited with {}: {last}", out.status)
        },
    ))
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

/// The startContainer hooks for the helper.
pub fn for_helper(hooks: &Hooks) -> Vec<plan::Hook> {
    hooks
        .start_container()
        .iter()
        .flatten()
        .map(|h| plan::Hook {
            path: h.path().display().to_string(),
            args: h.args().clone().unwrap_or_default(),
            env: h.env().clone().unwrap_or_default(),
            timeout: h.timeout().unwrap_or(0).max(0) as u32,
        })
        .collect()
}
