//! Whether a dataset is mounted in another mount namespace, typically a running
//! container's. zfs-fuse only sees the host's mount and would unmount it and carry on,
//! so destroy and rollback ask here first.

use std::fs;

/// The first process (other than in our own mount namespace) that has `dataset` or one
/// of its children mounted.
pub fn user_of(dataset: &str) -> Option<u32> {
    let own = fs::read_link("/proc/self/ns/mnt").ok()?;
    let mut seen = vec![own];
    for p in lxcri_plugin_helpers::procs::all() {
        let Ok(ns) = fs::read_link(p.dir.join("ns/mnt")) else {
            continue;
        };
        if seen.contains(&ns) {
            continue;
        }
        let mountinfo = fs::read_to_string(p.dir.join("mountinfo")).unwrap_or_default();
        if mounts(&mountinfo, dataset) {
            return u32::try_from(p.pid).ok();
        }
        seen.push(ns);
    }
    None
}

/// Whether a mountinfo text has a mount whose source is `dataset` or below it.
fn mounts(mountinfo: &str, dataset: &str) -> bool {
    mountinfo.lines().any(|line| {
        let source = line
            .split_once(" - ")
            .and_then(|(_, rest)| rest.split(' ').nth(1));
        source.is_some_and(|s| {
            s == dataset || s.strip_prefix(dataset).is_some_and(|r| r.starts_with('/'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::mounts;

    const LINE: &str = "812 790 0:61 / / rw,relatime - fuse tank/ct/c1 rw,user_id=0,group_id=0\n";

    #[test]
    fn matches_the_dataset_and_its_children_only() {
        assert!(mounts(LINE, "tank/ct/c1"));
        assert!(mounts(LINE, "tank/ct"));
        assert!(!mounts(LINE, "tank/ct/c"));
        assert!(!mounts(LINE, "tank/ct/c10"));
        assert!(!mounts("garbage\n", "tank/ct/c1"));
    }
}
