//! The host killed (SIGKILL) at every step of every command that changes a container
//! (the `PROXMOX_LXCRI_CRASH_AT` hook): the next command works, `delete --force`
//! recovers, nothing leaks (process, cgroup, the backend's own state, the state dir),
//! and the id can be used again. On crun and on lxc.

use std::path::Path;

use lxcri_test_support::{
    Host, Run,
    leaks::{cgroups_left, gone},
};

/// Every crash point of the host (`host/src/crash_point.rs`).
const POINTS: &[&str] = &[
    "create:reserved",
    "create:made",
    "create:recorded",
    "run:recorded",
    "start:started",
    "exec:started",
    "kill:signalled",
    "pause:paused",
    "resume:resumed",
    "update:updated",
    "delete:backend-gone",
];

struct Case<'a> {
    host: &'a Host,
    /// Where the backend keeps its own state of a container.
    backend_state: &'a Path,
    n: usize,
}

impl Case<'_> {
    fn bundle(&self, id: &str) -> (String, String) {
        let b = self
            .host
            .bundle(&format!("{id}-{}", self.n), &["sleep", "1000"])
            .write();
        let config: serde_json::Value =
            serde_json::from_slice(&std::fs::read(b.join("config.json")).unwrap()).unwrap();
        let cgroup = config["linux"]["cgroupsPath"].as_str().unwrap().to_string();
        (b.display().to_string(), cgroup)
    }

    fn crashing(&self, point: &str, args: &[&str]) -> Run {
        let mut cmd = self.host.command(args);
        cmd.env("PROXMOX_LXCRI_CRASH_AT", point);
        lxcri_test_support::host::run_with_files(cmd)
    }

    fn pid(&self, id: &str) -> Option<i64> {
        let state = self.host.run(["state", id]);
        (state.code == 0)
            .then(|| state.json()["pid"].as_i64())
            .flatten()
            .filter(|p| *p > 0)
    }
}

/// Brings container `id` to the state `point`'s command needs, kills the host at the
/// point, then recovers and checks that nothing is left.
fn crash_and_recover(case: &Case, point: &str) {
    let id = format!("k{}", case.n);
    let (bundle, cgroup) = case.bundle(&id);
    let command = point.split(':').next().unwrap();
    let args: Vec<String> = match command {
        "create" => vec![
            "create".into(),
            "--bundle".into(),
            bundle.clone(),
            id.clone(),
        ],
        "start" => vec!["start".into(), id.clone()],
        "run" => vec!["run".into(), "--bundle".into(), bundle.clone(), id.clone()],
        "exec" => vec![
            "exec".into(),
            "--detach".into(),
            id.clone(),
            "sleep".into(),
            "999".into(),
        ],
        "kill" => vec!["kill".into(), id.clone(), "KILL".into()],
        "pause" => vec!["pause".into(), id.clone()],
        "resume" => vec!["resume".into(), id.clone()],
        "update" => vec![
            "update".into(),
            "--pids-limit".into(),
            "100".into(),
            id.clone(),
        ],
        "delete" => vec!["delete".into(), "--force".into(), id.clone()],
        other => panic!("no case for {other}"),
    };
    match command {
        "create" | "run" => {}
        "start" => {
            case.host.run(["create", "--bundle", &bundle, &id]).ok();
        }
        _ => {
            case.host.run(["run", "-d", "--bundle", &bundle, &id]).ok();
        }
    }
    if command == "resume" {
        case.host.run(["pause", &id]).ok();
    }
    let pid = case.pid(&id);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let crashed = case.crashing(point, &args);
    assert_eq!(
        crashed.code,
        128 + 9,
        "{point}: the host was killed: {crashed:?}"
    );
    let pid = pid.or_else(|| case.pid(&id));

    // The next command works on what the crash left: state answers (or the container is
    // gone), and delete --force removes everything.
    let state = case.host.run(["state", &id]);
    assert!(
        state.code == 0 || state.code == 3,
        "{point}: state after the crash: {state:?}"
    );
    let delete = case.host.run(["delete", "--force", &id]);
    assert_eq!(delete.code, 0, "{point}: {delete:?}");
    if let Some(pid) = pid {
        assert!(gone(pid), "{point}: the container's process {pid} is gone");
    }
    assert_eq!(
        cgroups_left(&cgroup),
        Vec::<String>::new(),
        "{point}: cgroups left"
    );
    assert!(
        !case.backend_state.join(&id).exists(),
        "{point}: the backend's state is gone"
    );
    assert!(
        !case.host.root.join(&id).exists(),
        "{point}: the state dir is gone"
    );
    // The id can be used again.
    case.host.run(["run", "-d", "--bundle", &bundle, &id]).ok();
    case.host.run(["delete", "--force", &id]).ok();
}

/// Every point the backend's commands pass: `run:recorded` only where the backend runs
/// in one step (crun's `run`).
fn every_point(host: &Host, backend_state: &Path, one_step_run: bool) {
    for (n, point) in POINTS.iter().enumerate() {
        if *point == "run:recorded" && !one_step_run {
            continue;
        }
        let case = Case {
            host,
            backend_state,
            n,
        };
        crash_and_recover(&case, point);
    }
}

#[test]
fn crun_recovers_from_a_crash_at_every_point() {
    let host = Host::crun();
    every_point(&host, &host.root.join(".crun"), true);
}

#[test]
fn lxc_recovers_from_a_crash_at_every_point() {
    let host = Host::lxc();
    every_point(&host, &host.root.join(".lxc"), false);
}
