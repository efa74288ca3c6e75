//! What every start of the helper hands it (create through LXC, exec directly): the
//! control socket with the plan already sent, the process's stdio, the helper's own
//! executable, and the connection to `--console-socket` for a terminal.

use std::{
    os::fd::{AsRawFd, OwnedFd, RawFd},
    path::Path,
};

use lxcri_plugin_api::PluginError;

use crate::{
    ctl::Ctl,
    helper::{
        self,
        plan::{Plan, fd},
    },
    socket_path, spawn,
};

pub struct Launch {
    pub ctl: Ctl,
    theirs: OwnedFd,
    stdio: [OwnedFd; 3],
    exe: OwnedFd,
    console: Option<OwnedFd>,
}

impl Launch {
    /// Prepares a launch of `plan` (a terminal needs `console_socket`).
    pub fn new(plan: &Plan, console_socket: Option<&Path>) -> Result<Self, PluginError> {
        let console = match (console_socket, plan.terminal) {
            (Some(path), true) => Some(OwnedFd::from(socket_path::connect(path).map_err(|e| {
                PluginError::invalid_input(format!("console socket {}: {e}", path.display()))
            })?)),
            (None, true) => {
                return Err(PluginError::invalid_input(
                    "process.terminal is set but no --console-socket was given",
                ));
            }
            _ => None,
        };
        let exe = helper::memfd()?;
        let (ctl, theirs) = Ctl::pair()?;
        ctl.send(&plan.encode())?;
        Ok(Self {
            ctl,
            theirs,
            stdio: spawn::process_stdio(plan.terminal)?,
            exe,
            console,
        })
    }

    /// (our fd, the helper's fd number) pairs for `spawn::with_fds`.
    pub fn fds(&self) -> Vec<(RawFd, RawFd)> {
        let mut fds = vec![
            (self.theirs.as_raw_fd(), fd::CTL),
            (self.stdio[0].as_raw_fd(), fd::STDIN),
            (self.stdio[1].as_raw_fd(), fd::STDOUT),
            (self.stdio[2].as_raw_fd(), fd::STDERR),
            (self.exe.as_raw_fd(), fd::EXE),
        ];
        if let Some(console) = &self.console {
            fds.push((console.as_raw_fd(), fd::CONSOLE));
        }
        fds
    }

    /// Once spawned: our copies of the helper's fds close (so its exit shows as the
    /// control socket's end); the control socket stays.
    pub fn spawned(self) -> Ctl {
        self.ctl
    }
}
