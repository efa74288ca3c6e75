//! containerd's `ctr` and podman drive the Proxmox backends through the host, against
//! the simulator, as they drive crun: each container has a local stand-in whose pid,
//! stdio and exit status are the remote process's.

use std::path::Path;

use lxcri_test_support::{
    Host,
    containerd::Ctr,
    podman::{IMAGE as PODMAN_IMAGE, Podman},
    proxmox::{
        Auth, Snapshot, add_foreign_guests, add_template_vm, api, foreign, ours, simulator,
        stand_ins, vmid_of,
    },
    suite::wait_until,
};
use pve_sim::SimHandle;

const TEMPLATE: u32 = 9000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Vm,
    Ct,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Vm => "proxmox-vm",
            Backend::Ct => "proxmox-lxc",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Backend::Vm => "qemu",
            Backend::Ct => "lxc",
        }
    }

    fn setup(self) -> (SimHandle, Snapshot, Host) {
        let sim = simulator(&["pve1"]);
        add_template_vm(&sim, TEMPLATE, "pve1", true);
        let before = add_foreign_guests(&sim, "pve1", "x");
        let host = match self {
            Backend::Vm => Host::proxmox(
                "lxcri_proxmox_vm",
                "proxmox-vm",
                &sim,
                Auth::Token,
                &format!("template_vmid = {TEMPLATE}\nbridge = \"vmbr0\"\nagent = true\n"),
            ),
            Backend::Ct => Host::proxmox(
                "lxcri_proxmox_lxc",
                "proxmox-lxc",
                &sim,
                Auth::Token,
                "storage = \"local-lvm\"\nbridge = \"vmbr0\"\n",
            ),
        };
        (sim, before, host)
    }

    /// Stops container `id`'s guest the way another Proxmox user would.
    fn stop_from_outside(self, sim: &SimHandle, host: &Host, id: &str) {
        let vmid = vmid_of(sim, id).expect("the container's guest");
        api(sim, host.scratch())
            .post_task(
                &format!("/nodes/pve1/{}/{vmid}/status/stop", self.kind()),
                vec![],
            )
            .expect("stop from outside");
    }
}

fn assert_nothing_left(sim: &SimHandle, before: &Snapshot, root: &Path) {
    assert_eq!(ours(sim), Vec::<String>::new(), "guests left");
    assert_eq!(&foreign(sim), before, "a foreign guest changed");
    assert_eq!(stand_ins(root), Vec::<i32>::new(), "stand-ins left");
    assert!(
        sim.schema_violations().is_empty(),
        "{:#?}",
        sim.schema_violations()
    );
}

fn ctr_drives(backend: Backend) {
    let (sim, before, host) = backend.setup();
    let ctr = Ctr::start(&host, backend.name());

    // run --rm: the process's exit status (and, on a VM, its output) come through.
    if backend == Backend::Vm {
        let run = ctr.run(
            &["--rm"],
            "once",
            &["sh", "-c", "echo hello-from-ctr; exit 7"],
        );
        assert_eq!(run.code, 7, "{run:?}");
        assert!(run.stdout.contains("hello-from-ctr"), "{run:?}");
    } else {
        // A CT's entrypoint cannot hold whitespace; its exit status is not reported.
        let run = ctr.run(&["--rm"], "once", &["echo", "hello"]);
        assert_eq!(run.code, 0, "{run:?}");
    }

    // run -t: the process's output comes through the stand-in's terminal.
    if backend == Backend::Vm {
        let tty = ctr.run(&["--rm", "-t"], "tty", &["echo", "through-the-pty"]);
        assert_eq!(tty.code, 0, "{tty:?}");
        assert!(tty.stdout.contains("through-the-pty"), "{tty:?}");
    }

    // A detached task: exec (VM), kill, delete.
    ctr.run(&["-d"], "long", &["sleep", "1000"]).ok();
    assert_eq!(ctr.status("long"), "RUNNING");
    if backend == Backend::Vm {
        let exec = ctr.ctd.ctr([
            "task",
            "exec",
            "--exec-id",
            "e1",
            "long",
            "sh",
            "-c",
            "echo exec-ok; exit 4",
        ]);
        assert_eq!(exec.code, 4, "{exec:?}");
        assert!(exec.stdout.contains("exec-ok"), "{exec:?}");
    }
    ctr.ctd.ctr(["task", "kill", "-s", "SIGKILL", "long"]).ok();
    wait_until("the task to stop", || ctr.status("long") == "STOPPED");
    ctr.remove("long");

    // A guest stopped from outside ends its stand-in; the task is stopped.
    ctr.run(&["-d"], "outside", &["sleep", "1000"]).ok();
    assert_eq!(ctr.status("outside"), "RUNNING");
    backend.stop_from_outside(&sim, &host, "outside");
    wait_until("the task to stop", || ctr.status("outside") == "STOPPED");
    ctr.remove("outside");

    assert_nothing_left(&sim, &before, &ctr.root());
}

#[test]
fn ctr_drives_proxmox_vm() {
    ctr_drives(Backend::Vm);
}

#[test]
fn ctr_drives_proxmox_lxc() {
    ctr_drives(Backend::Ct);
}

fn parallel_ctr_runs_leave_nothing(backend: Backend) {
    let (sim, before, host) = backend.setup();
    let ctr = Ctr::start(&host, backend.name());
    let ids: Vec<String> = (0..10).map(|n| format!("par{n}")).collect();
    std::thread::scope(|s| {
        for id in &ids {
            let ctr = &ctr;
            s.spawn(move || {
                let run = ctr.run(&["--rm"], id, &["echo", id]);
                assert_eq!(run.code, 0, "{run:?}");
                if backend == Backend::Vm {
                    assert!(run.stdout.contains(id.as_str()), "{run:?}");
                }
            });
        }
    });
    assert_nothing_left(&sim, &before, &ctr.root());
}

#[test]
fn ten_parallel_ctr_runs_leave_nothing_on_proxmox_vm() {
    parallel_ctr_runs_leave_nothing(Backend::Vm);
}

#[test]
fn ten_parallel_ctr_runs_leave_nothing_on_proxmox_lxc() {
    parallel_ctr_runs_leave_nothing(Backend::Ct);
}

fn podman_drives(backend: Backend) {
    let (sim, before, mut host) = backend.setup();
    // podman passes no --root: the wrapper gives this test a state root of its own.
    let root = host.scratch().join("podman-state");
    host.extra_args.push(format!("--root={}", root.display()));
    let podman = Podman::new(&host.scratch().join("podman"), &host.runtime_wrapper());

    if backend == Backend::Vm {
        let run = podman.run([
            "run",
            "--rm",
            PODMAN_IMAGE,
            "sh",
            "-c",
            "echo hello-from-podman; exit 3",
        ]);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(run.stdout.contains("hello-from-podman"), "{run:?}");

        // A detached container that ends by itself: its logs and exit code.
        podman
            .run([
                "run",
                "-d",
                "--name",
                "said",
                PODMAN_IMAGE,
                "sh",
                "-c",
                "echo said-it; exit 5",
            ])
            .ok();
        wait_until("the container to exit", || {
            podman.inspect("said", "{{.State.Status}}") == "exited"
        });
        assert_eq!(podman.inspect("said", "{{.State.ExitCode}}"), "5");
        assert!(podman.run(["logs", "said"]).ok().stdout.contains("said-it"));
        podman.run(["rm", "said"]).ok();
    } else {
        let run = podman.run(["run", "--rm", PODMAN_IMAGE, "echo", "hi"]);
        assert_eq!(run.code, 0, "{run:?}");
        // A detached CT's console output reaches podman's logs.
        podman
            .run([
                "run",
                "-d",
                "--name",
                "talk",
                PODMAN_IMAGE,
                "yes",
                "hello-from-ct",
            ])
            .ok();
        wait_until("the console output in the logs", || {
            podman
                .run(["logs", "talk"])
                .stdout
                .contains("hello-from-ct")
        });
        podman.run(["rm", "-f", "talk"]).ok();
    }

    // A detached container stopped by podman: TERM shuts the guest down.
    podman
        .run(["run", "-d", "--name", "long", PODMAN_IMAGE, "sleep", "1000"])
        .ok();
    assert_eq!(podman.inspect("long", "{{.State.Status}}"), "running");
    podman.run(["stop", "-t", "5", "long"]).ok();
    assert_eq!(podman.inspect("long", "{{.State.Status}}"), "exited");
    assert_eq!(podman.inspect("long", "{{.State.ExitCode}}"), "143");
    podman.run(["rm", "long"]).ok();

    assert_nothing_left(&sim, &before, &root);
}

#[test]
fn podman_drives_proxmox_vm() {
    podman_drives(Backend::Vm);
}

#[test]
fn podman_drives_proxmox_lxc() {
    podman_drives(Backend::Ct);
}
