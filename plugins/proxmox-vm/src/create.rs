//! create: clone the template VM under a fresh vmid (safe under nextid races and lost
//! answers, `lxcri_pve_client::guest::NewGuest`), then apply the settings. A failure
//! after the clone leaves the record, and the host's `delete --force` removes the
//! clone once its marker proves it ours. After start, optionally run the bundle's
//! process through the agent.

use lxcri_plugin_api::{
    Container, PluginError,
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, Status},
};
use lxcri_pve_client::{
    Pve,
    backend::Flavor,
    guest::{self, GuestKind, GuestRecord, Marker, NewGuest},
    params,
};
use serde_json::json;

use crate::{VmFlavor, mapping};

/// The error for an exec without the guest agent.
pub fn needs_agent() -> PluginError {
    PluginError::unsupported("exec needs the QEMU guest agent").with_hint(
        "set agent = true in [plugins.proxmox-vm] (and install qemu-guest-agent in the template)",
    )
}

impl Flavor for VmFlavor {
    const KIND: GuestKind = GuestKind::Qemu;

    fn create(
        &self,
        pve: &Pve,
        c: Container<'_>,
        req: CreateRequest,
    ) -> Result<BackendState, PluginError> {
        let cfg = &self.cfg;
        let spec = lxcri_plugin_helpers::bundle::decode(&req)?.spec;
        let marker = Marker::new(c.id);
        let (settings, warnings) = mapping::settings(&spec, &marker, cfg)?;
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
        let new = NewGuest {
            pve,
            kind: Self::KIND,
            dir: c.dir,
            marker: &marker,
            node: source.clone(),
            home: node.clone(),
            extra: json!({"template": template, "command": mapping::agent_command(&spec)}),
        };
        let record = new.make(|vmid| {
            let mut p = params![
                ("newid", vmid),
                ("name", mapping::vm_name(c.id)),
                ("full", cfg.full_clone),
                ("description", marker.description()),
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
        });
        // Proxmox clones to another node only onto shared storage (fact 10).
        let record = record.map_err(|e| {
            if e.message.contains("uses local storage") {
                e.with_hint(format!(
                    "a clone for node {node} needs shared storage: set full_clone = true and \
                     storage = <a shared storage>, or node = \"{source}\" (the template's node)"
                ))
            } else {
                e
            }
        })?;
        let vmid = record.vmid;
        let path = format!("/nodes/{}/qemu/{vmid}/config", record.node);
        // PUT config is idempotent: a lost answer is answered by sending it again.
        let mut tries = 0;
        loop {
            match pve.put(&path, settings.clone()) {
                Ok(_) => break,
                Err(e) if (e.is_lost() || e.is_transient_lock()) && tries < 5 => tries += 1,
                Err(e) => return Err(e.into()),
            }
        }
        tracing::info!("{} is VM {vmid} on {}", c.id, record.node);
        Ok(BackendState {
            status: Status::Created,
            pid: None,
            private: json!({"vmid": vmid, "node": record.node}),
        })
    }

    /// A VM runs its template's OS: no OCI hook, no mount of the bundle.
    fn features(&self) -> serde_json::Value {
        json!({"hooks": [], "mountOptions": []})
    }

    fn relay(
        &self,
        pve: &Pve,
        dir: &std::path::Path,
        record: &GuestRecord,
        signals: &lxcri_pve_client::stand_in::Signals,
    ) -> Result<lxcri_pve_client::stand_in::Ended, PluginError> {
        crate::relay::run(self, pve, dir, record, signals)
    }

    fn exec(
        &self,
        pve: &Pve,
        record: &GuestRecord,
        req: ExecRequest,
    ) -> Result<ExecResult, PluginError> {
        if !self.cfg.agent {
            return Err(needs_agent());
        }
        crate::exec::run(pve, record, &req, self.cfg.agent_timeout_secs)
    }

    fn exec_relay(
        &self,
        pve: &Pve,
        record: &GuestRecord,
        process: serde_json::Value,
        signals: &lxcri_pve_client::stand_in::Signals,
    ) -> Result<i32, PluginError> {
        crate::relay::exec(self, pve, record, &process, signals)
    }
}
