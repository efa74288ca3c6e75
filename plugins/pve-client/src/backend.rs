//! The backend both Proxmox plugins are: a generic [`GuestBackend`] that implements
//! every lifecycle operation once, around a [`Flavor`] that knows how to create its
//! kind of guest (and, optionally, how to exec in it).

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginError,
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, ListEntry},
};
use serde_json::Value;

use crate::{
    Pve,
    guest::{self, GuestKind, GuestRecord, Lifecycle},
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

    /// Runs after a successful start.
    fn after_start(&self, _pve: &Pve, _record: &GuestRecord) -> Result<(), PluginError> {
        Ok(())
    }

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
        self.flavor.after_start(&self.pve, &record)
    }

    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        self.lifecycle().state(&self.record(c)?)
    }

    fn kill(&self, c: Container<'_>, signal: i32, _all: bool) -> Result<(), PluginError> {
        self.lifecycle()
            .kill(c.id, &mut self.record(c)?, c.dir, signal)
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
                    paused: false,
                    extra: Value::Null,
                })
                .collect(),
            None => vec![self.record(c)?],
        };
        for record in &records {
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

    fn exec(&self, c: Container<'_>, req: ExecRequest) -> Result<ExecResult, PluginError> {
        self.flavor.exec(&self.pve, &self.record(c)?, req)
    }

    /// `find`: the container's guest, found again by its tag (for a lost local state);
    /// `doctor`: the API answers, authenticated, with a node online.
    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        match op {
            "find" => {
                let id = req.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                Ok(match guest::find(&self.pve, F::KIND, id)?.first() {
                    Some(f) => serde_json::json!({"vmid": f.vmid, "node": f.node}),
                    None => Value::Null,
                })
            }
            lxcri_plugin_api::doctor::DOCTOR_OP => Ok(lxcri_plugin_api::doctor::Check::report(
                crate::doctor::doctor(&self.pve),
            )),
            other => Err(PluginError::unsupported(format!(
                "operation '{other}' is not implemented"
            ))),
        }
    }
}
