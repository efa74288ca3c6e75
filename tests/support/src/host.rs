//! Runs the host binary in isolation: a private `--root`, no system plugin dirs, only
//! the plugin directories the test provides.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use tempfile::TempDir;

/// An isolated host: its own state root and plugin dir.
pub struct Host {
    pub bin: PathBuf,
    pub root: PathBuf,
    pub plugin_dir: PathBuf,
    pub extra_args: Vec<String>,
    pub env: Vec<(String, String)>,
    _scratch: TempDir,
}

/// The outcome of one host run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(out: Output) -> Self {
        use std::os::unix::process::ExitStatusExt;
        let code = out
            .status
            .code()
            .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
        Self {
            code,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with the whole output unless the run succeeded.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "host failed: {self:#?}");
        self
    }

    /// Panics unless the run failed; returns it for more checks.
    pub fn failed(self) -> Self {
        assert_ne!(self.code, 0, "host unexpectedly succeeded: {self:#?}");
        self
    }

    /// The stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// Lines on stderr starting with `error:`.
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect()
    }
}

impl Host {
    /// A host with an empty plugin dir in a fresh scratch dir.
    pub fn new() -> Self {
        let scratch = tempfile::Builder::new()
            .prefix("lxcri-test")
            .tempdir()
            .expect("scratch dir");
        let root = scratch.path().join("root");
        let plugin_dir = scratch.path().join("plugins");
        std::fs::create_dir_all(&plugin_dir).expect("plugin dir");
        Self {
            bin: crate::host_bin(),
            root,
            plugin_dir,
            extra_args: Vec::new(),
            env: Vec::new(),
            _scratch: scratch,
        }
    }

    /// A host with the given workspace plugins (by library name) installed.
    pub fn with_plugins(libs: &[&str]) -> Self {
        let host = Self::new();
        for lib in libs {
            host.install(&crate::plugin(lib));
        }
        host
    }

    /// The scratch dir (for bundles and other test files).
    pub fn scratch(&self) -> &Path {
        self._scratch.path()
    }

    /// Copies a plugin file into the plugin dir under its own name.
    pub fn install(&self, so: &Path) -> PathBuf {
        let dest = self.plugin_dir.join(so.file_name().expect("file name"));
        std::fs::copy(so, &dest).expect("install plugin");
        dest
    }

    /// A command for the host with the isolation flags set.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(&self.bin);
        cmd.env("PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH", "")
            .env_remove("PROXMOX_LXCRI_PLUGIN_PATH")
            .env_remove("PROXMOX_LXCRI_BACKEND")
            .env_remove("PROXMOX_LXCRI_CONFIG")
            .arg("--root")
            .arg(&self.root)
            .arg("--plugin-dir")
            .arg(&self.plugin_dir);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.args(&self.extra_args).args(args);
        cmd
    }

    /// Runs the host and collects its output.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::from_output(self.command(args).output().expect("spawn host"))
    }
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}
