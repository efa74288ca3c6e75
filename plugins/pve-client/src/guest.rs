//! What both Proxmox backends share: the guest a container maps to, its local record,
//! node choice, vmid allocation that survives nextid races, finding a guest again by
//! its tag, and the lifecycle calls (start, state, signals, pause, delete, list).

use std::path::Path;

use lxcri_plugin_api::{
    PluginError,
    types::{BackendState, ListEntry, Status},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Params, Pve, PveError, lenient, params};

/// Tag on every guest this runtime creates.
pub const TAG: &str = "lxcri";

/// LXC container or QEMU VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestKind {
    Lxc,
    Qemu,
}

impl GuestKind {
    pub fn path(self) -> &'static str {
        match self {
            GuestKind::Lxc => "lxc",
            GuestKind::Qemu => "qemu",
        }
    }
}

/// The description line that ties a guest to a container id.
pub fn marker(id: &str) -> String {
    format!("proxmox-lxcri id={id}")
}

/// The local record of a container's guest (`<private dir>/guest.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GuestRecord {
    pub vmid: u32,
    pub node: String,
    #[serde(default)]
    pub started: bool,
    #[serde(default)]
    pub paused: bool,
    /// Backend-specific data (uploaded template, agent settings...).
    #[serde(default)]
    pub extra: Value,
}

const RECORD: &str = "guest.json";

impl GuestRecord {
    pub fn load(dir: &Path) -> Option<Self> {
        serde_json::from_slice(&std::fs::read(dir.join(RECORD)).ok()?).ok()
    }

    pub fn save(&self, dir: &Path) -> Result<(), PluginError> {
        let raw = serde_json::to_vec(self).map_err(|e| PluginError::internal(e.to_string()))?;
        let tmp = dir.join(format!("{RECORD}.tmp"));
        std::fs::write(&tmp, raw)
            .and_then(|_| std::fs::rename(&tmp, dir.join(RECORD)))
            .map_err(|e| {
                PluginError::backend(format!("cannot record the guest in {}: {e}", dir.display()))
            })
    }

    pub fn remove(dir: &Path) {
        let _ = std::fs::remove_file(dir.join(RECORD));
    }

    fn base(&self, kind: GuestKind) -> String {
        format!("/nodes/{}/{}/{}", self.node, kind.path(), self.vmid)
    }
}

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

/// Allocates a vmid from `/cluster/nextid` and runs `create(vmid)` (a call returning a
/// UPID). nextid does not reserve ids, so a parallel create may take the same one:
/// "already exists" answers are retried with a fresh id. Returns the vmid and UPID.
pub fn allocate<F>(pve: &Pve, mut create: F) -> Result<(u32, String), PveError>
where
    F: FnMut(u32) -> Result<Value, PveError>,
{
    let mut last = None;
    for attempt in 0..40u32 {
        let next: Value = pve.get("/cluster/nextid", vec![])?;
        let vmid = lenient::value_int(&next).ok_or_else(|| PveError::Decode {
            path: "/cluster/nextid".into(),
            message: format!("not an id: {next}"),
        })? as u32;
        match create(vmid) {
            Ok(upid) => {
                let upid = upid
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| PveError::Decode {
                        path: "create".into(),
                        message: format!("expected a task id, got {upid}"),
                    })?;
                return Ok((vmid, upid));
            }
            Err(e) if e.is_already_exists() || e.is_locked() => {
                tracing::debug!("vmid {vmid} taken meanwhile (attempt {attempt}): {e}");
                // Spread racing creators apart.
                let jitter = (std::process::id() as u64 * 7 + attempt as u64 * 13) % 40;
                std::thread::sleep(std::time::Duration::from_millis(5 + jitter));
                last = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| PveError::Decode {
        path: "/cluster/nextid".into(),
        message: "no free vmid".into(),
    }))
}

#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "lenient::int")]
    vmid: i64,
    node: String,
    #[serde(default)]
    tags: Option<String>,
    #[serde(default)]
    status: String,
}

fn description_id(config: &Value) -> Option<String> {
    let desc = config.get("description")?.as_str()?;
    desc.lines().find_map(|l| {
        l.trim()
            .strip_prefix("proxmox-lxcri id=")
            .map(str::to_string)
    })
}

/// Every guest of `kind` this runtime created, with its container id.
pub fn tagged(pve: &Pve, kind: GuestKind) -> Result<Vec<(String, GuestRecord, String)>, PveError> {
    let resources: Vec<Resource> = pve.get("/cluster/resources", params![("type", "vm")])?;
    let mut out = Vec::new();
    for r in resources {
        if r.kind != kind.path()
            || !r
                .tags
                .as_deref()
                .unwrap_or("")
                .split([';', ',', ' '])
                .any(|t| t == TAG)
        {
            continue;
        }
        let config: Value = match pve.get(
            &format!("/nodes/{}/{}/{}/config", r.node, kind.path(), r.vmid),
            vec![],
        ) {
            Ok(c) => c,
            Err(e) if e.is_missing() => continue,
            Err(e) => return Err(e),
        };
        if let Some(id) = description_id(&config) {
            let record = GuestRecord {
                vmid: r.vmid as u32,
                node: r.node,
                started: r.status == "running",
                paused: false,
                extra: Value::Null,
            };
            out.push((id, record, r.status));
        }
    }
    Ok(out)
}

/// The node a guest (e.g. a template) lives on.
pub fn locate(pve: &Pve, kind: GuestKind, vmid: u32) -> Result<String, PluginError> {
    let resources: Vec<Resource> = pve.get("/cluster/resources", params![("type", "vm")])?;
    resources
        .into_iter()
        .find(|r| r.kind == kind.path() && r.vmid == vmid as i64)
        .map(|r| r.node)
        .ok_or_else(|| {
            PluginError::not_found(format!(
                "{} {vmid} does not exist in the cluster",
                kind.path()
            ))
        })
}

/// Finds the guest of container `id` by its tag and description.
pub fn find(pve: &Pve, kind: GuestKind, id: &str) -> Result<Option<GuestRecord>, PveError> {
    Ok(tagged(pve, kind)?
        .into_iter()
        .find(|(found, _, _)| found == id)
        .map(|(_, r, _)| r))
}

/// The record of container `id`: the local one, else found again through its tag
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
    match find(pve, kind, id)? {
        Some(r) => {
            tracing::info!(
                "container '{id}' found again as {} {} on {}",
                kind.path(),
                r.vmid,
                r.node
            );
            r.save(dir)?;
            Ok(r)
        }
        None => Err(PluginError::not_found(format!(
            "no Proxmox guest belongs to container '{id}'"
        ))),
    }
}

/// What `kill` does with a signal: TERM/INT/QUIT/HUP/PWR shut down, KILL stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    Shutdown,
    Stop,
}

pub fn signal_action(signal: i32) -> Result<PowerAction, PluginError> {
    match signal {
        9 => Ok(PowerAction::Stop),
        1 | 2 | 3 | 15 | 30 => Ok(PowerAction::Shutdown),
        other => Err(PluginError::unsupported(format!(
            "signal {other} cannot be delivered through the Proxmox API"
        ))
        .with_hint("use TERM (shutdown) or KILL (stop)")),
    }
}

/// Lifecycle calls on a guest, shared by both backends.
pub struct Lifecycle<'a> {
    pub pve: &'a Pve,
    pub kind: GuestKind,
    pub shutdown_timeout: u64,
}

impl Lifecycle<'_> {
    fn current(&self, r: &GuestRecord) -> Result<Value, PluginError> {
        Ok(self
            .pve
            .get(&format!("{}/status/current", r.base(self.kind)), vec![])?)
    }

    pub fn start(&self, r: &mut GuestRecord, dir: &Path) -> Result<(), PluginError> {
        self.pve
            .post_task(&format!("{}/status/start", r.base(self.kind)), vec![])?;
        r.started = true;
        r.save(dir)
    }

    /// running → Running (Paused when we suspended it); stopped → Created before the
    /// first start, Stopped after.
    pub fn state(&self, r: &GuestRecord) -> Result<BackendState, PluginError> {
        let current = self.current(r)?;
        let running = current.get("status").and_then(|s| s.as_str()) == Some("running");
        let qmp_paused = current.get("qmpstatus").and_then(|s| s.as_str()) == Some("paused");
        let status = match (running, r.started) {
            (true, _) if r.paused || qmp_paused => Status::Paused,
            (true, _) => Status::Running,
            (false, false) => Status::Created,
            (false, true) => Status::Stopped,
        };
        let pid = current
            .get("pid")
            .and_then(lenient::value_int)
            .map(|p| p as i32);
        Ok(BackendState {
            status,
            pid: if status == Status::Stopped { None } else { pid },
            private: serde_json::json!({"vmid": r.vmid, "node": r.node}),
        })
    }

    /// Stops (SIGKILL) or shuts down (other signals) a running guest. LXC refuses a
    /// power action on a stopped CT itself ("CT 100 not running"), so it costs no
    /// status request; QEMU accepts a stop of a stopped VM, so a VM is checked first.
    pub fn kill(&self, r: &GuestRecord, signal: i32) -> Result<(), PluginError> {
        let action = signal_action(signal)?;
        let not_running = || PluginError::conflict(format!("guest {} is not running", r.vmid));
        if self.kind == GuestKind::Qemu
            && self.current(r)?.get("status").and_then(|s| s.as_str()) != Some("running")
        {
            return Err(not_running());
        }
        let base = r.base(self.kind);
        let done = match action {
            PowerAction::Stop => self.pve.post_task(&format!("{base}/status/stop"), vec![]),
            PowerAction::Shutdown => self.pve.post_task(
                &format!("{base}/status/shutdown"),
                params![("timeout", self.shutdown_timeout), ("forceStop", true)],
            ),
        };
        match done {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_running() => Err(not_running()),
            Err(e) => Err(e.into()),
        }
    }

    pub fn pause(&self, r: &mut GuestRecord, dir: &Path) -> Result<(), PluginError> {
        self.pve
            .post_task(&format!("{}/status/suspend", r.base(self.kind)), vec![])?;
        r.paused = true;
        r.save(dir)
    }

    pub fn resume(&self, r: &mut GuestRecord, dir: &Path) -> Result<(), PluginError> {
        self.pve
            .post_task(&format!("{}/status/resume", r.base(self.kind)), vec![])?;
        r.paused = false;
        r.save(dir)
    }

    /// Destroys the guest (stopping it first when forced); a guest that is already
    /// gone counts as destroyed. LXC's DELETE refuses a running CT itself and stops one
    /// with `force=1`, so it needs no status request; QEMU has no `force`, so a VM's
    /// status is read first and a running VM stopped when forced.
    pub fn destroy(&self, r: &GuestRecord, force: bool) -> Result<(), PluginError> {
        let base = r.base(self.kind);
        let running_error = || {
            PluginError::conflict(format!(
                "guest {} is running; stop it first or use --force",
                r.vmid
            ))
        };
        let mut p: Params = params![("purge", true)];
        match self.kind {
            GuestKind::Lxc if force => p.push(("force".into(), "1".into())),
            GuestKind::Lxc => {}
            GuestKind::Qemu => {
                let current = match self.current(r) {
                    Ok(c) => c,
                    Err(e) if e.kind() == lxcri_plugin_api::ErrorKind::NotFound => return Ok(()),
                    Err(e) => return Err(e),
                };
                let running = current.get("status").and_then(|s| s.as_str()) == Some("running");
                if running && !force {
                    return Err(running_error());
                }
                if running {
                    self.pve.post_task(&format!("{base}/status/stop"), vec![])?;
                }
            }
        }
        match self.pve.delete_task(&base, p) {
            Ok(_) => Ok(()),
            Err(e) if e.is_missing() => Ok(()),
            Err(e) if e.is_running() => Err(running_error()),
            Err(e) => Err(e.into()),
        }
    }

    /// Undoes a create that failed after the guest existed: destroys the guest (a
    /// failure to do so is logged; `delete --force` can finish later) and forgets its
    /// record in `dir`.
    pub fn abandon(&self, r: &GuestRecord, dir: &Path) {
        if let Err(e) = self.destroy(r, true) {
            tracing::warn!("could not remove {} {}: {e}", self.kind.path(), r.vmid);
        }
        GuestRecord::remove(dir);
    }

    /// Containers of this kind in the cluster, by tag.
    pub fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        Ok(tagged(self.pve, self.kind)?
            .into_iter()
            .map(|(id, _, status)| ListEntry {
                id,
                status: if status == "running" {
                    Status::Running
                } else {
                    Status::Stopped
                },
                pid: None,
            })
            .collect())
    }
}
