//! create: map the bundle, provide the template, allocate a vmid, create the CT and
//! wait; on any failure after that, remove the CT and a template this create uploaded.

use std::path::Path;

use lxcri_plugin_api::{
    Container, PluginError,
    types::{BackendState, CreateRequest, Status},
};
use lxcri_pve_client::{
    Pve,
    backend::Flavor,
    guest::{self, GuestKind, GuestRecord, Lifecycle},
    params,
};
use oci_spec::runtime::Spec;
use serde_json::json;

use crate::{
    LxcFlavor,
    mapping::{self, TEMPLATE_ANNOTATION},
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
        let spec: Spec = serde_json::from_value(req.config.clone())
            .map_err(|e| PluginError::invalid_input(format!("config.json: {e}")))?;
        let (mut ct_params, warnings) = mapping::map(&spec, c.id, cfg)?;
        for w in warnings {
            tracing::warn!("{}: {w}", c.id);
        }
        let node = guest::choose_node(pve, cfg.node.as_deref(), &cfg.nodes)?;
        let rootfs = spec
            .root()
            .as_ref()
            .map(|r| r.path().clone())
            .unwrap_or_else(|| "rootfs".into());
        let rootfs = if rootfs.is_absolute() {
            rootfs
        } else {
            req.bundle.join(rootfs)
        };
        let named = spec
            .annotations()
            .as_ref()
            .and_then(|a| a.get(TEMPLATE_ANNOTATION).cloned())
            .or_else(|| cfg.template.clone());
        let tpl = match named {
            Some(volid) => Template {
                volid,
                uploaded: false,
            },
            None => template::ensure(pve, &node, &cfg.template_storage, &rootfs)?,
        };
        if !Path::new(&rootfs).join("etc/os-release").exists() {
            ct_params.extend(params![("ostype", "unmanaged")]);
        }
        let created = guest::allocate(pve, |vmid| {
            let mut p = params![("vmid", vmid), ("ostemplate", tpl.volid.as_str())];
            p.extend(ct_params.iter().cloned());
            pve.post(&format!("/nodes/{node}/lxc"), p)
        });
        let (vmid, upid) = match created {
            Ok(x) => x,
            Err(e) => {
                template::remove(pve, &node, &tpl);
                return Err(e.into());
            }
        };
        let record = GuestRecord {
            vmid,
            node: node.clone(),
            started: false,
            paused: false,
            extra: json!({"template": tpl.volid, "uploaded": tpl.uploaded}),
        };
        // Recorded before waiting: a crash from here on leaves what `delete --force` needs.
        record.save(c.dir)?;
        if let Err(e) = pve.wait(&upid) {
            tracing::warn!("create of CT {vmid} failed, cleaning up: {e}");
            Lifecycle {
                pve,
                kind: Self::KIND,
                shutdown_timeout: cfg.shutdown_timeout,
            }
            .abandon(&record, c.dir);
            template::remove(pve, &node, &tpl);
            return Err(e.into());
        }
        tracing::info!("{} is CT {vmid} on {node}", c.id);
        Ok(BackendState {
            status: Status::Created,
            pid: None,
            private: json!({"vmid": vmid, "node": node}),
        })
    }
}
