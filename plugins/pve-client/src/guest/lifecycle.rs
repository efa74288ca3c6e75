//! Lifecycle calls on a guest, shared by both backends.
//!
//! Each mutating call first proves the guest ours by its marker, and never assumes
//! the outcome of a request whose answer was lost: the request is sent again, and an
//! answer saying the goal is already reached ("already running", "not running",
//! "does not exist") then counts as success. Lock timeouts inside workers (fact 6)
//! and guests still being made are waited out until the task deadline.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use lxcri_plugin_api::{
    PluginError,
    types::{BackendState, ListEntry, Status},
};
use serde_json::Value;

use super::{GuestKind, GuestRecord, Owner, find::tagged_guests, owner, settle};
use crate::{Params, Pve, PveError, TaskOk, lenient, params};

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

/// Lifecycle calls on the guests of one kind.
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

    fn is_running(current: &Value) -> bool {
        current.get("status").and_then(|s| s.as_str()) == Some("running")
    }

    /// Sends a request until it has an answer: lost answers and transient locks are
    /// tried again until the task deadline; `reached(err, lost)` says whether an error
    /// means the goal is already reached (`lost`: an earlier answer went missing).
    fn repeat(
        &self,
        send: impl Fn() -> Result<TaskOk, PveError>,
        reached: impl Fn(&PveError, bool) -> bool,
    ) -> Result<(), PveError> {
        let deadline = Instant::now() + self.pve.task_timeout();
        let mut lost = false;
        let mut pause = Duration::from_millis(50);
        loop {
            match send() {
                Ok(_) => return Ok(()),
                Err(e) if reached(&e, lost) => return Ok(()),
                Err(e)
                    if (e.is_lost() || e.is_transient_lock())
                        && Instant::now() + pause < deadline =>
                {
                    tracing::debug!("{e}; trying again");
                    lost |= e.is_lost();
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Proves the guest container `id`'s before it is changed.
    pub fn ours(&self, id: &str, r: &GuestRecord) -> Result<(), PluginError> {
        match owner(self.pve, self.kind, &r.node, r.vmid, &r.marker(id))? {
            Owner::Ours { .. } => Ok(()),
            Owner::Missing => Err(PluginError::not_found(format!(
                "{} {} of container '{id}' no longer exists",
                self.kind.path(),
                r.vmid
            ))),
            Owner::Pending => Err(PluginError::conflict(format!(
                "{} {} is still being made",
                self.kind.path(),
                r.vmid
            ))),
            Owner::Other => Err(PluginError::conflict(format!(
                "{} {} no longer carries the marker of container '{id}'; it is left alone",
                self.kind.path(),
                r.vmid
            ))
            .with_hint("`delete --force` forgets the container without touching that guest")),
        }
    }

    pub fn start(&self, id: &str, r: &mut GuestRecord, dir: &Path) -> Result<(), PluginError> {
        self.ours(id, r)?;
        let path = format!("{}/status/start", r.base(self.kind));
        self.repeat(
            || self.pve.post_task(&path, vec![]),
            |e, lost| lost && e.message().contains("already running"),
        )?;
        r.started = true;
        r.started_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs());
        r.save(dir)
    }

    /// running → Running (Paused when we suspended it); stopped → Created before the
    /// first start, Stopped after. A CT suspended by Proxmox is a CRIU checkpoint and
    /// reads stopped (fact 4), so our record says it is paused.
    pub fn state(&self, r: &GuestRecord) -> Result<BackendState, PluginError> {
        let current = self.current(r)?;
        let running = Self::is_running(&current);
        let qmp_paused = current.get("qmpstatus").and_then(|s| s.as_str()) == Some("paused");
        let status = match (running, r.started) {
            (true, _) if r.paused || qmp_paused => Status::Paused,
            (true, _) => Status::Running,
            (false, true) if r.paused && self.kind == GuestKind::Lxc => Status::Paused,
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

    /// Stops (SIGKILL) or shuts down (other signals) a running guest. A checkpointed
    /// (paused) CT has no processes left: killing it only forgets the checkpoint.
    pub fn kill(
        &self,
        id: &str,
        r: &mut GuestRecord,
        dir: &Path,
        signal: i32,
    ) -> Result<(), PluginError> {
        let action = signal_action(signal)?;
        self.ours(id, r)?;
        let not_running = || PluginError::conflict(format!("guest {} is not running", r.vmid));
        // LXC refuses a power action on a stopped CT itself ("CT 100 not running"), so
        // only a checkpointed CT is looked at first; QEMU accepts a stop of a stopped
        // VM, so a VM always is.
        if (self.kind == GuestKind::Qemu || r.paused) && !Self::is_running(&self.current(r)?) {
            if self.kind == GuestKind::Lxc {
                r.paused = false;
                return r.save(dir);
            }
            return Err(not_running());
        }
        let base = r.base(self.kind);
        let send = || match action {
            PowerAction::Stop => self.pve.post_task(&format!("{base}/status/stop"), vec![]),
            PowerAction::Shutdown => self.pve.post_task(
                &format!("{base}/status/shutdown"),
                params![("timeout", self.shutdown_timeout), ("forceStop", true)],
            ),
        };
        match self.repeat(send, |e, lost| lost && e.is_not_running()) {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_running() => Err(not_running()),
            Err(e) => Err(e.into()),
        }
    }

    /// QEMU: a pause. LXC: Proxmox's suspend, a CRIU checkpoint (experimental) that
    /// saves the processes and leaves the CT stopped until resume (fact 4).
    pub fn pause(&self, id: &str, r: &mut GuestRecord, dir: &Path) -> Result<(), PluginError> {
        self.ours(id, r)?;
        if self.kind == GuestKind::Lxc {
            tracing::warn!(
                "CT {} is suspended through Proxmox's CRIU checkpoint (experimental): its \
                 processes are saved and the CT reads stopped until resume",
                r.vmid
            );
        }
        // Recorded first: a checkpointed CT reads stopped, and its stand-in must know
        // why before it sees it.
        r.paused = true;
        r.save(dir)?;
        let path = format!("{}/status/suspend", r.base(self.kind));
        let suspended = self.repeat(
            || self.pve.post_task(&path, vec![]),
            |e, lost| lost && e.is_not_running(),
        );
        if let Err(e) = suspended {
            r.paused = false;
            r.save(dir)?;
            return Err(e.into());
        }
        Ok(())
    }

    pub fn resume(&self, id: &str, r: &mut GuestRecord, dir: &Path) -> Result<(), PluginError> {
        self.ours(id, r)?;
        let path = format!("{}/status/resume", r.base(self.kind));
        self.repeat(
            || self.pve.post_task(&path, vec![]),
            |e, lost| lost && e.message().contains("already running"),
        )?;
        r.paused = false;
        r.save(dir)
    }

    /// Destroys container `id`'s guest (stopping it first when forced). A guest that
    /// is gone counts as destroyed; a vmid whose marker is not ours is left alone; a
    /// guest still being made is waited for first.
    pub fn destroy(&self, id: &str, r: &GuestRecord, force: bool) -> Result<(), PluginError> {
        let marker = r.marker(id);
        let wait = self.pve.task_timeout();
        let node = match settle(self.pve, self.kind, &r.node, r.vmid, &marker, wait)? {
            Owner::Ours { node } => node,
            Owner::Missing => return Ok(()),
            Owner::Other | Owner::Pending => {
                if !r.creating {
                    tracing::warn!(
                        "{} {} no longer carries the marker of container '{id}'; left alone",
                        self.kind.path(),
                        r.vmid
                    );
                }
                return Ok(());
            }
        };
        let base = format!("/nodes/{node}/{}/{}", self.kind.path(), r.vmid);
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
                let current: Value = match self.pve.get(&format!("{base}/status/current"), vec![]) {
                    Ok(c) => c,
                    Err(e) if e.is_missing() => return Ok(()),
                    Err(e) => return Err(e.into()),
                };
                let running = Self::is_running(&current);
                if running && !force {
                    return Err(running_error());
                }
                if running {
                    self.repeat(
                        || self.pve.post_task(&format!("{base}/status/stop"), vec![]),
                        |e, _| e.is_not_running(),
                    )?;
                }
            }
        }
        match self.repeat(
            || self.pve.delete_task(&base, p.clone()),
            |e, _| e.is_missing(),
        ) {
            Ok(()) => Ok(()),
            Err(e) if e.is_running() => Err(running_error()),
            Err(e) => Err(e.into()),
        }
    }

    /// Containers of this kind in the cluster, by marker.
    pub fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        Ok(tagged_guests(self.pve, self.kind)?
            .into_iter()
            .map(|f| ListEntry {
                id: f.marker.id,
                status: if f.running {
                    Status::Running
                } else {
                    Status::Stopped
                },
                pid: None,
            })
            .collect())
    }
}
