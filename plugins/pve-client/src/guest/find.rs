//! Finding guests again: every guest of this runtime by its tag and marker, the node
//! a template lives on, and a container's record when its local state is gone.
//!
//! Lists come from each node's own guest list, whose status is live, not from
//! /cluster/resources, whose status lags by about 10 s (fact 11).

use std::path::Path;

use lxcri_plugin_api::PluginError;
use serde::Deserialize;
use serde_json::Value;

use super::{GuestKind, GuestRecord, Marker, marker::tagged, owner::node_of};
use crate::{Pve, PveError, lenient};

#[derive(Deserialize)]
struct NodeEntry {
    node: String,
    #[serde(default)]
    status: String,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    maxmem: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    mem: Option<i64>,
}

/// The node to create on: the configured one, else the online candidate with the most
/// free memory.
pub fn choose_node(
    pve: &Pve,
    configured: Option<&str>,
    candidates: &[String],
) -> Result<String, PveError> {
    if let Some(node) = configured {
        return Ok(node.to_string());
    }
    let nodes: Vec<NodeEntry> = pve.get("/nodes", vec![])?;
    nodes
        .into_iter()
        .filter(|n| n.status == "online")
        .filter(|n| candidates.is_empty() || candidates.contains(&n.node))
        .max_by_key(|n| n.maxmem.unwrap_or(0) - n.mem.unwrap_or(0))
        .map(|n| n.node)
        .ok_or_else(|| PveError::Unreachable("no online cluster node to create on".into()))
}

#[derive(Deserialize)]
struct GuestEntry {
    #[serde(deserialize_with = "lenient::int")]
    vmid: i64,
    #[serde(default)]
    status: String,
    #[serde(default)]
    tags: Option<String>,
}

/// A guest of this runtime: its container's marker, where it is, and its status.
#[derive(Debug, Clone)]
pub struct Found {
    pub marker: Marker,
    pub vmid: u32,
    pub node: String,
    pub running: bool,
}

/// Every guest of `kind` this runtime made, on every online node.
pub fn tagged_guests(pve: &Pve, kind: GuestKind) -> Result<Vec<Found>, PveError> {
    let nodes: Vec<NodeEntry> = pve.get("/nodes", vec![])?;
    let mut out = Vec::new();
    for node in nodes.into_iter().filter(|n| n.status == "online") {
        let guests: Vec<GuestEntry> =
            pve.get(&format!("/nodes/{}/{}", node.node, kind.path()), vec![])?;
        for g in guests.into_iter().filter(|g| tagged(g.tags.as_deref())) {
            let config: Value = match pve.get(
                &format!("/nodes/{}/{}/{}/config", node.node, kind.path(), g.vmid),
                vec![],
            ) {
                Ok(c) => c,
                Err(e) if e.is_missing() => continue,
                Err(e) => return Err(e),
            };
            if let Some(marker) = Marker::of_config(&config) {
                out.push(Found {
                    marker,
                    vmid: g.vmid as u32,
                    node: node.node.clone(),
                    running: g.status == "running",
                });
            }
        }
    }
    Ok(out)
}

/// The node a guest (e.g. a template) lives on.
pub fn locate(pve: &Pve, kind: GuestKind, vmid: u32) -> Result<String, PluginError> {
    node_of(pve, kind, vmid)?.ok_or_else(|| {
        PluginError::not_found(format!(
            "{} {vmid} does not exist in the cluster",
            kind.path()
        ))
    })
}

/// The guests made for container `id` (normally one).
pub fn find(pve: &Pve, kind: GuestKind, id: &str) -> Result<Vec<Found>, PveError> {
    Ok(tagged_guests(pve, kind)?
        .into_iter()
        .filter(|f| f.marker.id == id)
        .collect())
}

/// The record of container `id`: the local one, else found again through its marker
/// (and written back).
pub fn record(
    pve: &Pve,
    kind: GuestKind,
    id: &str,
    dir: &Path,
) -> Result<GuestRecord, PluginError> {
    if let Some(r) = GuestRecord::load(dir) {
        return Ok(r);
    }
    let found = find(pve, kind, id)?;
    let Some(f) = found.first() else {
        return Err(PluginError::not_found(format!(
            "no Proxmox guest belongs to container '{id}'"
        )));
    };
    if found.len() > 1 {
        let vmids: Vec<String> = found.iter().map(|f| f.vmid.to_string()).collect();
        tracing::warn!(
            "container '{id}' has {} guests ({}); using {}",
            found.len(),
            vmids.join(", "),
            f.vmid
        );
    }
    tracing::info!(
        "container '{id}' found again as {} {} on {}",
        kind.path(),
        f.vmid,
        f.node
    );
    let r = GuestRecord {
        vmid: f.vmid,
        node: f.node.clone(),
        nonce: f.marker.nonce.clone(),
        creating: false,
        started: f.running,
        started_at: None,
        paused: false,
        extra: Value::Null,
        stand_in: None,
        killed_with: None,
    };
    r.save(dir)?;
    Ok(r)
}
