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

    /// A host with the crun plugin installed, running plain crun.
    pub fn crun() -> Self {
        Self::with_plugins(&["lxcri_crun"])
    }

    /// A host whose crun plugin runs the test wrapper (`crate::crun::WRAPPER`), which
    /// can hold a `create` in the middle.
    pub fn crun_with_hook() -> Self {
        let mut host = Self::with_plugins(&["lxcri_crun"]);
        let wrapper = crate::crun::write_wrapper(host.scratch());
        host.write_config(&format!(
            "[plugins.crun]\npath = {:?}\n",
            wrapper.display().to_string()
        ));
        host
    }

    /// A host with the lxc plugin installed and selected.
    pub fn lxc() -> Self {
        let mut host = Self::with_plugins(&["lxcri_lxc"]);
        host.extra_args.push("--backend=lxc".into());
        host
    }

    /// Writes the host config file and passes it with `--config`.
    pub fn write_config(&mut self, text: &str) -> PathBuf {
        let path = self.scratch().join("config.toml");
        std::fs::write(&path, text).expect("write config");
        self.extra_args.retain(|a| !a.starts_with("--config="));
        self.extra_args.push(format!("--config={}", path.display()));
        path
    }

    /// A fresh busybox bundle in the scratch dir running `args`.
    pub fn bundle(&self, name: &str, args: &[&str]) -> crate::bundle::BundleBuilder {
        let dir = self.scratch().join("bundles").join(name);
        std::fs::create_dir_all(&dir).expect("bundle dir");
        crate::bundle::BundleBuilder::busybox(&dir, args)
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

    /// Runs the host and collects its output. Output goes through files, not pipes:
    /// a container started by the run inherits its stdio and may outlive it.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_with_files(self.command(args))
    }

    /// A script a client (containerd, podman) runs as its runtime: this host binary
    /// with the test's plugins, config and backend.
    pub fn runtime_wrapper(&self) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.scratch().join("lxcri-runtime.sh");
        let extra: Vec<String> = self.extra_args.iter().map(|a| format!("'{a}'")).collect();
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\nexport PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH=\nexec {} --plugin-dir {} {} \"$@\"\n",
                self.bin.display(),
                self.plugin_dir.display(),
                extra.join(" "),
            ),
        )
        .expect("runtime wrapper");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("chmod runtime wrapper");
        path
    }

    /// Deletes container `id` (forced) when the returned guard drops, so that a
    /// failing test does not leave a container holding a mount or a daemon busy.
    pub fn delete_on_drop<'a>(&'a self, id: &'a str) -> DeleteOnDrop<'a> {
        DeleteOnDrop { host: self, id }
    }
}

pub struct DeleteOnDrop<'a> {
    host: &'a Host,
    id: &'a str,
}

impl Drop for DeleteOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.host.run(["delete", "--force", self.id]);
    }
}

/// Runs `cmd` with stdin from /dev/null and stdout/stderr into temp files.
pub fn run_with_files(mut cmd: Command) -> Run {
    let out = tempfile::tempfile().expect("stdout file");
    let err = tempfile::tempfile().expect("stderr file");
    let status = cmd
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone().expect("dup"))
        .stderr(err.try_clone().expect("dup"))
        .status()
        .expect("spawn");
    let read = |mut f: std::fs::File| {
        use std::io::{Read, Seek};
        let mut text = String::new();
        f.rewind().expect("rewind");
        f.read_to_string(&mut text).expect("read output");
        text
    };
    Run::from_output(Output {
        status,
        stdout: read(out).into_bytes(),
        stderr: read(err).into_bytes(),
    })
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}
