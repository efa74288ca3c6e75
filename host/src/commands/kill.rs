//! `kill [--all] ID [SIGNAL]`.

use super::container::Opened;
use crate::args::kill::KillArgs;
use crate::{error::Result, services::Services, signal};

pub fn run(svc: &Services, args: &KillArgs) -> Result<i32> {
    let signal = signal::parse(&args.signal)?;
    let c = Opened::open(svc, &args.id)?;
    let dir = c.plugin_dir()?;
    c.backend.kill(&args.id, &dir, signal, args.all)?;
    crate::crash_point::here("kill:signalled");
    Ok(0)
}
