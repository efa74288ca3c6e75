//! `resume`: thaw a paused container.

use lxcri_plugin_api::types::Status;

use super::{container::Opened, pause::PauseArgs};
use crate::{app::App, error::Result};

pub fn run(app: &App, args: &PauseArgs) -> Result<i32> {
    let mut c = Opened::open(app, &args.id)?;
    c.backend.resume(&args.id, &c.plugin_dir()?)?;
    crate::crash_point::here("resume:resumed");
    c.set_status(Status::Running)?;
    Ok(0)
}
