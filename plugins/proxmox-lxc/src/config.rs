//! `[plugins.proxmox-lxc]`.

use std::path::PathBuf;

use lxcri_pve_client::ConnectionConfig;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LxcConfig {
    /// How to reach the cluster (`[plugins.proxmox-lxc.api]`).
    pub api: ConnectionConfig,
    /// Node to create on; default: the online node (of `nodes`, if set) with the most
    /// free memory.
    pub node: Option<String>,
    pub nodes: Vec<String>,
    /// Storage for the root disk.
    pub storage: String,
    /// Root disk size in GiB.
    pub disk_size_gb: u32,
    /// Storage the bundle's template archive is uploaded to (content `vztmpl`).
    pub template_storage: String,
    /// Use this template volume instead of packing the bundle's rootfs.
    pub template: Option<String>,
    /// Bridge for net0; no network device when unset.
    pub bridge: Option<String>,
    /// net0 `ip=` (dhcp, manual or a CIDR).
    pub ip: String,
    pub firewall: bool,
    pub unprivileged: bool,
    /// CT `features` (e.g. `nesting=1`).
    pub features: Option<String>,
    /// Memory (MiB) when the bundle sets no limit.
    pub default_memory_mb: u32,
    /// Host paths whose bind mounts become `mpN` mount points.
    pub bind_mount_prefixes: Vec<PathBuf>,
    /// Seconds a TERM (shutdown) waits before the CT is stopped.
    pub shutdown_timeout: u64,
}

impl Default for LxcConfig {
    fn default() -> Self {
        Self {
            api: ConnectionConfig::default(),
            node: None,
            nodes: Vec::new(),
            storage: "local-lvm".into(),
            disk_size_gb: 4,
            template_storage: "local".into(),
            template: None,
            bridge: None,
            ip: "dhcp".into(),
            firewall: false,
            unprivileged: true,
            features: Some("nesting=1".into()),
            default_memory_mb: 512,
            bind_mount_prefixes: Vec::new(),
            shutdown_timeout: 30,
        }
    }
}
