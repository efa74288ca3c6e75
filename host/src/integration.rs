//! An integration plugin as the host's own commands use it: found by capability,
//! called by operation name with JSON.

use lxcri_plugin_api::{ErrorKind, IntegrationBox, info::KIND_INTEGRATION};
use serde_json::Value;

use crate::{
    error::{HostError, Result},
    plugins::registry::LoadedPlugin,
    services::Services,
};

pub struct IntegrationHandle {
    pub name: String,
    obj: IntegrationBox,
}

impl IntegrationHandle {
    /// The first loaded integration offering `capability`.
    pub fn with_capability(svc: &Services, capability: &str) -> Result<Option<Self>> {
        let Some(plugin) = svc
            .registry
            .plugins
            .iter()
            .find(|p| p.info.kind == KIND_INTEGRATION && p.info.has_capability(capability))
        else {
            return Ok(None);
        };
        Self::instantiate(svc, plugin).map(Some)
    }

    /// The loaded integration `name`, which must offer `capability` (checked before
    /// the integration object is made).
    pub fn named(svc: &Services, name: &str, capability: &str) -> Result<Self> {
        let plugin = Self::loaded(svc, name)
            .map_err(|e| e.hint("install its plugin or change rootfs_storage in the config"))?;
        if !plugin.info.has_capability(capability) {
            return Err(HostError::new(
                ErrorKind::Unsupported,
                format!("integration '{name}' does not offer {capability}"),
            ));
        }
        Self::instantiate(svc, plugin)
    }

    /// The loaded integration `name`.
    pub fn open(svc: &Services, name: &str) -> Result<Self> {
        Self::instantiate(svc, Self::loaded(svc, name)?)
    }

    fn loaded<'a>(svc: &'a Services, name: &str) -> Result<&'a LoadedPlugin> {
        svc.registry
            .plugins
            .iter()
            .find(|p| p.info.kind == KIND_INTEGRATION && p.name() == name)
            .ok_or_else(|| {
                HostError::new(
                    ErrorKind::NotFound,
                    format!("integration '{name}' is not loaded"),
                )
            })
    }

    fn instantiate(svc: &Services, plugin: &LoadedPlugin) -> Result<Self> {
        let obj = plugin.new_integration(&svc.context(plugin.name()))?;
        Ok(Self {
            name: plugin.name().to_string(),
            obj,
        })
    }

    /// A named operation (`lxcri_plugin_api::ops`), typed on both ends.
    pub fn call_op<O: lxcri_plugin_api::ops::Operation>(
        &self,
        req: &O::Request,
    ) -> Result<O::Reply> {
        crate::operation::call::<O>(&self.name, req, |op, req| self.call(op, req))
    }

    pub fn call(&self, op: &str, req: &Value) -> Result<Value> {
        let raw = self
            .obj
            .call(op.into(), req.to_string().as_str().into())
            .into_result()
            .map_err(|e| HostError::from_plugin(&self.name, e))?;
        serde_json::from_str(raw.as_str()).map_err(|e| {
            HostError::new(
                ErrorKind::Internal,
                format!("{}: malformed reply: {e}", self.name),
            )
        })
    }
}
