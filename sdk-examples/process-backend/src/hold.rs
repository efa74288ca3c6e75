//! Holding the process until `start`: a shell blocks reading a FIFO (its stdin), then
//! execs the process. Files in the container's private dir: `hold.fifo` (present until started)
//! and `pid`.

use std::{
    fs,
    io::Write,
    os::unix::{fs::OpenOptionsExt, process::CommandExt},
    path::Path,
    process::{Command, Stdio},
};

use lxcri_plugin_api::PluginError;

use crate::spec::Process;

const FIFO: &str = "hold.fifo";
const PID: &str = "pid";

fn failed(what: &str, e: impl std::fmt::Display) -> PluginError {
    PluginError::backend(format!("{what}: {e}"))
}

pub fn spawn(dir: &Path, process: &Process) -> Result<i32, PluginError> {
    let fifo = dir.join(FIFO);
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .map_err(|e| failed("cannot make the hold FIFO", e))?;
    // The holder reads the FIFO on its stdin, opened here before it starts (read and
    // write: that never blocks), so `start` always finds a reader, however early.
    let holder = match fs::OpenOptions::new().read(true).write(true).open(&fifo) {
        Ok(f) => f,
        Err(e) => {
            let _ = fs::remove_file(&fifo);
            return Err(failed("cannot open the hold FIFO", e));
        }
    };
    let child = Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"read _; exec "$@" </dev/null"#)
        .arg("hold")
        .args(&process.args)
        .current_dir(&process.cwd)
        .env_clear()
        .envs(process.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::from(holder))
        .process_group(0)
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            let _ = fs::remove_file(&fifo);
            return Err(failed(
                &format!("cannot run in {}", process.cwd.display()),
                e,
            ));
        }
    };
    let pid = child.id() as i32;
    fs::write(dir.join(PID), pid.to_string()).map_err(|e| failed("cannot record the pid", e))?;
    Ok(pid)
}

/// Lets the held process go.
pub fn release(dir: &Path) -> Result<(), PluginError> {
    let fifo = dir.join(FIFO);
    if !fifo.exists() {
        return Err(PluginError::conflict("the container was started already"));
    }
    // Non-blocking: if nobody reads any more (the holder died), this fails at once.
    let mut w = fs::OpenOptions::new()
        .write(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(&fifo)
        .map_err(|e| failed("the held process is gone", e))?;
    w.write_all(b"go\n")
        .map_err(|e| failed("cannot release the process", e))?;
    fs::remove_file(&fifo).map_err(|e| failed("cannot remove the hold FIFO", e))
}

pub fn read_pid(dir: &Path) -> Option<i32> {
    fs::read_to_string(dir.join(PID)).ok()?.trim().parse().ok()
}

pub fn held(dir: &Path) -> bool {
    dir.join(FIFO).exists()
}

/// Alive and not a zombie.
pub fn alive(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

pub fn remove(dir: &Path) -> Result<(), PluginError> {
    for f in [FIFO, PID] {
        match fs::remove_file(dir.join(f)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(failed("cannot remove the container's files", e));
            }
            _ => {}
        }
    }
    Ok(())
}
