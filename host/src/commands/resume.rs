//! `resume`: thaw a paused container.

use crate::args::pause::PauseArgs;
use lxcri_plugin_api::types::Status;

use super::container::Opened;
use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &PauseArgs) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    c.backend.resume(&args.id, &c.plugin_dir()?)?;
    crate::crash_point::here("resume:resumed");
    c.set_status(Status::Running)?;
    Ok(0)
}
