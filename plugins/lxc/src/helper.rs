//! The embedded `lxcri-init` (built from init/ by build.rs), handed to LXC and to exec
//! as a sealed memfd: it never touches the bundle's rootfs or the host's disk.

use std::{io::Write, os::fd::OwnedFd};

use lxcri_plugin_api::PluginError;
use nix::sys::memfd::{MFdFlags, memfd_create};

#[path = "../init/plan.rs"]
#[allow(dead_code)] // decode is the helper's side
pub mod plan;

/// One hook runner for the helper and the plugin.
#[path = "../init/hooks.rs"]
pub mod hooks;

#[path = "../init/sys.rs"]
#[allow(dead_code)] // the helper's syscalls; the plugin uses those hooks.rs needs
mod sys;

static HELPER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lxcri-init"));

/// A memfd holding the helper (close-on-exec; the spawn code places it at `fd::EXE`).
pub fn memfd() -> Result<OwnedFd, PluginError> {
    let fd = memfd_create("lxcri-init", MFdFlags::MFD_CLOEXEC)
        .map_err(|e| PluginError::internal(format!("memfd_create: {e}")))?;
    let mut file = std::fs::File::from(fd);
    file.write_all(HELPER)
        .map_err(|e| PluginError::internal(format!("writing the helper: {e}")))?;
    Ok(file.into())
}

/// The path LXC and exec run the helper by, once it sits at `fd::EXE`.
pub fn exe_path() -> String {
    format!("/proc/self/fd/{}", plan::fd::EXE)
}
