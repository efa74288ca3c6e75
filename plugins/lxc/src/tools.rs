//! Running the lxc-* tools with our private lxcpath; their failures become one line.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
};

use lxcri_plugin_api::PluginError;

/// The lxc-* tools bound to one lxcpath.
pub struct Tools {
    pub dir: Option<PathBuf>,
    pub lxcpath: PathBuf,
}

impl Tools {
    pub fn command(&self, tool: &str, name: &str) -> Command {
        let program = match &self.dir {
            Some(d) => d.join(tool),
            None => PathBuf::from(tool),
        };
        let mut cmd = Command::new(program);
        cmd.arg("-P").arg(&self.lxcpath).arg("-n").arg(name);
        cmd
    }

    /// Runs a tool to completion with captured output; returns stdout.
    pub fn run(&self, tool: &str, name: &str, args: &[&str]) -> Result<String, PluginError> {
        let out = self
            .command(tool, name)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| spawn_error(tool, e))?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let line = lxcri_plugin_api::tool::last_line(&err);
        Err(PluginError::backend(format!("{tool}: {line}")))
    }

    /// `lxc-info -s -p -H`: (state, init pid).
    pub fn info(&self, name: &str) -> Result<(String, Option<i32>), PluginError> {
        if !self.lxcpath.join(name).join("config").exists() {
            return Err(PluginError::not_found(format!(
                "LXC container '{name}' does not exist"
            )));
        }
        let out = self.run("lxc-info", name, &["-s", "-p", "-H"])?;
        let field = |key: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim_start_matches(':').trim().to_string())
        };
        let state = field("State").unwrap_or_else(|| "STOPPED".into());
        let pid = field("PID")
            .and_then(|p| p.parse().ok())
            .filter(|p: &i32| *p > 0);
        Ok((state, pid))
    }

    pub fn container_dir(&self, name: &str) -> PathBuf {
        self.lxcpath.join(name)
    }
}

pub fn spawn_error(tool: &str, e: std::io::Error) -> PluginError {
    PluginError::unavailable(format!("cannot run {tool}: {e}"))
        .with_hint("install LXC (Debian package lxc) or set tools_dir in [plugins.lxc]")
}

/// Host pids whose cgroup is the container's (`lxc.payload.<name>`).
pub fn pids_of(name: &str) -> Vec<i32> {
    let needle = format!("/lxc.payload.{name}");
    let nested = format!("{needle}/");
    let mut pids: Vec<i32> = lxcri_plugin_api::procs::all()
        .filter(|p| {
            std::fs::read_to_string(p.dir.join("cgroup")).is_ok_and(|cg| {
                cg.lines()
                    .any(|l| l.ends_with(&needle) || l.contains(&nested))
            })
        })
        .map(|p| p.pid)
        .collect();
    pids.sort();
    pids
}
