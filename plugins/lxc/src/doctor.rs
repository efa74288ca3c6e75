//! `doctor`: the lxc-* tools run, the static helper that holds the process exists, the
//! lxcpath is writable, and the cgroup filesystem is mounted.

use std::path::{Path, PathBuf};

use lxcri_plugin_api::doctor::{self, Check};

use crate::Lxc;

pub fn doctor(lxc: &Lxc) -> Vec<Check> {
    let tool = |name: &str| match &lxc.tools.dir {
        Some(d) => d.join(name),
        None => PathBuf::from(name),
    };
    let mut checks = vec![
        doctor::tool(
            "lxc tools",
            &tool("lxc-execute"),
            &["--version"],
            "install LXC (apt-get install lxc) or set [plugins.lxc] tools_dir",
        ),
        doctor::path(
            "static helper",
            &lxc.cfg.helper,
            "install busybox-static or set [plugins.lxc] helper to a static busybox",
        ),
        doctor::path(
            "cgroup filesystem",
            Path::new("/sys/fs/cgroup"),
            "mount cgroups on /sys/fs/cgroup",
        ),
    ];
    let lxcpath = &lxc.tools.lxcpath;
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
