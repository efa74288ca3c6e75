//! `[plugins.proxmox-vm]`.

use lxcri_pve_client::ConnectionConfig;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VmConfig {
    /// How to reach the cluster (`[plugins.proxmox-vm.api]`).
    pub api: ConnectionConfig,
    /// Node to create on; default: the online node (of `nodes`, if set) with the most
    /// free memory. The template must be reachable from it (shared storage).
    pub node: Option<String>,
    pub nodes: Vec<String>,
    /// The template VM every container is cloned from (required).
    pub template_vmid: Option<u32>,
    /// Full clone (independent disks) instead of a linked clone.
    pub full_clone: bool,
    /// Target storage of a full clone.
    pub storage: Option<String>,
    /// Bridge for net0 (virtio); the template's network is kept when unset.
    pub bridge: Option<String>,
    /// Enable the QEMU guest agent on the clone: the bundle's process and `exec` run
    /// through it.
    pub agent: bool,
    /// Seconds to wait for the guest agent to answer after boot (it takes tens of
    /// seconds, up to about 110 s).
    pub agent_timeout_secs: u64,
    /// Memory (MiB) when the bundle sets no limit.
    pub default_memory_mb: u32,
    /// Seconds an ACPI shutdown (TERM) waits before the VM is stopped.
    pub shutdown_timeout: u64,
}

impl Default for VmConfig {
    fn default() -> Self {
        Self {
            api: ConnectionConfig::default(),
            node: None,
            nodes: Vec::new(),
            template_vmid: None,
            full_clone: false,
            storage: None,
            bridge: None,
            agent: false,
            agent_timeout_secs: 180,
            default_memory_mb: 1024,
            shutdown_timeout: 60,
        }
    }
}
