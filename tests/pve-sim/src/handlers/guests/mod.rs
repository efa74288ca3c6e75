//! LXC and QEMU guests, with Proxmox's asymmetries between the two (see
//! reference/pve-api.md §2.2, §2.3 and §7.6): lists, config, status and destroy
//! here; create and clone, power, snapshots and the guest agent in their modules.

mod agent;
mod create;
mod power;
mod snapshots;

use std::sync::Arc;

use serde_json::{Value, json};

use crate::{
    ApiError, ApiResult, Kind, Power, Sim, model::Guest, permissions, request::Request,
    tasks::TaskSpec,
};

pub use agent::{agent_exec, agent_exec_status, agent_ping};
pub use create::{clone, create, template};
pub use power::power;
pub use snapshots::{delete_snapshot, rollback, snapshot, snapshots};

pub(super) fn missing(kind: Kind, node: &str, vmid: u32) -> ApiError {
    let dir = match kind {
        Kind::Lxc => "lxc",
        Kind::Qemu => "qemu-server",
    };
    ApiError::die(format!(
        "Configuration file 'nodes/{node}/{dir}/{vmid}.conf' does not exist"
    ))
}

/// Runs `f` on the guest `vmid` of this kind on the request's node.
pub(crate) fn with_guest<T>(
    sim: &Sim,
    req: &Request,
    kind: Kind,
    f: impl FnOnce(&mut Guest) -> ApiResult<T>,
) -> ApiResult<T> {
    let (node, vmid) = (req.node(), req.vmid());
    let mut c = sim.cluster.lock().expect("cluster");
    match c.guests.get_mut(&vmid) {
        Some(g) if g.kind == kind && g.node == node => f(g),
        _ => Err(missing(kind, &node, vmid)),
    }
}

pub(super) fn locked_error(kind: Kind, lock: &str) -> String {
    format!("{} is locked ({lock})", kind.label())
}

fn config_value(v: &str) -> Value {
    v.parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(v.to_string()))
}

fn config_json(g: &Guest) -> Value {
    let mut map: serde_json::Map<String, Value> = g
        .config
        .iter()
        .map(|(k, v)| (k.clone(), config_value(v)))
        .collect();
    let digest = format!(
        "{:040x}",
        g.config.iter().fold(0u128, |acc, (k, v)| acc
            .wrapping_mul(31)
            .wrapping_add((k.len() * 7 + v.len()) as u128))
    );
    map.insert("digest".into(), Value::String(digest));
    Value::Object(map)
}

pub(super) fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => {
            if *b {
                "1".into()
            } else {
                "0".into()
            }
        }
        other => other.to_string(),
    }
}

pub fn list(sim: &Sim, req: &Request, kind: Kind) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    let node = req.node();
    Ok(Value::Array(
        c.guests
            .iter()
            .filter(|(_, g)| g.kind == kind && g.node == node)
            .map(|(vmid, g)| {
                let mut v = json!({"vmid": vmid, "status": if g.power == Power::Stopped { "stopped" } else { "running" },
                                   "maxmem": 536870912, "type": kind.path()});
                if let Some(name) = g.config.get("hostname").or(g.config.get("name")) {
                    v["name"] = json!(name);
                }
                if let Some(tags) = g.config.get("tags") {
                    v["tags"] = json!(tags);
                }
                if let Some(lock) = g.lock() {
                    v["lock"] = json!(lock);
                }
                if g.is_template() {
                    v["template"] = json!(1);
                }
                v
            })
            .collect(),
    ))
}

/// DELETE: locks and a running guest are refused synchronously; the worker takes the
/// flock (a timeout fails the task) and removes the guest, stopping a CT first when
/// forced.
pub fn destroy(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let force = req.flag("force");
    with_guest(sim, req, kind, |g| {
        if let Some(lock) = g.lock() {
            return Err(ApiError::die(locked_error(kind, lock)));
        }
        if g.power != Power::Stopped {
            match kind {
                Kind::Lxc if !force => {
                    return Err(ApiError::die(format!(
                        "unable to destroy CT {vmid} - container is running"
                    )));
                }
                Kind::Qemu => {
                    return Err(ApiError::die(format!(
                        "VM {vmid} is running - destroy failed"
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    })?;
    let typ = if kind == Kind::Lxc {
        "vzdestroy"
    } else {
        "qmdestroy"
    };
    Ok(Value::String(sim.spawn_task(
        &node,
        typ,
        &vmid.to_string(),
        &req.user,
        TaskSpec::locking(sim, vmid),
        Box::new(move |c| {
            match c.guests.get(&vmid) {
                None => return Err(format!("Configuration file for {vmid} does not exist")),
                Some(g) if g.power != Power::Stopped && !force => {
                    return Err(format!(
                        "{} {vmid} is running - destroy failed",
                        g.kind.label()
                    ));
                }
                Some(_) => {}
            }
            c.guests.remove(&vmid);
            Ok(Vec::new())
        }),
    )))
}

pub fn get_config(sim: &Sim, req: &Request, kind: Kind) -> ApiResult<Value> {
    with_guest(sim, req, kind, |g| Ok(config_json(g)))
}

pub fn put_config(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let vmid = req.vmid();
    with_guest(sim, req, kind, |g| {
        if let Some(lock) = g.lock()
            && !req.flag("skiplock")
        {
            return Err(ApiError::die(locked_error(kind, lock)));
        }
        if kind == Kind::Lxc {
            let unprivileged = g.config.get("unprivileged").is_none_or(|v| v == "1");
            permissions::lxc_config(sim, &req.user, &req.params, unprivileged)?;
        }
        Ok(())
    })?;
    sim.acquire(vmid)?;
    let result = with_guest(sim, req, kind, |g| {
        let mut changed = false;
        for (k, v) in &req.params {
            if matches!(
                k.as_str(),
                "node" | "vmid" | "delete" | "digest" | "revert" | "skiplock"
            ) {
                continue;
            }
            g.config.insert(k.clone(), param_text(v));
            changed = true;
        }
        if let Some(list) = req.str("delete") {
            for key in list.split([',', ';', ' ']).filter(|k| !k.is_empty()) {
                g.config.remove(key);
                changed = true;
            }
        }
        if changed {
            Ok(Value::Null)
        } else {
            Err(ApiError::die("no options specified"))
        }
    });
    sim.release(vmid);
    result
}

pub fn status_current(sim: &Sim, req: &Request, kind: Kind) -> ApiResult<Value> {
    let vmid = req.vmid();
    with_guest(sim, req, kind, |g| {
        let status = if g.power == Power::Stopped {
            "stopped"
        } else {
            "running"
        };
        let mut v = json!({"status": status, "vmid": vmid, "cpus": 1, "maxmem": 536870912, "mem": 0,
                           "uptime": if status == "running" { 42 } else { 0 }, "ha": {"managed": 0}});
        if let Some(name) = g.config.get("hostname").or(g.config.get("name")) {
            v["name"] = json!(name);
        }
        if let Some(lock) = g.lock() {
            v["lock"] = json!(lock);
        }
        if let Some(tags) = g.config.get("tags") {
            v["tags"] = json!(tags);
        }
        if g.is_template() {
            v["template"] = json!(1);
        }
        if kind == Kind::Qemu {
            v["qmpstatus"] = json!(match g.power {
                Power::Paused => "paused",
                Power::Running => "running",
                Power::Stopped => "stopped",
            });
            if g.power != Power::Stopped {
                v["pid"] = json!(40000 + vmid);
            }
            v["agent"] = json!(if agent::enabled(g) { 1 } else { 0 });
        }
        Ok(v)
    })
}
