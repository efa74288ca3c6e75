//! start: `crun start ID`.

use lxcri_plugin_api::{Container, PluginError};

use crate::runner::Crun;

pub fn start(crun: &Crun, c: Container<'_>) -> Result<(), PluginError> {
    crun.output("start", [c.id]).map(|_| ())
}
