//! What the commands work with, and nothing of the command line: the state root, the
//! config (with routing), the loaded plugins, and how to run this host again. The entry
//! point (`cli`) builds it from the parsed options; tests build it around an in-process
//! registry.

use std::{ffi::OsString, path::PathBuf};

use lxcri_plugin_api::PluginContext;

use crate::{
    config::Config,
    plugins::{Registry, context::plugin_context},
    state::{Store, inspect::Entry},
};

pub struct Services {
    /// The state root.
    pub root: PathBuf,
    pub config: Config,
    pub registry: Registry,
    /// Level code handed to plugins.
    pub plugin_log_level: u32,
    /// The backend the caller asked for, overriding routing (`--backend`).
    pub backend_flag: Option<String>,
    /// Whether the caller wants loader and probe details (`--debug`).
    pub debug: bool,
    /// How this host runs a child of itself (the stand-in): the global options.
    pub child: ChildHost,
    /// The container dirs as the entry point already read them to choose the plugins
    /// (for `list`), so that each is read once.
    pub inspected: Option<Vec<(String, Entry)>>,
}

/// The global options a child of this host gets.
#[derive(Debug, Clone, Default)]
pub struct ChildHost {
    pub args: Vec<OsString>,
    /// The caller named a log file (the child logs there too); otherwise the child's
    /// stderr is the container's and its messages go to a file of its own.
    pub has_log_file: bool,
}

impl Services {
    /// The container state store.
    pub fn store(&self) -> Store {
        Store::new(&self.root)
    }

    /// The backend flag as a `&str`.
    pub fn backend_flag(&self) -> Option<&str> {
        self.backend_flag.as_deref()
    }

    /// The context handed to plugin `name`.
    pub fn context(&self, name: &str) -> PluginContext {
        plugin_context(&self.root, &self.config, name, self.plugin_log_level)
    }
}
