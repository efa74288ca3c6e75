//! Parallel containers, serialised operations on one id, and a host killed in the
//! middle of `create`. Real crun.

use std::{
    process::{Child, Stdio},
    thread,
};

use lxcri_test_support::{
    Host,
    suite::{status, wait_until},
};

#[test]
fn twenty_containers_in_parallel_keep_consistent_state() {
    let host = Host::crun();
    let ids: Vec<String> = (0..20).map(|n| format!("par{n:02}")).collect();
    let bundles: Vec<_> = ids
        .iter()
        .map(|id| host.bundle(id, &["sleep", "1000"]).write())
        .collect();
    thread::scope(|s| {
        for (id, bundle) in ids.iter().zip(&bundles) {
            let host = &host;
            s.spawn(move || {
                host.run(["create", "--bundle", bundle.to_str().unwrap(), id])
                    .ok();
                host.run(["start", id]).ok();
            });
        }
    });
    let list = host.run(["list", "--format", "json"]).ok().json();
    let listed = list.as_array().unwrap();
    assert_eq!(listed.len(), 20, "{list}");
    let mut pids: Vec<i64> = listed
        .iter()
        .map(|c| {
            assert_eq!(c["status"], "running", "{c}");
            c["pid"].as_i64().unwrap()
        })
        .collect();
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 20, "distinct init pids");
    thread::scope(|s| {
        for id in &ids {
            let host = &host;
            s.spawn(move || {
                host.run(["kill", id, "KILL"]).ok();
                wait_until("stop", || status(host, id) == "stopped");
                host.run(["delete", id]).ok();
            });
        }
    });
    assert_eq!(host.run(["list", "--quiet"]).ok().stdout, "");
    assert_eq!(
        std::fs::read_dir(host.root.join(".crun")).unwrap().count(),
        0
    );
}

fn spawn(host: &Host, args: &[&str]) -> Child {
    host.command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn host")
}

/// Starts a `create` whose crun call blocks after creating; returns the host process
/// and the file whose creation releases the blocked wrapper.
fn hanging_create(host: &mut Host, id: &str) -> (Child, std::path::PathBuf) {
    let bundle = host.bundle(id, &["sleep", "1000"]).write();
    let marker = host.scratch().join(format!("{id}.hang"));
    host.env.push((
        "LXCRI_TEST_HANG_CREATE".into(),
        marker.display().to_string(),
    ));
    let child = spawn(host, &["create", "--bundle", bundle.to_str().unwrap(), id]);
    host.env.clear();
    wait_until("crun create to finish inside the wrapper", || {
        marker.exists()
    });
    (child, marker.with_extension("hang.release"))
}

fn release(file: &std::path::Path) {
    std::fs::write(file, b"").unwrap();
}

/// Whether process `pid` waits for the flock on `file` (a `->` line of /proc/locks
/// naming that pid and the file's inode).
fn waits_for_lock(pid: u32, file: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(inode) = std::fs::metadata(file).map(|m| m.ino()) else {
        return false;
    };
    std::fs::read_to_string("/proc/locks")
        .map(|t| {
            t.lines().any(|l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                // `N: -> FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END`
                fields.get(1) == Some(&"->")
                    && fields.get(2) == Some(&"FLOCK")
                    && fields.get(5) == Some(&pid.to_string().as_str())
                    && fields
                        .get(6)
                        .and_then(|f| f.rsplit(':').next())
                        .is_some_and(|i| i == inode.to_string())
            })
        })
        .unwrap_or(false)
}

#[test]
fn operations_on_one_id_are_serialised() {
    let mut host = Host::crun_with_hook();
    let (mut create, release_file) = hanging_create(&mut host, "ser");
    // `state` must wait for the create that holds the container's lock.
    let mut state = host.command(["state", "ser"]);
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut state = state
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = host.root.join("ser").join("lock");
    let waiter = state.id();
    wait_until("state to block on the container's lock", || {
        waits_for_lock(waiter, &lock)
    });
    assert!(
        state.try_wait().unwrap().is_none(),
        "state did not wait for create"
    );
    release(&release_file);
    assert!(
        create.wait().unwrap().success(),
        "create completes once crun returns"
    );
    assert!(state.wait().unwrap().success());
    let seen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path()).unwrap()).unwrap();
    assert_eq!(
        seen["status"], "created",
        "state saw the finished create: {seen}"
    );
    host.run(["delete", "ser"]).ok();
}

#[test]
fn a_host_killed_during_create_leaves_state_that_delete_force_cleans() {
    let mut host = Host::crun_with_hook();
    let (mut create, release_file) = hanging_create(&mut host, "crash");
    create.kill().unwrap();
    create.wait().unwrap();
    release(&release_file);
    assert_eq!(status(&host, "crash"), "creating");
    let refused = host.run(["delete", "crash"]).failed();
    assert!(refused.stderr.contains("incomplete"), "{refused:?}");
    host.run(["delete", "--force", "crash"]).ok();
    assert!(!host.root.join("crash").exists());
    assert_eq!(
        std::fs::read_dir(host.root.join(".crun")).unwrap().count(),
        0
    );
    let again = host.run(["state", "crash"]).failed();
    assert_eq!(again.code, 3);
}
