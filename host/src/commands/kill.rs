//! `kill [--all] ID [SIGNAL]`.

use super::container::Opened;
use crate::{app::App, error::Result, signal};

#[derive(Debug, Clone, clap::Args)]
pub struct KillArgs {
    /// Signal every process of the container, not only its init.
    #[arg(long, short = 'a')]
    pub all: bool,
    pub id: String,
    /// Signal name (TERM, SIGTERM) or number (15).
    #[arg(default_value = "SIGTERM")]
    pub signal: String,
}

pub fn run(app: &App, args: &KillArgs) -> Result<i32> {
    let signal = signal::parse(&args.signal)?;
    let c = Opened::open(app, &args.id)?;
    let dir = c.plugin_dir()?;
    c.backend.kill(&args.id, &dir, signal, args.all)?;
    crate::crash_point::here("kill:signalled");
    Ok(0)
}
