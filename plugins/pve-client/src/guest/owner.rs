//! Whose a vmid is. Nothing is stopped or destroyed unless its marker proves it ours;
//! a guest still being made (`lock: create` or `clone`, marker not yet written) is
//! waited for, because its config is only complete when its worker ends
//! (reference/pve-api.md §2.2 and fact 2).

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use super::{GuestKind, Marker};
use crate::{Pve, PveError, lenient, params};

/// What a vmid holds, seen from one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Our guest, on this node, done being made.
    Ours { node: String },
    /// Someone else's guest.
    Other,
    /// A guest still being made whose marker is not yet written.
    Pending,
    /// No guest.
    Missing,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    vmid: Option<i64>,
    #[serde(default)]
    node: String,
}

/// The node a vmid of `kind` lives on now (the guest list of /cluster/resources is
/// current; only its status lags).
pub fn node_of(pve: &Pve, kind: GuestKind, vmid: u32) -> Result<Option<String>, PveError> {
    let resources: Vec<Resource> = pve.get("/cluster/resources", params![("type", "vm")])?;
    Ok(resources
        .into_iter()
        .find(|r| r.kind == kind.path() && r.vmid == Some(vmid as i64))
        .map(|r| r.node))
}

fn config(pve: &Pve, kind: GuestKind, node: &str, vmid: u32) -> Result<Option<Value>, PveError> {
    match pve.get(
        &format!("/nodes/{node}/{}/{vmid}/config", kind.path()),
        vec![],
    ) {
        Ok(c) => Ok(Some(c)),
        Err(e) if e.is_missing() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whose `vmid` is now. Looks on `node` first, then wherever the cluster says the
/// guest went (a clone to another node moves its config at the end).
pub fn owner(
    pve: &Pve,
    kind: GuestKind,
    node: &str,
    vmid: u32,
    marker: &Marker,
) -> Result<Owner, PveError> {
    let (node, found) = match config(pve, kind, node, vmid)? {
        Some(c) => (node.to_string(), c),
        None => match node_of(pve, kind, vmid)? {
            Some(other) if other != node => match config(pve, kind, &other, vmid)? {
                Some(c) => (other, c),
                None => return Ok(Owner::Missing),
            },
            _ => return Ok(Owner::Missing),
        },
    };
    let lock = found.get("lock").and_then(|l| l.as_str());
    let being_made = matches!(lock, Some("create" | "clone"));
    Ok(match Marker::of_config(&found) {
        Some(m) if marker.proves(&m) && !being_made => Owner::Ours { node },
        Some(m) if marker.proves(&m) => Owner::Pending,
        _ if being_made => Owner::Pending,
        _ => Owner::Other,
    })
}

/// [`owner`], waiting (until `deadline`) while the guest is still being made.
pub fn settle(
    pve: &Pve,
    kind: GuestKind,
    node: &str,
    vmid: u32,
    marker: &Marker,
    wait: Duration,
) -> Result<Owner, PveError> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(20);
    loop {
        let found = owner(pve, kind, node, vmid, marker)?;
        if found != Owner::Pending {
            return Ok(found);
        }
        if Instant::now() + pause > deadline {
            return Err(PveError::Timeout(format!(
                "{} {vmid} still being made",
                kind.path()
            )));
        }
        tracing::debug!("{} {vmid} is still being made; waiting", kind.path());
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}
