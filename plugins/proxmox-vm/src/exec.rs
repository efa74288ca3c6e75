//! exec through the QEMU guest agent: wait (bounded) until the agent answers, start
//! the command with `agent/exec`, then poll `exec-status` until it exits; its output
//! is returned for the host to print.
//!
//! The agent answers only once the guest has booted, tens of seconds after start
//! (fact 5 of reference/pve-api.md), and its config may disable guest-exec.

use std::time::{Duration, Instant};

use lxcri_plugin_api::{
    PluginError,
    types::{ExecRequest, ExecResult},
};
use lxcri_pve_client::{Params, Pve, PveError, guest::GuestRecord, lenient, params};
use serde_json::Value;

const NOT_RUNNING: &str = "QEMU guest agent is not running";

/// Waits until the agent answers a ping, for at most `timeout` seconds, logging its
/// progress every 10 s.
pub fn wait_for_agent(pve: &Pve, record: &GuestRecord, timeout: u64) -> Result<(), PluginError> {
    wait_for_agent_while(pve, record, timeout, &mut || Ok(true))
}

/// [`wait_for_agent`], giving up (with `Ok(false)` from `go_on`) when the caller says
/// so between pings.
pub fn wait_for_agent_while(
    pve: &Pve,
    record: &GuestRecord,
    timeout: u64,
    go_on: &mut dyn FnMut() -> Result<bool, PluginError>,
) -> Result<(), PluginError> {
    let path = format!("/nodes/{}/qemu/{}/agent/ping", record.node, record.vmid);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(timeout);
    let mut reported = start;
    let mut pause = Duration::from_millis(50);
    loop {
        match pve.post(&path, vec![]) {
            Ok(_) => return Ok(()),
            Err(e) if e.message().contains(NOT_RUNNING) || e.is_lost() => {}
            Err(e) => return Err(e.into()),
        }
        let now = Instant::now();
        if now + pause > deadline {
            return Err(PluginError::timeout(format!(
                "the guest agent of VM {} did not answer within {timeout} s",
                record.vmid
            ))
            .with_hint(
                "check that qemu-guest-agent runs in the template, or raise agent_timeout_secs",
            ));
        }
        if !go_on()? {
            return Err(PluginError::conflict(format!(
                "VM {} stopped before its guest agent answered",
                record.vmid
            )));
        }
        if now.duration_since(reported) >= Duration::from_secs(10) {
            reported = now;
            tracing::info!(
                "waiting for the guest agent of VM {} ({} s of {timeout} s)",
                record.vmid,
                now.duration_since(start).as_secs()
            );
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// Starts `command` in the guest once its agent answers; returns the agent's pid.
pub fn start(
    pve: &Pve,
    record: &GuestRecord,
    command: &[String],
    agent_timeout: u64,
) -> Result<i64, PluginError> {
    if command.is_empty() {
        return Err(PluginError::invalid_input("nothing to execute"));
    }
    wait_for_agent(pve, record, agent_timeout)?;
    launch(pve, record, command, None)
}

/// `agent/exec` of `command` with `input` as its stdin; returns the agent's pid.
pub fn launch(
    pve: &Pve,
    record: &GuestRecord,
    command: &[String],
    input: Option<&str>,
) -> Result<i64, PluginError> {
    let mut p: Params = command
        .iter()
        .map(|a| ("command".to_string(), a.clone()))
        .collect();
    if let Some(input) = input.filter(|i| !i.is_empty()) {
        p.push(("input-data".into(), input.to_string()));
    }
    let reply = pve
        .post(
            &format!("/nodes/{}/qemu/{}/agent/exec", record.node, record.vmid),
            p,
        )
        .map_err(|e| exec_error(record, e))?;
    reply
        .get("pid")
        .and_then(lenient::value_int)
        .ok_or_else(|| PluginError::backend(format!("agent/exec answered without a pid: {reply}")))
}

fn exec_error(record: &GuestRecord, e: PveError) -> PluginError {
    if e.message().contains("has been disabled") {
        return PluginError::unsupported(format!(
            "the guest agent of VM {} has guest-exec disabled",
            record.vmid
        ))
        .with_hint("allow guest-exec in the template's qemu-ga config (block-rpcs / allow-rpcs)");
    }
    if e.is_lost() {
        // Not sent again: the command may have started, and would run twice.
        return PluginError::unavailable(format!(
            "the answer to agent/exec in VM {} was lost; the command may have started",
            record.vmid
        ));
    }
    e.into()
}

/// An OCI process as an agent command: `env K=V... args...`.
pub fn command_of(process: &Value) -> Vec<String> {
    let list = |key: &str| -> Vec<String> {
        serde_json::from_value(process.get(key).cloned().unwrap_or(Value::Null)).unwrap_or_default()
    };
    let env = list("env");
    let mut command = Vec::new();
    if !env.is_empty() {
        command.push("env".to_string());
        command.extend(env);
    }
    command.extend(list("args"));
    command
}

/// Runs the request's process and waits for it (or returns its pid when detached).
pub fn run(
    pve: &Pve,
    record: &GuestRecord,
    req: &ExecRequest,
    agent_timeout: u64,
) -> Result<ExecResult, PluginError> {
    let command = command_of(&req.process);
    let pid = start(pve, record, &command, agent_timeout)?;
    if req.detach {
        return Ok(ExecResult {
            pid: Some(pid as i32),
            ..Default::default()
        });
    }
    let mut pause = Duration::from_millis(20);
    loop {
        if let Some(done) = status(pve, record, pid)? {
            return Ok(done);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// One look at an agent process: its result once it has exited. A process killed by
/// signal n exits 128 + n.
pub fn status(
    pve: &Pve,
    record: &GuestRecord,
    pid: i64,
) -> Result<Option<ExecResult>, PluginError> {
    let path = format!(
        "/nodes/{}/qemu/{}/agent/exec-status",
        record.node, record.vmid
    );
    {
        let status: Value = pve.get(&path, params![("pid", pid)])?;
        let exited = status
            .get("exited")
            .and_then(lenient::value_int)
            .unwrap_or(0)
            != 0
            || status
                .get("exited")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
        if exited {
            let signal = status.get("signal").and_then(lenient::value_int);
            let code = match signal {
                Some(sig) if sig > 0 => 128 + sig,
                _ => status
                    .get("exitcode")
                    .and_then(lenient::value_int)
                    .unwrap_or(0),
            };
            return Ok(Some(ExecResult {
                pid: None,
                exit_code: Some(code as i32),
                stdout: status
                    .get("out-data")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                stderr: status
                    .get("err-data")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
            }));
        }
        Ok(None)
    }
}
