//! Snapshots: each a worker under the guest's flock; refusals are synchronous.

use std::sync::Arc;

use serde_json::{Value, json};

use super::with_guest;
use crate::{
    ApiError, ApiResult, Kind, Power, Sim, model::Guest, request::Request, tasks::TaskSpec,
};

pub fn snapshots(sim: &Sim, req: &Request, kind: Kind) -> ApiResult<Value> {
    with_guest(sim, req, kind, |g| {
        let mut list: Vec<Value> = g
            .snapshots
            .iter()
            .map(|s| json!({"name": s, "description": "", "snaptime": 1_700_000_000}))
            .collect();
        list.push(json!({"name": "current", "description": "You are here!", "running": if g.power == Power::Stopped { 0 } else { 1 }}));
        Ok(Value::Array(list))
    })
}

/// A snapshot worker: `check` runs synchronously on the guest (refusals are sync 500s),
/// then the guest lock is taken and `effect` runs in the `vz<typ>`/`qm<typ>` task.
fn snapshot_task(
    sim: &Arc<Sim>,
    req: &Request,
    kind: Kind,
    typ: &str,
    check: impl FnOnce(&Guest, &str) -> ApiResult<()>,
    effect: impl FnOnce(&mut Guest, String) + Send + 'static,
) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let name = req.str("snapname").unwrap_or_default();
    with_guest(sim, req, kind, |g| check(g, &name))?;
    let prefix = if kind == Kind::Lxc { "vz" } else { "qm" };
    Ok(Value::String(sim.spawn_task(
        &node,
        &format!("{prefix}{typ}"),
        &vmid.to_string(),
        &req.user,
        TaskSpec::locking(sim, vmid),
        Box::new(move |c| {
            if let Some(g) = c.guests.get_mut(&vmid) {
                effect(g, name);
            }
            Ok(Vec::new())
        }),
    )))
}

fn must_exist(g: &Guest, name: &str) -> ApiResult<()> {
    if g.snapshots.iter().any(|s| s == name) {
        Ok(())
    } else {
        Err(ApiError::die(format!("snapshot '{name}' does not exist")))
    }
}

pub fn snapshot(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    snapshot_task(
        sim,
        req,
        kind,
        "snapshot",
        |g, name| {
            if g.snapshots.iter().any(|s| s == name) {
                return Err(ApiError::die(format!(
                    "snapshot name '{name}' already used"
                )));
            }
            Ok(())
        },
        |g, name| g.snapshots.push(name),
    )
}

pub fn delete_snapshot(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    snapshot_task(sim, req, kind, "delsnapshot", must_exist, |g, name| {
        g.snapshots.retain(|s| *s != name)
    })
}

pub fn rollback(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let start = req.flag("start");
    snapshot_task(sim, req, kind, "rollback", must_exist, move |g, _| {
        g.set_power(if start {
            Power::Running
        } else {
            Power::Stopped
        });
    })
}
