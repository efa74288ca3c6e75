//! The host's processes as `/proc` lists them (a helper for plugins, not part of the
//! ABI): backends find a container's processes by cgroup, storage plugins find who has
//! a dataset mounted.

use std::path::PathBuf;

/// One process: its pid and its `/proc/<pid>` directory.
#[derive(Debug, Clone)]
pub struct Process {
    pub pid: i32,
    pub dir: PathBuf,
}

/// Every process `/proc` lists at this moment (none when `/proc` cannot be read).
/// Processes may exit while the caller looks at them; reads from `dir` can fail.
pub fn all() -> impl Iterator<Item = Process> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<i32>().ok()?;
            Some(Process { pid, dir: e.path() })
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_this_process() {
        let own = std::process::id() as i32;
        let me = super::all().find(|p| p.pid == own).expect("own pid listed");
        assert!(me.dir.join("status").exists());
    }
}
