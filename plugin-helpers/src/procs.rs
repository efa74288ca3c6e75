//! The host's processes as `/proc` lists them : backends find a container's processes by cgroup, storage plugins find who has
//! a dataset mounted; and one process pinned by its start time: alive or not (a zombie,
//! or a later process with the same pid, is not), signals through a pidfd, and
//! waiting for exits by polling pidfds (no timers).

use std::{
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
    path::PathBuf,
};

use serde::{Deserialize, Serialize};

use lxcri_plugin_api::PluginError;

/// One process: its pid and its `/proc/<pid>` directory.
#[derive(Debug, Clone)]
pub struct Process {
    pub pid: i32,
    pub dir: PathBuf,
}

/// Every process `/proc` lists at this moment (none when `/proc` cannot be read).
/// Processes may exit while the caller looks at them; reads from `dir` can fail.
pub fn all() -> impl Iterator<Item = Process> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<i32>().ok()?;
            Some(Process { pid, dir: e.path() })
        })
}

/// A process as recorded to find it again: its pid and its start time (so a later
/// process with the same pid is not mistaken for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    pub pid: i32,
    pub start_time: u64,
}

impl ProcessId {
    /// This process.
    pub fn current() -> Option<Self> {
        let pid = std::process::id() as i32;
        Some(Self {
            pid,
            start_time: start_time(pid)?,
        })
    }

    pub fn alive(&self) -> bool {
        alive(self.pid, self.start_time)
    }

    /// Sends `sig` if the process is still this one (an exited one is no error).
    pub fn signal(&self, sig: i32) -> Result<(), PluginError> {
        match pidfd(self.pid, Some(self.start_time)) {
            Some(fd) => signal(&fd, sig),
            None => Ok(()),
        }
    }
}

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
        let mut polls: Vec<libc::pollfd> = pending
            .iter()
            .map(|f| libc::pollfd {
                fd: f.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: `polls` is a valid array of pollfd for the duration of the call.
        if unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, -1) } < 0 {
            continue;
        }
        let done: Vec<bool> = polls.iter().map(|p| p.revents != 0).collect();
        pending = pending
            .into_iter()
            .zip(done)
            .filter(|(_, d)| !d)
            .map(|(f, _)| f)
            .collect();
    }
}
#[cfg(test)]
mod tests {
    #[test]
    fn lists_this_process() {
        let own = std::process::id() as i32;
        let me = super::all().find(|p| p.pid == own).expect("own pid listed");
        assert!(me.dir.join("status").exists());
    }
}
