//! delete: `crun delete [--force] ID`; a forced delete of a container crun does not
//! know is done already.

use lxcri_plugin_api::{Container, ErrorKind, PluginError};

use crate::runner::Crun;

pub fn delete(crun: &Crun, c: Container<'_>, force: bool) -> Result<(), PluginError> {
    let args: Vec<&str> = if force {
        vec!["--force", c.id]
    } else {
        vec![c.id]
    };
    match crun.output("delete", &args) {
        Ok(_) => Ok(()),
        Err(e) if force && e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
