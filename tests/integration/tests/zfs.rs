//! The zfs integration with a real zfs-fuse daemon and a file-backed pool.

use lxcri_test_support::{
    Host,
    bundle::{BundleBuilder, busybox_rootfs, default_config},
    crun::write_wrapper,
    suite::{status, wait_until},
    zfs::ZfsPool,
};

fn host_with(pool: Option<&ZfsPool>, extra: &str) -> Host {
    let mut host = Host::with_plugins(&["lxcri_crun", "lxcri_zfs"]);
    let wrapper = write_wrapper(host.scratch());
    let parent = pool
        .map(|p| format!("parent = \"{}/ct\"\n", p.pool))
        .unwrap_or_default();
    host.write_config(&format!(
        "[plugins.crun]\npath = {:?}\n[plugins.zfs]\n{parent}{extra}",
        wrapper.display().to_string()
    ));
    host
}

fn mountpoint_of(out: &str) -> String {
    out.trim()
        .rsplit(" mounted at ")
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn datasets_snapshots_clones_send_receive_and_errors() {
    let scratch = tempfile::tempdir().unwrap();
    let pool = ZfsPool::start(scratch.path());
    let host = host_with(Some(&pool), "");

    // Dataset lifecycle with a property, listed with its id tag.
    let made = host.run(["zfs", "create", "d1", "-o", "quota=50M"]).ok();
    let mp = mountpoint_of(&made.stdout);
    assert!(std::path::Path::new(&mp).is_dir(), "{made:?}");
    let list = host.run(["zfs", "list", "--json"]).ok().json();
    assert_eq!(list[0]["id"], "d1");
    assert_eq!(list[0]["name"], format!("{}/ct/d1", pool.pool));

    // Snapshot and rollback restore files.
    std::fs::write(format!("{mp}/keep"), "v1").unwrap();
    host.run(["zfs", "snapshot", "d1", "s1"]).ok();
    std::fs::write(format!("{mp}/keep"), "v2").unwrap();
    std::fs::write(format!("{mp}/later"), "x").unwrap();
    host.run(["zfs", "rollback", "d1", "s1"]).ok();
    assert_eq!(std::fs::read_to_string(format!("{mp}/keep")).unwrap(), "v1");
    assert!(!std::path::Path::new(&format!("{mp}/later")).exists());

    // A clone is an independent copy.
    let cloned = host.run(["zfs", "clone", "d1", "s1", "d2"]).ok();
    let mp2 = mountpoint_of(&cloned.stdout);
    std::fs::write(format!("{mp2}/keep"), "clone-only").unwrap();
    assert_eq!(std::fs::read_to_string(format!("{mp}/keep")).unwrap(), "v1");

    // Send/receive round trip.
    let stream = scratch.path().join("d1.zstream");
    host.run(["zfs", "send", "d1", "s1", stream.to_str().unwrap()])
        .ok();
    let received = host
        .run(["zfs", "receive", stream.to_str().unwrap(), "d3"])
        .ok();
    let mp3 = host
        .run(["zfs", "list", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "d3")
        .unwrap()["mountpoint"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        std::fs::read_to_string(format!("{mp3}/keep")).unwrap(),
        "v1",
        "{received:?}"
    );

    // A dataset a clone depends on cannot go: one line.
    let dependent = host.run(["zfs", "destroy", "d1"]).failed();
    assert_eq!(dependent.error_lines().len(), 1, "{dependent:?}");
    host.run(["zfs", "destroy", "d2"]).ok();
    host.run(["zfs", "destroy", "-r", "d3"]).ok();
    host.run(["zfs", "destroy", "-r", "d1"]).ok();

    // A missing pool is one clear line.
    let mut other = host_with(None, "parent = \"nopool/ct\"\n");
    other.extra_args.clear();
    let wrapper = write_wrapper(other.scratch());
    other.write_config(&format!(
        "[plugins.crun]\npath = {:?}\n[plugins.zfs]\nparent = \"nopool/ct\"\n",
        wrapper.display().to_string()
    ));
    let missing = other.run(["zfs", "create", "x"]).failed();
    assert_eq!(missing.code, 3, "{missing:?}");
    assert_eq!(missing.error_lines().len(), 1);
    assert!(
        missing.stderr.contains("pool 'nopool' does not exist"),
        "{missing:?}"
    );
}

#[test]
fn zfs_not_installed_is_one_clear_line() {
    let host = host_with(
        None,
        "parent = \"tank/ct\"\nzfs = \"/nonexistent/zfs\"\nzpool = \"/nonexistent/zpool\"\n",
    );
    let run = host.run(["zfs", "create", "x"]).failed();
    assert_eq!(run.code, 7, "{run:?}");
    assert_eq!(run.error_lines().len(), 1);
    assert!(run.stderr.contains("zfs is not installed"), "{run:?}");
    let cp = host.run(["checkpoint", "ghost"]).failed();
    assert_eq!(cp.code, 3);
}

#[test]
fn checkpoint_and_restore_a_running_container_on_a_dataset() {
    let scratch = tempfile::tempdir().unwrap();
    let pool = ZfsPool::start(scratch.path());
    let host = host_with(Some(&pool), "");

    // The container's rootfs is a dataset of its own.
    let made = host.run(["zfs", "create", "ck"]).ok();
    let rootfs = std::path::PathBuf::from(mountpoint_of(&made.stdout));
    busybox_rootfs(&rootfs);
    let bundle = scratch.path().join("ck-bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    let bundle = BundleBuilder {
        dir: bundle,
        config: default_config(&["sh", "-c", "echo up >> /data/boots; exec sleep 1000"]),
    }
    .with(|c| {
        c["root"]["path"] = rootfs.display().to_string().into();
        c["linux"]["cgroupsPath"] = format!("/lxcri-test-zfs-ck-{}", std::process::id()).into();
    })
    .write();
    let b = bundle.to_str().unwrap();
    // Dropped before the pool: a failed assertion must not leave the mount held.
    let _container = host.delete_on_drop("ck");
    host.run(["run", "-d", "--bundle", b, "ck"]).ok();
    let boots = || std::fs::read_to_string(rootfs.join("data/boots")).unwrap_or_default();
    wait_until("the container to boot", || boots() == "up\n");
    std::fs::write(rootfs.join("data/before"), "kept").unwrap();

    // Checkpoint while running: the container keeps running.
    let cp = host.run(["checkpoint", "--name", "cp1", "ck"]).ok();
    assert!(cp.stdout.contains("@cp1"), "{cp:?}");
    assert_eq!(status(&host, "ck"), "running");
    std::fs::write(rootfs.join("data/after"), "lost").unwrap();

    // The dataset of a running container is busy: one line, nothing destroyed.
    let busy = host.run(["zfs", "destroy", "-r", "ck"]).failed();
    assert_eq!(busy.code, 6, "{busy:?}");
    assert_eq!(busy.error_lines().len(), 1, "{busy:?}");
    assert!(busy.stderr.contains("is busy"), "{busy:?}");
    assert!(rootfs.join("data/after").exists());
    let snaps = host.run(["zfs", "list", "--snapshots", "--json"]).ok();
    assert!(snaps.stdout.contains("@cp1"), "{snaps:?}");

    // Restore needs the container stopped; then files written after are gone and
    // the container runs again.
    let busy = host.run(["restore", "--name", "cp1", "ck"]).failed();
    assert_eq!(busy.error_lines().len(), 1, "{busy:?}");
    host.run(["kill", "ck", "KILL"]).ok();
    wait_until("the container to stop", || status(&host, "ck") == "stopped");
    // A checkpoint that does not exist is refused while the container is still there.
    let missing = host.run(["restore", "--name", "nope", "ck"]).failed();
    assert_eq!(missing.error_lines().len(), 1, "{missing:?}");
    assert!(missing.stderr.contains("no checkpoint nope"), "{missing:?}");
    assert_eq!(status(&host, "ck"), "stopped", "the container is kept");
    host.run(["restore", "--name", "cp1", "ck"]).ok();
    assert_eq!(status(&host, "ck"), "running");
    // The process ran again on the restored files (one boot from before, one now).
    wait_until("the container to boot again", || boots() == "up\nup\n");
    assert!(!rootfs.join("data/after").exists());
    assert_eq!(
        std::fs::read_to_string(rootfs.join("data/before")).unwrap(),
        "kept"
    );

    host.run(["delete", "--force", "ck"]).ok();
    host.run(["zfs", "destroy", "-r", "ck"]).ok();
}

fn dataset_mountpoint(host: &Host, id: &str) -> Option<std::path::PathBuf> {
    let list = host.run(["zfs", "list", "--json"]).ok().json();
    list.as_array()?
        .iter()
        .find(|d| d["id"] == id)
        .map(|d| d["mountpoint"].as_str().unwrap().into())
}

#[test]
fn rootfs_storage_puts_each_new_container_on_a_dataset() {
    let scratch = tempfile::tempdir().unwrap();
    let pool = ZfsPool::start(scratch.path());
    let mut host = host_with(Some(&pool), "");
    let wrapper = write_wrapper(host.scratch());
    host.write_config(&format!(
        "rootfs_storage = \"zfs\"\n[plugins.crun]\npath = {:?}\n[plugins.zfs]\nparent = \"{}/ct\"\n",
        wrapper.display().to_string(),
        pool.pool
    ));
    let bundle = host
        .bundle(
            "b",
            &["sh", "-c", "echo hi >> /data/hello; exec sleep 1000"],
        )
        .write();
    let b = bundle.to_str().unwrap();
    let _container = host.delete_on_drop("onzfs");
    host.run(["run", "-d", "--bundle", b, "onzfs"]).ok();

    // The container runs on its own dataset, filled from the bundle; the bundle's
    // rootfs is untouched.
    let mp = dataset_mountpoint(&host, "onzfs").expect("a dataset for the container");
    wait_until("the container to write", || mp.join("data/hello").exists());
    assert!(!bundle.join("rootfs/data/hello").exists());
    let state = host.run(["state", "onzfs"]).ok().json();
    assert_eq!(state["rootfs"], mp.display().to_string());
    assert_eq!(state["bundle"], bundle.display().to_string());

    // So a checkpoint finds it; a delete keeps it like a bundle's rootfs, and the next
    // create reuses it.
    host.run(["checkpoint", "--name", "c1", "onzfs"]).ok();
    host.run(["delete", "--force", "onzfs"]).ok();
    assert!(dataset_mountpoint(&host, "onzfs").is_some());
    host.run(["run", "-d", "--bundle", b, "onzfs"]).ok();
    wait_until("the container to write again", || {
        std::fs::read_to_string(mp.join("data/hello")).unwrap_or_default() == "hi\nhi\n"
    });
    host.run(["delete", "--force", "onzfs"]).ok();

    // A create that fails removes the dataset it made.
    let broken = host
        .bundle("broken", &["true"])
        .with(|c| {
            c["mounts"].as_array_mut().unwrap().push(
                serde_json::json!({"destination": "/x", "type": "nosuchfs", "source": "none"}),
            )
        })
        .write();
    let failed = host
        .run(["create", "--bundle", broken.to_str().unwrap(), "broken"])
        .failed();
    assert!(failed.stderr.contains("No such device"), "{failed:?}");
    assert!(!failed.stderr.contains("warning"), "{failed:?}");
    assert!(dataset_mountpoint(&host, "broken").is_none(), "{failed:?}");
    host.run(["state", "broken"]).failed();

    host.run(["zfs", "destroy", "-r", "onzfs"]).ok();
}
