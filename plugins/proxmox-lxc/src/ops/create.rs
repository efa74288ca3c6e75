//! create: map the bundle, provide the template, allocate a vmid, create the CT and
//! wait; on any failure after that, remove the CT and a template this create uploaded.

use std::path::Path;

use lxcri_plugin_api::{
    Container, PluginError,
    types::{BackendState, CreateRequest, Status},
};
use lxcri_pve_client::{
    guest::{self, GuestRecord},
    params,
};
use oci_spec::runtime::Spec;
use serde_json::json;

use crate::{
    ProxmoxLxc,
    mapping::{self, TEMPLATE_ANNOTATION},
    template::{self, Template},
};

pub fn create(
    b: &ProxmoxLxc,
    c: Container<'_>,
    req: CreateRequest,
) -> Result<BackendState, PluginError> {
    let spec: Spec = serde_json::from_value(req.config.clone())
        .map_err(|e| PluginError::invalid_input(format!("config.json: {e}")))?;
    let (mut ct_params, warnings) = mapping::map(&spec, c.id, &b.cfg)?;
    for w in warnings {
        tracing::warn!("{}: {w}", c.id);
    }
    let node = guest::choose_node(&b.pve, b.cfg.node.as_deref(), &b.cfg.nodes)?;
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
        .or_else(|| b.cfg.template.clone());
    let tpl = match named {
        Some(volid) => Template {
            volid,
            uploaded: false,
        },
        None => template::ensure(&b.pve, &node, &b.cfg.template_storage, &rootfs)?,
    };
    if !Path::new(&rootfs).join("etc/os-release").exists() {
        ct_params.extend(params![("ostype", "unmanaged")]);
    }
    let created = guest::allocate(&b.pve, |vmid| {
        let mut p = params![("vmid", vmid), ("ostemplate", tpl.volid.as_str())];
        p.extend(ct_params.iter().cloned());
        b.pve.post(&format!("/nodes/{node}/lxc"), p)
    });
    let (vmid, upid) = match created {
        Ok(x) => x,
        Err(e) => {
            template::remove(&b.pve, &node, &tpl);
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
    if let Err(e) = b.pve.wait(&upid) {
        tracing::warn!("create of CT {vmid} failed, cleaning up: {e}");
        if let Err(cleanup) = b.lifecycle().destroy(&record, true) {
            tracing::warn!("could not remove CT {vmid}: {cleanup}");
        }
        GuestRecord::remove(c.dir);
        template::remove(&b.pve, &node, &tpl);
        return Err(e.into());
    }
    tracing::info!("{} is CT {vmid} on {node}", c.id);
    Ok(BackendState {
        status: Status::Created,
        pid: None,
        private: json!({"vmid": vmid, "node": node}),
    })
}
