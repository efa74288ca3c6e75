//! A real zfs-fuse daemon and a file-backed pool for tests. The pool is created with
//! `cachefile=none` (a crashed run leaves nothing in /etc/zfs/zpool.cache) and
//! destroyed on drop; a daemon this process started is stopped on drop.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Mutex, MutexGuard},
};

use crate::{host::run_with_files, suite::wait_until};

pub struct ZfsPool {
    pub pool: String,
    pub mountpoint: PathBuf,
    daemon: Option<Child>,
    // Declared last so it is released after the daemon is gone.
    _one_at_a_time: MutexGuard<'static, ()>,
}

/// One pool (and daemon) at a time per test process: a test must not stop the
/// daemon another test is still using.
static DAEMON: Mutex<()> = Mutex::new(());

fn zpool(args: &[&str]) -> crate::Run {
    let mut cmd = Command::new("zpool");
    cmd.args(args);
    run_with_files(cmd)
}

impl ZfsPool {
    pub fn start(scratch: &Path) -> Self {
        let guard = DAEMON
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for dir in ["/var/run/zfs", "/var/lock/zfs", "/etc/zfs"] {
            std::fs::create_dir_all(dir).expect("zfs dirs");
        }
        let daemon = if zpool(&["list"]).code == 0 {
            None
        } else {
            let log = std::fs::File::create(scratch.join("zfs-fuse.log")).expect("log");
            let child = Command::new("zfs-fuse")
                .args(["-n", "--no-kstat-mount"])
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("dup"))
                .stderr(log)
                .spawn()
                .expect("start zfs-fuse (install the zfs-fuse package)");
            wait_until("zfs-fuse to answer", || zpool(&["list"]).code == 0);
            Some(child)
        };
        let pool = format!("lxcri{}", std::process::id());
        let vdev = scratch.join("vdev.img");
        std::fs::File::create(&vdev)
            .expect("vdev")
            .set_len(256 << 20)
            .expect("sparse vdev");
        // Not below the 0700 scratch dir: the FUSE mounts must be reachable by the
        // daemon's workers and by the container's user.
        let mountpoint = std::env::temp_dir().join(format!("lxcri-zfs-{}", std::process::id()));
        let run = zpool(&[
            "create",
            "-o",
            "cachefile=none",
            "-m",
            mountpoint.to_str().unwrap(),
            &pool,
            vdev.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "zpool create: {run:?}");
        Self {
            pool,
            mountpoint,
            daemon,
            _one_at_a_time: guard,
        }
    }
}

impl Drop for ZfsPool {
    fn drop(&mut self) {
        let _ = zpool(&["destroy", "-f", &self.pool]);
        let _ = std::fs::remove_dir(&self.mountpoint);
        if let Some(mut d) = self.daemon.take() {
            let _ = nix_kill(d.id());
            let _ = d.wait();
        }
    }
}

fn nix_kill(pid: u32) -> std::io::Result<()> {
    Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .map(|_| ())
}
