//! The backend operations; lifecycle calls are shared with proxmox-vm through
//! `lxcri_pve_client::guest`.

mod create;

use lxcri_plugin_api::{
    BackendPlugin, Container, ErrorKind, PluginError,
    types::{BackendState, CreateRequest, ListEntry},
};
use lxcri_pve_client::guest::{self, GuestKind, GuestRecord, Lifecycle};
use serde_json::Value;

use crate::ProxmoxLxc;

const KIND: GuestKind = GuestKind::Lxc;

impl ProxmoxLxc {
    fn lifecycle(&self) -> Lifecycle<'_> {
        Lifecycle {
            pve: &self.pve,
            kind: KIND,
            shutdown_timeout: self.cfg.shutdown_timeout,
        }
    }

    fn record(&self, c: Container<'_>) -> Result<GuestRecord, PluginError> {
        guest::record(&self.pve, KIND, c.id, c.dir)
    }
}

impl BackendPlugin for ProxmoxLxc {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError> {
        create::create(self, c, req)
    }

    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.lifecycle().start(&mut self.record(c)?, c.dir)
    }

    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        self.lifecycle().state(&self.record(c)?)
    }

    fn kill(&self, c: Container<'_>, signal: i32, _all: bool) -> Result<(), PluginError> {
        self.lifecycle().kill(&self.record(c)?, signal)
    }

    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        let record = match self.record(c) {
            Ok(r) => r,
            Err(e) if force && e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        self.lifecycle().destroy(&record, force)?;
        GuestRecord::remove(c.dir);
        Ok(())
    }

    fn pause(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.lifecycle().pause(&mut self.record(c)?, c.dir)
    }

    fn resume(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.lifecycle().resume(&mut self.record(c)?, c.dir)
    }

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        self.lifecycle().list()
    }

    /// `find`: the container's guest, found again by its tag (for a lost local state).
    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        match op {
            "find" => {
                let id = req.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                match guest::find(&self.pve, KIND, id)? {
                    Some(r) => Ok(serde_json::json!({"vmid": r.vmid, "node": r.node})),
                    None => Ok(Value::Null),
                }
            }
            other => Err(PluginError::unsupported(format!(
                "operation '{other}' is not implemented"
            ))),
        }
    }
}
