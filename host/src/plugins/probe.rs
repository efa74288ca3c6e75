//! A plugin file seen for the first time (not in the plugin index, or changed) is
//! tried in a child process before this process loads it: the child loads it, reads
//! its info and runs its `init`. A native library can crash (SIGSEGV, abort) or hang
//! in its constructors or `init`, which no error handling in this process could
//! survive; in a child it only costs that child. A crash or a hang is the file's
//! rejection, remembered in the index until the file changes.

use std::{
    io::Read,
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use nix::libc;

/// Set (to the file's path) in the environment of the child that tries a plugin.
pub const PROBE_ENV: &str = "PROXMOX_LXCRI_PROBE_PLUGIN";

/// How long loading and initialising a plugin may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// How a try in a child ended badly.
pub enum Failed {
    /// The child crashed or hung: the file must not be loaded here.
    Fatal(String),
    /// The child reported an ordinary error; loading it here says what, safely.
    Refused,
}

/// Waits up to `timeout` for the process behind `pidfd` to exit.
fn exits_within(pidfd: &OwnedFd, timeout: Duration) -> bool {
    let mut poll = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    loop {
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut poll, 1, ms) };
        if n >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return n > 0;
        }
    }
}

/// Tries `path` in a child (this program with the same arguments, in probe mode).
pub fn in_child(path: &Path) -> Result<(), Failed> {
    let Ok(exe) = std::env::current_exe() else {
        return Ok(());
    };
    let mut child = match Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(PROBE_ENV, path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!("cannot try {} in a child: {e}", path.display());
            return Ok(());
        }
    };
    // SAFETY: pidfd_open on our own child, which is not reaped before we wait.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::c_int, 0) };
    if fd >= 0 {
        // SAFETY: a fresh fd from pidfd_open.
        let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        if !exits_within(&pidfd, PROBE_TIMEOUT) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failed::Fatal(format!(
                "did not finish loading within {} s (it hangs in its constructors or init)",
                PROBE_TIMEOUT.as_secs()
            )));
        }
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let status = match child.wait() {
        Ok(s) => s,
        Err(_) => return Ok(()),
    };
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        let name = nix::sys::signal::Signal::try_from(sig)
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|_| format!("signal {sig}"));
        return Err(Failed::Fatal(format!(
            "crashed while loading ({name}); it would take the host down"
        )));
    }
    if status.success() {
        Ok(())
    } else {
        tracing::debug!("trying {} failed: {}", path.display(), stderr.trim());
        Err(Failed::Refused)
    }
}

/// The child's side: loads `path`, reads its info and runs its `init`; exits 0 when all
/// of that returned, 1 (with the reason on stderr) when it refused.
pub fn run_child(path: &Path, root: &Path, config: &crate::config::Config, log_level: u32) -> i32 {
    if let Err(reason) = super::preflight::check(path) {
        eprintln!("{reason}");
        return 1;
    }
    let module = match super::load::load_module(path, super::load::LayoutCheck::Full) {
        Ok(m) => m,
        Err(failure) => {
            eprintln!("{}", failure.reason);
            return 1;
        }
    };
    let info = (module.info())();
    let ctx = super::context::plugin_context(root, config, info.name.as_str(), log_level);
    match (module.init())(&ctx).into_result() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", e.message);
            1
        }
    }
}
