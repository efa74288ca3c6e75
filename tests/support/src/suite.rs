//! The backend-independent lifecycle suite: every backend that runs real processes
//! (crun, lxc) passes the same checks through the host binary.

use std::{path::Path, time::Duration};

use crate::Host;

/// Waits for a condition that a real process change brings about; fails after a
/// generous deadline (the deadline bounds a hang, it is not what the test measures).
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `status` field of `state ID`.
pub fn status(host: &Host, id: &str) -> String {
    let run = host.run(["state", id]).ok();
    run.json()["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn proc_exists(pid: i64) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// create → created with a real host pid → start → running → exec → ps → pause →
/// resume → kill → stopped → delete.
pub fn full_lifecycle(host: &Host) {
    let bundle = host.bundle("life", &["sleep", "1000"]).write();
    let pid_file = host.scratch().join("life.pid");
    host.run([
        "create",
        "--bundle",
        bundle.to_str().unwrap(),
        "--pid-file",
        pid_file.to_str().unwrap(),
        "life",
    ])
    .ok();
    let state = host.run(["state", "life"]).ok().json();
    assert_eq!(state["status"], "created", "{state}");
    assert_eq!(state["id"], "life");
    assert_eq!(
        state["bundle"],
        bundle.canonicalize().unwrap().to_str().unwrap()
    );
    let pid = state["pid"].as_i64().unwrap();
    assert!(
        pid > 0 && proc_exists(pid),
        "created container has a live init: {state}"
    );
    let from_file: i64 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(from_file, pid);

    host.run(["start", "life"]).ok();
    assert_eq!(status(host, "life"), "running");

    let exec = host
        .run(["exec", "life", "sh", "-c", "echo hello from $(hostname)"])
        .ok();
    assert_eq!(exec.stdout.trim(), "hello from lxcri-test");
    let exec = host.run(["exec", "life", "sh", "-c", "exit 3"]);
    assert_eq!(exec.code, 3, "exec returns the process status: {exec:?}");

    let ps = host.run(["ps", "--format", "json", "life"]).ok().json();
    assert!(
        ps.as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_i64() == Some(pid)),
        "{ps}"
    );
    let table = host.run(["ps", "life"]).ok();
    assert!(table.stdout.contains("sleep 1000"), "{table:?}");

    host.run(["pause", "life"]).ok();
    assert_eq!(status(host, "life"), "paused");
    host.run(["resume", "life"]).ok();
    assert_eq!(status(host, "life"), "running");

    let listed = host.run(["list", "--format", "json"]).ok().json();
    assert_eq!(listed[0]["id"], "life", "{listed}");
    assert_eq!(listed[0]["status"], "running", "{listed}");

    let refused = host.run(["delete", "life"]).failed();
    assert_eq!(refused.error_lines().len(), 1, "{refused:?}");

    host.run(["kill", "life", "KILL"]).ok();
    wait_until("the container to stop", || {
        status(host, "life") == "stopped"
    });
    assert!(
        !proc_exists(pid)
            || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true)
    );

    host.run(["delete", "life"]).ok();
    let gone = host.run(["state", "life"]).failed();
    assert_eq!(gone.code, 3, "not found: {gone:?}");
    assert!(!host.root.join("life").exists(), "state dir removed");
}

/// `run` waits and returns the container's exit status, then removes it.
pub fn run_returns_exit_status(host: &Host) {
    let bundle = host
        .bundle("runner", &["sh", "-c", "echo out-of-container; exit 7"])
        .write();
    let run = host.run(["run", "--bundle", bundle.to_str().unwrap(), "runner"]);
    assert_eq!(run.code, 7, "{run:?}");
    assert!(run.stdout.contains("out-of-container"), "{run:?}");
    let list = host.run(["list", "--quiet"]).ok();
    assert!(
        !list.stdout.contains("runner"),
        "run removes the container: {list:?}"
    );

    let bundle = host.bundle("runner-ok", &["true"]).write();
    host.run(["run", "--bundle", bundle.to_str().unwrap(), "runner-ok"])
        .ok();
}

/// Signals by name with and without SIG, and by number.
pub fn kill_accepts_names_and_numbers(host: &Host) {
    for (n, signal) in ["SIGKILL", "KILL", "9"].iter().enumerate() {
        let id = format!("sig{n}");
        let bundle = host.bundle(&id, &["sleep", "1000"]).write();
        host.run(["run", "--detach", "--bundle", bundle.to_str().unwrap(), &id])
            .ok();
        host.run(["kill", &id, signal]).ok();
        wait_until("the container to stop", || status(host, &id) == "stopped");
        host.run(["delete", &id]).ok();
    }
}
