//! podman (with conmon) drives every local backend through the host: one scenario.

use lxcri_test_support::{
    Host,
    podman::{IMAGE, Podman},
    suite::wait_until,
};

fn podman_drives(host: &Host) {
    let runtime = host.runtime_wrapper();
    let podman = Podman::new(&host.scratch().join("podman"), &runtime);

    // run --rm: output and exit status pass through.
    let run = podman.run([
        "run",
        "--rm",
        IMAGE,
        "sh",
        "-c",
        "echo hello-from-podman; exit 3",
    ]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.contains("hello-from-podman"), "{run:?}");

    // run -t: a terminal of the process's own.
    let tty = podman.run(["run", "--rm", "-t", IMAGE, "sh", "-c", "tty"]);
    assert_eq!(tty.code, 0, "{tty:?}");
    assert!(tty.stdout.contains("/dev/pts/"), "{tty:?}");

    // A detached container: logs, exec, top, pause/unpause, stop, rm.
    podman
        .run([
            "run",
            "-d",
            "--name",
            "long",
            IMAGE,
            "sh",
            "-c",
            "echo started; exec sleep 1000",
        ])
        .ok();
    wait_until("the log line", || {
        podman.run(["logs", "long"]).stdout.contains("started")
    });
    let exec = podman.run(["exec", "long", "sh", "-c", "echo exec-ok; exit 4"]);
    assert_eq!(exec.code, 4, "{exec:?}");
    assert!(exec.stdout.contains("exec-ok"), "{exec:?}");
    let top = podman.run(["top", "long"]).ok();
    assert!(top.stdout.contains("sleep 1000"), "{top:?}");
    assert_eq!(
        top.stdout.lines().count(),
        2,
        "top shows the container's processes only: {top:?}"
    );
    podman.run(["pause", "long"]).ok();
    assert_eq!(podman.inspect("long", "{{.State.Status}}"), "paused");
    podman.run(["unpause", "long"]).ok();
    assert_eq!(podman.inspect("long", "{{.State.Status}}"), "running");
    // sleep ignores TERM as PID 1: stop ends with KILL, 137.
    podman.run(["stop", "-t", "1", "long"]).ok();
    assert_eq!(podman.inspect("long", "{{.State.ExitCode}}"), "137");
    podman.run(["rm", "long"]).ok();

    // The stop signal reaches the process's own handler; its status comes back.
    podman
        .run([
            "run",
            "-d",
            "--name",
            "trap",
            IMAGE,
            "sh",
            "-c",
            "trap 'exit 42' TERM; echo armed; while :; do sleep 0.05; done",
        ])
        .ok();
    wait_until("the trap to be armed", || {
        podman.run(["logs", "trap"]).stdout.contains("armed")
    });
    podman.run(["stop", "-t", "30", "trap"]).ok();
    assert_eq!(podman.inspect("trap", "{{.State.ExitCode}}"), "42");
    podman.run(["rm", "trap"]).ok();
    let left = podman.run(["ps", "-aq"]).ok();
    assert!(left.stdout.trim().is_empty(), "{left:?}");
}

#[test]
fn podman_drives_crun() {
    podman_drives(&Host::crun());
}

#[test]
fn podman_drives_lxc() {
    podman_drives(&Host::lxc());
}
