//! The backend both Proxmox plugins are: a generic [`GuestBackend`] that implements
//! every lifecycle operation once, around a [`Flavor`] that knows how to create its
//! kind of guest (and, optionally, how to exec in it).

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginError,
    ops::{self, Operation},
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, ListEntry},
};
use serde_json::Value;

use crate::{
    Pve,
    guest::{self, GuestKind, GuestRecord, Lifecycle},
    stand_in,
};

/// What differs between LXC containers and QEMU VMs.
pub trait Flavor: Send + Sync + 'static {
    const KIND: GuestKind;

    /// Creates the guest, saves its [`GuestRecord`] in `c.dir` as soon as it exists,
    /// and removes everything it made when it fails.
    fn create(
        &self,
        pve: &Pve,
        c: Container<'_>,
        req: CreateRequest,
    ) -> Result<BackendState, PluginError>;

    fn exec(
        &self,
        _pve: &Pve,
        _record: &GuestRecord,
        _req: ExecRequest,
    ) -> Result<ExecResult, PluginError> {
        Err(PluginError::unsupported(
            "the Proxmox VE API cannot run commands in this kind of guest",
        ))
    }

    /// The stand-in's view of the container's process after `start`: carries its
    /// stdio and forwards signals until it ends. By default the guest's life is the
    /// process's.
    fn relay(
        &self,
        pve: &Pve,
        dir: &std::path::Path,
        record: &GuestRecord,
        signals: &stand_in::Signals,
    ) -> Result<stand_in::Ended, PluginError> {
        stand_in::follow_guest(pve, Self::KIND, dir, record, signals)
    }

    /// The stand-in of a detached exec: runs `process` in the guest, carrying its
    /// stdio, and returns its exit status.
    fn exec_relay(
        &self,
        _pve: &Pve,
        _record: &GuestRecord,
        _process: Value,
        _signals: &stand_in::Signals,
    ) -> Result<i32, PluginError> {
        Err(PluginError::unsupported(
            "the Proxmox VE API cannot run commands in this kind of guest",
        ))
    }

    /// What this kind of guest runs of the runtime spec (`features`).
    fn features(&self) -> Value;

    /// The exit status when the guest stopped and no signal says why.
    fn stopped_on_its_own(_pve: &Pve, _record: &GuestRecord) -> i32 {
        // As if killed: nothing reports the process's own status.
        137
    }
}

/// A Proxmox backend.
pub struct GuestBackend<F> {
    pub pve: Pve,
    pub flavor: F,
    pub shutdown_timeout: u64,
}

impl<F: Flavor> GuestBackend<F> {
    pub fn lifecycle(&self) -> Lifecycle<'_> {
        Lifecycle {
            pve: &self.pve,
            kind: F::KIND,
            shutdown_timeout: self.shutdown_timeout,
        }
    }

    fn record(&self, c: Container<'_>) -> Result<GuestRecord, PluginError> {
        guest::record(&self.pve, F::KIND, c.id, c.dir)
    }
}

impl<F: Flavor> BackendPlugin for GuestBackend<F> {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError> {
        self.flavor.create(&self.pve, c, req)
    }

    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        let mut record = self.record(c)?;
        self.lifecycle().start(c.id, &mut record, c.dir)?;
        // The stand-in mirrors the process from here on.
        stand_in::release(c.dir);
        Ok(())
    }

    /// The guest's state; with a stand-in, its pid is the container's, and once it
    /// has ended after a start the container is stopped.
    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        let record = self.record(c)?;
        let mut state = self.lifecycle().state(&record)?;
        if let Some(p) = record.stand_in {
            if p.alive() {
                state.pid = Some(p.pid);
            } else {
                // The container's process has ended (or, before start, was killed).
                state.pid = None;
                state.status = lxcri_plugin_api::types::Status::Stopped;
            }
        }
        Ok(state)
    }

    /// Stops the guest through the API, then hands the signal to the stand-in (which
    /// ends with 128 + it). Before the first start only the stand-in ends.
    fn kill(&self, c: Container<'_>, signal: i32, _all: bool) -> Result<(), PluginError> {
        let mut record = self.record(c)?;
        let stand_in = record.stand_in.filter(|p| p.alive());
        if let Some(p) = stand_in
            && !record.started
        {
            return p.signal(signal);
        }
        record.killed_with = Some(signal);
        record.save(c.dir)?;
        let killed = self.lifecycle().kill(c.id, &mut record, c.dir, signal);
        if let Some(p) = stand_in {
            if killed.is_err() && !stand_in::running(&self.pve, F::KIND, &record)? {
                // The guest has stopped already: the stand-in follows.
                return p.signal(signal);
            }
            p.signal(signal)?;
        }
        killed
    }

    /// Destroys the recorded guest; with `force` and no local record, every guest
    /// whose marker names this container (a lost state, a crash before the record).
    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        let records = match GuestRecord::load(c.dir) {
            Some(r) => vec![r],
            None if force => guest::find(&self.pve, F::KIND, c.id)?
                .into_iter()
                .map(|f| GuestRecord {
                    vmid: f.vmid,
                    node: f.node,
                    nonce: f.marker.nonce,
                    creating: false,
                    started: f.running,
                    started_at: None,
                    paused: false,
                    extra: Value::Null,
                    stand_in: None,
                    killed_with: None,
                })
                .collect(),
            None => vec![self.record(c)?],
        };
        if force {
            // A stand-in whose record is gone is found by its command line.
            stand_in::stop_orphans(c.dir, c.id);
        }
        for record in &records {
            if record.stand_in.is_some_and(|p| p.alive()) && !force {
                // A stand-in lives as long as the container's process.
                let running = stand_in::running(&self.pve, F::KIND, record)?;
                if running {
                    return Err(PluginError::conflict(format!(
                        "container {} is running; stop it first or use --force",
                        c.id
                    )));
                }
            }
            stand_in::stop(record, c.dir);
            self.lifecycle().destroy(c.id, record, force)?;
        }
        GuestRecord::remove(c.dir);
        Ok(())
    }

    fn pause(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.lifecycle().pause(c.id, &mut self.record(c)?, c.dir)
    }

    fn resume(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.lifecycle().resume(c.id, &mut self.record(c)?, c.dir)
    }

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        self.lifecycle().list()
    }

    /// The figures Proxmox has for the guest (`status/current`), in runc's shape:
    /// memory and the network totals; there is no per-cgroup source.
    fn stats(&self, c: Container<'_>) -> Result<Value, PluginError> {
        let record = self.record(c)?;
        let current: Value = self
            .pve
            .get(&format!("{}/status/current", record.base(F::KIND)), vec![])?;
        let int = |k: &str| current.get(k).and_then(crate::lenient::value_int);
        let mut data = serde_json::Map::new();
        if let Some(usage) = int("mem") {
            let mut memory = serde_json::json!({"usage": usage});
            if let Some(limit) = int("maxmem") {
                memory["limit"] = limit.into();
            }
            data.insert("memory".into(), serde_json::json!({"usage": memory}));
        }
        if let (Some(rx), Some(tx)) = (int("netin"), int("netout")) {
            data.insert(
                "network_interfaces".into(),
                serde_json::json!([{"name": "all", "rx_bytes": rx, "tx_bytes": tx}]),
            );
        }
        Ok(Value::Object(data))
    }

    fn features(&self) -> Result<Value, PluginError> {
        Ok(self.flavor.features())
    }

    fn exec(&self, c: Container<'_>, req: ExecRequest) -> Result<ExecResult, PluginError> {
        self.flavor.exec(&self.pve, &self.record(c)?, req)
    }

    /// `find`: the container's guest, found again by its tag (for a lost local state);
    /// `doctor`: the API answers, authenticated, with a node online.
    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        match op {
            ops::Find::NAME => {
                let req = ops::request::<ops::Find>(req)?;
                let found = guest::find(&self.pve, F::KIND, &req.id)?;
                ops::reply::<ops::Find>(
                    found
                        .first()
                        .map(|f| serde_json::json!({"vmid": f.vmid, "node": f.node})),
                )
            }
            lxcri_plugin_api::doctor::DOCTOR_OP => Ok(lxcri_plugin_api::doctor::Check::report(
                crate::doctor::doctor(&self.pve),
            )),
            lxcri_plugin_api::stand_in::STAND_IN_OP => {
                let req = serde_json::from_value(req)
                    .map_err(|e| PluginError::invalid_input(format!("stand-in request: {e}")))?;
                let reply = stand_in::run(self, req)?;
                serde_json::to_value(reply).map_err(|e| PluginError::internal(e.to_string()))
            }
            other => Err(PluginError::unsupported(format!(
                "operation '{other}' is not implemented"
            ))),
        }
    }
}
