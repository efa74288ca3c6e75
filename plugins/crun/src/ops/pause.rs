//! pause / resume: `crun pause ID`, `crun resume ID`.

use lxcri_plugin_api::{Container, PluginError};

use crate::runner::Crun;

pub fn pause(crun: &Crun, c: Container<'_>) -> Result<(), PluginError> {
    crun.output("pause", [c.id]).map(|_| ())
}

pub fn resume(crun: &Crun, c: Container<'_>) -> Result<(), PluginError> {
    crun.output("resume", [c.id]).map(|_| ())
}
