//! /nodes, /nodes/{node}/status, /cluster/nextid, /cluster/resources.

use serde_json::{Value, json};

use crate::{ApiError, ApiResult, Power, Sim, request::Request};

pub fn nodes(sim: &Sim) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    Ok(Value::Array(
        c.nodes
            .iter()
            .map(|n| {
                let online = !c.down.contains(n);
                json!({"node": n, "status": if online { "online" } else { "offline" }, "type": "node",
                       "maxcpu": 8, "maxmem": 34359738368u64, "mem": used_mem(&c, n), "cpu": 0.05})
            })
            .collect(),
    ))
}

fn used_mem(c: &crate::Cluster, node: &str) -> u64 {
    c.guests
        .values()
        .filter(|g| g.node == node && g.power != Power::Stopped)
        .map(|g| {
            g.config
                .get("memory")
                .and_then(|m| m.parse::<u64>().ok())
                .unwrap_or(512)
                * 1024
                * 1024
        })
        .sum::<u64>()
        + 2 * 1024 * 1024 * 1024
}

pub fn node_status(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    let node = req.node();
    let used = used_mem(&c, &node);
    let total: u64 = 34359738368;
    Ok(
        json!({"cpu": 0.05, "memory": {"total": total, "used": used, "free": total - used},
              "uptime": 123456, "pveversion": "pve-manager/9.1.2", "cpuinfo": {"cpus": 8}}),
    )
}

/// A JSON string, as Proxmox returns it; 400 when the asked vmid is taken.
pub fn nextid(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let mut c = sim.cluster.lock().expect("cluster");
    if let Some(vmid) = req.int("vmid") {
        if c.guests.contains_key(&(vmid as u32)) {
            return Err(ApiError::param("vmid", format!("VM {vmid} already exists")));
        }
        return Ok(Value::String(vmid.to_string()));
    }
    let mut faults = sim.faults.lock().expect("faults");
    let id = match c.last_nextid {
        Some(last) if faults.nextid_repeats > 0 => {
            faults.nextid_repeats -= 1;
            last
        }
        _ => c.next_free_vmid(),
    };
    c.last_nextid = Some(id);
    Ok(Value::String(id.to_string()))
}

/// /cluster/resources: the guest list and their `lock` and `tags` are current, but
/// status and name come from RRD data that is `resources_lag` old (fact 11): a fresh
/// guest reads `unknown` without a name, and a power change shows late.
pub fn resources(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    let lag = sim.config.resources_lag;
    let filter = req.str("type");
    let mut out = Vec::new();
    if filter.as_deref().is_none_or(|t| t == "vm") {
        for (vmid, g) in &c.guests {
            let fresh = g.created.elapsed() < lag;
            let power = if g.power_changed.elapsed() < lag {
                g.previous_power
            } else {
                g.power
            };
            let status = match (fresh, power) {
                (true, _) => "unknown",
                (false, Power::Stopped) => "stopped",
                (false, _) => "running",
            };
            let mut r = json!({
                "id": format!("{}/{vmid}", g.kind.path()), "type": g.kind.path(), "vmid": vmid,
                "node": g.node, "status": status, "template": if g.is_template() { 1 } else { 0 },
                "maxmem": 536870912, "maxcpu": 1,
            });
            if let Some(name) = g.config.get("hostname").or(g.config.get("name"))
                && !fresh
            {
                r["name"] = json!(name);
            }
            if let Some(tags) = g.config.get("tags") {
                r["tags"] = json!(tags);
            }
            if let Some(lock) = g.lock() {
                r["lock"] = json!(lock);
            }
            out.push(r);
        }
    }
    if filter.as_deref().is_none_or(|t| t == "node") {
        for n in &c.nodes {
            out.push(json!({"id": format!("node/{n}"), "type": "node", "node": n,
                            "status": if c.down.contains(n) { "offline" } else { "online" }}));
        }
    }
    Ok(Value::Array(out))
}
