//! exec through the QEMU guest agent: `agent/exec` starts the command, `exec-status`
//! is polled until it exits; its output is returned for the host to print.

use std::time::Duration;

use lxcri_plugin_api::{
    PluginError,
    types::{ExecRequest, ExecResult},
};
use lxcri_pve_client::{Params, Pve, guest::GuestRecord, lenient, params};
use serde_json::Value;

/// Starts `command` in the guest; returns the agent's pid.
pub fn start(pve: &Pve, record: &GuestRecord, command: &[String]) -> Result<i64, PluginError> {
    if command.is_empty() {
        return Err(PluginError::invalid_input("nothing to execute"));
    }
    let p: Params = command
        .iter()
        .map(|a| ("command".to_string(), a.clone()))
        .collect();
    let reply = pve.post(
        &format!("/nodes/{}/qemu/{}/agent/exec", record.node, record.vmid),
        p,
    )?;
    reply
        .get("pid")
        .and_then(lenient::value_int)
        .ok_or_else(|| PluginError::backend(format!("agent/exec answered without a pid: {reply}")))
}

/// Runs the request's process and waits for it (or returns its pid when detached).
pub fn run(pve: &Pve, record: &GuestRecord, req: &ExecRequest) -> Result<ExecResult, PluginError> {
    let args: Vec<String> =
        serde_json::from_value(req.process.get("args").cloned().unwrap_or(Value::Null))
            .unwrap_or_default();
    let env: Vec<String> =
        serde_json::from_value(req.process.get("env").cloned().unwrap_or(Value::Null))
            .unwrap_or_default();
    let mut command = Vec::new();
    if !env.is_empty() {
        command.push("env".to_string());
        command.extend(env);
    }
    command.extend(args);
    let pid = start(pve, record, &command)?;
    if req.detach {
        return Ok(ExecResult {
            pid: Some(pid as i32),
            ..Default::default()
        });
    }
    let path = format!(
        "/nodes/{}/qemu/{}/agent/exec-status",
        record.node, record.vmid
    );
    let mut pause = Duration::from_millis(20);
    loop {
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
            return Ok(ExecResult {
                pid: None,
                exit_code: Some(
                    status
                        .get("exitcode")
                        .and_then(lenient::value_int)
                        .unwrap_or(0) as i32,
                ),
                stdout: status
                    .get("out-data")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                stderr: status
                    .get("err-data")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}
