//! `greeter`: the smallest integration. It contributes one command to the host CLI,
//! `proxmox-lxcri greet NAME [--shout] [--times N]`, and logs through the host.
//! Copy this crate to start a real integration.

use lxcri_plugin_api::{
    ArgSpec, CommandSpec, IntegrationPlugin, PluginContext, PluginError, PluginInfo,
    types::{CommandArgs, CommandOutput},
};

struct Greeter;

fn string_arg<'a>(args: &'a CommandArgs, name: &str) -> Option<&'a str> {
    args.get(name).and_then(|v| v.as_str())
}

impl IntegrationPlugin for Greeter {
    fn run(&self, command: &str, args: CommandArgs) -> Result<CommandOutput, PluginError> {
        if command != "greet" {
            return Err(PluginError::unsupported(format!(
                "unknown command '{command}'"
            )));
        }
        let name =
            string_arg(&args, "name").ok_or_else(|| PluginError::invalid_input("missing NAME"))?;
        let times: u32 = string_arg(&args, "times")
            .unwrap_or("1")
            .parse()
            .map_err(|_| PluginError::invalid_input("--times must be a whole number"))?;
        let shout = args.get("shout").and_then(|v| v.as_bool()).unwrap_or(false);
        tracing::info!(name, times, "greeting");
        let mut line = format!("hello, {name}");
        if shout {
            line = line.to_uppercase();
        }
        Ok(CommandOutput::text(
            format!("{line}\n").repeat(times as usize),
        ))
    }
}

fn info() -> PluginInfo {
    PluginInfo::integration(
        "greeter",
        env!("CARGO_PKG_VERSION"),
        "example integration: contributes the `greet` command",
    )
    .with_command(
        CommandSpec::new("greet", "Print a greeting (example plugin command)")
            .arg(ArgSpec::positional("name", "who to greet").value_name("NAME"))
            .arg(ArgSpec::flag("shout", "greet in capitals").short('s'))
            .arg(
                ArgSpec::option("times", "how many times")
                    .value_name("N")
                    .default_value("1"),
            ),
    )
}

lxcri_plugin_api::declare_plugin! {
    info: info,
    integration: |_ctx: &PluginContext| Ok(Greeter),
}
