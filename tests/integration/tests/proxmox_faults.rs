//! Both Proxmox backends through the host binary, against a simulator with the
//! behaviours of real Proxmox that break clients turned on (docs/pve-sim.md). Every
//! test asserts: no orphan guest, no foreign guest touched, and either the right
//! outcome or a one-line error with its exit code.

use std::collections::BTreeSet;

use lxcri_test_support::{
    Host,
    proxmox::{Auth, Snapshot, add_foreign_guests, add_template_vm, foreign, ours, simulator},
    suite::status,
};
use pve_sim::{Match, Power, SimHandle};

const TEMPLATE: u32 = 9000;

#[derive(Clone, Copy)]
enum Backend {
    Lxc,
    Vm,
}

impl Backend {
    fn host(self, sim: &SimHandle, auth: Auth, extra: &str) -> Host {
        match self {
            Backend::Lxc => Host::proxmox(
                "lxcri_proxmox_lxc",
                "proxmox-lxc",
                sim,
                auth,
                &format!("storage = \"local-lvm\"\nbridge = \"vmbr0\"\n{extra}"),
            ),
            Backend::Vm => Host::proxmox(
                "lxcri_proxmox_vm",
                "proxmox-vm",
                sim,
                auth,
                &format!("template_vmid = {TEMPLATE}\nbridge = \"vmbr0\"\n{extra}"),
            ),
        }
    }

    /// A simulator on pve1 with the foreign guests (and the template VM).
    fn sim(self, same_id: &str) -> (SimHandle, Snapshot) {
        let sim = simulator(&["pve1"]);
        add_template_vm(&sim, TEMPLATE, "pve1", true);
        let before = add_foreign_guests(&sim, "pve1", same_id);
        (sim, before)
    }
}

fn bundle(host: &Host, name: &str) -> String {
    host.bundle(name, &["sleep", "1000"])
        .write()
        .display()
        .to_string()
}

/// The invariants every test ends with: foreign guests as they were, no guest of
/// ours left, only requests the schema allows.
fn assert_clean(sim: &SimHandle, before: &Snapshot) {
    assert_eq!(&foreign(sim), before, "a foreign guest changed");
    assert_eq!(ours(sim), Vec::<String>::new(), "orphan guests");
    assert!(
        sim.schema_violations().is_empty(),
        "{:#?}",
        sim.schema_violations()
    );
}

fn parallel_creates_and_deletes(backend: Backend) {
    let (sim, before) = backend.sim("p00");
    let host = backend.host(&sim, Auth::Token, "");
    let b = bundle(&host, "par");
    let ids: Vec<String> = (0..30).map(|n| format!("p{n:02}")).collect();
    {
        let mut f = sim.faults();
        f.async_collisions = true;
        f.drop_after_commit_percent = 5;
        f.nextid_repeats = 10;
    }
    std::thread::scope(|s| {
        for id in &ids {
            let (host, b) = (&host, &b);
            s.spawn(move || host.run(["create", "--bundle", b, id]).ok());
        }
    });
    assert_eq!(
        ours(&sim),
        ids,
        "one guest per container, each with its marker"
    );
    assert_eq!(foreign(&sim), before, "a foreign guest changed");
    let failed_tasks = sim
        .cluster()
        .tasks
        .values()
        .filter(|t| {
            t.exitstatus
                .as_deref()
                .is_some_and(|e| e.contains("already exists"))
        })
        .count();
    assert!(failed_tasks > 0, "collisions happened inside tasks");
    let lost = sim.requests().iter().filter(|r| r.lost).count();
    assert!(lost > 0, "answers were lost");
    std::thread::scope(|s| {
        for id in &ids {
            let host = &host;
            s.spawn(move || host.run(["delete", "--force", id]).ok());
        }
    });
    assert_clean(&sim, &before);
    let templates: Vec<u32> = sim
        .cluster()
        .guests
        .iter()
        .filter(|(_, g)| g.is_template())
        .map(|(v, _)| *v)
        .collect();
    assert_eq!(
        templates,
        vec![TEMPLATE],
        "only reusable templates are left"
    );
}

#[test]
fn thirty_parallel_cts_under_async_collisions_and_lost_answers() {
    parallel_creates_and_deletes(Backend::Lxc);
}

#[test]
fn thirty_parallel_vms_under_async_collisions_and_lost_answers() {
    parallel_creates_and_deletes(Backend::Vm);
}

/// nextid hands out the vmid of a foreign guest: the create collides inside its task
/// and must move on without touching that guest.
fn a_collision_never_touches_the_other_guest(backend: Backend) {
    let (sim, before) = backend.sim("x");
    let host = backend.host(&sim, Auth::Token, "");
    let b = bundle(&host, "col");
    {
        let mut c = sim.cluster();
        c.last_nextid = Some(151);
        let mut f = sim.faults();
        f.async_collisions = true;
        f.nextid_repeats = 1;
    }
    host.run(["create", "--bundle", &b, "c1"]).ok();
    let collided = sim.cluster().tasks.values().any(|t| {
        t.id == "151"
            || t.exitstatus
                .as_deref()
                .is_some_and(|e| e.contains("151") && e.contains("already exists"))
    });
    assert!(collided, "the create went for vmid 151 first");
    assert_eq!(ours(&sim), vec!["c1".to_string()]);
    assert_eq!(status(&host, "c1"), "created");
    host.run(["delete", "--force", "c1"]).ok();
    assert_clean(&sim, &before);
}

#[test]
fn a_ct_collision_never_touches_the_other_guest() {
    a_collision_never_touches_the_other_guest(Backend::Lxc);
}

#[test]
fn a_vm_collision_never_touches_the_other_guest() {
    a_collision_never_touches_the_other_guest(Backend::Vm);
}

/// Every write of a lifecycle loses its answer once, after Proxmox acted.
fn lost_answers_through_a_lifecycle(backend: Backend, writes: &[(&str, &str)]) {
    let (sim, before) = backend.sim("x");
    let host = backend.host(&sim, Auth::Token, "");
    let b = bundle(&host, "lost");
    sim.faults().drop_after_commit = writes
        .iter()
        .map(|(method, path)| (Match::new(method, path), 1))
        .collect();
    host.run(["create", "--bundle", &b, "l1"]).ok();
    assert_eq!(ours(&sim), vec!["l1".to_string()], "exactly one guest");
    host.run(["start", "l1"]).ok();
    assert_eq!(status(&host, "l1"), "running");
    host.run(["kill", "l1", "KILL"]).ok();
    assert_eq!(status(&host, "l1"), "stopped");
    host.run(["delete", "l1"]).ok();
    let left: Vec<_> = sim
        .faults()
        .drop_after_commit
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(m, _)| m.path_contains.clone())
        .collect();
    assert!(left.is_empty(), "every drop happened: {left:?}");
    assert_clean(&sim, &before);
}

#[test]
fn a_ct_survives_lost_answers_to_each_write() {
    lost_answers_through_a_lifecycle(
        Backend::Lxc,
        &[
            ("POST", "/upload"),
            ("POST", "/nodes/pve1/lxc"),
            ("POST", "/status/start"),
            ("POST", "/status/stop"),
            ("DELETE", "/lxc/"),
        ],
    );
}

#[test]
fn a_vm_survives_lost_answers_to_each_write() {
    lost_answers_through_a_lifecycle(
        Backend::Vm,
        &[
            ("POST", "/clone"),
            ("PUT", "/config"),
            ("POST", "/status/start"),
            ("POST", "/status/stop"),
            ("DELETE", "/qemu/"),
        ],
    );
}

/// The host is killed while each request of create is in flight (after Proxmox
/// acted, before the answer); `delete --force` then leaves nothing.
fn a_crash_at_any_point_of_create(backend: Backend) {
    let (sim, before) = backend.sim("x");
    let host = backend.host(&sim, Auth::Token, "");
    let b = bundle(&host, "crash");
    // Count the requests of one create (once the template is uploaded).
    host.run(["create", "--bundle", &b, "probe"]).ok();
    host.run(["delete", "--force", "probe"]).ok();
    let already = sim.requests().len();
    host.run(["create", "--bundle", &b, "probe"]).ok();
    let requests = sim.requests().len() - already;
    host.run(["delete", "--force", "probe"]).ok();
    assert!(requests >= 3, "{requests}");
    let mut stalls = 0;
    for n in 0..requests {
        let id = format!("k{n}");
        sim.reset_request_count();
        sim.faults().stall_request = Some(n);
        let mut child = host
            .command(["create", "--bundle", &b, &id])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn host");
        // Wait until the request is held (or create finished without reaching it).
        while !sim.stalled() && child.try_wait().expect("wait").is_none() {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        if sim.stalled() {
            stalls += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        sim.faults().stall_request = None;
        sim.release_stall();
        let run = host.run(["delete", "--force", &id]);
        assert_eq!(
            run.code, 0,
            "delete --force after a crash at request {n}: {run:?}"
        );
        assert_eq!(ours(&sim), Vec::<String>::new(), "crash at request {n}");
    }
    assert_eq!(
        stalls, requests,
        "the host was killed at every request of create"
    );
    assert_clean(&sim, &before);
}

#[test]
fn delete_force_cleans_up_after_a_ct_create_killed_at_any_point() {
    a_crash_at_any_point_of_create(Backend::Lxc);
}

#[test]
fn delete_force_cleans_up_after_a_vm_create_killed_at_any_point() {
    a_crash_at_any_point_of_create(Backend::Vm);
}

#[test]
fn lock_timeouts_inside_tasks_are_waited_out() {
    for backend in [Backend::Lxc, Backend::Vm] {
        let (sim, before) = backend.sim("x");
        let host = backend.host(&sim, Auth::Token, "");
        let b = bundle(&host, "lock");
        host.run(["create", "--bundle", &b, "t1"]).ok();
        {
            let mut f = sim.faults();
            for typ in [
                "vzstart",
                "qmstart",
                "vzstop",
                "qmstop",
                "vzdestroy",
                "qmdestroy",
            ] {
                f.task_lock_timeouts.insert(typ.into(), 2);
            }
        }
        host.run(["start", "t1"]).ok();
        assert_eq!(status(&host, "t1"), "running");
        host.run(["kill", "t1", "KILL"]).ok();
        host.run(["delete", "t1"]).ok();
        let timeouts = sim
            .cluster()
            .tasks
            .values()
            .filter(|t| {
                t.exitstatus
                    .as_deref()
                    .is_some_and(|e| e.contains("got timeout"))
            })
            .count();
        assert_eq!(timeouts, 6, "each lock timeout was a task failure");
        assert_clean(&sim, &before);
    }
}

#[test]
fn a_node_without_quorum_is_one_clear_line() {
    for backend in [Backend::Lxc, Backend::Vm] {
        let (sim, before) = backend.sim("x");
        let host = backend.host(&sim, Auth::Token, "");
        let b = bundle(&host, "quorum");
        sim.faults().no_quorum = BTreeSet::from(["pve1".to_string()]);
        let run = host.run(["create", "--bundle", &b, "q1"]).failed();
        assert_eq!(run.code, 7, "unavailable: {run:?}");
        assert_eq!(run.error_lines().len(), 1, "{run:?}");
        assert!(run.stderr.contains("no quorum"), "{run:?}");
        assert!(run.stderr.contains("pvecm status"), "{run:?}");
        assert_clean(&sim, &before);
    }
}

#[test]
fn errors_without_a_message_body_read_the_status_line() {
    let (sim, before) = Backend::Lxc.sim("x");
    let host = Backend::Lxc.host(&sim, Auth::Token, "");
    let b = bundle(&host, "legacy");
    host.run(["create", "--bundle", &b, "o1"]).ok();
    host.run(["start", "o1"]).ok();
    sim.faults().legacy_errors = true;
    // A plain delete of a running CT: Proxmox refuses with its reason only in the
    // status line.
    let run = host.run(["delete", "o1"]).failed();
    assert_eq!(run.code, 6, "{run:?}");
    assert!(run.stderr.contains("use --force"), "{run:?}");
    let vmid = sim
        .cluster()
        .guests
        .iter()
        .find(|(v, g)| !(150..=152).contains(*v) && !g.is_template())
        .map(|(v, _)| *v)
        .unwrap();
    sim.cluster()
        .guests
        .get_mut(&vmid)
        .unwrap()
        .config
        .insert("lock".into(), "backup".into());
    let run = host.run(["kill", "o1", "KILL"]).failed();
    assert!(run.stderr.contains("CT is locked (backup)"), "{run:?}");
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    sim.cluster()
        .guests
        .get_mut(&vmid)
        .unwrap()
        .config
        .remove("lock");
    host.run(["delete", "--force", "o1"]).ok();
    assert_clean(&sim, &before);
}

#[test]
fn root_only_settings_under_a_token_are_refused_before_anything_is_made() {
    let (sim, before) = Backend::Lxc.sim("x");
    let data = std::env::temp_dir();
    let extra = format!("bind_mount_prefixes = [{:?}]\n", data.display().to_string());
    let host = Backend::Lxc.host(&sim, Auth::Token, &extra);
    let b = host
        .bundle("bind", &["sleep", "1000"])
        .with(|c| {
            c["mounts"] = serde_json::json!([{"destination": "/data", "type": "bind",
                "source": data.display().to_string(), "options": ["rbind"]}]);
        })
        .write()
        .display()
        .to_string();
    let run = host.run(["create", "--bundle", &b, "r1"]).failed();
    assert_eq!(run.code, 9, "permission: {run:?}");
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(
        run.stderr.contains("root@pam") && run.stderr.contains("password_file"),
        "{run:?}"
    );
    let creates = sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/lxc"))
        .count();
    assert_eq!(creates, 0, "nothing was sent");
    // As root@pam (ticket auth) the same bundle gets its mount point.
    let root = Backend::Lxc.host(&sim, Auth::Ticket, &extra);
    root.run(["create", "--bundle", &b, "r2"]).ok();
    let mp0 = sim
        .cluster()
        .guests
        .values()
        .find_map(|g| g.config.get("mp0").cloned());
    assert_eq!(mp0, Some(format!("{},mp=/data", data.display())));
    root.run(["delete", "--force", "r2"]).ok();
    assert_clean(&sim, &before);
}

#[test]
fn a_token_without_privileges_is_one_clear_line() {
    for backend in [Backend::Lxc, Backend::Vm] {
        let (sim, before) = backend.sim("x");
        let host = backend.host(&sim, Auth::Token, "");
        let b = bundle(&host, "privs");
        sim.faults().token_privileges = Some(BTreeSet::from([
            "VM.Audit".to_string(),
            "Datastore.Audit".to_string(),
            "Datastore.AllocateTemplate".to_string(),
        ]));
        let run = host.run(["create", "--bundle", &b, "n1"]).failed();
        assert_eq!(run.code, 9, "permission: {run:?}");
        assert_eq!(run.error_lines().len(), 1, "{run:?}");
        assert!(run.stderr.contains("Permission check failed"), "{run:?}");
        assert!(run.stderr.contains("privileges"), "{run:?}");
        assert_clean(&sim, &before);
    }
}

#[test]
fn pause_of_a_ct_is_proxmox_checkpoint_and_says_so() {
    let (sim, before) = Backend::Lxc.sim("x");
    let host = Backend::Lxc.host(&sim, Auth::Token, "");
    let b = bundle(&host, "ckpt");
    host.run(["create", "--bundle", &b, "s1"]).ok();
    host.run(["start", "s1"]).ok();
    let run = host.run(["--debug", "pause", "s1"]).ok();
    assert!(run.stderr.contains("CRIU checkpoint"), "{run:?}");
    assert_eq!(status(&host, "s1"), "paused");
    let (power, checkpointed) = sim
        .cluster()
        .guests
        .iter()
        .find(|(v, g)| !(150..=152).contains(*v) && !g.is_template())
        .map(|(_, g)| (g.power, g.checkpointed))
        .unwrap();
    assert_eq!(
        (power, checkpointed),
        (Power::Stopped, true),
        "Proxmox reads the CT stopped"
    );
    host.run(["resume", "s1"]).ok();
    assert_eq!(status(&host, "s1"), "running");
    host.run(["delete", "--force", "s1"]).ok();
    assert_clean(&sim, &before);
}

#[test]
fn exec_waits_for_the_agent_and_reports_guest_exec_disabled() {
    let (sim, before) = Backend::Vm.sim("x");
    let host = Backend::Vm.host(&sim, Auth::Token, "agent = true\n");
    let b = bundle(&host, "agent");
    host.run(["create", "--bundle", &b, "a1"]).ok();
    host.run(["start", "a1"]).ok();
    // Right after start the agent does not answer yet; exec waits for it.
    let run = host.run(["exec", "a1", "echo", "booted"]).ok();
    assert_eq!(run.stdout, "booted\n");
    let refused = sim
        .requests()
        .iter()
        .filter(|r| {
            r.message
                .as_deref()
                .is_some_and(|m| m.contains("guest agent is not running"))
        })
        .count();
    assert!(refused > 0, "the agent was not ready at first");
    sim.faults().guest_exec_disabled = true;
    let run = host.run(["exec", "a1", "true"]).failed();
    assert_eq!(run.code, 5, "{run:?}");
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(run.stderr.contains("guest-exec disabled"), "{run:?}");
    host.run(["delete", "--force", "a1"]).ok();
    assert_clean(&sim, &before);
}

#[test]
fn a_clone_to_another_node_needs_shared_storage() {
    let sim = simulator(&["pve1", "pve2"]);
    add_template_vm(&sim, TEMPLATE, "pve1", true);
    let before = add_foreign_guests(&sim, "pve1", "x");
    let host = Backend::Vm.host(&sim, Auth::Token, "node = \"pve2\"\n");
    let b = bundle(&host, "remote");
    let run = host.run(["create", "--bundle", &b, "m1"]).failed();
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(run.stderr.contains("local storage"), "{run:?}");
    assert!(run.stderr.contains("shared"), "{run:?}");
    let shared = Backend::Vm.host(
        &sim,
        Auth::Token,
        "node = \"pve2\"\nfull_clone = true\nstorage = \"shared\"\n",
    );
    shared.run(["create", "--bundle", &b, "m2"]).ok();
    let node = sim
        .cluster()
        .guests
        .iter()
        .find(|(v, g)| !(150..=152).contains(*v) && !g.is_template())
        .map(|(_, g)| g.node.clone());
    assert_eq!(node.as_deref(), Some("pve2"));
    shared.run(["delete", "--force", "m2"]).ok();
    assert_clean(&sim, &before);
}

#[test]
fn lists_and_states_are_live_despite_the_resources_lag() {
    let (sim, before) = Backend::Lxc.sim("x");
    let host = Backend::Lxc.host(&sim, Auth::Token, "");
    let b = bundle(&host, "lag");
    host.run(["create", "--bundle", &b, "g1"]).ok();
    host.run(["start", "g1"]).ok();
    let listed = host.run(["list", "--format", "json"]).ok().json();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "g1")
        .cloned()
        .unwrap();
    assert_eq!(mine["status"], "running", "{listed}");
    host.run(["kill", "g1", "KILL"]).ok();
    assert_eq!(status(&host, "g1"), "stopped");
    host.run(["delete", "g1"]).ok();
    assert_clean(&sim, &before);
}

#[test]
fn a_failed_login_is_one_line_after_proxmox_delay() {
    let (sim, before) = Backend::Lxc.sim("x");
    let host = Backend::Lxc.host(&sim, Auth::Ticket, "");
    std::fs::write(host.scratch().join("pve-password"), "wrong").unwrap();
    let b = bundle(&host, "login");
    let run = host.run(["create", "--bundle", &b, "w1"]).failed();
    assert_eq!(run.code, 9, "{run:?}");
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(run.stderr.contains("authentication failure"), "{run:?}");
    assert_clean(&sim, &before);
}
