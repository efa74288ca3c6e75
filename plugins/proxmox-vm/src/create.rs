//! create: clone the template VM under a fresh vmid (retried when nextid races), apply
//! the settings, and remove the clone if anything fails; after start, optionally run
//! the bundle's process through the agent.

use lxcri_plugin_api::{
    Container, PluginError,
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, Status},
};
use lxcri_pve_client::{
    Pve,
    backend::Flavor,
    guest::{self, GuestKind, GuestRecord, Lifecycle},
    params,
};
use oci_spec::runtime::Spec;
use serde_json::json;

use crate::{VmFlavor, mapping};

impl Flavor for VmFlavor {
    const KIND: GuestKind = GuestKind::Qemu;

    fn create(
        &self,
        pve: &Pve,
        c: Container<'_>,
        req: CreateRequest,
    ) -> Result<BackendState, PluginError> {
        let cfg = &self.cfg;
        let spec: Spec = serde_json::from_value(req.config.clone())
            .map_err(|e| PluginError::invalid_input(format!("config.json: {e}")))?;
        let (settings, warnings) = mapping::settings(&spec, c.id, cfg)?;
        for w in warnings {
            tracing::warn!("{}: {w}", c.id);
        }
        // Clones are made on the template's node; another configured node is the
        // clone's `target` (which needs shared storage).
        let template = self.template;
        let source = guest::locate(pve, Self::KIND, template)?;
        let node = match cfg.node.as_deref() {
            Some(n) => n.to_string(),
            None if cfg.nodes.is_empty() || cfg.nodes.contains(&source) => source.clone(),
            None => guest::choose_node(pve, None, &cfg.nodes)?,
        };
        let (vmid, upid) = guest::allocate(pve, |vmid| {
            let mut p = params![
                ("newid", vmid),
                ("name", mapping::vm_name(c.id)),
                ("full", cfg.full_clone),
                ("description", guest::marker(c.id)),
            ];
            if cfg.full_clone
                && let Some(storage) = &cfg.storage
            {
                p.extend(params![("storage", storage.as_str())]);
            }
            if node != source {
                p.extend(params![("target", node.as_str())]);
            }
            pve.post(&format!("/nodes/{source}/qemu/{template}/clone"), p)
        })?;
        let record = GuestRecord {
            vmid,
            node: node.clone(),
            started: false,
            paused: false,
            extra: json!({"template": template, "command": mapping::agent_command(&spec)}),
        };
        // Recorded before waiting: a crash from here on leaves what `delete --force` needs.
        record.save(c.dir)?;
        let configured = pve
            .wait(&upid)
            .and_then(|_| pve.put(&format!("/nodes/{node}/qemu/{vmid}/config"), settings));
        if let Err(e) = configured {
            tracing::warn!("create of VM {vmid} failed, cleaning up: {e}");
            Lifecycle {
                pve,
                kind: Self::KIND,
                shutdown_timeout: cfg.shutdown_timeout,
            }
            .abandon(&record, c.dir);
            return Err(e.into());
        }
        tracing::info!("{} is VM {vmid} on {node}", c.id);
        Ok(BackendState {
            status: Status::Created,
            pid: None,
            private: json!({"vmid": vmid, "node": node}),
        })
    }

    fn after_start(&self, pve: &Pve, record: &GuestRecord) -> Result<(), PluginError> {
        if !self.cfg.run_process_via_agent {
            return Ok(());
        }
        let command: Vec<String> =
            serde_json::from_value(record.extra["command"].clone()).unwrap_or_default();
        crate::exec::start(pve, record, &command).map(|_| ())
    }

    fn exec(
        &self,
        pve: &Pve,
        record: &GuestRecord,
        req: ExecRequest,
    ) -> Result<ExecResult, PluginError> {
        if !self.cfg.agent {
            return Err(PluginError::unsupported("exec needs the QEMU guest agent")
                .with_hint("set agent = true in [plugins.proxmox-vm] (and install qemu-guest-agent in the template)"));
        }
        crate::exec::run(pve, record, &req)
    }
}
