//! `doctor`: the crun binary runs, and the cgroup filesystem is mounted.

use lxcri_plugin_api::doctor::{self, Check};
use std::path::Path;

use crate::runner::Crun;

pub fn doctor(crun: &Crun) -> Vec<Check> {
    vec![
        doctor::tool(
            "crun binary",
            crun.bin(),
            &["--version"],
            "install crun (apt-get install crun) or set [plugins.crun] path",
        ),
        doctor::path(
            "cgroup filesystem",
            Path::new("/sys/fs/cgroup"),
            "mount cgroup2 on /sys/fs/cgroup",
        ),
    ]
}
