//! The host driven by a real client, containerd's `ctr` with `--runc-binary`: one
//! scenario, run on every local backend.

use lxcri_test_support::{Host, containerd::Ctr, suite::wait_until};

fn ctr_drives(host: &Host, backend: &str) {
    let ctr = Ctr::start(host, backend);
    let ctd = &ctr.ctd;
    let runc_root = ctr.runc_root.clone();

    // run --rm: output and exit status pass through.
    let run = ctr.run(
        &["--rm"],
        "once",
        &["sh", "-c", "echo hello-from-ctr; exit 7"],
    );
    assert_eq!(run.code, 7, "{run:?}");
    assert!(run.stdout.contains("hello-from-ctr"), "{run:?}");

    // run -t: the process has a terminal of its own.
    let tty = ctr.run(&["--rm", "-t"], "tty", &["sh", "-c", "tty; exit 5"]);
    assert_eq!(tty.code, 5, "{tty:?}");
    assert!(tty.stdout.contains("/dev/pts/"), "{tty:?}");

    // A detached task: exec (plain and -t), ps, pause/resume, kill, delete.
    ctr.run(&["-d"], "long", &["sleep", "1000"]).ok();
    assert_eq!(ctr.status("long"), "RUNNING");
    let state_dir = runc_root.join(backend).join("long");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state_dir.join("state.json")).unwrap()).unwrap();
    assert_eq!(
        state["backend"], backend,
        "served through our host: {state}"
    );

    let exec = ctd.ctr([
        "task",
        "exec",
        "--exec-id",
        "e1",
        "long",
        "sh",
        "-c",
        "echo exec-ok; exit 4",
    ]);
    assert_eq!(exec.code, 4, "{exec:?}");
    assert!(exec.stdout.contains("exec-ok"), "{exec:?}");
    let exec_tty = ctd.ctr_with_tty(&[
        "task",
        "exec",
        "-t",
        "--exec-id",
        "e2",
        "long",
        "sh",
        "-c",
        "tty",
    ]);
    assert_eq!(exec_tty.code, 0, "{exec_tty:?}");
    assert!(exec_tty.stdout.contains("/dev/pts/"), "{exec_tty:?}");
    let ps = ctd.ctr(["task", "ps", "long"]).ok();
    assert!(ps.stdout.lines().count() >= 2, "{ps:?}");
    ctd.ctr(["task", "pause", "long"]).ok();
    assert_eq!(ctr.status("long"), "PAUSED");
    ctd.ctr(["task", "resume", "long"]).ok();
    assert_eq!(ctr.status("long"), "RUNNING");
    ctd.ctr(["task", "kill", "-s", "SIGKILL", "long"]).ok();
    wait_until("the task to stop", || ctr.status("long") == "STOPPED");
    ctr.remove("long");
    assert!(!state_dir.exists(), "state removed");

    // The default signal reaches the process's own handler; its status comes back.
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            ctr.run(
                &["--rm"],
                "trap",
                &[
                    "sh",
                    "-c",
                    "trap 'echo got-term; exit 42' TERM; echo armed; while :; do sleep 0.05; done",
                ],
            )
        });
        wait_until("the trapping task to run", || {
            ctr.status("trap") == "RUNNING"
        });
        // The trap is set once the shell printed; ps shows the loop's sleep then.
        wait_until("the trap to be armed", || {
            ctd.ctr(["task", "ps", "trap"]).stdout.lines().count() >= 3
        });
        ctd.ctr(["task", "kill", "trap"]).ok();
        let run = waiter.join().unwrap();
        assert_eq!(run.code, 42, "{run:?}");
        assert!(run.stdout.contains("got-term"), "{run:?}");
    });

    // A create error reaches the user with the backend's message.
    let bad = ctr.run(&["--rm"], "bad", &["/bin/nonexistent"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("nonexistent"), "{bad:?}");
    let left: Vec<_> = std::fs::read_dir(ctr.root())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| !n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "leftover containers: {left:?}");
}

#[test]
fn ctr_drives_crun() {
    ctr_drives(&Host::crun(), "crun");
}

#[test]
fn ctr_drives_lxc() {
    ctr_drives(&Host::lxc(), "lxc");
}
