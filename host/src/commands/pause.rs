//! `pause`: freeze every process of a container.

use crate::args::pause::PauseArgs;
use lxcri_plugin_api::types::Status;

use super::container::Opened;
use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &PauseArgs) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    c.backend.pause(&args.id, &c.plugin_dir()?)?;
    crate::crash_point::here("pause:paused");
    c.set_status(Status::Paused)?;
    Ok(0)
}
