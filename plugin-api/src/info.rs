//! What a plugin says about itself: [`PluginInfo`], its capabilities and the CLI
//! commands it contributes.

use abi_stable::{
    StableAbi,
    std_types::{RString, RVec},
};

/// `PluginInfo::kind` of a backend plugin (runs containers).
pub const KIND_BACKEND: u32 = 1;
/// `PluginInfo::kind` of an integration plugin (adds commands and hooks).
pub const KIND_INTEGRATION: u32 = 2;

/// Names of the optional backend operations, as listed in `PluginInfo::capabilities`.
pub mod capability {
    pub const LIST: &str = "list";
    pub const EXEC: &str = "exec";
    pub const PS: &str = "ps";
    pub const PAUSE: &str = "pause";
    pub const RESUME: &str = "resume";
    pub const UPDATE: &str = "update";
    pub const EVENTS: &str = "events";
    pub const CHECKPOINT: &str = "checkpoint";
    pub const RESTORE: &str = "restore";
    pub const FEATURES: &str = "features";
    /// Create and start in one step (and, attached, wait and remove), as the
    /// backend's tool does in one process: the operation [`crate::ops::Run`].
    pub const RUN: &str = "run";
    /// The container's process is not a local process (a remote guest): the host
    /// starts a local stand-in for it at create (see [`crate::stand_in`]).
    pub const STAND_IN: &str = "stand-in";
}

/// Self-description of a plugin, returned by the root module's `info()`.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct PluginInfo {
    /// Unique plugin name (`crun`, `zfs`); backends are selected by it.
    pub name: RString,
    /// The plugin's own version.
    pub version: RString,
    /// The `lxcri-plugin-api` version the plugin was built against.
    pub api_version: RString,
    /// [`KIND_BACKEND`] or [`KIND_INTEGRATION`].
    pub kind: u32,
    /// One line for `proxmox-lxcri plugins`.
    pub description: RString,
    /// Optional operations implemented (see [`capability`]) and free-form feature names.
    pub capabilities: RVec<RString>,
    /// CLI commands contributed to the host.
    pub commands: RVec<CommandSpec>,
    /// Reserved for additions within 1.x: a JSON object (may be empty).
    pub extra_json: RString,
}

impl PluginInfo {
    fn new(kind: u32, name: &str, version: &str, description: &str) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            api_version: crate::API_VERSION.into(),
            kind,
            description: description.into(),
            capabilities: RVec::new(),
            commands: RVec::new(),
            extra_json: RString::new(),
        }
    }

    /// Describes a backend plugin.
    pub fn backend(name: &str, version: &str, description: &str) -> Self {
        Self::new(KIND_BACKEND, name, version, description)
    }

    /// Describes an integration plugin.
    pub fn integration(name: &str, version: &str, description: &str) -> Self {
        Self::new(KIND_INTEGRATION, name, version, description)
    }

    /// Adds capability names.
    pub fn with_capabilities(mut self, caps: &[&str]) -> Self {
        self.capabilities
            .extend(caps.iter().map(|c| RString::from(*c)));
        self
    }

    /// Adds a contributed command.
    pub fn with_command(mut self, command: CommandSpec) -> Self {
        self.commands.push(command);
        self
    }

    /// Whether `capability` is listed.
    pub fn has_capability(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c.as_str() == capability)
    }

    /// `"backend"`, `"integration"` or `"unknown"`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            KIND_BACKEND => "backend",
            KIND_INTEGRATION => "integration",
            _ => "unknown",
        }
    }
}

/// A command a plugin adds to the host CLI. `name` is a path of words: `"bfc create"`
/// becomes `proxmox-lxcri bfc create`. A spec whose name is one word and that has no
/// arguments, while other specs extend it, only describes the group.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct CommandSpec {
    pub name: RString,
    pub about: RString,
    pub args: RVec<ArgSpec>,
}

impl CommandSpec {
    pub fn new(name: &str, about: &str) -> Self {
        Self {
            name: name.into(),
            about: about.into(),
            args: RVec::new(),
        }
    }

    pub fn arg(mut self, arg: ArgSpec) -> Self {
        self.args.push(arg);
        self
    }

    /// The words of the command path.
    pub fn path(&self) -> Vec<&str> {
        self.name.split_whitespace().collect()
    }
}

/// `ArgSpec::kind`: a positional argument.
pub const ARG_POSITIONAL: u32 = 0;
/// `ArgSpec::kind`: a boolean `--flag`.
pub const ARG_FLAG: u32 = 1;
/// `ArgSpec::kind`: an `--option VALUE`.
pub const ARG_OPTION: u32 = 2;

/// One argument of a contributed command. Values reach the plugin as a JSON object keyed
/// by `name`: a string (or a list of strings when `multiple`), a bool for flags.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct ArgSpec {
    pub name: RString,
    pub kind: u32,
    /// Short option letter as a Unicode scalar, 0 for none.
    pub short: u32,
    pub help: RString,
    pub value_name: RString,
    pub default_value: RString,
    pub required: bool,
    pub multiple: bool,
}

impl ArgSpec {
    fn new(name: &str, kind: u32, help: &str) -> Self {
        Self {
            name: name.into(),
            kind,
            short: 0,
            help: help.into(),
            value_name: RString::new(),
            default_value: RString::new(),
            required: false,
            multiple: false,
        }
    }

    /// A positional argument (required unless [`ArgSpec::optional`]).
    pub fn positional(name: &str, help: &str) -> Self {
        let mut arg = Self::new(name, ARG_POSITIONAL, help);
        arg.required = true;
        arg
    }

    /// A boolean `--name` flag.
    pub fn flag(name: &str, help: &str) -> Self {
        Self::new(name, ARG_FLAG, help)
    }

    /// An `--name VALUE` option.
    pub fn option(name: &str, help: &str) -> Self {
        Self::new(name, ARG_OPTION, help)
    }

    pub fn short(mut self, letter: char) -> Self {
        self.short = letter as u32;
        self
    }

    pub fn value_name(mut self, value_name: &str) -> Self {
        self.value_name = value_name.into();
        self
    }

    pub fn default_value(mut self, value: &str) -> Self {
        self.default_value = value.into();
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    pub fn multiple(mut self) -> Self {
        self.multiple = true;
        self
    }

    /// The short letter, if any.
    pub fn short_char(&self) -> Option<char> {
        (self.short != 0)
            .then(|| char::from_u32(self.short))
            .flatten()
    }
}
