//! `startContainer` hooks, run by init in the container after `start` sent the state
//! and before the process: each with the state on stdin, its own env, and its timeout.

use std::{
    ffi::c_int,
    io::Write,
    process::{Command, Stdio},
};

use crate::{plan::Hook, sys};

fn wait(child: &mut std::process::Child, timeout: u32) -> Result<std::process::ExitStatus, String> {
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
    child.wait().map_err(|e| e.to_string())
}

fn run(hook: &Hook, state: &[u8]) -> Result<(), String> {
    let mut cmd = Command::new(&hook.path);
    if let Some((arg0, rest)) = hook.args.split_first() {
        use std::os::unix::process::CommandExt;
        cmd.arg0(arg0).args(rest);
    }
    cmd.env_clear()
        .envs(hook.env.iter().filter_map(|e| e.split_once('=')))
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its stdin is not an error.
        let _ = stdin.write_all(state);
    }
    let status = wait(&mut child, hook.timeout)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("exited with {status}"))
    }
}

pub fn start_container(hooks: &[Hook], state: &[u8]) -> Result<(), String> {
    for hook in hooks {
        run(hook, state).map_err(|e| format!("startContainer hook {}: {e}", hook.path))?;
    }
    Ok(())
}
