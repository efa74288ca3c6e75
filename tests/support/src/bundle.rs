//! OCI bundles for tests, with a rootfs built from Debian's busybox-static.

use std::{
    os::unix::fs::symlink,
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::{Value, json};

/// Where busybox-static installs its binary.
pub const BUSYBOX: &str = "/bin/busybox";

/// A bundle under construction: `config.json` is written by [`BundleBuilder::write`].
pub struct BundleBuilder {
    pub dir: PathBuf,
    pub config: Value,
}

/// [`busybox_rootfs`] with a busybox of its own instead of a hard link to the host's:
/// for a rootfs that is archived (an image), since tar fails ("file changed as we read
/// it") when other tests link or unlink the shared inode meanwhile.
pub fn busybox_rootfs_for_archive(rootfs: &Path) {
    busybox_rootfs(rootfs);
    let busybox = rootfs.join("bin/busybox");
    let data = std::fs::read(&busybox).expect("read busybox");
    std::fs::remove_file(&busybox).expect("unlink busybox");
    std::fs::write(&busybox, data).expect("copy busybox");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&busybox, std::fs::Permissions::from_mode(0o755))
        .expect("chmod busybox");
}

/// Fills `rootfs` with busybox and one symlink per applet, `/etc/passwd` and friends.
pub fn busybox_rootfs(rootfs: &Path) {
    assert!(
        Path::new(BUSYBOX).exists(),
        "{BUSYBOX} is missing: install busybox-static (scripts/setup.sh does)"
    );
    for dir in [
        "bin", "sbin", "usr/bin", "etc", "proc", "sys", "dev", "tmp", "root", "data",
    ] {
        std::fs::create_dir_all(rootfs.join(dir)).expect("mkdir rootfs");
    }
    let busybox = rootfs.join("bin/busybox");
    if std::fs::hard_link(BUSYBOX, &busybox).is_err() {
        // Plain read and write: std::fs::copy's copy_file_range hangs zfs-fuse.
        std::fs::write(&busybox, std::fs::read(BUSYBOX).expect("read busybox"))
            .expect("copy busybox");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&busybox, std::fs::Permissions::from_mode(0o755))
            .expect("chmod busybox");
    }
    let list = Command::new(BUSYBOX)
        .arg("--list")
        .output()
        .expect("busybox --list");
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" {
            let _ = symlink("busybox", rootfs.join("bin").join(applet));
        }
    }
    std::fs::write(
        rootfs.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    )
    .expect("passwd");
    std::fs::write(rootfs.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n").expect("group");
}

/// The default spec for tests: what `crun spec` writes, minus the terminal, with a
/// writable root, at spec version 1.0.2.
pub fn default_config(args: &[&str]) -> Value {
    json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {
                "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": false},
        "hostname": "lxcri-test",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]}
        ],
        "linux": {
            "namespaces": [
                {"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                {"type": "uts"}, {"type": "mount"}
            ],
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
    })
}

impl BundleBuilder {
    /// A busybox bundle at `dir` whose process runs `args`.
    pub fn busybox(dir: &Path, args: &[&str]) -> Self {
        busybox_rootfs(&dir.join("rootfs"));
        let mut config = default_config(args);
        // Tests in parallel reuse ids like "c1": without a path of its own, crun would
        // give both containers the cgroup /<id> and they would trip over each other.
        let unique: String = dir
            .iter()
            .rev()
            .take(3)
            .map(|c| c.to_string_lossy().replace(['.', '/'], ""))
            .collect::<Vec<_>>()
            .join("-");
        config["linux"]["cgroupsPath"] = json!(format!("/lxcri-test-{unique}"));
        Self {
            dir: dir.to_path_buf(),
            config,
        }
    }

    /// Edits the config.
    pub fn with(mut self, edit: impl FnOnce(&mut Value)) -> Self {
        edit(&mut self.config);
        self
    }

    /// Writes `config.json`; returns the bundle dir.
    pub fn write(self) -> PathBuf {
        std::fs::write(
            self.dir.join("config.json"),
            serde_json::to_vec_pretty(&self.config).expect("encode config"),
        )
        .expect("write config.json");
        self.dir
    }
}
