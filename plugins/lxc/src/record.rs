//! What the plugin knows of one container, next to its LXC config
//! (`<lxcpath>/<id>/`): the init's pid and start time, its cgroups, and the socket
//! `start` connects to while the container is created.

use std::path::{Path, PathBuf};

use lxcri_plugin_api::PluginError;
use serde::{Deserialize, Serialize};

use crate::cgroups::Cgroup;

pub const RECORD: &str = "lxcri.json";
pub const START_SOCKET: &str = "start.sock";
pub const CONFIG: &str = "config";
pub const LOG: &str = "lxc.log";
/// The compiled seccomp filter, for exec.
pub const SECCOMP: &str = "seccomp.bpf";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Host pid of the container's process (the helper until `start`, then the
    /// bundle's process: the same pid).
    pub pid: i32,
    /// Field 22 of `/proc/PID/stat`: tells the process from a later one with its pid.
    pub start_time: u64,
    pub cgroups: Vec<Cgroup>,
    /// The state document's fixed part, for hooks.
    #[serde(default)]
    pub state: crate::hooks::StateBase,
    /// The bundle's hooks (poststart and poststop run after create).
    #[serde(default)]
    pub hooks: Option<oci_spec::runtime::Hooks>,
}

/// One container's directory in the lxcpath.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(lxcpath: &Path, id: &str) -> Self {
        Self(lxcpath.join(id))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn exists(&self) -> bool {
        self.path(CONFIG).exists()
    }

    pub fn read(&self, id: &str) -> Result<Record, PluginError> {
        let file = self.path(RECORD);
        let raw = std::fs::read(&file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                PluginError::not_found(format!("LXC container '{id}' does not exist"))
            } else {
                PluginError::backend(format!("{}: {e}", file.display()))
            }
        })?;
        serde_json::from_slice(&raw).map_err(|e| {
            PluginError::backend(format!("{} is damaged: {e}", file.display()))
                .with_hint(format!("remove the container with `delete --force {id}`"))
        })
    }

    pub fn write(&self, record: &Record) -> Result<(), PluginError> {
        let file = self.path(RECORD);
        let tmp = self.path(".lxcri.json.tmp");
        let body = serde_json::to_vec(record).expect("record serialises");
        std::fs::write(&tmp, body)
            .and_then(|()| std::fs::rename(&tmp, &file))
            .map_err(crate::io(&file))
    }

    /// Still waiting for `start`.
    pub fn created(&self) -> bool {
        self.path(START_SOCKET).exists()
    }
}
