//! `doctor`: each loaded plugin's prerequisites, with what to fix when they fail.

use lxcri_test_support::{
    Host,
    proxmox::{Auth, plugin_config, simulator},
};
use serde_json::Value;

fn checks_of<'a>(report: &'a Value, subject: &str) -> &'a Vec<Value> {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subject"] == subject)
        .unwrap_or_else(|| panic!("no section {subject}: {report:#}"))["checks"]
        .as_array()
        .unwrap()
}

#[test]
fn a_healthy_machine_passes_and_each_failure_names_its_fix() {
    let mut host = Host::crun();
    let sim = simulator(&["pve1"]);
    host.install(&lxcri_test_support::plugin("lxcri_proxmox_lxc"));
    host.install(&lxcri_test_support::plugin("lxcri_example_noop"));
    let crun = std::fs::read_to_string(host.scratch().join("config.toml")).unwrap_or_default();
    let pve = plugin_config(&host, "proxmox-lxc", &sim, Auth::Token, &sim.endpoints, "");
    host.write_config(&format!("{crun}{pve}"));

    let run = host.run(["doctor", "--format", "json"]).ok();
    let report = run.json();
    assert_eq!(report["ok"], true, "{run:?}");
    let crun = checks_of(&report, "crun");
    assert!(
        crun.iter()
            .any(|c| c["name"] == "crun binary" && c["ok"] == true),
        "{report:#}"
    );
    // A real create and delete through crun works on this (hybrid cgroup) host.
    assert!(
        crun.iter()
            .any(|c| c["name"] == "crun create/delete" && c["ok"] == true),
        "{report:#}"
    );
    let pve = checks_of(&report, "proxmox-lxc");
    assert!(
        pve.iter()
            .any(|c| c["detail"].as_str().unwrap().contains("Proxmox VE 9.1")),
        "{report:#}"
    );
    assert!(
        pve.iter()
            .any(|c| c["name"] == "nodes online" && c["detail"] == "pve1")
    );

    // A node down, a broken plugin file and a crun that is not there: each one fails
    // with a fix, and the exit code says so.
    sim.set_node_down("pve1", true);
    std::fs::write(host.plugin_dir.join("broken.so"), b"not a plugin").unwrap();
    let mut broken = host;
    let pve = plugin_config(
        &broken,
        "proxmox-lxc",
        &sim,
        Auth::Token,
        &sim.endpoints,
        "",
    );
    broken.write_config(&format!(
        "[plugins.crun]\npath = \"/nonexistent/crun\"\n{pve}"
    ));
    let run = broken.run(["doctor"]);
    assert_eq!(run.code, 1, "{run:?}");
    let fails: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert!(fails.iter().any(|l| l.contains("crun binary")), "{run:?}");
    assert!(fails.iter().any(|l| l.contains("broken.so")), "{run:?}");
    assert!(fails.iter().any(|l| l.contains("proxmox-lxc")), "{run:?}");
    assert!(run.stdout.contains("fix: install crun"), "{run:?}");
    assert!(run.stdout.contains("check(s) failed"), "{run:?}");
}

#[test]
fn zfs_without_its_daemon_or_pool_fails_with_a_fix() {
    let mut host = Host::with_plugins(&["lxcri_zfs"]);
    host.write_config("[plugins.zfs]\nparent = \"tank/ct\"\nzpool = \"/nonexistent/zpool\"\n");
    let run = host.run(["doctor", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let zfs = checks_of(&report, "zfs");
    assert_eq!(zfs[0]["ok"], false, "{report:#}");
    assert!(
        zfs[0]["fix"].as_str().unwrap().contains("zfs"),
        "{report:#}"
    );
}

#[test]
fn a_crun_that_cannot_create_fails_the_probe_with_its_reason_and_fix() {
    use std::os::unix::fs::PermissionsExt;
    let mut host = Host::crun();
    // A crun that fails every create as crun 1.8 does on a hybrid host without help.
    let fake = host.scratch().join("fake-crun");
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a in \"$@\"; do case $a in --log=*) log=${a#--log=};; esac; done\n\
         case \" $* \" in *\" create \"*) echo '{\"msg\":\"cgroups in hybrid mode not supported, drop all controllers from cgroupv2\",\"level\":\"error\"}' > \"$log\"; exit 1;; esac\n\
         exec crun \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    host.write_config(&format!(
        "[plugins.crun]\npath = {:?}\n",
        fake.display().to_string()
    ));
    let run = host.run(["doctor", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let probe = checks_of(&report, "crun")
        .iter()
        .find(|c| c["name"] == "crun create/delete")
        .cloned()
        .unwrap();
    assert_eq!(probe["ok"], false, "{probe}");
    assert!(
        probe["detail"].as_str().unwrap().contains("hybrid"),
        "{probe}"
    );
    assert!(probe["fix"].as_str().unwrap().contains("cgroup"), "{probe}");
}
