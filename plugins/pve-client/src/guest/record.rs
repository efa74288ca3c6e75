//! The local record of a container's guest (`<private dir>/guest.json`). It is
//! written before the create request goes out (`creating`), so a crash at any point
//! leaves what `delete --force` needs to find the guest and prove it ours.

use std::path::Path;

use lxcri_plugin_api::PluginError;
use lxcri_plugin_helpers::procs::ProcessId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{GuestKind, Marker};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GuestRecord {
    pub vmid: u32,
    pub node: String,
    /// The nonce in the guest's marker (absent in records from before nonces).
    #[serde(default)]
    pub nonce: Option<String>,
    /// The create or clone request for `vmid` went out, and its guest is not yet
    /// known to be ours.
    #[serde(default)]
    pub creating: bool,
    #[serde(default)]
    pub started: bool,
    /// When it was last started (Unix seconds).
    #[serde(default)]
    pub started_at: Option<u64>,
    #[serde(default)]
    pub paused: bool,
    /// Backend-specific data (uploaded template, agent settings...).
    #[serde(default)]
    pub extra: Value,
    /// The local stand-in process of the container, once it runs.
    #[serde(default)]
    pub stand_in: Option<ProcessId>,
    /// The signal `kill` stopped the guest with (the stand-in exits with 128 + it).
    #[serde(default)]
    pub killed_with: Option<i32>,
}

const RECORD: &str = "guest.json";

impl GuestRecord {
    pub fn load(dir: &Path) -> Option<Self> {
        serde_json::from_slice(&std::fs::read(dir.join(RECORD)).ok()?).ok()
    }

    pub fn save(&self, dir: &Path) -> Result<(), PluginError> {
        let raw = serde_json::to_vec(self).map_err(|e| PluginError::internal(e.to_string()))?;
        let tmp = dir.join(format!("{RECORD}.tmp"));
        std::fs::write(&tmp, raw)
            .and_then(|_| std::fs::rename(&tmp, dir.join(RECORD)))
            .map_err(|e| {
                PluginError::backend(format!("cannot record the guest in {}: {e}", dir.display()))
            })
    }

    pub fn remove(dir: &Path) {
        let _ = std::fs::remove_file(dir.join(RECORD));
    }

    /// The marker that proves the guest is container `id`'s.
    pub fn marker(&self, id: &str) -> Marker {
        Marker {
            id: id.to_string(),
            nonce: self.nonce.clone(),
        }
    }

    pub fn base(&self, kind: GuestKind) -> String {
        format!("/nodes/{}/{}/{}", self.node, kind.path(), self.vmid)
    }
}
