//! Plain-Rust traits a plugin implements, and the adapters that expose them through
//! the ABI (JSON (de)serialisation and the panic guard included).

use std::path::Path;

use abi_stable::{
    sabi_trait::TD_Opaque,
    std_types::{RStr, RString},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    PluginError,
    abi::{Backend, Backend_TO, BackendBox, Integration, Integration_TO, IntegrationBox, PResult},
    guard,
    types::{
        BackendState, CheckpointRequest, CommandArgs, CommandOutput, CreateRequest, ExecRequest,
        ExecResult, ListEntry, RestoreRequest,
    },
};

/// The container an operation is about.
#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    pub id: &'a str,
    /// The plugin's private state dir for this container (exists).
    pub dir: &'a Path,
}

fn unsupported<T>(what: &str) -> Result<T, PluginError> {
    Err(PluginError::unsupported(format!(
        "{what} is not implemented"
    )))
}

/// A container backend in plain Rust. Required: create, start, state, kill, delete.
/// Optional operations default to an `Unsupported` error; list the ones you implement
/// in `PluginInfo::capabilities`.
pub trait BackendPlugin: Send + Sync + 'static {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError>;
    fn start(&self, c: Container<'_>) -> Result<(), PluginError>;
    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError>;
    fn kill(&self, c: Container<'_>, signal: i32, all: bool) -> Result<(), PluginError>;
    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError>;

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        unsupported("list")
    }
    fn exec(&self, _c: Container<'_>, _req: ExecRequest) -> Result<ExecResult, PluginError> {
        unsupported("exec")
    }
    fn ps(&self, _c: Container<'_>) -> Result<Vec<i32>, PluginError> {
        unsupported("ps")
    }
    fn pause(&self, _c: Container<'_>) -> Result<(), PluginError> {
        unsupported("pause")
    }
    fn resume(&self, _c: Container<'_>) -> Result<(), PluginError> {
        unsupported("resume")
    }
    fn update(&self, _c: Container<'_>, _resources: Value) -> Result<(), PluginError> {
        unsupported("update")
    }
    fn stats(&self, _c: Container<'_>) -> Result<Value, PluginError> {
        unsupported("events")
    }
    fn checkpoint(&self, _c: Container<'_>, _req: CheckpointRequest) -> Result<Value, PluginError> {
        unsupported("checkpoint")
    }
    fn restore(&self, _c: Container<'_>, _req: RestoreRequest) -> Result<Value, PluginError> {
        unsupported("restore")
    }
    fn features(&self) -> Result<Value, PluginError> {
        unsupported("features")
    }
    fn call(&self, op: &str, _req: Value) -> Result<Value, PluginError> {
        unsupported(&format!("operation '{op}'"))
    }
}

/// An integration in plain Rust: contributed commands and named hooks.
pub trait IntegrationPlugin: Send + Sync + 'static {
    fn run(&self, command: &str, args: CommandArgs) -> Result<CommandOutput, PluginError>;
    fn call(&self, op: &str, _req: Value) -> Result<Value, PluginError> {
        unsupported(&format!("operation '{op}'"))
    }
}

fn decode<T: DeserializeOwned>(json: RStr<'_>) -> Result<T, PluginError> {
    Ok(serde_json::from_str(json.as_str())?)
}

fn encode<T: Serialize>(value: &T) -> Result<RString, PluginError> {
    serde_json::to_string(value)
        .map(RString::from)
        .map_err(|e| PluginError::internal(format!("cannot encode reply: {e}")))
}

fn container<'a>(id: &'a RStr<'_>, dir: &'a RStr<'_>) -> Container<'a> {
    Container {
        id: id.as_str(),
        dir: Path::new(dir.as_str()),
    }
}

/// Exposes a [`BackendPlugin`] through the ABI.
pub struct BackendAdapter<T>(pub T);

impl<T: BackendPlugin> Backend for BackendAdapter<T> {
    fn create(&self, id: RStr<'_>, dir: RStr<'_>, request: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.create(container(&id, &dir), decode(request)?)?))
    }
    fn start(&self, id: RStr<'_>, dir: RStr<'_>) -> PResult<()> {
        guard(|| self.0.start(container(&id, &dir)))
    }
    fn state(&self, id: RStr<'_>, dir: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.state(container(&id, &dir))?))
    }
    fn kill(&self, id: RStr<'_>, dir: RStr<'_>, signal: i32, all: bool) -> PResult<()> {
        guard(|| self.0.kill(container(&id, &dir), signal, all))
    }
    fn delete(&self, id: RStr<'_>, dir: RStr<'_>, force: bool) -> PResult<()> {
        guard(|| self.0.delete(container(&id, &dir), force))
    }
    fn list(&self, _request: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.list()?))
    }
    fn exec(&self, id: RStr<'_>, dir: RStr<'_>, request: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.exec(container(&id, &dir), decode(request)?)?))
    }
    fn ps(&self, id: RStr<'_>, dir: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.ps(container(&id, &dir))?))
    }
    fn pause(&self, id: RStr<'_>, dir: RStr<'_>) -> PResult<()> {
        guard(|| self.0.pause(container(&id, &dir)))
    }
    fn resume(&self, id: RStr<'_>, dir: RStr<'_>) -> PResult<()> {
        guard(|| self.0.resume(container(&id, &dir)))
    }
    fn update(&self, id: RStr<'_>, dir: RStr<'_>, request: RStr<'_>) -> PResult<()> {
        guard(|| self.0.update(container(&id, &dir), decode(request)?))
    }
    fn stats(&self, id: RStr<'_>, dir: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.stats(container(&id, &dir))?))
    }
    fn checkpoint(&self, id: RStr<'_>, dir: RStr<'_>, request: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.checkpoint(container(&id, &dir), decode(request)?)?))
    }
    fn restore(&self, id: RStr<'_>, dir: RStr<'_>, request: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.restore(container(&id, &dir), decode(request)?)?))
    }
    fn features(&self) -> PResult<RString> {
        guard(|| encode(&self.0.features()?))
    }
    fn call(&self, op: RStr<'_>, request: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.call(op.as_str(), decode(request)?)?))
    }
}

/// Exposes an [`IntegrationPlugin`] through the ABI.
pub struct IntegrationAdapter<T>(pub T);

impl<T: IntegrationPlugin> Integration for IntegrationAdapter<T> {
    fn run(&self, command: RStr<'_>, args: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.run(command.as_str(), decode(args)?)?))
    }
    fn call(&self, op: RStr<'_>, request: RStr<'_>) -> PResult<RString> {
        guard(|| encode(&self.0.call(op.as_str(), decode(request)?)?))
    }
}

/// Boxes a backend for the ABI.
pub fn backend_box<T: BackendPlugin>(backend: T) -> BackendBox {
    Backend_TO::from_value(BackendAdapter(backend), TD_Opaque)
}

/// Boxes an integration for the ABI.
pub fn integration_box<T: IntegrationPlugin>(integration: T) -> IntegrationBox {
    Integration_TO::from_value(IntegrationAdapter(integration), TD_Opaque)
}
