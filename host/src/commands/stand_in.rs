//! `stand-in` (hidden): the local process of a remote container.
//!
//! `create` starts it for a backend with the stand-in capability (a Proxmox guest has
//! no local process), with the caller's stdio, and writes its pid to `--pid-file`. It
//! calls the backend's stand-in operation, which mirrors the remote process (stdio,
//! signals) until it ends, and exits with its exit status, as a container's init
//! would. It reads its settings from the config file, never from its arguments.

use crate::args::stand_in::StandInArgs;
use std::{
    ffi::OsString,
    io::{BufRead, BufReader},
    os::unix::process::CommandExt,
    path::Path,
    process::{Command, Stdio},
};

use lxcri_plugin_api::stand_in::{STAND_IN_OP, StandInReply, StandInRequest};

use crate::{
    backend::BackendHandle,
    error::{HostError, Result},
    services::Services,
};

/// The fd the ready pipe is given on in the stand-in.
const READY_FD: i32 = 3;

pub fn run(svc: &Services, args: &StandInArgs) -> Result<i32> {
    // The container's output may go to a reader that is gone: that ends the output,
    // not the stand-in (which lives as long as the container's process).
    // SAFETY: a signal disposition; the plugin's threads start later.
    unsafe {
        nix::libc::signal(nix::libc::SIGPIPE, nix::libc::SIG_IGN);
    }
    // Read without the container lock: `create` holds it until this process is ready.
    let state = svc.store().dir(&args.id).join("state.json");
    let recorded = std::fs::read(&state)
        .ok()
        .and_then(|raw| serde_json::from_slice::<crate::state::ContainerRecord>(&raw).ok())
        .map(|r| r.backend);
    let name = recorded
        .or_else(|| svc.backend_flag.clone())
        .ok_or_else(|| HostError::not_found(format!("container {} does not exist", args.id)))?;
    let backend = BackendHandle::open(svc, &name)?;
    let dir = svc.store().dir(&args.id).join(&name);
    let request = StandInRequest {
        id: args.id.clone(),
        dir: dir.display().to_string(),
        ready_fd: args.ready_fd,
        console_socket: args
            .console_socket
            .as_ref()
            .map(|p| p.display().to_string()),
        exec: args.exec.as_ref().map(|p| p.display().to_string()),
    };
    let reply = backend.call(
        STAND_IN_OP,
        &serde_json::to_value(request).map_err(|e| HostError::internal(e.to_string()))?,
    )?;
    let reply: StandInReply = serde_json::from_value(reply).map_err(|e| {
        HostError::internal(format!("backend {name} answered the stand-in badly: {e}"))
    })?;
    Ok(reply.exit_code)
}

/// Starts the stand-in of container `id` on `backend` (of its process `exec` when
/// given) with this process's stdio, in a session of its own, and waits until it is
/// ready; returns its pid.
pub fn spawn(
    svc: &Services,
    backend: &str,
    id: &str,
    console_socket: Option<&Path>,
    exec: Option<&Path>,
) -> Result<i32> {
    let exe = std::env::current_exe()
        .map_err(|e| HostError::io("cannot find this program to start the stand-in", e))?;
    let (reader, writer) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| HostError::io("cannot make the stand-in's pipe", std::io::Error::from(e)))?;
    let reader = std::fs::File::from(reader);
    let mut args: Vec<OsString> = svc.child.args.clone();
    if !svc.child.has_log_file {
        // Its stderr is the container's: its own messages go to a file.
        let log = svc.store().dir(id).join("stand-in.log");
        args.extend(["--log".into(), log.into()]);
    }
    args.push(format!("--backend={backend}").into());
    args.extend([
        "stand-in".into(),
        "--ready-fd".into(),
        READY_FD.to_string().into(),
    ]);
    if let Some(socket) = console_socket {
        args.extend(["--console-socket".into(), socket.into()]);
    }
    if let Some(process) = exec {
        args.extend(["--exec".into(), process.into()]);
    }
    args.extend(["--".into(), id.into()]);
    let mut cmd = Command::new(exe);
    cmd.args(args).stdin(Stdio::inherit());
    let writer_fd = std::os::fd::AsRawFd::as_raw_fd(&writer);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if nix::libc::setsid() < 0 || nix::libc::dup2(writer_fd, READY_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| HostError::io("cannot start the stand-in", e))?;
    drop(writer);
    let mut line = String::new();
    let _ = BufReader::new(reader).read_line(&mut line);
    if line.trim() == "ready" {
        return Ok(child.id() as i32);
    }
    let status = child.wait().ok();
    Err(HostError::internal(format!(
        "the stand-in of {id} ended before it was ready ({})",
        status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".into())
    )))
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::stand_in::StandInArgs, testing::TestHost};

    fn stand_in(id: &str) -> StandInArgs {
        StandInArgs {
            ready_fd: -1,
            console_socket: None,
            exec: None,
            id: id.into(),
        }
    }

    #[test]
    fn an_unknown_container_has_no_stand_in() {
        let host = TestHost::new();
        let err = run(&host.svc, &stand_in("nope")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound);
    }

    #[test]
    fn a_backend_without_stand_ins_says_so() {
        let host = TestHost::new();
        host.create("c1", &["sleep", "1"]);
        let err = run(&host.svc, &stand_in("c1")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported, "{err}");
    }
}
