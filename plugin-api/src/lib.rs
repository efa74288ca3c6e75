//! # lxcri-plugin-api
//!
//! The stable ABI between the `proxmox-lxcri` host and its plugins.
//!
//! A plugin is a `cdylib` that implements [`BackendPlugin`] and/or [`IntegrationPlugin`]
//! in plain Rust and calls [`declare_plugin!`]; everything that crosses the boundary is
//! built on `abi_stable` and checked by the host when it loads the file.
//!
//! ## Promise for 1.x
//! The structs and traits in [`abi`], [`PluginInfo`], [`PluginContext`] and
//! [`PluginError`] keep their layout for every 1.x release, so a plugin built against
//! any 1.x interface loads in any 1.x host. New operations and fields travel as JSON
//! ([`types`], `call(op, json)`, the `extra_json` fields) and are announced by
//! capability names. See `docs/plugin-api-evolution.md`.

pub mod abi;
pub mod context;
pub mod doctor;
pub mod error;
mod guard;
pub mod info;
pub mod logging;
mod macros;
pub mod native;
pub mod ops;
pub mod root;
pub mod stand_in;
pub mod types;

pub use abi::{
    Backend, Backend_TO, BackendBox, Integration, Integration_TO, IntegrationBox, PResult,
    PluginMod, PluginModRef,
};
pub use context::{LogFn, PluginContext, ProgressFn};
pub use error::{ErrorKind, PluginError};
pub use guard::{guard, quiet_panic_hook};
pub use info::{ArgSpec, CommandSpec, PluginInfo, capability};
pub use native::{BackendPlugin, Container, IntegrationPlugin};

/// The interface version this crate defines (its package version).
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Crates the generated plugin code needs, re-exported so plugins do not have to
/// depend on them directly (and cannot pick a mismatched version).
pub mod reexports {
    pub use abi_stable;
    pub use serde_json;
}

/// The symbol every plugin exports (checked by the host before it dlopens a file).
pub const ROOT_SYMBOL: &str = "_1as_0lib_1header_0root_bmodule_bloader";

#[cfg(test)]
mod tests {
    #[test]
    fn root_symbol_matches_abi_stable() {
        assert_eq!(
            super::ROOT_SYMBOL,
            abi_stable::library::ROOT_MODULE_LOADER_NAME
        );
    }
}
