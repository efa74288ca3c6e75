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

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::exec::ExecArgs, testing::TestHost};

    fn exec_args(id: &str, command: &[&str]) -> ExecArgs {
        ExecArgs {
            process: None,
            detach: false,
            pid_file: None,
            console_socket: None,
            tty: false,
            cwd: Some("/tmp".into()),
            env: vec!["A=1".into()],
            user: Some("1000:1000".into()),
            preserve_fds: 0,
            id: id.into(),
            command: command.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn prints_the_output_and_returns_the_status() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let mut out = Vec::new();
        assert_eq!(
            run(&host.svc, &exec_args("c1", &["echo", "hi"]), &mut out).unwrap(),
            0
        );
        assert_eq!(out, b"hi\n");
        let mut out = Vec::new();
        assert_eq!(
            run(&host.svc, &exec_args("c1", &["exit", "5"]), &mut out).unwrap(),
            5
        );
    }

    #[test]
    fn the_process_is_built_from_the_bundle_and_the_options() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        run(&host.svc, &exec_args("c1", &["echo"]), &mut Vec::new()).unwrap();
        let process = &host.kept("c1").unwrap().execs[0];
        assert_eq!(process["cwd"], "/tmp");
        assert_eq!(process["user"]["uid"], 1000);
        assert!(
            process["env"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == "A=1"),
            "{process}"
        );
    }

    #[test]
    fn a_bad_user_or_no_command_is_refused() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let mut args = exec_args("c1", &["echo"]);
        args.user = Some("root".into());
        assert_eq!(
            run(&host.svc, &args, &mut Vec::new()).unwrap_err().kind,
            ErrorKind::InvalidInput
        );
        let empty = exec_args("c1", &[]);
        assert_eq!(
            run(&host.svc, &empty, &mut Vec::new()).unwrap_err().kind,
            ErrorKind::InvalidInput
        );
        assert!(host.kept("c1").unwrap().execs.is_empty());
    }
}
