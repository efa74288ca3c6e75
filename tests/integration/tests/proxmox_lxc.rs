//! The proxmox-lxc backend through the host binary, against the Proxmox VE simulator.

use lxcri_test_support::{
    Host,
    proxmox::{Auth, plugin_config, simulator},
    suite::status,
};
use pve_sim::SimHandle;

const LIB: &str = "lxcri_proxmox_lxc";
const PLUGIN: &str = "proxmox-lxc";

fn host(sim: &SimHandle) -> Host {
    Host::proxmox(
        LIB,
        PLUGIN,
        sim,
        Auth::Token,
        "storage = \"local-lvm\"\nbridge = \"vmbr0\"\n",
    )
}

fn bundle(host: &Host, name: &str) -> String {
    host.bundle(name, &["sleep", "1000"])
        .with(|c| {
            c["hostname"] = "web1".into();
            c["linux"]["resources"] = serde_json::json!({"memory": {"limit": 268435456}});
        })
        .write()
        .display()
        .to_string()
}

fn assert_clean(sim: &SimHandle) {
    assert!(
        sim.schema_violations().is_empty(),
        "schema violations: {:#?}",
        sim.schema_violations()
    );
}

#[test]
fn full_lifecycle_with_schema_valid_requests() {
    let sim = simulator(&["pve1", "pve2"]);
    let host = host(&sim);
    let b = bundle(&host, "life");
    host.run(["create", "--bundle", &b, "ct1"]).ok();
    assert_eq!(status(&host, "ct1"), "created");
    {
        let cluster = sim.cluster();
        assert_eq!(cluster.guests.len(), 1);
        let (vmid, g) = cluster.guests.iter().next().unwrap();
        assert!(*vmid >= 100);
        assert_eq!(g.config["hostname"], "web1");
        assert_eq!(g.config["entrypoint"], "sleep 1000");
        assert_eq!(g.config["memory"], "256");
        assert_eq!(g.config["tags"], "lxcri");
        assert_eq!(g.config["unprivileged"], "1");
        assert!(g.config["env"].contains("PATH="), "{:?}", g.config);
        assert_eq!(g.config["net0"], "name=eth0,bridge=vmbr0,ip=dhcp");
    }
    host.run(["start", "ct1"]).ok();
    assert_eq!(status(&host, "ct1"), "running");
    host.run(["pause", "ct1"]).ok();
    assert_eq!(status(&host, "ct1"), "paused");
    host.run(["resume", "ct1"]).ok();
    assert_eq!(status(&host, "ct1"), "running");
    let listed = host.run(["list", "--format", "json"]).ok().json();
    assert_eq!(listed[0]["id"], "ct1");
    let unsupported = host.run(["exec", "ct1", "true"]).failed();
    assert_eq!(unsupported.code, 5, "{unsupported:?}");
    assert!(
        unsupported
            .stderr
            .contains("exec is not supported by backend proxmox-lxc")
    );
    let refused = host.run(["kill", "ct1", "USR1"]).failed();
    assert!(
        refused
            .stderr
            .contains("cannot be delivered through the Proxmox API"),
        "{refused:?}"
    );
    host.run(["kill", "ct1", "TERM"]).ok();
    assert_eq!(status(&host, "ct1"), "stopped");
    host.run(["delete", "ct1"]).ok();
    assert!(sim.cluster().guests.is_empty());
    host.run(["state", "ct1"]).failed();

    // A second create with the same rootfs content reuses the uploaded template.
    let b2 = bundle(&host, "again");
    host.run(["create", "--bundle", &b2, "ct2"]).ok();
    let uploads = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/upload"))
        .count();
    assert_eq!(uploads, 1, "template uploaded once");
    host.run(["delete", "--force", "ct2"]).ok();
    assert_clean(&sim);
}

#[test]
fn thirty_parallel_creates_get_distinct_vmids() {
    let sim = simulator(&["pve1"]);
    let host = host(&sim);
    let b = bundle(&host, "par");
    let ids: Vec<String> = (0..30).map(|n| format!("p{n:02}")).collect();
    sim.faults().nextid_repeats = 10;
    std::thread::scope(|s| {
        for id in &ids {
            let (host, b) = (&host, &b);
            s.spawn(move || host.run(["create", "--bundle", b, id]).ok());
        }
    });
    // Read under the lock, assert after it: a failed assertion must not unwind into
    // the simulator's shutdown while its lock is held.
    let (guests, mut owners) = {
        let cluster = sim.cluster();
        let owners: Vec<String> = cluster
            .guests
            .values()
            .map(|g| g.config["description"].clone())
            .collect();
        (cluster.guests.len(), owners)
    };
    assert_eq!(guests, 30, "{owners:?}");
    owners.sort();
    owners.dedup();
    assert_eq!(owners.len(), 30, "one guest per container: {owners:?}");
    let collisions = sim
        .requests()
        .iter()
        .filter(|r| {
            r.message
                .as_deref()
                .is_some_and(|m| m.contains("already exists"))
        })
        .count();
    assert!(collisions >= 10, "nextid raced {collisions} times");
    std::thread::scope(|s| {
        for id in &ids {
            let host = &host;
            s.spawn(move || host.run(["delete", "--force", id]).ok());
        }
    });
    assert!(sim.cluster().guests.is_empty());
    assert_clean(&sim);
}

#[test]
fn a_failed_create_task_leaves_nothing_behind() {
    let sim = simulator(&["pve1"]);
    let host = host(&sim);
    let b = bundle(&host, "fail");
    sim.faults().fail_tasks.insert(
        "vzcreate".into(),
        ("unable to create CT - storage full".into(), 1),
    );
    let run = host.run(["create", "--bundle", &b, "bad"]).failed();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(run.stderr.contains("storage full"), "{run:?}");
    assert!(sim.cluster().guests.is_empty(), "no CT left");
    // The template is named by its content: it stays for the next create to reuse.
    let volumes: usize = sim.cluster().volumes.values().map(|v| v.len()).sum();
    assert_eq!(volumes, 1, "the reusable template stays");
    assert!(!host.root.join("bad").exists());
    assert_clean(&sim);
}

#[test]
fn node_down_fails_over_to_another_node_and_endpoint() {
    let sim = simulator(&["pve1", "pve2"]);
    let host = host(&sim);
    let b = bundle(&host, "fo");
    sim.set_node_down("pve1", true);
    host.run(["create", "--bundle", &b, "fo1"]).ok();
    host.run(["start", "fo1"]).ok();
    assert_eq!(status(&host, "fo1"), "running");
    let node = sim.cluster().guests.values().next().unwrap().node.clone();
    assert_eq!(node, "pve2");
    host.run(["delete", "--force", "fo1"]).ok();
    assert_clean(&sim);
}

#[test]
fn a_locked_ct_is_a_clear_error() {
    let sim = simulator(&["pve1"]);
    let host = host(&sim);
    let b = bundle(&host, "lock");
    host.run(["create", "--bundle", &b, "l1"]).ok();
    let vmid = *sim.cluster().guests.keys().next().unwrap();
    sim.cluster()
        .guests
        .get_mut(&vmid)
        .unwrap()
        .config
        .insert("lock".into(), "backup".into());
    let run = host.run(["start", "l1"]).failed();
    assert!(run.stderr.contains("CT is locked (backup)"), "{run:?}");
    let run = host.run(["delete", "--force", "l1"]).failed();
    assert_eq!(run.code, 6, "conflict: {run:?}");
    sim.cluster()
        .guests
        .get_mut(&vmid)
        .unwrap()
        .config
        .remove("lock");
    host.run(["delete", "--force", "l1"]).ok();
    assert!(sim.cluster().guests.is_empty());
}

/// A ticket that expires under a process that lives on: the container's stand-in holds
/// its login for as long as the container runs, meets the 401, logs in again, and goes
/// on following the CT.
#[test]
fn a_ticket_expiring_under_the_stand_in_is_renewed() {
    let sim = simulator(&["pve1"]);
    let host = Host::proxmox(LIB, PLUGIN, &sim, Auth::Ticket, "");
    let b = bundle(&host, "auth");
    host.run(["create", "--bundle", &b, "a1"]).ok();
    host.run(["start", "a1"]).ok();
    let by_stand_in = |sim: &SimHandle| {
        sim.requests()
            .into_iter()
            .filter(|r| r.user_agent.contains("stand-in"))
            .collect::<Vec<_>>()
    };
    lxcri_test_support::suite::wait_until("the stand-in to log in", || {
        by_stand_in(&sim).iter().any(|r| r.path == "/access/ticket")
    });
    sim.expire_tickets();
    // Stopped by someone else: only the stand-in's own requests can notice.
    let vmid = *sim.cluster().guests.keys().next().unwrap();
    lxcri_test_support::proxmox::api(&sim, host.scratch())
        .post_task(&format!("/nodes/pve1/lxc/{vmid}/status/stop"), vec![])
        .unwrap();
    lxcri_test_support::suite::wait_until("the stand-in to end", || {
        lxcri_test_support::proxmox::stand_ins(&host.root).is_empty()
    });
    let seen = by_stand_in(&sim);
    let refused = seen.iter().position(|r| r.status == 401);
    let relogin = seen
        .iter()
        .rposition(|r| r.path == "/access/ticket" && r.status == 200);
    assert!(
        matches!((refused, relogin), (Some(a), Some(b)) if b > a),
        "the stand-in met the expired ticket and logged in again: {:?}",
        seen.iter().map(|r| (&r.path, r.status)).collect::<Vec<_>>()
    );
    assert_eq!(status(&host, "a1"), "stopped");
    host.run(["delete", "a1"]).ok();
    assert!(sim.cluster().guests.is_empty());
    assert_clean(&sim);
}

#[test]
fn an_unreachable_server_is_one_clear_line() {
    let sim = simulator(&["pve1"]);
    let mut host = Host::with_plugins(&[LIB]);
    let config = plugin_config(
        &host,
        PLUGIN,
        &sim,
        Auth::Token,
        &["https://127.0.0.1:1".to_string()],
        "",
    );
    host.write_config(&config);
    let b = bundle(&host, "down");
    let run = host
        .run(["--backend", PLUGIN, "create", "--bundle", &b, "u1"])
        .failed();
    assert_eq!(run.code, 7, "unavailable: {run:?}");
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(
        run.stderr.contains("unreachable") && run.stderr.contains("127.0.0.1:1"),
        "{run:?}"
    );
    assert!(!host.root.join("u1").exists());
}

#[test]
fn a_container_with_lost_local_state_is_found_again_by_its_tag() {
    let sim = simulator(&["pve1"]);
    let host = host(&sim);
    let b = bundle(&host, "lost");
    host.run(["create", "--bundle", &b, "lost1"]).ok();
    host.run(["start", "lost1"]).ok();
    std::fs::remove_dir_all(host.root.join("lost1")).unwrap();
    assert_eq!(status(&host, "lost1"), "running", "found again");
    host.run(["delete", "--force", "lost1"]).ok();
    assert!(sim.cluster().guests.is_empty());
    // And a forced delete cleans up a guest whose local state is gone entirely.
    host.run(["create", "--bundle", &b, "lost2"]).ok();
    std::fs::remove_dir_all(host.root.join("lost2")).unwrap();
    host.run(["delete", "--force", "lost2"]).ok();
    assert!(sim.cluster().guests.is_empty());
    assert_eq!(
        lxcri_test_support::proxmox::stand_ins(&host.root),
        Vec::<i32>::new(),
        "the stand-in whose record was lost is found by delete --force"
    );
    assert_clean(&sim);
}

#[test]
fn power_and_delete_on_the_wrong_status_are_clear_conflicts() {
    let sim = simulator(&["pve1"]);
    let host = host(&sim);
    let b = bundle(&host, "wrong");
    // Killing a created container ends its stand-in, as crun's kill ends a waiting
    // init: it is stopped, and a second kill is refused.
    host.run(["create", "--bundle", &b, "ct0"]).ok();
    host.run(["kill", "ct0", "KILL"]).ok();
    assert_eq!(status(&host, "ct0"), "stopped");
    // Proxmox itself refuses a stop of a stopped CT; the host says so in one line.
    let stopped = host.run(["kill", "ct0", "KILL"]).failed();
    assert!(stopped.stderr.contains("is not running"), "{stopped:?}");
    assert_eq!(stopped.stderr.lines().count(), 1, "{stopped:?}");
    assert_eq!(stopped.code, 6, "a conflict: {stopped:?}");
    host.run(["delete", "ct0"]).ok();

    host.run(["create", "--bundle", &b, "ct1"]).ok();
    host.run(["start", "ct1"]).ok();
    let again = host.run(["start", "ct1"]).failed();
    assert!(
        again.stderr.contains("only a created container"),
        "{again:?}"
    );

    // Proxmox refuses to destroy a running CT without force; nothing is lost.
    let running = host.run(["delete", "ct1"]).failed();
    assert!(running.stderr.contains("use --force"), "{running:?}");
    assert_eq!(running.code, 6, "a conflict: {running:?}");
    assert_eq!(sim.cluster().guests.len(), 1);
    assert_eq!(status(&host, "ct1"), "running");

    host.run(["delete", "--force", "ct1"]).ok();
    assert!(sim.cluster().guests.is_empty());
    assert_clean(&sim);
}
