//! `start`: run the user process of a created container.

use lxcri_plugin_api::types::Status;

use super::container::Opened;
use crate::{
    app::App,
    error::{HostError, Result},
};

#[derive(Debug, Clone, clap::Args)]
pub struct StartArgs {
    pub id: String,
}

pub fn run(app: &App, args: &StartArgs) -> Result<i32> {
    let mut c = Opened::open(app, &args.id)?;
    c.refresh()?;
    if c.record.status != Status::Created {
        return Err(HostError::conflict(format!(
            "container '{}' is {}, only a created container can be started",
            args.id, c.record.status
        )));
    }
    let dir = c.plugin_dir()?;
    c.backend.start(&args.id, &dir)?;
    c.set_status(Status::Running)?;
    c.refresh()?;
    Ok(0)
}
