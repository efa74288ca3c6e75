//! The host driven by a real client: containerd's `ctr` with `--runc-binary`.

use std::os::unix::fs::PermissionsExt;

use lxcri_test_support::{
    Host,
    containerd::{Containerd, busybox_image},
    suite::wait_until,
};

/// The script containerd runs as its runc: our binary with the test's plugins and config.
fn runtime_wrapper(host: &Host) -> std::path::PathBuf {
    let config = host.scratch().join("config.toml");
    let path = host.scratch().join("lxcri-runtime.sh");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nexport PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH=\nexec {} --plugin-dir {} --config {} \"$@\"\n",
            host.bin.display(),
            host.plugin_dir.display(),
            config.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn task_status(ctd: &Containerd, id: &str) -> String {
    let ls = ctd.ctr(["task", "ls"]).ok();
    ls.stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap_or("")
        .to_string()
}

#[test]
fn ctr_runs_containers_through_the_host() {
    let host = Host::crun();
    let runtime = runtime_wrapper(&host);
    let runtime = runtime.to_str().unwrap();
    let ctd_dir = host.scratch().join("containerd");
    std::fs::create_dir_all(&ctd_dir).unwrap();
    let tarball = busybox_image(&ctd_dir);
    let ctd = Containerd::start(&ctd_dir);
    let runc_root = host.scratch().join("runc-root");
    let runc_root = runc_root.to_str().unwrap();
    ctd.ctr(["images", "import", tarball.to_str().unwrap()])
        .ok();
    let image = "docker.io/library/bb:latest";

    // run --rm: output and exit status pass through.
    let run = ctd.ctr([
        "run",
        "--rm",
        "--runc-binary",
        runtime,
        "--runc-root",
        runc_root,
        image,
        "once",
        "sh",
        "-c",
        "echo hello-from-ctr; exit 7",
    ]);
    assert_eq!(run.code, 7, "{run:?}");
    assert!(run.stdout.contains("hello-from-ctr"), "{run:?}");

    // A detached task: exec, ps, pause/resume, kill, delete.
    ctd.ctr([
        "run",
        "-d",
        "--runc-binary",
        runtime,
        "--runc-root",
        runc_root,
        image,
        "long",
        "sleep",
        "1000",
    ])
    .ok();
    assert_eq!(task_status(&ctd, "long"), "RUNNING");
    let state_dir = std::path::Path::new(runc_root).join("default/long");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state_dir.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["backend"], "crun", "served through our host: {state}");

    let exec = ctd.ctr([
        "task",
        "exec",
        "--exec-id",
        "e1",
        "long",
        "sh",
        "-c",
        "echo exec-ok",
    ]);
    assert_eq!(exec.code, 0, "{exec:?}");
    assert!(exec.stdout.contains("exec-ok"), "{exec:?}");
    let ps = ctd.ctr(["task", "ps", "long"]).ok();
    assert!(ps.stdout.lines().count() >= 2, "{ps:?}");
    ctd.ctr(["task", "pause", "long"]).ok();
    assert_eq!(task_status(&ctd, "long"), "PAUSED");
    ctd.ctr(["task", "resume", "long"]).ok();
    assert_eq!(task_status(&ctd, "long"), "RUNNING");
    ctd.ctr(["task", "kill", "-s", "SIGKILL", "long"]).ok();
    wait_until("the task to stop", || {
        task_status(&ctd, "long") == "STOPPED"
    });
    ctd.ctr(["task", "delete", "long"]).ok();
    ctd.ctr(["container", "delete", "long"]).ok();
    assert!(!state_dir.exists(), "state removed");

    // A create error reaches the user with the backend's message.
    let bad = ctd.ctr([
        "run",
        "--rm",
        "--runc-binary",
        runtime,
        "--runc-root",
        runc_root,
        image,
        "bad",
        "/bin/nonexistent",
    ]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("nonexistent"), "{bad:?}");
    let left: Vec<_> = std::fs::read_dir(std::path::Path::new(runc_root).join("default"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| !n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "leftover containers: {left:?}");
}
