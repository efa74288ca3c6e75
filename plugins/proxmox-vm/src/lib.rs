//! `proxmox-vm`: runs a container as a Proxmox VE QEMU VM cloned from a template VM,
//! with the lifecycle, cleanup, reconcile and parallel-create behaviour shared with
//! proxmox-lxc (`lxcri_pve_client::guest`), and `exec` through the guest agent.

mod config;
mod create;
mod exec;
mod mapping;
mod relay;

use lxcri_plugin_api::{PluginContext, PluginError, PluginInfo, capability};
use lxcri_pve_client::{Pve, backend::GuestBackend};

use crate::config::VmConfig;

/// How this plugin creates its guests: clones of `template`.
pub struct VmFlavor {
    cfg: VmConfig,
    template: u32,
}

fn info() -> PluginInfo {
    PluginInfo::backend(
        "proxmox-vm",
        env!("CARGO_PKG_VERSION"),
        "runs containers as Proxmox VE QEMU VMs cloned from a template",
    )
    .with_capabilities(&[
        capability::LIST,
        capability::PAUSE,
        capability::RESUME,
        capability::EXEC,
        capability::STAND_IN,
        capability::EVENTS,
        capability::FEATURES,
    ])
}

fn new_backend(ctx: &PluginContext) -> Result<GuestBackend<VmFlavor>, PluginError> {
    let cfg: VmConfig = ctx.config()?;
    let template = cfg.template_vmid.ok_or_else(|| {
        PluginError::invalid_input("no template VM configured")
            .with_hint("set template_vmid in [plugins.proxmox-vm]")
    })?;
    Ok(GuestBackend {
        pve: Pve::new(&cfg.api)?,
        shutdown_timeout: cfg.shutdown_timeout,
        flavor: VmFlavor { cfg, template },
    })
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    backend: new_backend,
}
