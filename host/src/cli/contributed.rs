//! Commands contributed by integration plugins: turned into clap subcommands at start,
//! and their matches turned back into the JSON arguments the plugin receives.

use std::collections::BTreeMap;

use clap::{Arg, ArgAction, ArgMatches, Command};
use lxcri_plugin_api::{
    ArgSpec, CommandSpec,
    info::{ARG_FLAG, ARG_OPTION, KIND_INTEGRATION},
    types::CommandArgs,
};
use serde_json::Value;

use crate::plugins::Registry;

/// A contributed top-level command and where it routes.
pub struct Contributed<'r> {
    pub plugin: &'r str,
    pub top: String,
    pub specs: Vec<&'r CommandSpec>,
}

/// Groups every integration's commands by their first word. Clashes with built-in
/// commands or with an earlier plugin are skipped with a warning.
pub fn collect<'r>(registry: &'r Registry, builtins: &[String]) -> Vec<Contributed<'r>> {
    let mut out: Vec<Contributed<'r>> = Vec::new();
    for plugin in registry
        .plugins
        .iter()
        .filter(|p| p.info.kind == KIND_INTEGRATION)
    {
        let mut mine: BTreeMap<String, Vec<&CommandSpec>> = BTreeMap::new();
        for spec in plugin.info.commands.iter() {
            match spec.path().as_slice() {
                [top] | [top, _] => mine.entry(top.to_string()).or_default().push(spec),
                _ => tracing::warn!(
                    "plugin {}: command '{}' ignored (at most two words)",
                    plugin.name(),
                    spec.name
                ),
            }
        }
        for (top, specs) in mine {
            if builtins.contains(&top) {
                tracing::warn!(
                    "plugin {}: command '{top}' clashes with a built-in command; ignored",
                    plugin.name()
                );
            } else if let Some(first) = out.iter().find(|c| c.top == top) {
                tracing::warn!(
                    "plugin {}: command '{top}' is already provided by plugin {}; ignored",
                    plugin.name(),
                    first.plugin
                );
            } else {
                out.push(Contributed {
                    plugin: plugin.name(),
                    top,
                    specs,
                });
            }
        }
    }
    out
}

fn to_arg(spec: &ArgSpec) -> Arg {
    let name = spec.name.to_string();
    let mut arg = Arg::new(name.clone()).help(spec.help.to_string());
    if !spec.value_name.is_empty() {
        arg = arg.value_name(spec.value_name.to_string());
    }
    match spec.kind {
        ARG_FLAG => arg = arg.long(name).action(ArgAction::SetTrue),
        kind => {
            if kind == ARG_OPTION {
                arg = arg.long(name);
            }
            arg = arg.required(spec.required);
            if spec.multiple {
                arg = arg.action(ArgAction::Append).num_args(1..);
            }
            if !spec.default_value.is_empty() {
                arg = arg.default_value(spec.default_value.to_string());
            }
        }
    }
    if let Some(c) = spec.short_char() {
        arg = arg.short(c);
    }
    arg
}

fn leaf(name: &str, spec: &CommandSpec, plugin: &str) -> Command {
    Command::new(name.to_string())
        .about(format!("{} [plugin {plugin}]", spec.about))
        .args(spec.args.iter().map(to_arg))
}

impl Contributed<'_> {
    /// The clap command for this group.
    pub fn command(&self) -> Command {
        let children: Vec<&&CommandSpec> =
            self.specs.iter().filter(|s| s.path().len() == 2).collect();
        let own = self.specs.iter().find(|s| s.path().len() == 1);
        if children.is_empty() {
            let spec = own.expect("a group has at least one spec");
            return leaf(&self.top, spec, self.plugin);
        }
        let about = own
            .map(|s| format!("{} [plugin {}]", s.about, self.plugin))
            .unwrap_or_else(|| format!("commands of plugin {}", self.plugin));
        Command::new(self.top.clone())
            .about(about)
            .subcommand_required(true)
            .arg_required_else_help(true)
            .subcommands(children.iter().map(|s| leaf(s.path()[1], s, self.plugin)))
    }

    /// The spec that `matches` (of this group's command) selected, with its matches.
    pub fn selected<'m>(&self, matches: &'m ArgMatches) -> Option<(&CommandSpec, &'m ArgMatches)> {
        match matches.subcommand() {
            Some((child, sub)) => self
                .specs
                .iter()
                .find(|s| s.path().get(1) == Some(&child))
                .map(|s| (*s, sub)),
            None => self
                .specs
                .iter()
                .find(|s| s.path().len() == 1)
                .map(|s| (*s, matches)),
        }
    }
}

/// The JSON argument object for `spec` from its matches.
pub fn arguments(spec: &CommandSpec, matches: &ArgMatches) -> CommandArgs {
    let mut out = CommandArgs::new();
    for arg in spec.args.iter() {
        let name = arg.name.as_str();
        let value = if arg.kind == ARG_FLAG {
            Some(Value::Bool(matches.get_flag(name)))
        } else if arg.multiple {
            matches
                .get_many::<String>(name)
                .map(|vals| Value::Array(vals.cloned().map(Value::String).collect()))
        } else {
            matches.get_one::<String>(name).cloned().map(Value::String)
        };
        if let Some(value) = value {
            out.insert(name.to_string(), value);
        }
    }
    out
}
