//! A backend as the commands use it: typed calls over the ABI object, capability checks
//! ("not supported by backend X") and errors prefixed with the backend name.

use std::path::Path;

use lxcri_plugin_api::{
    BackendBox, ErrorKind, PluginError, PluginInfo,
    abi::PResult,
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, ListEntry},
};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    error::{HostError, Result},
    services::Services,
};

/// A backend plugin instance.
pub struct BackendHandle<'a> {
    pub name: String,
    pub info: &'a PluginInfo,
    obj: BackendBox,
}

impl<'a> BackendHandle<'a> {
    /// Loads backend `name` (initialising its plugin).
    pub fn open(svc: &'a Services, name: &str) -> Result<Self> {
        let plugin = svc.registry.backend_plugin(name)?;
        let obj = plugin.new_backend(&svc.context(name))?;
        Ok(Self {
            name: name.to_string(),
            info: &plugin.info,
            obj,
        })
    }

    /// Fails cleanly when the backend lacks optional operation `cap`.
    pub fn require(&self, cap: &str) -> Result<()> {
        if self.info.has_capability(cap) {
            Ok(())
        } else {
            Err(HostError::new(
                ErrorKind::Unsupported,
                format!("{cap} is not supported by backend {}", self.name),
            ))
        }
    }

    fn check<T>(&self, out: PResult<T>) -> Result<T> {
        out.into_result()
            .map_err(|e: PluginError| HostError::from_plugin(&self.name, e))
    }

    fn decode<T: DeserializeOwned>(
        &self,
        raw: PResult<abi_stable::std_types::RString>,
    ) -> Result<T> {
        let raw = self.check(raw)?;
        serde_json::from_str(raw.as_str())
            .map_err(|e| HostError::internal(format!("{}: malformed reply: {e}", self.name)))
    }

    fn encode<T: Serialize>(value: &T) -> Result<String> {
        serde_json::to_string(value).map_err(|e| HostError::internal(e.to_string()))
    }

    pub fn create(&self, id: &str, dir: &Path, req: &CreateRequest) -> Result<BackendState> {
        let req = Self::encode(req)?;
        self.decode(
            self.obj
                .create(id.into(), path(dir).into(), req.as_str().into()),
        )
    }

    pub fn start(&self, id: &str, dir: &Path) -> Result<()> {
        self.check(self.obj.start(id.into(), path(dir).into()))
    }

    pub fn state(&self, id: &str, dir: &Path) -> Result<BackendState> {
        self.decode(self.obj.state(id.into(), path(dir).into()))
    }

    pub fn kill(&self, id: &str, dir: &Path, signal: i32, all: bool) -> Result<()> {
        self.check(self.obj.kill(id.into(), path(dir).into(), signal, all))
    }

    pub fn delete(&self, id: &str, dir: &Path, force: bool) -> Result<()> {
        self.check(self.obj.delete(id.into(), path(dir).into(), force))
    }

    pub fn list(&self) -> Result<Vec<ListEntry>> {
        self.require(lxcri_plugin_api::capability::LIST)?;
        self.decode(self.obj.list("{}".into()))
    }

    pub fn exec(&self, id: &str, dir: &Path, req: &ExecRequest) -> Result<ExecResult> {
        self.require(lxcri_plugin_api::capability::EXEC)?;
        let req = Self::encode(req)?;
        self.decode(
            self.obj
                .exec(id.into(), path(dir).into(), req.as_str().into()),
        )
    }

    pub fn ps(&self, id: &str, dir: &Path) -> Result<Vec<i32>> {
        self.require(lxcri_plugin_api::capability::PS)?;
        self.decode(self.obj.ps(id.into(), path(dir).into()))
    }

    pub fn pause(&self, id: &str, dir: &Path) -> Result<()> {
        self.require(lxcri_plugin_api::capability::PAUSE)?;
        self.check(self.obj.pause(id.into(), path(dir).into()))
    }

    pub fn resume(&self, id: &str, dir: &Path) -> Result<()> {
        self.require(lxcri_plugin_api::capability::RESUME)?;
        self.check(self.obj.resume(id.into(), path(dir).into()))
    }

    pub fn update(&self, id: &str, dir: &Path, resources: &serde_json::Value) -> Result<()> {
        self.require(lxcri_plugin_api::capability::UPDATE)?;
        let req = Self::encode(resources)?;
        self.check(
            self.obj
                .update(id.into(), path(dir).into(), req.as_str().into()),
        )
    }

    pub fn stats(&self, id: &str, dir: &Path) -> Result<serde_json::Value> {
        self.require(lxcri_plugin_api::capability::EVENTS)?;
        self.decode(self.obj.stats(id.into(), path(dir).into()))
    }

    pub fn checkpoint(
        &self,
        id: &str,
        dir: &Path,
        req: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        self.require(lxcri_plugin_api::capability::CHECKPOINT)?;
        let req = Self::encode(req)?;
        self.decode(
            self.obj
                .checkpoint(id.into(), path(dir).into(), req.as_str().into()),
        )
    }

    pub fn restore(
        &self,
        id: &str,
        dir: &Path,
        req: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        self.require(lxcri_plugin_api::capability::RESTORE)?;
        let req = Self::encode(req)?;
        self.decode(
            self.obj
                .restore(id.into(), path(dir).into(), req.as_str().into()),
        )
    }

    /// A named operation (`lxcri_plugin_api::ops`), typed on both ends.
    pub fn call_op<O: lxcri_plugin_api::ops::Operation>(
        &self,
        req: &O::Request,
    ) -> Result<O::Reply> {
        crate::operation::call::<O>(&self.name, req, |op, req| self.call(op, req))
    }

    /// An operation beyond the fixed ABI, by name (JSON in and out).
    pub fn call(&self, op: &str, req: &serde_json::Value) -> Result<serde_json::Value> {
        let req = Self::encode(req)?;
        self.decode(self.obj.call(op.into(), req.as_str().into()))
    }

    pub fn features(&self) -> Result<serde_json::Value> {
        self.require(lxcri_plugin_api::capability::FEATURES)?;
        self.decode(self.obj.features())
    }
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap_or_default()
}
