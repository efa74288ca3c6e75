//! delete: `crun delete [--force] ID`; a forced delete of a container crun does not
//! know is done already. A forced delete returns once the container's init (and with
//! it its pid namespace) has exited, as runc's does: crun sends SIGKILL and returns.

use lxcri_plugin_api::{Container, ErrorKind, PluginError};
use lxcri_plugin_helpers::procs;

use crate::runner::Crun;

/// The container's init, pinned by a pidfd, from crun's own status file (no process
/// needed to read it).
fn init_pidfd(crun: &Crun, id: &str) -> Option<std::os::fd::OwnedFd> {
    let raw = std::fs::read(crun.root().join(id).join("status")).ok()?;
    let status: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    let pid = status.get("pid")?.as_i64()? as i32;
    let started = status.get("process-start-time").and_then(|t| t.as_u64());
    procs::pidfd(pid, started)
}

pub fn delete(crun: &Crun, c: Container<'_>, force: bool) -> Result<(), PluginError> {
    let args: Vec<&str> = if force {
        vec!["--force", c.id]
    } else {
        vec![c.id]
    };
    let init = force.then(|| init_pidfd(crun, c.id)).flatten();
    match crun.output("delete", &args) {
        Ok(_) => {}
        Err(e) if force && e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(fd) = init {
        procs::wait_all(&[fd]);
    }
    Ok(())
}
