//! `doctor`: lxc-start runs, the lxcpath is writable, and the cgroup filesystem is
//! mounted.

use std::path::Path;

use lxcri_plugin_api::doctor::Check;
use lxcri_plugin_helpers::checks as doctor;

use crate::Lxc;

pub fn doctor(lxc: &Lxc) -> Vec<Check> {
    let mut checks = vec![
        doctor::tool(
            "lxc-start",
            &lxc.lxc_start(),
            &["--version"],
            "install LXC (apt-get install lxc) or set [plugins.lxc] tools_dir",
        ),
        doctor::path(
            "cgroup filesystem",
            Path::new("/sys/fs/cgroup"),
            "mount cgroups on /sys/fs/cgroup",
        ),
    ];
    let lxcpath = &lxc.lxcpath;
    checks.push(
        match std::fs::create_dir_all(lxcpath).and_then(|()| tempfile_in(lxcpath)) {
            Ok(()) => Check::pass("lxcpath writable", lxcpath.display().to_string()),
            Err(e) => Check::fail(
                "lxcpath writable",
                format!("{}: {e}", lxcpath.display()),
                "run as root or set [plugins.lxc] lxcpath to a writable directory",
            ),
        },
    );
    checks
}

fn tempfile_in(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(probe)
}
