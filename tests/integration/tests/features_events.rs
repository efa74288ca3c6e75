//! `features` on every backend and `events --stats` in runc's shapes: the documents
//! are composed by the host from what each backend declares, so they exist even where
//! the backend's own tool lacks the command (crun 1.8 has no `features`).

use lxcri_test_support::{
    Host,
    proxmox::{Auth, add_template_vm, simulator},
};
use serde_json::Value;

/// The runtime-spec features document's invariants (features.md).
fn check_features(doc: &Value, backend: &str) {
    assert_eq!(doc["ociVersionMin"], "1.0.0", "{doc}");
    assert!(
        doc["ociVersionMax"].as_str().unwrap().starts_with("1."),
        "{doc}"
    );
    assert_eq!(
        doc["annotations"]["io.proxmox-lxcri.backend"], backend,
        "{doc}"
    );
    for list in ["hooks", "mountOptions"] {
        assert!(doc[list].is_null() || doc[list].is_array(), "{list}: {doc}");
    }
    if let Some(linux) = doc.get("linux") {
        assert!(
            linux["namespaces"].is_null() || linux["namespaces"].is_array(),
            "{doc}"
        );
    }
}

fn local_features(host: &Host, backend: &str) {
    let doc = host.run(["features"]).ok().json();
    check_features(&doc, backend);
    let hooks: Vec<&str> = doc["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(hooks.len(), 6, "all six hook kinds: {doc}");
    let namespaces = doc["linux"]["namespaces"].as_array().unwrap();
    assert!(namespaces.iter().any(|n| n == "pid"), "{doc}");
    assert!(doc["linux"]["cgroup"]["v1"].is_boolean(), "{doc}");
    assert_eq!(doc["linux"]["seccomp"]["enabled"], true, "{doc}");
    assert!(
        doc["linux"]["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "CAP_SYS_ADMIN"),
        "{doc}"
    );
}

/// `events --stats` of a running container: one JSON line in runc's shape.
fn stats(host: &Host, id: &str) -> Value {
    let run = host.run(["events", "--stats", id]).ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    let event: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(event["type"], "stats", "{event}");
    assert_eq!(event["id"], id, "{event}");
    event["data"].clone()
}

fn local_stats(host: &Host) {
    let b = host.bundle("stats", &["sleep", "1000"]).write();
    host.run(["run", "-d", "--bundle", b.to_str().unwrap(), "st1"])
        .ok();
    let data = stats(host, "st1");
    assert!(
        data["memory"]["usage"]["usage"].as_u64().unwrap() > 0,
        "{data}"
    );
    assert!(data["memory"]["usage"]["limit"].is_u64(), "{data}");
    assert!(data["pids"]["current"].as_u64().unwrap() >= 1, "{data}");
    assert!(data["cpu"]["usage"]["total"].is_u64(), "{data}");
    host.run(["delete", "--force", "st1"]).ok();
    let gone = host.run(["events", "--stats", "st1"]).failed();
    assert_eq!(gone.code, 3, "{gone:?}");
}

#[test]
fn crun_features_and_stats() {
    let host = Host::crun();
    local_features(&host, "crun");
    local_stats(&host);
}

#[test]
fn lxc_features_and_stats() {
    let host = Host::lxc();
    local_features(&host, "lxc");
    local_stats(&host);
}

#[test]
fn proxmox_features_and_stats() {
    let sim = simulator(&["pve1"]);
    add_template_vm(&sim, 9000, "pve1", true);
    for (lib, backend, extra) in [
        (
            "lxcri_proxmox_lxc",
            "proxmox-lxc",
            "storage = \"local-lvm\"\n",
        ),
        (
            "lxcri_proxmox_vm",
            "proxmox-vm",
            "template_vmid = 9000\nagent = true\n",
        ),
    ] {
        let host = Host::proxmox(lib, backend, &sim, Auth::Token, extra);
        let doc = host.run(["features"]).ok().json();
        check_features(&doc, backend);
        assert_eq!(doc["hooks"], serde_json::json!([]), "{doc}");
        let b = host.bundle("px", &["sleep", "1000"]).write();
        host.run(["run", "-d", "--bundle", b.to_str().unwrap(), "px1"])
            .ok();
        let data = stats(&host, "px1");
        assert!(
            data["memory"]["usage"]["limit"].as_u64().unwrap() > 0,
            "{data}"
        );
        assert!(data.get("cpu").is_none(), "no source, no field: {data}");
        host.run(["delete", "--force", "px1"]).ok();
    }
}
