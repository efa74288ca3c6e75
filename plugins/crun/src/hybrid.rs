//! Hybrid cgroup hosts: cgroup v1 controllers under `/sys/fs/cgroup` and a cgroup2
//! mount at `/sys/fs/cgroup/unified` that holds a controller. crun 1.8 refuses that
//! layout ("cgroups in hybrid mode not supported, drop all controllers from
//! cgroupv2"). On such a host, and only there, crun runs in a mount namespace of its
//! own where the cgroup2 mount is hidden, so it sees pure cgroup v1; the host's mounts
//! stay as they are.

use std::{os::unix::process::CommandExt, process::Command, sync::OnceLock};

const UNIFIED: &str = "/sys/fs/cgroup/unified";

/// Whether this host has the layout crun refuses.
pub fn needs_hidden_v2() -> bool {
    static NEEDED: OnceLock<bool> = OnceLock::new();
    *NEEDED.get_or_init(|| {
        let v2_root = std::fs::metadata("/sys/fs/cgroup/cgroup.controllers").is_ok();
        let controllers =
            std::fs::read_to_string(format!("{UNIFIED}/cgroup.controllers")).unwrap_or_default();
        !v2_root && !controllers.trim().is_empty()
    })
}

/// Makes `cmd` run in a private mount namespace without the cgroup2 mount.
pub fn hide_v2(cmd: &mut Command) {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::unshare(libc::CLONE_NEWNS) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let root = c"/";
            if libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            let unified = c"/sys/fs/cgroup/unified";
            if libc::umount2(unified.as_ptr(), libc::MNT_DETACH) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
