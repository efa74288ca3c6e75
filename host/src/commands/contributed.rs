//! Runs a command contributed by an integration plugin.

use std::io::Write;

use lxcri_plugin_api::types::{CommandArgs, CommandOutput};

use crate::{
    app::App,
    error::{HostError, Result},
};

pub fn run(app: &App, plugin: &str, command: &str, args: CommandArgs) -> Result<i32> {
    let loaded = app
        .registry
        .find(plugin)
        .ok_or_else(|| HostError::internal(format!("plugin {plugin} vanished")))?;
    let integration = loaded.new_integration(&app.context(plugin))?;
    let request = serde_json::to_string(&args).map_err(|e| HostError::internal(e.to_string()))?;
    tracing::debug!(plugin, command, "running contributed command");
    let reply = integration
        .run(command.into(), request.as_str().into())
        .into_result()
        .map_err(|e| HostError::from_plugin(plugin, e))?;
    let output: CommandOutput = serde_json::from_str(reply.as_str())
        .map_err(|e| HostError::internal(format!("{plugin}: malformed command output: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(output.stdout.as_bytes())
        .and_then(|_| stdout.flush())
        .map_err(|e| HostError::io("cannot write output", e))?;
    Ok(output.exit_code)
}
