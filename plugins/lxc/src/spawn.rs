//! Starting a program with file descriptors at the fixed numbers the helper expects.

use std::{
    os::{
        fd::{BorrowedFd, FromRawFd, OwnedFd, RawFd},
        unix::process::CommandExt,
    },
    process::{Child, Command},
};

use lxcri_plugin_api::PluginError;
use nix::fcntl::FcntlArg;

/// Spawns `cmd` with `src` duplicated onto `target` for each pair (targets are above
/// any fd this process holds, so no pair overwrites another's source); in a session
/// of its own when `session`.
pub fn with_fds(
    cmd: &mut Command,
    fds: &[(RawFd, RawFd)],
    session: bool,
    what: &str,
) -> Result<Child, PluginError> {
    let fds = fds.to_vec();
    unsafe {
        cmd.pre_exec(move || {
            if session {
                nix::unistd::setsid().map_err(std::io::Error::from)?;
            }
            for (src, target) in &fds {
                if nix::libc::dup2(*src, *target) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    cmd.spawn()
        .map_err(|e| PluginError::unavailable(format!("cannot run {what}: {e}")))
}

/// The process's stdio: copies of this process's stdin, stdout and stderr
/// (close-on-exec; std points a child's 0/1/2 elsewhere before `pre_exec` runs), or
/// /dev/null when the process gets a terminal: the caller's stdio is then its own
/// (containerd reads create's output until EOF), not the container's.
pub fn process_stdio(terminal: bool) -> Result<[OwnedFd; 3], PluginError> {
    if terminal {
        let null = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .map(OwnedFd::from)
                .map_err(|e| PluginError::internal(format!("/dev/null: {e}")))
        };
        return Ok([null()?, null()?, null()?]);
    }
    let copy = |fd: RawFd| {
        nix::fcntl::fcntl(
            unsafe { BorrowedFd::borrow_raw(fd) },
            FcntlArg::F_DUPFD_CLOEXEC(3),
        )
        .map(|f| unsafe { OwnedFd::from_raw_fd(f) })
        .map_err(|e| PluginError::internal(format!("duplicating fd {fd}: {e}")))
    };
    Ok([copy(0)?, copy(1)?, copy(2)?])
}
