//! Reading an OCI bundle: `config.json` must exist and parse as a runtime spec. The
//! document itself is passed to the backend untouched (re-serialising it could change
//! its `ociVersion`, which older runtimes refuse).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde_json::Value;

use crate::error::{HostError, Result};

/// A validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Absolute bundle dir.
    pub dir: PathBuf,
    /// `config.json` as read.
    pub config: Value,
    pub annotations: BTreeMap<String, String>,
    pub oci_version: String,
    /// Absolute rootfs path.
    pub rootfs: PathBuf,
}

impl Bundle {
    /// Only the annotations of `dir/config.json` (empty when it cannot be read): enough
    /// to route a new container before the command loads and checks the whole bundle.
    pub fn annotations_of(dir: &Path) -> BTreeMap<String, String> {
        #[derive(serde::Deserialize)]
        struct Annotated {
            #[serde(default)]
            annotations: BTreeMap<String, String>,
        }
        std::fs::read(dir.join("config.json"))
            .ok()
            .and_then(|raw| serde_json::from_slice::<Annotated>(&raw).ok())
            .map(|a| a.annotations)
            .unwrap_or_default()
    }

    pub fn load(dir: &Path) -> Result<Self> {
        let hint = "pass the bundle directory with --bundle (it holds config.json and the rootfs)";
        let abs = dir
            .canonicalize()
            .map_err(|e| HostError::io(format!("bundle {}", dir.display()), e).hint(hint))?;
        let path = abs.join("config.json");
        let raw = std::fs::read(&path).map_err(|e| {
            HostError::io(
                format!("bundle {}: cannot read config.json", abs.display()),
                e,
            )
            .hint(hint)
        })?;
        let config: Value = serde_json::from_slice(&raw).map_err(|e| {
            HostError::invalid(format!("{} is malformed: {e}", path.display()))
                .hint("fix the JSON (`proxmox-lxcri spec` writes a valid one)")
        })?;
        let spec: oci_spec::runtime::Spec =
            serde_json::from_value(config.clone()).map_err(|e| {
                HostError::invalid(format!(
                    "{} is not a valid OCI runtime spec: {e}",
                    path.display()
                ))
                .hint("see the OCI runtime spec; `proxmox-lxcri spec` writes a valid one")
            })?;
        let root = spec.root().as_ref().ok_or_else(|| {
            HostError::invalid(format!("{}: root.path is missing", path.display()))
        })?;
        let rootfs = if root.path().is_absolute() {
            root.path().clone()
        } else {
            abs.join(root.path())
        };
        if !rootfs.is_dir() {
            return Err(HostError::not_found(format!(
                "bundle {}: rootfs {} does not exist",
                abs.display(),
                rootfs.display()
            ))
            .hint(hint));
        }
        Ok(Self {
            annotations: spec
                .annotations()
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            oci_version: spec.version().clone(),
            dir: abs,
            config,
            rootfs,
        })
    }
}
