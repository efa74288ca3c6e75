//! `start`: run the user process of a created container.
//!
//! The record says whether the container was created; the backend is asked for the live
//! status only when the record says otherwise, to name the real status in the error.
//! A container that changed behind the record's back (its init was killed) makes the
//! backend's own start fail, which is reported as it is.

use crate::args::start::StartArgs;
use lxcri_plugin_api::types::Status;

use super::container::Opened;
use crate::{
    error::{HostError, Result},
    services::Services,
};

pub fn run(svc: &Services, args: &StartArgs) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    if c.record.status != Status::Created {
        c.refresh()?;
    }
    if c.record.status != Status::Created {
        return Err(HostError::conflict(format!(
            "container '{}' is {}, only a created container can be started",
            args.id, c.record.status
        )));
    }
    let dir = c.plugin_dir()?;
    c.backend.start(&args.id, &dir)?;
    crate::crash_point::here("start:started");
    c.set_status(Status::Running)?;
    Ok(0)
}
