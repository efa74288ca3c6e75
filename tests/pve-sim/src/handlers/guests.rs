//! LXC and QEMU guests, with Proxmox's asymmetries between the two (see
//! reference/pve-api.md §2.2, §2.3 and §7.6).

use std::{collections::BTreeMap, sync::Arc};

use serde_json::{Value, json};

use crate::{ApiError, ApiResult, Kind, Power, Sim, model::Guest, request::Request};

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

fn missing(kind: Kind, node: &str, vmid: u32) -> ApiError {
    let dir = match kind {
        Kind::Lxc => "lxc",
        Kind::Qemu => "qemu-server",
    };
    ApiError::die(format!(
        "Configuration file 'nodes/{node}/{dir}/{vmid}.conf' does not exist"
    ))
}

/// Runs `f` on the guest `vmid` of this kind on the request's node.
fn with_guest<T>(
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

fn locked_error(kind: Kind, lock: &str) -> String {
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

fn param_text(v: &Value) -> String {
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

pub fn create(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let label = kind.label();
    let mut config: BTreeMap<String, String> = req
        .params
        .iter()
        .filter(|(k, _)| !NOT_CONFIG.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), param_text(v)))
        .collect();
    if kind == Kind::Lxc {
        let storage = req.str("storage").unwrap_or_else(|| "local".into());
        let rootfs = config.get("rootfs").cloned();
        let disk_storage = match rootfs
            .as_deref()
            .and_then(|r| r.split(',').next())
            .and_then(|v| v.split_once(':'))
        {
            Some((s, _)) => s.to_string(),
            None => storage.clone(),
        };
        let ok =
            crate::Cluster::storage_content(&disk_storage).is_some_and(|c| c.contains("rootdir"));
        if !ok {
            return Err(ApiError::param(
                "storage",
                format!("storage '{disk_storage}' does not support container directories"),
            ));
        }
        let size = rootfs
            .as_deref()
            .and_then(|r| r.split(',').next())
            .and_then(|v| v.split_once(':'))
            .map(|(_, s)| s.to_string())
            .unwrap_or_else(|| "4".into());
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
    let template = req.str("ostemplate");
    {
        let mut c = sim.cluster.lock().expect("cluster");
        if c.guests.contains_key(&vmid) {
            let on = c.guests[&vmid].node.clone();
            return Err(ApiError::die(format!(
                "unable to create {label} {vmid} - {label} {vmid} already exists on node '{on}'"
            )));
        }
        let mut g = Guest::new(kind, &node);
        config.insert("lock".into(), "create".into());
        g.config = config;
        g.busy = true;
        c.guests.insert(vmid, g);
    }
    let start = req.flag("start");
    let typ = if kind == Kind::Lxc {
        "vzcreate"
    } else {
        "qmcreate"
    };
    let task_node = node.clone();
    let upid = sim.spawn_task(
        &task_node,
        typ,
        &vmid.to_string(),
        &req.user,
        Some(vmid),
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
                c.guests.remove(&vmid);
                return Err(format!(
                    "unable to create {label} {vmid} - volume '{}' does not exist",
                    template.unwrap_or_default()
                ));
            }
            if let Some(g) = c.guests.get_mut(&vmid) {
                g.config.remove("lock");
                if start {
                    g.power = Power::Running;
                }
            }
            Ok(Vec::new())
        }),
    );
    Ok(Value::String(upid))
}

/// Removes a guest created by a task that then failed (the worker's cleanup).
fn fail_cleanup(c: &mut crate::Cluster, vmid: u32) {
    c.guests.remove(&vmid);
}

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
    sim.acquire(vmid)?;
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
        Some(vmid),
        Box::new(move |c| {
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
    with_guest(sim, req, kind, |g| match g.lock() {
        Some(lock) if !req.flag("skiplock") => Err(ApiError::die(locked_error(kind, lock))),
        _ => Ok(()),
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
            v["agent"] = json!(if agent_enabled(g) { 1 } else { 0 });
        }
        Ok(v)
    })
}

/// start / stop / shutdown / suspend / resume / reboot / reset.
pub fn power(sim: &Arc<Sim>, req: &Request, kind: Kind, op: &str) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let label = kind.label();
    let power = with_guest(sim, req, kind, |g| Ok(g.power))?;
    let not_running = |what: &str| ApiError::die(format!("{what} {vmid} not running"));
    // Synchronous refusals (before any worker starts).
    match (kind, op, power) {
        (Kind::Lxc, "start", p) if p != Power::Stopped => {
            return Err(ApiError::die(format!("CT {vmid} already running")));
        }
        (Kind::Lxc, "stop" | "shutdown" | "suspend", Power::Stopped) => {
            return Err(not_running("CT"));
        }
        (Kind::Lxc, "reboot", Power::Stopped) => return Err(not_running("VM")),
        (Kind::Lxc, "resume", Power::Running) => {
            return Err(ApiError::die(format!("CT {vmid} already running")));
        }
        (Kind::Lxc, "resume", Power::Stopped) => return Err(not_running("CT")),
        (Kind::Qemu, "reset" | "reboot" | "suspend" | "resume", Power::Stopped) => {
            return Err(not_running("VM"));
        }
        (_, "start" | "stop" | "shutdown" | "suspend" | "resume" | "reboot" | "reset", _) => {}
        _ => {
            return Err(ApiError::new(
                501,
                format!("Method 'POST /api2/json{}' not implemented", req.path),
            ));
        }
    }
    sim.acquire(vmid)?;
    let typ = format!("{}{op}", if kind == Kind::Lxc { "vz" } else { "qm" });
    let skiplock = req.flag("skiplock");
    let task_type = typ.clone();
    let upid = sim.spawn_task(
        &node,
        &task_type,
        &vmid.to_string(),
        &req.user,
        Some(vmid),
        Box::new(move |c| {
            let Some(g) = c.guests.get_mut(&vmid) else {
                return Err(format!(
                    "Configuration file for {label} {vmid} does not exist"
                ));
            };
            // Lock checks happen inside the worker for power operations.
            if let Some(lock) = g.lock()
                && !skiplock
                && matches!(op_owned(&typ), "start" | "stop" | "shutdown")
            {
                return Err(locked_error(g.kind, lock));
            }
            match op_owned(&typ) {
                "start" => {
                    if g.is_template() {
                        return Err(format!(
                            "you can't start a {} if it's a template",
                            g.kind.label()
                        ));
                    }
                    if g.power != Power::Stopped {
                        return Err(format!("VM {vmid} already running"));
                    }
                    g.power = Power::Running;
                }
                "stop" => g.power = Power::Stopped,
                "shutdown" => {
                    if g.power == Power::Paused && g.kind == Kind::Qemu {
                        return Err("VM is paused - cannot shutdown".into());
                    }
                    g.power = Power::Stopped;
                }
                "suspend" => g.power = Power::Paused,
                "resume" => g.power = Power::Running,
                _ => {}
            }
            Ok(Vec::new())
        }),
    );
    Ok(Value::String(upid))
}

fn op_owned(typ: &str) -> &str {
    typ.trim_start_matches("vz").trim_start_matches("qm")
}

pub fn clone(sim: &Arc<Sim>, req: &Request, kind: Kind) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let newid = req.int("newid").unwrap_or_default() as u32;
    let label = kind.label();
    let source = with_guest(sim, req, kind, |g| Ok(g.clone()))?;
    {
        let mut c = sim.cluster.lock().expect("cluster");
        if c.guests.contains_key(&newid) {
            return Err(ApiError::die(format!(
                "unable to create {label} {newid} - {label} {newid} already exists on node '{node}'"
            )));
        }
        // `target` puts the clone on another node (shared storage assumed).
        let target = req.str("target").unwrap_or_else(|| node.clone());
        if !c.nodes.contains(&target) {
            return Err(ApiError::param(
                "target",
                format!("no such cluster node '{target}'"),
            ));
        }
        let mut g = Guest::new(kind, &target);
        g.config = source.config.clone();
        g.config.remove("template");
        g.config.insert("lock".into(), "create".into());
        if let Some(name) = req.str("name") {
            g.config.insert("name".into(), name);
        }
        if let Some(hostname) = req.str("hostname") {
            g.config.insert("hostname".into(), hostname);
        }
        if let Some(desc) = req.str("description") {
            g.config.insert("description".into(), desc);
        }
        g.busy = true;
        c.guests.insert(newid, g);
    }
    if let Err(e) = sim.acquire(vmid) {
        let mut c = sim.cluster.lock().expect("cluster");
        fail_cleanup(&mut c, newid);
        return Err(e);
    }
    let typ = if kind == Kind::Lxc {
        "vzclone"
    } else {
        "qmclone"
    };
    let upid = sim.spawn_task(
        &node,
        typ,
        &vmid.to_string(),
        &req.user,
        Some(vmid),
        Box::new(move |c| {
            if let Some(g) = c.guests.get_mut(&newid) {
                g.config.remove("lock");
                g.busy = false;
            }
            Ok(Vec::new())
        }),
    );
    // A failed clone task removes the half-made guest (its worker's cleanup).
    let sim2 = sim.clone();
    let watch = upid.clone();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(5));
            let mut c = sim2.cluster.lock().expect("cluster");
            let Some(t) = c.tasks.get(&watch) else { return };
            if t.running {
                continue;
            }
            if t.exitstatus.as_deref() != Some("OK")
                && !t
                    .exitstatus
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("WARNINGS")
            {
                fail_cleanup(&mut c, newid);
            }
            return;
        }
    });
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
    sim.acquire(vmid)?;
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
        Some(vmid),
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
    sim.acquire(vmid)?;
    let prefix = if kind == Kind::Lxc { "vz" } else { "qm" };
    Ok(Value::String(sim.spawn_task(
        &node,
        &format!("{prefix}{typ}"),
        &vmid.to_string(),
        &req.user,
        Some(vmid),
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
        g.power = if start {
            Power::Running
        } else {
            Power::Stopped
        };
    })
}

fn agent_enabled(g: &Guest) -> bool {
    g.config
        .get("agent")
        .is_some_and(|a| a.split(',').any(|p| p == "1" || p == "enabled=1"))
}

fn agent_ready(g: &Guest) -> ApiResult<()> {
    if !agent_enabled(g) {
        return Err(ApiError::die("No QEMU guest agent configured"));
    }
    if g.power != Power::Running {
        return Err(ApiError::die("QEMU guest agent is not running"));
    }
    Ok(())
}

pub fn agent_ping(sim: &Sim, req: &Request) -> ApiResult<Value> {
    with_guest(sim, req, Kind::Qemu, |g| {
        agent_ready(g).map(|_| Value::Null)
    })
}

/// Simulates a few commands (after an optional `env K=V...`): `echo ...`, `true`, `false`, `sh -c 'exit N'` and
/// `sh -c 'echo ...'`; anything else exits 0 without output.
fn simulate(command: &[String]) -> (i64, String) {
    let mut words: Vec<&str> = command.iter().map(String::as_str).collect();
    if words.first() == Some(&"env") {
        words.remove(0);
        while words.first().is_some_and(|w| w.contains('=')) {
            words.remove(0);
        }
    }
    match words.as_slice() {
        ["echo", rest @ ..] => (0, format!("{}\n", rest.join(" "))),
        ["false"] => (1, String::new()),
        ["sh", "-c", script] => {
            let script = script.trim();
            if let Some(n) = script.strip_prefix("exit ") {
                (n.trim().parse().unwrap_or(1), String::new())
            } else if let Some(text) = script.strip_prefix("echo ") {
                (0, format!("{}\n", text.trim_matches(['\'', '"'])))
            } else {
                (0, String::new())
            }
        }
        _ => (0, String::new()),
    }
}

pub fn agent_exec(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let command: Vec<String> = match req.params.get("command") {
        Some(Value::Array(list)) => list.iter().map(param_text).collect(),
        Some(v) => vec![param_text(v)],
        None => Vec::new(),
    };
    with_guest(sim, req, Kind::Qemu, |g| {
        agent_ready(g)?;
        g.next_agent_pid += 1;
        let pid = g.next_agent_pid;
        g.agent_exec.insert(pid, simulate(&command));
        Ok(json!({"pid": pid}))
    })
}

pub fn agent_exec_status(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let pid = req.int("pid").unwrap_or_default() as u64;
    with_guest(sim, req, Kind::Qemu, |g| {
        agent_ready(g)?;
        let (code, out) = g
            .agent_exec
            .get(&pid)
            .cloned()
            .ok_or_else(|| ApiError::die(format!("Agent error: PID {pid} does not exist")))?;
        Ok(json!({"exited": 1, "exitcode": code, "out-data": out}))
    })
}
