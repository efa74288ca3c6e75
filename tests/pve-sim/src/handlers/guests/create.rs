//! Create and clone: how a new guest comes to exist, and how a vmid collision shows.
//!
//! Create writes a config holding only `lock: create` before it answers, and the
//! worker writes the full config when it is done (pve-api.md §2.2). Clone checks the
//! new vmid early, then again in its worker under the new vmid's flock, and writes
//! the new config there (fact 2). With `Faults::async_collisions` the early checks
//! pass, as for two clients racing, and the collision fails inside the task. A
//! failed worker removes only what it made.

use std::{collections::BTreeMap, sync::Arc};

use serde_json::Value;

use super::{param_text, with_guest};
use crate::{
    ApiError, ApiResult, Kind, Power, Sim,
    model::{Cluster, Guest, storage_shared},
    permissions,
    request::Request,
    tasks::{Mode, TaskSpec},
};

/// Parameters of create that are not config keys.
const NOT_CONFIG: &[&str] = &[
    "node",
    "vmid",
    "ostemplate",
    "storage",
    "password",
    "ssh-public-keys",
    "start",
    "restore",
    "force",
    "unique",
    "ignore-unpack-errors",
    "bwlimit",
    "ha-managed",
    "pool",
    "archive",
    "live-restore",
    "import-working-storage",
];

fn already_exists(kind: Kind, vmid: u32, on: &str) -> String {
    let label = kind.label();
    format!("unable to create {label} {vmid} - {label} {vmid} already exists on node '{on}'")
}

fn config_exists(vmid: u32) -> String {
    format!("unable to create VM {vmid}: config file already exists")
}

/// The config keys of a create request, with LXC's defaults and checks.
fn create_config(sim: &Sim, req: &Request, kind: Kind) -> ApiResult<BTreeMap<String, String>> {
    let vmid = req.vmid();
    let mut config: BTreeMap<String, String> = req
        .params
        .iter()
        .filter(|(k, _)| !NOT_CONFIG.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), param_text(v)))
        .collect();
    if kind == Kind::Lxc {
        let unprivileged = config.get("unprivileged").is_none_or(|v| v == "1");
        permissions::lxc_config(sim, &req.user, &req.params, unprivileged)?;
        let storage = req.str("storage").unwrap_or_else(|| "local".into());
        let volume = config
            .get("rootfs")
            .and_then(|r| r.split(',').next().map(str::to_string));
        let (disk_storage, size) = match volume.as_deref().and_then(|v| v.split_once(':')) {
            Some((s, size)) => (s.to_string(), size.to_string()),
            None => (storage.clone(), "4".into()),
        };
        let ok = Cluster::storage_content(&disk_storage).is_some_and(|c| c.contains("rootdir"));
        if !ok {
            return Err(ApiError::param(
                "storage",
                format!("storage '{disk_storage}' does not support container directories"),
            ));
        }
        config.insert(
            "rootfs".into(),
            format!("{disk_storage}:vm-{vmid}-disk-0,size={size}G"),
        );
        config
            .entry("unprivileged".into())
            .or_insert_with(|| "1".into());
        config
            .entry("hostname".into())
            .or_insert_with(|| format!("CT{vmid}"));
    }
    Ok(config)
}

pub fn create(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let label = kind.label();
    let config = create_config(sim, req, kind)?;
    let template = req.str("ostemplate");
    let start = req.flag("start");
    let typ = if kind == Kind::Lxc {
        "vzcreate"
    } else {
        "qmcreate"
    };
    let async_collisions = sim.faults.lock().expect("faults").async_collisions;
    let taken = {
        let mut c = sim.cluster.lock().expect("cluster");
        match c.guests.get(&vmid) {
            Some(other) => Some(other.node.clone()),
            None => {
                let mut g = Guest::fresh(kind, &node);
                g.config.insert("lock".into(), "create".into());
                g.flock.exclusive = true;
                c.guests.insert(vmid, g);
                None
            }
        }
    };
    if let Some(on) = taken {
        if !async_collisions {
            return Err(ApiError::die(already_exists(kind, vmid, &on)));
        }
        // The early check raced with another create: the worker finds the config.
        let message = already_exists(kind, vmid, &on);
        return Ok(Value::String(sim.spawn_task(
            &node,
            typ,
            &vmid.to_string(),
            &req.user,
            TaskSpec {
                begin: Some(Box::new(move |_| Err(message))),
                ..TaskSpec::default()
            },
            Box::new(|_| Ok(Vec::new())),
        )));
    }
    let spec = TaskSpec {
        held: vec![(vmid, Mode::Exclusive)],
        undo: Some(Box::new(move |c| {
            c.guests.remove(&vmid);
        })),
        ..TaskSpec::default()
    };
    let upid = sim.spawn_task(
        &node.clone(),
        typ,
        &vmid.to_string(),
        &req.user,
        spec,
        Box::new(move |c| {
            let template_ok = match &template {
                None => true,
                Some(t) => {
                    let storage = t.split(':').next().unwrap_or_default().to_string();
                    c.volumes
                        .get(&(node.clone(), storage))
                        .is_some_and(|v| v.contains_key(t))
                }
            };
            if !template_ok {
                return Err(format!(
                    "unable to create {label} {vmid} - volume '{}' does not exist",
                    template.unwrap_or_default()
                ));
            }
            if let Some(g) = c.guests.get_mut(&vmid) {
                g.config = config;
                if start {
                    g.set_power(Power::Running);
                }
            }
            Ok(Vec::new())
        }),
    );
    Ok(Value::String(upid))
}

/// Whether a clone of `source` may live on another node: its disks (or, for a full
/// clone, the target storage) must be shared.
fn shared_clone(source: &Guest, req: &Request) -> bool {
    if req.flag("full")
        && let Some(storage) = req.str("storage")
    {
        return storage_shared(&storage);
    }
    source
        .config
        .iter()
        .filter(|(k, _)| {
            k.starts_with("scsi")
                || k.starts_with("virtio")
                || k.starts_with("sata")
                || *k == "rootfs"
        })
        .filter_map(|(_, v)| {
            v.split(',')
                .next()?
                .split_once(':')
                .map(|(s, _)| s.to_string())
        })
        .all(|s| storage_shared(&s))
}

pub fn clone(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let newid = req.int("newid").unwrap_or_default() as u32;
    let source = with_guest(sim, req, kind, |g| {
        if let Some(lock) = g.lock() {
            return Err(ApiError::die(super::locked_error(kind, lock)));
        }
        Ok(g.clone())
    })?;
    let target = req.str("target");
    if let Some(t) = &target {
        if !sim.cluster.lock().expect("cluster").nodes.contains(t) {
            return Err(ApiError::param(
                "target",
                format!("no such cluster node '{t}'"),
            ));
        }
        if !shared_clone(&source, req) {
            return Err(ApiError::die(format!(
                "can't clone VM to node '{t}' (VM uses local storage)"
            )));
        }
    }
    let async_collisions = sim.faults.lock().expect("faults").async_collisions;
    if !async_collisions
        && sim
            .cluster
            .lock()
            .expect("cluster")
            .guests
            .contains_key(&newid)
    {
        return Err(ApiError::die(config_exists(newid)));
    }
    let typ = if kind == Kind::Lxc {
        "vzclone"
    } else {
        "qmclone"
    };
    let source_mode = if source.power == Power::Stopped {
        Mode::Shared
    } else {
        Mode::Exclusive
    };
    let (name, hostname, description) =
        (req.str("name"), req.str("hostname"), req.str("description"));
    let home = target.unwrap_or_else(|| node.clone());
    let begin_node = node.clone();
    let spec = TaskSpec {
        take: vec![
            (vmid, source_mode, sim.config.lock_timeout),
            (newid, Mode::Exclusive, sim.config.clone_lock_timeout),
        ],
        begin: Some(Box::new(move |c| {
            if c.guests.contains_key(&newid) {
                return Err(config_exists(newid));
            }
            // The temporary config that reserves the vmid.
            let mut g = Guest::fresh(kind, &begin_node);
            g.config.insert("lock".into(), "clone".into());
            g.flock.exclusive = true;
            c.guests.insert(newid, g);
            Ok(())
        })),
        undo: Some(Box::new(move |c| {
            c.guests.remove(&newid);
        })),
        ..TaskSpec::default()
    };
    let upid = sim.spawn_task(
        &node,
        typ,
        &vmid.to_string(),
        &req.user,
        spec,
        Box::new(move |c| {
            let Some(g) = c.guests.get_mut(&newid) else {
                return Err(format!("clone failed: config of {newid} vanished"));
            };
            let mut config = source.config.clone();
            config.remove("template");
            config.remove("lock");
            for (key, value) in [
                ("name", name),
                ("hostname", hostname),
                ("description", description),
            ] {
                if let Some(value) = value {
                    config.insert(key.into(), value);
                }
            }
            g.config = config;
            g.node = home;
            Ok(Vec::new())
        }),
    );
    Ok(Value::String(upid))
}

pub fn template(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    with_guest(sim, req, kind, |g| {
        if g.power != Power::Stopped {
            return Err(ApiError::die(format!("{} {vmid} is running", kind.label())));
        }
        Ok(())
    })?;
    let typ = if kind == Kind::Lxc {
        "vztemplate"
    } else {
        "qmtemplate"
    };
    let upid = sim.spawn_task(
        &node,
        typ,
        &vmid.to_string(),
        &req.user,
        TaskSpec::locking(sim, vmid),
        Box::new(move |c| {
            if let Some(g) = c.guests.get_mut(&vmid) {
                g.config.insert("template".into(), "1".into());
            }
            Ok(Vec::new())
        }),
    );
    // LXC returns null although a worker runs; QEMU returns the UPID.
    Ok(match kind {
        Kind::Lxc => Value::Null,
        Kind::Qemu => Value::String(upid),
    })
}
