//! kill: `crun kill [--all] ID SIGNAL`.

use lxcri_plugin_api::{Container, PluginError};

use crate::runner::Crun;

pub fn kill(crun: &Crun, c: Container<'_>, signal: i32, all: bool) -> Result<(), PluginError> {
    let mut args = Vec::new();
    if all {
        args.push("--all".to_string());
    }
    args.push(c.id.to_string());
    args.push(signal.to_string());
    crun.output("kill", &args).map(|_| ())
}
