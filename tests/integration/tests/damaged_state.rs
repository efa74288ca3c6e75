//! Every way a container's state can be damaged or half-made: `list` shows it as
//! `unknown` with the reason, `delete --force` removes it with everything its backend
//! holds (process, cgroups, the backend's own state), and the id can be used again.

use std::path::Path;

use lxcri_test_support::{
    Host,
    leaks::{cgroups_left, gone},
    suite::status,
};

/// A running crun container: (its pid, its cgroup path).
fn running(host: &Host, id: &str) -> (i64, String) {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let bundle = host
        .bundle(&format!("{id}-{n}"), &["sleep", "1000"])
        .write();
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("config.json")).unwrap()).unwrap();
    let cgroup = config["linux"]["cgroupsPath"].as_str().unwrap().to_string();
    host.run(["run", "-d", "--bundle", bundle.to_str().unwrap(), id])
        .ok();
    let pid = host.run(["state", id]).ok().json()["pid"].as_i64().unwrap();
    assert!(pid > 0);
    (pid, cgroup)
}

/// `list --format json` entry of `id`.
fn listed(host: &Host, id: &str) -> serde_json::Value {
    let all = host.run(["list", "--format", "json"]).ok().json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// Damages container `id` with `damage`, then checks list, delete --force and reuse.
fn damaged_is_listed_and_removed(damage: &str, reason: &str, hurt: impl Fn(&Path)) {
    let host = Host::crun();
    let id = format!("dmg-{damage}");
    let (pid, cgroup) = running(&host, &id);
    hurt(&host.root.join(&id));
    let entry = listed(&host, &id);
    assert_eq!(entry["status"], "unknown", "{damage}: {entry}");
    assert!(
        entry["reason"].as_str().unwrap_or("").contains(reason),
        "{damage}: {entry}"
    );
    let table = host.run(["list"]).ok();
    assert!(table.stdout.contains("delete --force"), "{table:?}");
    let refused = host.run(["delete", &id]).failed();
    assert_eq!(refused.code, 6, "{damage}: {refused:?}");
    host.run(["delete", "--force", &id]).ok();
    assert!(gone(pid), "{damage}: the process is gone");
    assert_eq!(cgroups_left(&cgroup), Vec::<String>::new(), "{damage}");
    assert!(
        !host.root.join(&id).exists(),
        "{damage}: the state dir is gone"
    );
    assert!(
        !host.root.join(".crun").join(&id).exists(),
        "{damage}: crun's state is gone"
    );
    // The id can be used again.
    let (pid, _) = running(&host, &id);
    assert_eq!(status(&host, &id), "running");
    host.run(["delete", "--force", &id]).ok();
    assert!(gone(pid));
}

#[test]
fn a_truncated_state_record() {
    damaged_is_listed_and_removed("truncated", "damaged", |dir| {
        let raw = std::fs::read(dir.join("state.json")).unwrap();
        std::fs::write(dir.join("state.json"), &raw[..raw.len() / 2]).unwrap();
    });
}

#[test]
fn a_garbage_state_record() {
    damaged_is_listed_and_removed("garbage", "damaged", |dir| {
        std::fs::write(dir.join("state.json"), b"\x00\x01garbage\xff").unwrap();
    });
}

#[test]
fn an_empty_state_record() {
    damaged_is_listed_and_removed("empty", "empty", |dir| {
        std::fs::write(dir.join("state.json"), b"").unwrap();
    });
}

#[test]
fn a_missing_state_record() {
    damaged_is_listed_and_removed("missing", "no state record", |dir| {
        std::fs::remove_file(dir.join("state.json")).unwrap();
    });
}

#[test]
fn a_missing_lock_file() {
    damaged_is_listed_and_removed("nolock", "lock file is missing", |dir| {
        std::fs::remove_file(dir.join("lock")).unwrap();
    });
}

#[test]
fn a_record_naming_an_unknown_backend() {
    let host = Host::crun();
    let (pid, _) = running(&host, "alien");
    let path = host.root.join("alien/state.json");
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    record["backend"] = "no-such-backend".into();
    std::fs::write(&path, record.to_string()).unwrap();
    let entry = listed(&host, "alien");
    assert_eq!(entry["status"], "unknown", "{entry}");
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .contains("no-such-backend"),
        "{entry}"
    );
    let run = host.run(["delete", "--force", "alien"]).ok();
    assert!(run.stderr.contains("not available"), "{run:?}");
    assert!(!host.root.join("alien").exists());
    // Its process was crun's: remove it through crun, by id.
    host.run(["delete", "--force", "alien"]).ok();
    assert!(gone(pid));
}

#[test]
fn a_record_whose_backend_lost_the_container() {
    let host = Host::crun();
    let (pid, _) = running(&host, "lost");
    // crun's own state goes (as after a reboot of its root), the process with it.
    nix_kill(pid);
    std::fs::remove_dir_all(host.root.join(".crun/lost")).unwrap();
    let entry = listed(&host, "lost");
    assert_eq!(entry["status"], "unknown", "{entry}");
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .contains("no longer has it"),
        "{entry}"
    );
    host.run(["delete", "--force", "lost"]).ok();
    assert!(!host.root.join("lost").exists());
    let (pid, _) = running(&host, "lost");
    host.run(["delete", "--force", "lost"]).ok();
    assert!(gone(pid));
}

fn nix_kill(pid: i64) {
    let _ = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status();
}

#[test]
fn backend_resources_without_a_record() {
    let host = Host::crun();
    let (pid, cgroup) = running(&host, "orphan");
    std::fs::remove_dir_all(host.root.join("orphan")).unwrap();
    let entry = listed(&host, "orphan");
    assert_eq!(entry["status"], "unknown", "{entry}");
    assert!(
        entry["reason"].as_str().unwrap().contains("no record here"),
        "{entry}"
    );
    // The id is free here, but crun still holds it: create says so.
    let bundle = host.bundle("orphan2", &["sleep", "1000"]).write();
    let again = host
        .run(["create", "--bundle", bundle.to_str().unwrap(), "orphan"])
        .failed();
    assert!(again.stderr.contains("delete --force"), "{again:?}");
    host.run(["delete", "--force", "orphan"]).ok();
    assert!(gone(pid), "the process is gone");
    assert_eq!(cgroups_left(&cgroup), Vec::<String>::new());
    assert!(!host.root.join(".crun/orphan").exists());
    let (pid, _) = running(&host, "orphan");
    host.run(["delete", "--force", "orphan"]).ok();
    assert!(gone(pid));
}
