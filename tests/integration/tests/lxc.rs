//! The lxc backend through the host binary, with real LXC: the shared lifecycle suite
//! and what only LXC translates.

use lxcri_test_support::{Host, suite};

#[test]
fn full_lifecycle() {
    suite::full_lifecycle(&Host::lxc());
}

#[test]
fn run_returns_exit_status() {
    suite::run_returns_exit_status(&Host::lxc());
}

#[test]
fn kill_accepts_names_and_numbers() {
    suite::kill_accepts_names_and_numbers(&Host::lxc());
}

#[test]
fn env_cwd_hostname_bind_mount_memory_and_uid_are_visible_inside() {
    let host = Host::lxc();
    let shared = host.scratch().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("marker"), "from-the-host").unwrap();
    let script = "echo env=$GREETING; echo cwd=$(pwd); echo host=$(hostname); echo mount=$(cat /data/marker); \
                  echo uid=$(id -u):$(id -g); echo mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)";
    let bundle = host
        .bundle("visible", &["sh", "-c", script])
        .with(|c| {
            c["process"]["env"]
                .as_array_mut()
                .unwrap()
                .push("GREETING=hello-lxc".into());
            c["process"]["cwd"] = "/tmp".into();
            c["process"]["user"] = serde_json::json!({"uid": 1000, "gid": 1000});
            c["hostname"] = "lxc-visible".into();
            c["mounts"].as_array_mut().unwrap().push(serde_json::json!({
                "destination": "/data", "type": "bind", "source": shared, "options": ["rbind", "ro"]
            }));
            c["linux"]["resources"] = serde_json::json!({"memory": {"limit": 67108864}});
            c["mounts"].as_array_mut().unwrap().push(serde_json::json!({
                "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"]
            }));
            c["linux"]["namespaces"].as_array_mut().unwrap().push(serde_json::json!({"type": "cgroup"}));
        })
        .write();
    let run = host
        .run(["run", "--bundle", bundle.to_str().unwrap(), "visible"])
        .ok();
    for expected in [
        "env=hello-lxc",
        "cwd=/tmp",
        "host=lxc-visible",
        "mount=from-the-host",
        "uid=1000:1000",
        "mem=67108864",
    ] {
        assert!(run.stdout.contains(expected), "{expected} not in {run:?}");
    }
}

#[test]
fn unsupported_settings_and_bad_versions_are_refused() {
    let host = Host::lxc();
    // What LXC has no key for is refused in one line naming the field.
    let net = host
        .bundle("netres", &["true"])
        .with(|c| c["linux"]["resources"] = serde_json::json!({"network": {"classID": 1}}))
        .write();
    let run = host
        .run(["create", "--bundle", net.to_str().unwrap(), "n1"])
        .failed();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(run.stderr.contains("linux.resources.network"), "{run:?}");
    assert!(!host.root.join("n1").exists());

    // A failing createRuntime hook fails create and leaves nothing behind.
    let hook = host
        .bundle("badhook", &["true"])
        .with(|c| c["hooks"] = serde_json::json!({"createRuntime": [{"path": "/bin/false"}]}))
        .write();
    let run = host
        .run(["create", "--bundle", hook.to_str().unwrap(), "h1"])
        .failed();
    assert!(
        run.stderr.contains("createRuntime hook /bin/false"),
        "{run:?}"
    );
    assert!(!host.root.join("h1").exists());
    assert!(
        !host.root.join(".lxc/h1").exists(),
        "the LXC side is gone too"
    );

    let version = host
        .bundle("banana", &["true"])
        .with(|c| c["ociVersion"] = "banana".into())
        .write();
    let run = host
        .run(["create", "--bundle", version.to_str().unwrap(), "v1"])
        .failed();
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(run.stderr.contains("ociVersion"), "{run:?}");
    assert!(!host.root.join("v1").exists());
}

#[test]
fn exec_into_a_paused_container_is_refused_not_hung() {
    let host = Host::lxc();
    let bundle = host.bundle("paused", &["sleep", "1000"]).write();
    let _guard = host.delete_on_drop("paused");
    host.run([
        "run",
        "--detach",
        "--bundle",
        bundle.to_str().unwrap(),
        "paused",
    ])
    .ok();
    host.run(["pause", "paused"]).ok();
    let exec = host.run(["exec", "paused", "true"]).failed();
    assert_eq!(exec.error_lines().len(), 1, "{exec:?}");
    assert!(exec.stderr.contains("paused"), "{exec:?}");
    host.run(["resume", "paused"]).ok();
    host.run(["exec", "paused", "true"]).ok();
}

#[test]
fn delete_force_right_after_start_always_removes_everything() {
    let host = Host::lxc();
    let bundle = host.bundle("quick", &["sleep", "1000"]).write();
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("config.json")).unwrap()).unwrap();
    let cgroup = format!(
        "/sys/fs/cgroup/pids{}",
        config["linux"]["cgroupsPath"].as_str().unwrap()
    );
    for _ in 0..30 {
        host.run([
            "run",
            "--detach",
            "--bundle",
            bundle.to_str().unwrap(),
            "quick",
        ])
        .ok();
        let pid = host.run(["state", "quick"]).ok().json()["pid"]
            .as_i64()
            .unwrap();
        host.run(["delete", "--force", "quick"]).ok();
        assert!(host.run(["state", "quick"]).code != 0, "the record is gone");
        assert!(
            !host.root.join(".lxc/quick").exists(),
            "the LXC side is gone"
        );
        assert!(!std::path::Path::new(&cgroup).exists(), "{cgroup} is gone");
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "the process is dead: {stat}"
        );
    }
}
