//! create: map the bundle, provide the template, and make the CT under a fresh vmid
//! (safe under nextid races and lost answers, `lxcri_pve_client::guest::NewGuest`).
//! A failure leaves the record, and the host's `delete --force` removes the CT once
//! its marker proves it ours. An uploaded template stays: it is named by its
//! content, so other containers with the same rootfs use it.

use std::path::Path;

use lxcri_plugin_api::{
    Container, PluginError,
    types::{BackendState, CreateRequest, Status},
};
use lxcri_pve_client::{
    Pve,
    backend::Flavor,
    guest::{self, GuestKind, GuestRecord, Marker, NewGuest},
    params,
};
use serde_json::json;

use crate::{
    LxcFlavor,
    mapping::{self, TEMPLATE_ANNOTATION},
    root_only,
    template::{self, Template},
};

impl Flavor for LxcFlavor {
    const KIND: GuestKind = GuestKind::Lxc;

    fn create(
        &self,
        pve: &Pve,
        c: Container<'_>,
        req: CreateRequest,
    ) -> Result<BackendState, PluginError> {
        let cfg = &self.cfg;
        let lxcri_plugin_helpers::bundle::Bundle { spec, rootfs } =
            lxcri_plugin_helpers::bundle::decode(&req)?;
        let marker = Marker::new(c.id);
        let (mut ct_params, warnings) = mapping::map(&spec, &marker, cfg)?;
        if !cfg.api.is_root_pam() {
            root_only::check(&ct_params)?;
        }
        for w in warnings {
            tracing::warn!("{}: {w}", c.id);
        }
        let node = guest::choose_node(pve, cfg.node.as_deref(), &cfg.nodes)?;
        let named = spec
            .annotations()
            .as_ref()
            .and_then(|a| a.get(TEMPLATE_ANNOTATION).cloned())
            .or_else(|| cfg.template.clone());
        let tpl = match named {
            Some(volid) => Template { volid },
            None => template::ensure(pve, &node, &cfg.template_storage, &rootfs)?,
        };
        if !Path::new(&rootfs).join("etc/os-release").exists() {
            ct_params.extend(params![("ostype", "unmanaged")]);
        }
        let new = NewGuest {
            pve,
            kind: Self::KIND,
            dir: c.dir,
            marker: &marker,
            node: node.clone(),
            home: node.clone(),
            extra: json!({"template": tpl.volid}),
        };
        let record = new.make(|vmid| {
            let mut p = params![("vmid", vmid), ("ostemplate", tpl.volid.as_str())];
            p.extend(ct_params.iter().cloned());
            pve.post(&format!("/nodes/{node}/lxc"), p)
        })?;
        tracing::info!("{} is CT {} on {node}", c.id, record.vmid);
        Ok(BackendState {
            status: Status::Created,
            pid: None,
            private: json!({"vmid": record.vmid, "node": node}),
        })
    }

    fn relay(
        &self,
        pve: &Pve,
        dir: &Path,
        record: &GuestRecord,
        signals: &lxcri_pve_client::stand_in::Signals,
    ) -> Result<lxcri_pve_client::stand_in::Ended, PluginError> {
        crate::relay::run(pve, dir, record, signals)
    }

    /// A CT has every namespace of its own, runs no OCI hook, and takes bind mounts.
    fn features(&self) -> serde_json::Value {
        json!({
            "hooks": [],
            "mountOptions": ["bind", "rbind", "ro"],
            "linux": {"namespaces": lxcri_plugin_helpers::features::NAMESPACES},
        })
    }

    fn stopped_on_its_own(pve: &Pve, record: &GuestRecord) -> i32 {
        crate::relay::stopped_on_its_own(pve, record)
    }
}
