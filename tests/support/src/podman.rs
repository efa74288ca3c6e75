//! podman (Debian's, with conmon) with its storage, config and events in a scratch
//! dir, our host as its runtime, and a busybox image imported offline.

use std::{path::Path, process::Command};

use crate::{Run, host::run_with_files};

pub struct Podman {
    storage_conf: std::path::PathBuf,
    containers_conf: std::path::PathBuf,
}

pub const IMAGE: &str = "localhost/bb:latest";

impl Podman {
    /// podman under `dir` running `runtime` (named `lxcri`, with JSON logs).
    pub fn new(dir: &Path, runtime: &Path) -> Self {
        std::fs::create_dir_all(dir.join("tmp")).expect("podman dir");
        let storage_conf = dir.join("storage.conf");
        std::fs::write(
            &storage_conf,
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = {:?}\nrunroot = {:?}\n",
                dir.join("store").display().to_string(),
                dir.join("run").display().to_string()
            ),
        )
        .expect("storage.conf");
        let containers_conf = dir.join("containers.conf");
        // Root here lacks CAP_SYS_RESOURCE: podman's default rlimits cannot be raised.
        std::fs::write(
            &containers_conf,
            format!(
                "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\nnetns = \"none\"\n\
                 [engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\nevents_logfile_path = {:?}\n\
                 tmp_dir = {:?}\nruntime = \"lxcri\"\nruntime_supports_json = [\"lxcri\"]\n\
                 [engine.runtimes]\nlxcri = [{:?}]\n",
                dir.join("events.log").display().to_string(),
                dir.join("tmp").display().to_string(),
                runtime.display().to_string(),
            ),
        )
        .expect("containers.conf");
        let podman = Self {
            storage_conf,
            containers_conf,
        };
        let rootfs = dir.join("rootfs");
        crate::bundle::busybox_rootfs_for_archive(&rootfs);
        let tar = dir.join("rootfs.tar");
        let packed = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .expect("tar");
        assert!(packed.success());
        podman.run(["import", tar.to_str().unwrap(), IMAGE]).ok();
        podman
    }

    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new("podman");
        cmd.env("CONTAINERS_STORAGE_CONF", &self.storage_conf)
            .env("CONTAINERS_CONF", &self.containers_conf)
            .args(args);
        run_with_files(cmd)
    }

    /// `podman inspect -f FORMAT ID`, trimmed.
    pub fn inspect(&self, id: &str, format: &str) -> String {
        self.run(["inspect", "-f", format, id])
            .ok()
            .stdout
            .trim()
            .to_string()
    }
}
