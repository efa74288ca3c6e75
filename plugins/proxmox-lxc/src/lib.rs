//! `proxmox-lxc`: runs an OCI bundle as a Proxmox VE LXC container through the API.
//! The bundle's rootfs becomes a template (uploaded once per content digest), the CT
//! gets a vmid from `/cluster/nextid` (retried on collision), is tagged so it can be
//! found again, and its lifecycle maps to the status endpoints.

mod config;
mod mapping;
mod ops;
mod template;

use lxcri_plugin_api::{PluginContext, PluginError, PluginInfo, capability};
use lxcri_pve_client::Pve;

use crate::config::LxcConfig;

/// The backend: its settings and an API client.
pub struct ProxmoxLxc {
    cfg: LxcConfig,
    pve: Pve,
}

fn info() -> PluginInfo {
    PluginInfo::backend(
        "proxmox-lxc",
        env!("CARGO_PKG_VERSION"),
        "runs containers as Proxmox VE LXC containers through the API",
    )
    .with_capabilities(&[capability::LIST, capability::PAUSE, capability::RESUME])
}

fn new_backend(ctx: &PluginContext) -> Result<ProxmoxLxc, PluginError> {
    let cfg: LxcConfig = ctx.config()?;
    let pve = Pve::new(&cfg.api)?;
    Ok(ProxmoxLxc { cfg, pve })
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: new_backend,
}
