//! `proxmox-lxc`: runs an OCI bundle as a Proxmox VE LXC container through the API.
//! The bundle's rootfs becomes a template (uploaded once per content digest), the CT
//! gets a vmid from `/cluster/nextid` (retried on collision), is tagged so it can be
//! found again, and its lifecycle maps to the status endpoints
//! (`lxcri_pve_client::backend`, shared with proxmox-vm).

mod config;
mod create;
mod mapping;
mod relay;
mod root_only;
mod template;

use lxcri_plugin_api::{PluginContext, PluginError, PluginInfo, capability};
use lxcri_pve_client::{Pve, backend::GuestBackend};

use crate::config::LxcConfig;

/// How this plugin creates its guests.
pub struct LxcFlavor {
    cfg: LxcConfig,
}

fn info() -> PluginInfo {
    PluginInfo::backend(
        "proxmox-lxc",
        env!("CARGO_PKG_VERSION"),
        "runs containers as Proxmox VE LXC containers through the API",
    )
    .with_capabilities(&[
        capability::LIST,
        capability::PAUSE,
        capability::RESUME,
        capability::STAND_IN,
        capability::EVENTS,
        capability::FEATURES,
    ])
}

fn new_backend(ctx: &PluginContext) -> Result<GuestBackend<LxcFlavor>, PluginError> {
    let cfg: LxcConfig = ctx.config()?;
    Ok(GuestBackend {
        pve: Pve::new(&cfg.api)?,
        shutdown_timeout: cfg.shutdown_timeout,
        flavor: LxcFlavor { cfg },
    })
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: new_backend,
}
