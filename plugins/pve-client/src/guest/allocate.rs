//! Making a new guest under a vmid nobody else holds, safely against real Proxmox:
//! - `/cluster/nextid` does not reserve ids, so parallel creates collide, early (a
//!   synchronous "already exists") or inside the worker (fact 2); a collision moves
//!   on to a fresh id and never touches the guest that holds it;
//! - an answer lost after Proxmox acted (fact 1) is answered by sending the same
//!   request for the same vmid again: if the first one took effect, the repeat
//!   collides and the marker then proves the guest ours;
//! - the record is written before each request goes out, so a crash at any point
//!   leaves `delete --force` what it needs.

use std::path::Path;

use lxcri_plugin_api::PluginError;
use serde_json::Value;

use super::{GuestKind, GuestRecord, Marker, Owner, settle};
use crate::{Pve, PveError, lenient};

/// How often one vmid is asked for again after lost answers, and how many vmids are
/// tried.
const RESENDS: u32 = 5;
const VMIDS: u32 = 40;

/// A guest to be made.
pub struct NewGuest<'a> {
    pub pve: &'a Pve,
    pub kind: GuestKind,
    /// The container's private dir, where the record lives.
    pub dir: &'a Path,
    pub marker: &'a Marker,
    /// The node whose API makes the guest (where its config first lives).
    pub node: String,
    /// The node the finished guest lives on (a clone's `target`, else `node`).
    pub home: String,
    /// Backend-specific record data.
    pub extra: Value,
}

/// How one attempt on one vmid ended.
enum Attempt {
    Made,
    Failed(PveError),
}

impl NewGuest<'_> {
    fn next_vmid(&self) -> Result<u32, PveError> {
        let next: Value = self.pve.get("/cluster/nextid", vec![])?;
        lenient::value_int(&next)
            .map(|v| v as u32)
            .ok_or_else(|| PveError::Decode {
                path: "/cluster/nextid".into(),
                message: format!("not an id: {next}"),
            })
    }

    /// Sends the request for `vmid` (again after lost answers) and waits for its task.
    /// Returns whether an answer was lost on the way.
    fn attempt<F>(&self, vmid: u32, send: &mut F) -> (Attempt, bool)
    where
        F: FnMut(u32) -> Result<Value, PveError>,
    {
        let mut lost = false;
        for _ in 0..RESENDS {
            let upid = match send(vmid) {
                Ok(v) => v,
                Err(e) if e.is_lost() => {
                    tracing::debug!("create of {} {vmid}: {e}; asking again", self.kind.path());
                    lost = true;
                    continue;
                }
                Err(e) => return (Attempt::Failed(e), lost),
            };
            let Some(upid) = upid.as_str() else {
                let e = PveError::Decode {
                    path: "create".into(),
                    message: format!("expected a task id, got {upid}"),
                };
                return (Attempt::Failed(e), lost);
            };
            return match self.pve.wait(upid) {
                Ok(_) => (Attempt::Made, lost),
                Err(e) => (Attempt::Failed(e), lost),
            };
        }
        let e = PveError::Lost {
            method: "POST".into(),
            path: format!("create of {} {vmid}", self.kind.path()),
            detail: format!("{RESENDS} answers in a row"),
        };
        (Attempt::Failed(e), true)
    }

    /// Makes the guest: `send(vmid)` posts the create or clone and returns its UPID.
    /// On success the record is saved with `creating` cleared.
    pub fn make<F>(&self, mut send: F) -> Result<GuestRecord, PluginError>
    where
        F: FnMut(u32) -> Result<Value, PveError>,
    {
        let mut last = None;
        for round in 0..VMIDS {
            let vmid = self.next_vmid()?;
            let mut record = GuestRecord {
                vmid,
                node: self.node.clone(),
                nonce: self.marker.nonce.clone(),
                creating: true,
                started: false,
                started_at: None,
                paused: false,
                extra: self.extra.clone(),
                stand_in: None,
                killed_with: None,
            };
            record.save(self.dir)?;
            let (attempt, lost) = self.attempt(vmid, &mut send);
            let err = match attempt {
                Attempt::Made => {
                    record.node = self.home.clone();
                    record.creating = false;
                    record.save(self.dir)?;
                    return Ok(record);
                }
                Attempt::Failed(e) => e,
            };
            let collided = err.is_collision() || err.is_transient_lock() || err.is_lost();
            if lost || err.is_lost() {
                // Did one of the requests that went unanswered make the guest?
                let wait = self.pve.task_timeout();
                match settle(self.pve, self.kind, &self.node, vmid, self.marker, wait)? {
                    Owner::Ours { node } => {
                        tracing::info!(
                            "{} {vmid} was made although its answer was lost",
                            self.kind.path()
                        );
                        record.node = node;
                        record.creating = false;
                        record.save(self.dir)?;
                        return Ok(record);
                    }
                    Owner::Other | Owner::Missing | Owner::Pending => {}
                }
            }
            if !collided {
                // The request was refused, or its worker failed and removed what it
                // made; the record stays for `delete --force` to check.
                return Err(err.into());
            }
            tracing::debug!("vmid {vmid} is taken (round {round}): {err}; trying another");
            // Spread racing creators apart.
            let jitter = (u64::from(std::process::id()) * 7 + u64::from(round) * 13) % 40;
            std::thread::sleep(std::time::Duration::from_millis(5 + jitter));
            last = Some(err);
        }
        GuestRecord::remove(self.dir);
        Err(last
            .unwrap_or_else(|| PveError::Decode {
                path: "/cluster/nextid".into(),
                message: "no free vmid".into(),
            })
            .into())
    }
}
