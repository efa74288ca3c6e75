//! Who may do what (fact 3).
//!
//! An API token authenticates as `user@realm!tokenid`, which is never `root@pam`, so
//! the settings pve-container reserves for root@pam (`check_ct_modify_config_perm`)
//! are refused to every token: bind and device mount points, feature flags other than
//! nesting, device passthrough, hookscripts, and features on a privileged CT. With
//! privilege separation a token holds only the privileges its own ACLs grant
//! (`Faults::token_privileges`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{ApiError, ApiResult, Sim};

fn is_root(user: &str) -> bool {
    user == "root@pam"
}

fn is_token(user: &str) -> bool {
    user.contains('!')
}

fn perm(message: impl Into<String>) -> ApiError {
    ApiError::new(403, message)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The volume part of a mount point value (`[volume=]<vol>,mp=…`).
fn volume(value: &str) -> String {
    let first = value.split(',').next().unwrap_or_default();
    first.strip_prefix("volume=").unwrap_or(first).to_string()
}

/// Root-only LXC settings in a create or config update by `user`.
pub fn lxc_config(
    sim: &Sim,
    user: &str,
    params: &BTreeMap<String, Value>,
    unprivileged: bool,
) -> ApiResult<()> {
    if is_root(user) {
        return Ok(());
    }
    for (key, value) in params {
        let value = text(value);
        let mount = key == "rootfs"
            || key
                .strip_prefix("mp")
                .is_some_and(|n| n.parse::<u32>().is_ok());
        if mount {
            let vol = volume(&value);
            if vol.starts_with('/') {
                let kind = if vol.starts_with("/dev/") {
                    "device"
                } else {
                    "bind"
                };
                return Err(perm(format!(
                    "mount point type {kind} is only allowed for root@pam"
                )));
            }
        } else if key.starts_with("dev") && key[3..].parse::<u32>().is_ok() {
            return Err(perm(
                "configuring device passthrough is only allowed for root@pam",
            ));
        } else if key == "hookscript" {
            return Err(perm("changing the hookscript is only allowed for root@pam"));
        } else if key == "features" {
            if !unprivileged {
                return Err(perm(
                    "changing feature flags for privileged container is only allowed for root@pam",
                ));
            }
            let flags: Vec<&str> = value
                .split(',')
                .filter(|f| !f.is_empty())
                .filter(|f| !f.ends_with("=0"))
                .collect();
            if flags.iter().any(|f| !f.starts_with("nesting")) {
                return Err(perm(
                    "changing feature flags (except nesting) is only allowed for root@pam",
                ));
            }
        }
    }
    if !unprivileged && params.contains_key("vmid") && !params.contains_key("delete") {
        require(sim, user, "/", "Sys.Modify")?;
    }
    Ok(())
}

/// Refuses `privilege` on `path` to a token whose ACLs do not grant it.
pub fn require(sim: &Sim, user: &str, path: &str, privilege: &str) -> ApiResult<()> {
    if !is_token(user) {
        return Ok(());
    }
    let faults = sim.faults.lock().expect("faults");
    match &faults.token_privileges {
        Some(granted) if !granted.contains(privilege) => Err(perm(format!(
            "Permission check failed ({path}, {privilege})"
        ))),
        _ => Ok(()),
    }
}

/// The privilege an endpoint checks, and on which ACL path.
pub fn endpoint(
    method: &str,
    template: &str,
    params: &BTreeMap<String, Value>,
) -> Option<(String, &'static str)> {
    let get = |k: &str| params.get(k).map(text).unwrap_or_default();
    let vms = || format!("/vms/{}", get("vmid"));
    let storage = || format!("/storage/{}", get("storage"));
    let guest = template
        .strip_prefix("/nodes/{node}/lxc")
        .or_else(|| template.strip_prefix("/nodes/{node}/qemu"));
    let privilege = match (method, guest, template) {
        ("POST", Some(""), _) => return Some((vms(), "VM.Allocate")),
        ("POST", Some("/{vmid}/clone"), _) => return Some((vms(), "VM.Clone")),
        ("DELETE", Some("/{vmid}"), _) => return Some((vms(), "VM.Allocate")),
        ("POST", Some(op), _) if op.starts_with("/{vmid}/status/") => "VM.PowerMgmt",
        ("POST", Some(op), _) if op.starts_with("/{vmid}/agent/") => "VM.GuestAgent.Unrestricted",
        ("GET", Some(op), _) if op.starts_with("/{vmid}/agent/") => "VM.GuestAgent.Unrestricted",
        ("POST", Some("/{vmid}/termproxy"), _) => "VM.Console",
        ("PUT", Some("/{vmid}/config"), _) => "VM.Config.Options",
        ("POST" | "DELETE", Some(op), _) if op.starts_with("/{vmid}/snapshot") => "VM.Snapshot",
        ("GET", Some(_), _) => "VM.Audit",
        ("POST", None, "/nodes/{node}/storage/{storage}/upload") => {
            return Some((storage(), "Datastore.AllocateTemplate"));
        }
        ("DELETE", None, t) if t.starts_with("/nodes/{node}/storage/") => {
            return Some((storage(), "Datastore.Allocate"));
        }
        ("GET", None, t) if t.starts_with("/nodes/{node}/storage/{storage}") => {
            return Some((storage(), "Datastore.Audit"));
        }
        _ => return None,
    };
    if get("vmid").is_empty() {
        return None;
    }
    Some((vms(), privilege))
}
