//! The plugin loaded by the real host binary: `$PROXMOX_LXCRI_BIN`, else
//! `proxmox-lxcri` on PATH.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

fn host_bin() -> PathBuf {
    std::env::var_os("PROXMOX_LXCRI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("proxmox-lxcri"))
}

/// The plugin cargo built for these tests.
fn plugin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let so = target.join("debug/liblxcri_process.so");
    assert!(
        so.exists(),
        "{} is missing: run `cargo build` first",
        so.display()
    );
    so
}

struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("plugins")).unwrap();
        std::fs::copy(plugin(), dir.path().join("plugins/liblxcri_process.so")).unwrap();
        Self { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = tempfile::tempfile().unwrap();
        let err = tempfile::tempfile().unwrap();
        let status = Command::new(host_bin())
            .env("PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH", "")
            .arg("--root")
            .arg(self.dir.path().join("root"))
            .arg("--plugin-dir")
            .arg(self.dir.path().join("plugins"))
            .arg("--backend=process")
            .args(args)
            .stdout(out.try_clone().unwrap())
            .stderr(err.try_clone().unwrap())
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", host_bin().display()));
        let read = |mut f: std::fs::File| {
            use std::io::{Read, Seek};
            let mut v = Vec::new();
            f.rewind().unwrap();
            f.read_to_end(&mut v).unwrap();
            v
        };
        Output {
            status,
            stdout: read(out),
            stderr: read(err),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn status(&self, id: &str) -> String {
        let state: serde_json::Value = serde_json::from_str(&self.ok(&["state", id])).unwrap();
        state["status"].as_str().unwrap().to_string()
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("gave up waiting for {what}");
}

#[test]
fn the_host_runs_the_whole_lifecycle_through_this_plugin() {
    let host = Host::new();
    let bundle = host.dir.path().join("bundle");
    std::fs::create_dir_all(bundle.join("rootfs")).unwrap();
    let config = serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs"},
        "process": {
            "args": ["/bin/sh", "-c", "echo \"$GREETING\" > out; exec sleep 1000"],
            "env": ["GREETING=hello", "PATH=/usr/bin:/bin"],
            "cwd": "/",
            "user": {"uid": 0, "gid": 0}
        }
    });
    std::fs::write(bundle.join("config.json"), config.to_string()).unwrap();
    let b = bundle.to_str().unwrap();

    let plugins = host.ok(&["plugins"]);
    assert!(plugins.contains("process"), "{plugins}");
    host.ok(&["create", "--bundle", b, "p1"]);
    assert_eq!(host.status("p1"), "created");
    assert!(!bundle.join("rootfs/out").exists(), "held until start");
    host.ok(&["start", "p1"]);
    let out = bundle.join("rootfs/out");
    wait_until("the process to write", || {
        std::fs::read_to_string(&out).unwrap_or_default() == "hello\n"
    });
    assert_eq!(host.status("p1"), "running");
    let busy = host.run(&["delete", "p1"]);
    assert!(!busy.status.success());
    host.ok(&["kill", "p1", "KILL"]);
    wait_until("the process to stop", || host.status("p1") == "stopped");
    host.ok(&["delete", "p1"]);
    assert!(!host.run(&["state", "p1"]).status.success());
}
