//! `doctor` for both Proxmox backends: the API answers and accepts our credentials, and
//! at least one node is online.

use lxcri_plugin_api::doctor::Check;
use serde_json::Value;

use crate::Pve;

const FIX_API: &str = "check [plugins.<name>.api]: endpoints, the token or password file, and the TLS CA or fingerprint";

pub fn doctor(pve: &Pve) -> Vec<Check> {
    let version = match pve.get::<Value>("/version", vec![]) {
        Ok(v) => Check::pass(
            "Proxmox VE API reachable and authenticated",
            format!(
                "Proxmox VE {}",
                v.get("version").and_then(Value::as_str).unwrap_or("?")
            ),
        ),
        Err(e) => {
            return vec![Check::fail(
                "Proxmox VE API reachable and authenticated",
                e.to_string(),
                FIX_API,
            )];
        }
    };
    let nodes = match pve.get::<Vec<Value>>("/nodes", vec![]) {
        Ok(nodes) => {
            let online: Vec<&str> = nodes
                .iter()
                .filter(|n| n.get("status").and_then(Value::as_str) == Some("online"))
                .filter_map(|n| n.get("node").and_then(Value::as_str))
                .collect();
            if online.is_empty() {
                Check::fail(
                    "nodes online",
                    format!("none of {} nodes is online", nodes.len()),
                    "bring a cluster node back online",
                )
            } else {
                Check::pass("nodes online", online.join(", "))
            }
        }
        Err(e) => Check::fail("nodes online", e.to_string(), FIX_API),
    };
    vec![version, nodes]
}
