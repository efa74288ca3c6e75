//! A private containerd daemon for tests (config, state and socket in a scratch dir),
//! and an image built offline from a busybox rootfs with umoci and skopeo.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use crate::{Run, host::run_with_files, suite::wait_until};

/// A running containerd, stopped on drop.
pub struct Containerd {
    pub socket: PathBuf,
    /// containerd namespace for `ctr` (`default` when unset); it names the cgroup
    /// parent, so tests of two backends in parallel do not share cgroups.
    pub namespace: Option<String>,
    child: Child,
}

fn must(cmd: &mut Command) {
    let run = run_with_files(std::mem::replace(cmd, Command::new("true")));
    assert_eq!(run.code, 0, "{run:#?}");
}

impl Containerd {
    /// Starts containerd with everything under `dir`.
    pub fn start(dir: &Path) -> Self {
        let socket = dir.join("containerd.sock");
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "version = 2\nroot = {:?}\nstate = {:?}\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = {:?}\n[ttrpc]\n  address = {:?}\n[debug]\n  address = {:?}\n",
                dir.join("root").display().to_string(),
                dir.join("state").display().to_string(),
                socket.display().to_string(),
                dir.join("containerd.sock.ttrpc").display().to_string(),
                dir.join("debug.sock").display().to_string(),
            ),
        )
        .expect("containerd config");
        let log = std::fs::File::create(dir.join("containerd.log")).expect("log");
        let child = Command::new("containerd")
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup"))
            .stderr(log)
            .spawn()
            .expect("start containerd (install the containerd package)");
        let daemon = Self {
            socket,
            namespace: None,
            child,
        };
        wait_until("containerd to answer", || daemon.ctr(["version"]).code == 0);
        daemon
    }

    /// Runs `ctr -a SOCKET args...`.
    pub fn ctr<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new("ctr");
        cmd.arg("-a").arg(&self.socket);
        if let Some(ns) = &self.namespace {
            cmd.arg("-n").arg(ns);
        }
        cmd.args(args);
        run_with_files(cmd)
    }

    /// `ctr ARGS` with a terminal on its stdin (util-linux `script` provides the pty).
    pub fn ctr_with_tty(&self, args: &[&str]) -> Run {
        let ns = self.namespace.clone().unwrap_or_else(|| "default".into());
        let line: Vec<String> = std::iter::once("ctr".to_string())
            .chain([
                "-a".into(),
                self.socket.display().to_string(),
                "-n".into(),
                ns,
            ])
            .chain(args.iter().map(|a| format!("'{a}'")))
            .collect();
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line.join(" "), "/dev/null"]);
        run_with_files(cmd)
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds `docker.io/library/bb:latest` as a docker-archive tarball from a busybox
/// rootfs, offline (umoci + skopeo), and returns the tarball.
pub fn busybox_image(dir: &Path) -> PathBuf {
    let layout = dir.join("img");
    let unpacked = dir.join("unpacked");
    let tarball = dir.join("bb.tar");
    let image = format!("{}:bb", layout.display());
    must(
        Command::new("umoci")
            .args(["init", "--layout"])
            .arg(&layout),
    );
    must(Command::new("umoci").args(["new", "--image", &image]));
    must(
        Command::new("umoci")
            .args(["unpack", "--image", &image])
            .arg(&unpacked),
    );
    crate::bundle::busybox_rootfs_for_archive(&unpacked.join("rootfs"));
    must(
        Command::new("umoci")
            .args(["repack", "--image", &image])
            .arg(&unpacked),
    );
    must(Command::new("umoci").args(["config", "--image", &image, "--config.cmd", "/bin/sh"]));
    must(Command::new("skopeo").args([
        "copy",
        &format!("oci:{image}"),
        &format!(
            "docker-archive:{}:docker.io/library/bb:latest",
            tarball.display()
        ),
    ]));
    tarball
}

/// The image `busybox_image` builds, as `ctr` names it.
pub const BUSYBOX_IMAGE: &str = "docker.io/library/bb:latest";

/// `ctr` driving our host: a containerd of its own with the busybox image imported, in
/// namespace `namespace` (which also names our state root under `runc_root`).
pub struct Ctr {
    pub ctd: Containerd,
    pub runtime: String,
    pub runc_root: PathBuf,
}

impl Ctr {
    pub fn start(host: &crate::Host, namespace: &str) -> Self {
        let dir = host.scratch().join("containerd");
        std::fs::create_dir_all(&dir).unwrap();
        let tarball = busybox_image(&dir);
        let mut ctd = Containerd::start(&dir);
        ctd.namespace = Some(namespace.to_string());
        ctd.ctr(["images", "import", tarball.to_str().unwrap()])
            .ok();
        Self {
            ctd,
            runtime: host.runtime_wrapper().display().to_string(),
            runc_root: host.scratch().join("runc-root"),
        }
    }

    /// Our state root as containerd hands it to the runtime.
    pub fn root(&self) -> PathBuf {
        self.runc_root
            .join(self.ctd.namespace.as_deref().unwrap_or("default"))
    }

    /// `ctr run [flags] --runc-binary … IMAGE ID ARGS…` (`-t` in flags gives it a tty).
    pub fn run(&self, flags: &[&str], id: &str, args: &[&str]) -> Run {
        let root = self.runc_root.display().to_string();
        let mut all: Vec<&str> = vec!["run"];
        all.extend(flags);
        all.extend([
            "--runc-binary",
            &self.runtime,
            "--runc-root",
            &root,
            BUSYBOX_IMAGE,
            id,
        ]);
        all.extend(args);
        if flags.contains(&"-t") {
            self.ctd.ctr_with_tty(&all)
        } else {
            self.ctd.ctr(all)
        }
    }

    /// The task's status as `ctr task ls` shows it (empty when there is none).
    pub fn status(&self, id: &str) -> String {
        let ls = self.ctd.ctr(["task", "ls"]).ok();
        ls.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .and_then(|l| l.split_whitespace().nth(2))
            .unwrap_or("")
            .to_string()
    }

    /// Deletes the task and the container.
    pub fn remove(&self, id: &str) {
        self.ctd.ctr(["task", "delete", id]).ok();
        self.ctd.ctr(["container", "delete", id]).ok();
    }
}
