//! The container's process seen from the host: alive or not (a zombie, or a later
//! process with the same pid, is not), signals through a pidfd, and waiting for exits
//! by polling pidfds (no timers).

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

use lxcri_plugin_api::PluginError;
use nix::{
    libc,
    poll::{PollFd, PollFlags, PollTimeout, poll},
};

/// `(state, start time)` from `/proc/PID/stat`.
fn stat(pid: i32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

pub fn start_time(pid: i32) -> Option<u64> {
    stat(pid).map(|(_, t)| t)
}

/// The process `pid` that started at `start_time` is alive (not a zombie).
pub fn alive(pid: i32, start_time: u64) -> bool {
    matches!(stat(pid), Some((state, t)) if t == start_time && state != 'Z' && state != 'X')
}

/// A pidfd for `pid`, if that process (started at `start_time`) still exists.
pub fn pidfd(pid: i32, started: Option<u64>) -> Option<OwnedFd> {
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    // Checked after opening: the pidfd now pins this very process.
    match started {
        Some(t) if start_time(pid) != Some(t) => None,
        _ => Some(fd),
    }
}

/// Sends `signal` through a pidfd (never to a recycled pid).
pub fn signal(fd: &OwnedFd, signal: i32) -> Result<(), PluginError> {
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            fd.as_raw_fd(),
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::ESRCH) {
            return Ok(());
        }
        return Err(PluginError::backend(format!(
            "sending signal {signal}: {e}"
        )));
    }
    Ok(())
}

/// Blocks until every process behind `fds` has exited.
pub fn wait_all(fds: &[OwnedFd]) {
    let mut pending: Vec<&OwnedFd> = fds.iter().collect();
    while !pending.is_empty() {
        let mut polls: Vec<PollFd> = pending
            .iter()
            .map(|f| PollFd::new(f.as_fd(), PollFlags::POLLIN))
            .collect();
        if poll(&mut polls, PollTimeout::NONE).is_err() {
            continue;
        }
        let done: Vec<bool> = polls
            .iter()
            .map(|p| p.revents().is_some_and(|r| !r.is_empty()))
            .collect();
        pending = pending
            .into_iter()
            .zip(done)
            .filter(|(_, d)| !d)
            .map(|(f, _)| f)
            .collect();
    }
}
