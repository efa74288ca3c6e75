//! Running one OCI hook: its args (argv[0] included) and env only, the state on its
//! stdin, its timeout through a pidfd, stderr's last line in the error. Shared by the
//! helper (startContainer, in the container) and the plugin (the runtime-namespace
//! hooks); std and the helper's syscalls only.

use std::{
    ffi::c_int,
    io::Write,
    os::unix::process::CommandExt,
    process::{Child, Command, ExitStatus, Stdio},
};

use super::{plan::Hook, sys};

/// Waits for `child`, killing it after `timeout` seconds (0: no limit).
fn wait(child: &mut Child, timeout: u32) -> Result<(), String> {
    if timeout > 0 {
        let pidfd = unsafe { sys::syscall(sys::SYS_PIDFD_OPEN, child.id() as c_int, 0) } as c_int;
        if pidfd >= 0 {
            let mut pfd = sys::PollFd {
                fd: pidfd,
                events: 1, // POLLIN: the process exited
                revents: 0,
            };
            let ready = unsafe { sys::poll(&mut pfd, 1, (timeout as c_int).saturating_mul(1000)) };
            unsafe { sys::close(pidfd) };
            if ready == 0 {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {timeout} s"));
            }
        }
    }
    Ok(())
}

fn failure(status: ExitStatus, stderr: &[u8]) -> String {
    let stderr = String::from_utf8_lossy(stderr);
    match stderr.lines().rev().find(|l| !l.trim().is_empty()) {
        Some(last) => format!("exited with {status}: {}", last.trim()),
        None => format!("exited with {status}"),
    }
}

/// Runs `hook` with `state` on its stdin.
pub fn run(hook: &Hook, state: &[u8]) -> Result<(), String> {
    let mut cmd = Command::new(&hook.path);
    if let Some((arg0, rest)) = hook.args.split_first() {
        cmd.arg0(arg0).args(rest);
    }
    cmd.env_clear()
        .envs(hook.env.iter().filter_map(|e| e.split_once('=')))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is not an error.
        let _ = stdin.write_all(state);
    }
    wait(&mut child, hook.timeout)?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(failure(out.status, &out.stderr))
    }
}
