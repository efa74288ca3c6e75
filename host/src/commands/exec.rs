//! `exec`: run a new process in a running container, from `--process FILE` or from the
//! command line (defaults from the bundle's `process`).

use std::io::Write;

use super::output;
use crate::args::exec::ExecArgs;

use lxcri_plugin_api::types::ExecRequest;
use serde_json::{Value, json};

use super::container::{Opened, write_pid_file};
use crate::{
    error::{HostError, Result},
    services::Services,
};

fn base_process(bundle: &std::path::Path) -> Value {
    std::fs::read(bundle.join("config.json"))
        .ok()
        .and_then(|raw| serde_json::from_slice::<Value>(&raw).ok())
        .and_then(|c| c.get("process").cloned())
        .unwrap_or_else(|| json!({"cwd": "/", "user": {"uid": 0, "gid": 0}}))
}

fn parse_user(text: &str) -> Result<Value> {
    let bad = || HostError::invalid(format!("invalid --user {text:?}")).hint("use UID or UID:GID");
    let (uid, gid) = text.split_once(':').unwrap_or((text, "0"));
    let uid: u32 = uid.parse().map_err(|_| bad())?;
    let gid: u32 = gid.parse().map_err(|_| bad())?;
    Ok(json!({"uid": uid, "gid": gid}))
}

fn process_from_args(args: &ExecArgs, bundle: &std::path::Path) -> Result<Value> {
    if let Some(file) = &args.process {
        let raw = std::fs::read(file).map_err(|e| {
            HostError::io(format!("cannot read process file {}", file.display()), e)
        })?;
        let process: Value = serde_json::from_slice(&raw).map_err(|e| {
            HostError::invalid(format!("process file {} is malformed: {e}", file.display()))
        })?;
        serde_json::from_value::<oci_spec::runtime::Process>(process.clone()).map_err(|e| {
            HostError::invalid(format!(
                "process file {} is not an OCI process: {e}",
                file.display()
            ))
        })?;
        return Ok(process);
    }
    if args.command.is_empty() {
        return Err(HostError::invalid("exec needs a command or --process FILE"));
    }
    let mut process = base_process(bundle);
    process["args"] = json!(args.command);
    process["terminal"] = json!(args.tty);
    if let Some(cwd) = &args.cwd {
        process["cwd"] = json!(cwd);
    }
    if let Some(user) = &args.user {
        process["user"] = parse_user(user)?;
    }
    if !args.env.is_empty() {
        let mut env: Vec<Value> = process["env"].as_array().cloned().unwrap_or_default();
        env.extend(args.env.iter().map(|e| json!(e)));
        process["env"] = Value::Array(env);
    }
    Ok(process)
}

pub fn run(svc: &Services, args: &ExecArgs, out: &mut dyn Write) -> Result<i32> {
    let c = Opened::open(svc, &args.id)?;
    let request = ExecRequest {
        process: process_from_args(args, &c.record.bundle)?,
        detach: args.detach,
        console_socket: args.console_socket.clone(),
        preserve_fds: args.preserve_fds,
    };
    let dir = c.plugin_dir()?;
    // Do not hold the container lock while an attached process runs.
    let backend = c.backend;
    drop(c.locked);
    if request.detach
        && backend
            .info
            .has_capability(lxcri_plugin_api::capability::STAND_IN)
    {
        // A remote process: a local stand-in is its pid.
        backend.require(lxcri_plugin_api::capability::EXEC)?;
        let file = tempfile::Builder::new()
            .prefix("exec-")
            .suffix(".json")
            .tempfile_in(&dir)
            .map_err(|e| HostError::io("cannot write the exec's process", e))?;
        std::fs::write(file.path(), request.process.to_string())
            .map_err(|e| HostError::io("cannot write the exec's process", e))?;
        let (_, path) = file
            .keep()
            .map_err(|e| HostError::io("cannot keep the exec's process", e.error))?;
        let pid = super::stand_in::spawn(
            svc,
            &backend.name,
            &args.id,
            args.console_socket.as_deref(),
            Some(&path),
        );
        let pid = match pid {
            Ok(pid) => pid,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(e);
            }
        };
        if let Some(pid_file) = &args.pid_file {
            write_pid_file(pid_file, pid)?;
        }
        return Ok(0);
    }
    let result = backend.exec(&args.id, &dir, &request)?;
    crate::crash_point::here("exec:started");
    if let (Some(path), Some(pid)) = (&args.pid_file, result.pid) {
        write_pid_file(path, pid)?;
    }
    if let Some(text) = &result.stdout {
        write!(out, "{text}").map_err(output)?;
    }
    if let Some(err) = &result.stderr {
        eprint!("{err}");
    }
    Ok(result.exit_code.unwrap_or(0))
}
