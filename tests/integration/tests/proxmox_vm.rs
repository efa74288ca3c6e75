//! The proxmox-vm backend through the host binary, against the Proxmox VE simulator.

use lxcri_test_support::{
    Host,
    proxmox::{Auth, simulator},
    suite::status,
};
use pve_sim::{Kind, SimHandle, model::Guest};

const LIB: &str = "lxcri_proxmox_vm";
const PLUGIN: &str = "proxmox-vm";
const TEMPLATE: u32 = 9000;

fn sim_with_template() -> SimHandle {
    let sim = simulator(&["pve1"]);
    let mut g = Guest::new(Kind::Qemu, "pve1");
    for (k, v) in [
        ("name", "debian-tpl"),
        ("memory", "2048"),
        ("template", "1"),
        ("scsi0", "local-lvm:base-9000-disk-0,size=8G"),
    ] {
        g.config.insert(k.into(), v.into());
    }
    sim.cluster().guests.insert(TEMPLATE, g);
    sim
}

fn host(sim: &SimHandle, agent: bool) -> Host {
    Host::proxmox(
        LIB,
        PLUGIN,
        sim,
        Auth::Token,
        &format!("template_vmid = {TEMPLATE}\nbridge = \"vmbr0\"\nagent = {agent}\n"),
    )
}

fn bundle(host: &Host, name: &str) -> String {
    host.bundle(name, &["sleep", "1000"])
        .with(|c| c["linux"]["resources"] = serde_json::json!({"memory": {"limit": 1073741824u64}, "cpu": {"quota": 200000, "period": 100000}}))
        .write()
        .display()
        .to_string()
}

fn vms(sim: &SimHandle) -> Vec<(u32, Guest)> {
    sim.cluster()
        .guests
        .iter()
        .filter(|(id, _)| **id != TEMPLATE)
        .map(|(id, g)| (*id, g.clone()))
        .collect()
}

#[test]
fn full_lifecycle_with_agent_exec() {
    let sim = sim_with_template();
    let host = host(&sim, true);
    let b = bundle(&host, "vm");
    host.run(["create", "--bundle", &b, "vm_1"]).ok();
    assert_eq!(status(&host, "vm_1"), "created");
    let (vmid, g) = vms(&sim).pop().unwrap();
    assert_ne!(vmid, TEMPLATE);
    assert_eq!(g.config["name"], "vm-1");
    assert_eq!(g.config["memory"], "1024");
    assert_eq!(g.config["cores"], "2");
    assert_eq!(g.config["net0"], "virtio,bridge=vmbr0");
    assert_eq!(g.config["agent"], "enabled=1");
    assert_eq!(g.config["tags"], "lxcri");
    assert!(
        !g.config.contains_key("template"),
        "the clone is not a template"
    );

    host.run(["start", "vm_1"]).ok();
    assert_eq!(status(&host, "vm_1"), "running");
    let exec = host.run(["exec", "vm_1", "echo", "hello", "vm"]).ok();
    assert_eq!(exec.stdout, "hello vm\n");
    let exec = host.run(["exec", "vm_1", "sh", "-c", "exit 3"]);
    assert_eq!(exec.code, 3, "{exec:?}");
    host.run(["pause", "vm_1"]).ok();
    assert_eq!(status(&host, "vm_1"), "paused");
    host.run(["resume", "vm_1"]).ok();
    host.run(["kill", "vm_1", "TERM"]).ok();
    assert_eq!(status(&host, "vm_1"), "stopped");
    host.run(["delete", "vm_1"]).ok();
    assert!(vms(&sim).is_empty());
    assert!(
        sim.cluster().guests.contains_key(&TEMPLATE),
        "template kept"
    );
    assert!(
        sim.schema_violations().is_empty(),
        "{:#?}",
        sim.schema_violations()
    );
}

#[test]
fn exec_without_the_agent_is_a_clear_error() {
    let sim = sim_with_template();
    let host = host(&sim, false);
    let b = bundle(&host, "noagent");
    host.run(["create", "--bundle", &b, "na"]).ok();
    host.run(["start", "na"]).ok();
    let run = host.run(["exec", "na", "true"]).failed();
    assert_eq!(run.code, 5, "{run:?}");
    assert_eq!(run.error_lines().len(), 1);
    assert!(
        run.stderr.contains("exec needs the QEMU guest agent"),
        "{run:?}"
    );
    assert!(run.stderr.contains("agent = true"), "{run:?}");
    // A running VM is stopped before it is destroyed (QEMU has no forced delete).
    host.run(["delete", "--force", "na"]).ok();
    assert!(vms(&sim).is_empty());
}

#[test]
fn parallel_creates_get_distinct_vmids() {
    let sim = sim_with_template();
    let host = host(&sim, false);
    let b = bundle(&host, "par");
    sim.faults().nextid_repeats = 5;
    let ids: Vec<String> = (0..10).map(|n| format!("v{n}")).collect();
    std::thread::scope(|s| {
        for id in &ids {
            let (host, b) = (&host, &b);
            s.spawn(move || host.run(["create", "--bundle", b, id]).ok());
        }
    });
    assert_eq!(vms(&sim).len(), 10);
    std::thread::scope(|s| {
        for id in &ids {
            let host = &host;
            s.spawn(move || host.run(["delete", id]).ok());
        }
    });
    assert!(vms(&sim).is_empty());
    assert!(sim.schema_violations().is_empty());
}

#[test]
fn a_failed_clone_leaves_nothing_behind() {
    let sim = sim_with_template();
    let host = host(&sim, false);
    let b = bundle(&host, "fail");
    sim.faults().fail_tasks.insert(
        "qmclone".into(),
        ("clone failed: storage 'local-lvm' is full".into(), 1),
    );
    let run = host.run(["create", "--bundle", &b, "bad"]).failed();
    assert_eq!(run.error_lines().len(), 1, "{run:?}");
    assert!(run.stderr.contains("is full"), "{run:?}");
    assert!(vms(&sim).is_empty(), "no clone left");
    assert!(!host.root.join("bad").exists());
}

#[test]
fn run_waits_for_the_process_through_its_stand_in() {
    let sim = sim_with_template();
    sim.cluster()
        .guests
        .get_mut(&TEMPLATE)
        .unwrap()
        .config
        .insert("agent".into(), "1".into());
    let host = host(&sim, true);
    let b = host
        .bundle("run", &["sh", "-c", "echo via-run; exit 6"])
        .write()
        .display()
        .to_string();
    let run = host.run(["run", "--bundle", &b, "r1"]);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(run.stdout.contains("via-run"), "{run:?}");
    assert!(vms(&sim).is_empty(), "run removed the VM");

    // The stand-in of a detached container holds no secret in its argv or environment.
    let b = bundle(&host, "detached");
    host.run(["create", "--bundle", &b, "d1"]).ok();
    let pid = host.run(["state", "d1"]).ok().json()["pid"]
        .as_i64()
        .unwrap();
    let secret = sim.token().rsplit_once('=').unwrap().1.to_string();
    for file in ["cmdline", "environ"] {
        let raw = std::fs::read(format!("/proc/{pid}/{file}")).unwrap();
        assert!(
            !String::from_utf8_lossy(&raw).contains(&secret),
            "the token is in the stand-in's {file}"
        );
    }
    let cmdline = String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap())
        .replace('\0', " ");
    assert!(cmdline.contains("stand-in"), "{cmdline}");
    host.run(["delete", "--force", "d1"]).ok();
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.contains(") Z ")),
        "the stand-in is gone"
    );
    assert!(vms(&sim).is_empty());
}
