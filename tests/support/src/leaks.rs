//! What a container can leave behind on the host: its process and its cgroups.

use std::path::Path;

/// The process `pid` has exited (it is gone, or a zombie nobody reaped yet).
pub fn gone(pid: i64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// The cgroup directories at `path` that still exist, in every hierarchy.
pub fn cgroups_left(path: &str) -> Vec<String> {
    std::fs::read_dir("/sys/fs/cgroup")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(path.trim_start_matches('/')))
        .chain([Path::new("/sys/fs/cgroup/unified").join(path.trim_start_matches('/'))])
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect()
}
