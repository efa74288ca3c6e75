//! `pause`: freeze every process of a container.

use lxcri_plugin_api::types::Status;

use super::container::Opened;
use crate::{app::App, error::Result};

#[derive(Debug, Clone, clap::Args)]
pub struct PauseArgs {
    pub id: String,
}

pub fn run(app: &App, args: &PauseArgs) -> Result<i32> {
    let mut c = Opened::open(app, &args.id)?;
    c.backend.pause(&args.id, &c.plugin_dir()?)?;
    crate::crash_point::here("pause:paused");
    c.set_status(Status::Paused)?;
    Ok(0)
}
