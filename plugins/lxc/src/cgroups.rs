//! The container's cgroups, read from its init's `/proc/PID/cgroup` at create and
//! driven directly through cgroupfs afterwards (v1, hybrid and v2 alike): members,
//! freezing, limits and removal.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use lxcri_plugin_api::PluginError;

use crate::io;
use serde::{Deserialize, Serialize};

/// One hierarchy the container is in: its controllers (empty: the unified v2 tree)
/// and its directory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cgroup {
    pub controllers: Vec<String>,
    pub dir: PathBuf,
}

/// Mounted cgroup hierarchies: (controllers or `name=` entries, mount point); the v2
/// mount has no controllers.
fn mounts() -> Vec<(Vec<String>, PathBuf)> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    info.lines()
        .filter_map(|line| {
            let (pre, post) = line.split_once(" - ")?;
            let mount_point = pre.split(' ').nth(4)?;
            let mut post = post.split(' ');
            let fstype = post.next()?;
            let options = post.nth(1).unwrap_or_default();
            let controllers = match fstype {
                "cgroup2" => Vec::new(),
                "cgroup" => options
                    .split(',')
                    .filter(|o| !matches!(*o, "rw" | "ro") && !o.contains("xattr"))
                    .map(str::to_string)
                    .collect(),
                _ => return None,
            };
            Some((
                controllers,
                PathBuf::from(mount_point.replace("\\040", " ")),
            ))
        })
        .collect()
}

/// The cgroups of `pid`, resolved to directories on this host.
pub fn of_pid(pid: i32) -> Result<Vec<Cgroup>, PluginError> {
    let file = PathBuf::from(format!("/proc/{pid}/cgroup"));
    let text = std::fs::read_to_string(&file).map_err(io(&file))?;
    let mounts = mounts();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(ctrl), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let controllers: Vec<String> = ctrl
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let mount = mounts.iter().find(|(m, _)| {
            if controllers.is_empty() {
                m.is_empty()
            } else {
                controllers.iter().all(|c| m.contains(c))
            }
        });
        if let Some((_, mount_point)) = mount {
            out.push(Cgroup {
                controllers,
                dir: mount_point.join(path.trim_start_matches('/')),
            });
        }
    }
    Ok(out)
}

fn find<'a>(cgroups: &'a [Cgroup], controller: &str) -> Option<&'a Cgroup> {
    cgroups
        .iter()
        .find(|c| c.controllers.iter().any(|x| x == controller))
}

fn unified(cgroups: &[Cgroup]) -> Option<&Cgroup> {
    cgroups.iter().find(|c| c.controllers.is_empty())
}

/// True on a host whose controllers live in v1 hierarchies (v1 or hybrid).
pub fn v1(cgroups: &[Cgroup]) -> bool {
    find(cgroups, "memory").is_some() || find(cgroups, "pids").is_some()
}

/// Every process in the container's cgroups (host pids, sorted).
pub fn procs(cgroups: &[Cgroup]) -> Vec<i32> {
    let mut pids: Vec<i32> = cgroups
        .iter()
        .filter_map(|c| std::fs::read_to_string(c.dir.join("cgroup.procs")).ok())
        .flat_map(|t| {
            t.lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// The `cgroup.procs` files a process joining the container writes its pid to.
pub fn procs_files(cgroups: &[Cgroup]) -> Vec<PathBuf> {
    cgroups
        .iter()
        .map(|c| c.dir.join("cgroup.procs"))
        .filter(|f| f.exists())
        .collect()
}

/// Whether the freezer holds the container.
pub fn frozen(cgroups: &[Cgroup]) -> bool {
    if let Some(f) = find(cgroups, "freezer") {
        return std::fs::read_to_string(f.dir.join("freezer.state"))
            .is_ok_and(|s| matches!(s.trim(), "FROZEN" | "FREEZING"));
    }
    unified(cgroups).is_some_and(|u| {
        std::fs::read_to_string(u.dir.join("cgroup.freeze")).is_ok_and(|s| s.trim() == "1")
    })
}

/// Freezes or thaws the container and waits until the kernel reports it done.
pub fn set_frozen(cgroups: &[Cgroup], freeze: bool) -> Result<(), PluginError> {
    let (file, value, done): (PathBuf, &str, Box<dyn Fn() -> bool>) =
        if let Some(f) = find(cgroups, "freezer") {
            let state = f.dir.join("freezer.state");
            let want = if freeze { "FROZEN" } else { "THAWED" };
            let probe = state.clone();
            (
                state,
                want,
                Box::new(move || std::fs::read_to_string(&probe).is_ok_and(|s| s.trim() == want)),
            )
        } else if let Some(u) = unified(cgroups) {
            let events = u.dir.join("cgroup.events");
            let want = if freeze { "frozen 1" } else { "frozen 0" };
            (
                u.dir.join("cgroup.freeze"),
                if freeze { "1" } else { "0" },
                Box::new(move || {
                    std::fs::read_to_string(&events).is_ok_and(|s| s.lines().any(|l| l == want))
                }),
            )
        } else {
            return Err(PluginError::unsupported(
                "no freezer cgroup: the host mounts neither the v1 freezer nor cgroup v2",
            ));
        };
    std::fs::write(&file, value).map_err(io(&file))?;
    // Freezing completes in the kernel as tasks reach a safe point; it is not a timer.
    for _ in 0..10_000 {
        if done() {
            return Ok(());
        }
        if freeze {
            // A task stuck in an uninterruptible sleep keeps FREEZING: ask again.
            let _ = std::fs::write(&file, value);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(PluginError::timeout(format!(
        "the cgroup {} did not reach {value}",
        file.display()
    )))
}

/// Writes one setting into the container's cgroups.
pub fn write(cgroups: &[Cgroup], s: &crate::limits::Setting) -> Result<(), PluginError> {
    let dir = if s.unified {
        unified(cgroups)
    } else {
        find(cgroups, s.controller())
    };
    let Some(dir) = dir else {
        return Err(PluginError::unsupported(format!(
            "{}: the {} controller is not mounted on this host",
            s.file,
            s.controller()
        )));
    };
    let file = dir.dir.join(&s.file);
    std::fs::write(&file, &s.value).map_err(io(&file))
}

/// Removes `rel` (relative to each hierarchy's root) wherever it is an empty cgroup:
/// a monitor cgroup left by a crash would make LXC refuse the next container on the
/// same path.
pub fn remove_stale(rel: &str) {
    for (_, mount) in mounts() {
        let _ = std::fs::remove_dir(mount.join(rel));
    }
}

/// Removes the container's cgroup directories (deepest first); a cgroup that still has
/// members is an error.
pub fn remove(cgroups: &[Cgroup]) -> Result<(), PluginError> {
    for c in cgroups {
        remove_tree(&c.dir)?;
    }
    Ok(())
}

fn remove_tree(dir: &Path) -> Result<(), PluginError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.filter_map(|e| e.ok()) {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            remove_tree(&e.path())?;
        }
    }
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(PluginError::backend(format!(
            "cannot remove cgroup {}: {e}",
            dir.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cgroups_on_mounted_hierarchies() {
        let mine = of_pid(std::process::id() as i32).unwrap();
        assert!(!mine.is_empty());
        for c in &mine {
            assert!(c.dir.starts_with("/sys/fs/cgroup"), "{c:?}");
        }
    }
}
