//! Runs a command contributed by an integration plugin.

use std::io::Write;

use lxcri_plugin_api::types::{CommandArgs, CommandOutput};

use crate::{
    error::{HostError, Result},
    services::Services,
};

pub fn run(
    svc: &Services,
    plugin: &str,
    command: &str,
    args: CommandArgs,
    out: &mut dyn Write,
) -> Result<i32> {
    let loaded = svc
        .registry
        .find(plugin)
        .ok_or_else(|| HostError::internal(format!("plugin {plugin} vanished")))?;
    let integration = loaded.new_integration(&svc.context(plugin))?;
    let request = serde_json::to_string(&args).map_err(|e| HostError::internal(e.to_string()))?;
    tracing::debug!(plugin, command, "running contributed command");
    let reply = integration
        .run(command.into(), request.as_str().into())
        .into_result()
        .map_err(|e| HostError::from_plugin(plugin, e))?;
    let output: CommandOutput = serde_json::from_str(reply.as_str())
        .map_err(|e| HostError::internal(format!("{plugin}: malformed command output: {e}")))?;
    out.write_all(output.stdout.as_bytes())
        .and_then(|_| out.flush())
        .map_err(super::output)?;
    Ok(output.exit_code)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::run;
    use crate::testing::{TestHost, storage};

    #[test]
    fn runs_the_plugins_command_and_prints_its_output() {
        let host = TestHost::new();
        let args = [("name".to_string(), json!("world"))].into_iter().collect();
        let mut out = Vec::new();
        assert_eq!(
            run(&host.svc, storage::NAME, "greet", args, &mut out).unwrap(),
            0
        );
        assert_eq!(out, b"hello, world\n");
    }
}
