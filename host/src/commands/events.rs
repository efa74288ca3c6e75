//! `events [--stats] [--interval SECS] ID`: resource statistics as JSON lines.

use lxcri_plugin_api::types::Status;
use serde_json::json;

use super::container::Opened;
use crate::{app::App, error::Result};

#[derive(Debug, Clone, clap::Args)]
pub struct EventsArgs {
    /// Print one stats sample and exit.
    #[arg(long)]
    pub stats: bool,
    /// Seconds between samples.
    #[arg(long, default_value_t = 5)]
    pub interval: u64,
    pub id: String,
}

pub fn run(app: &App, args: &EventsArgs) -> Result<i32> {
    loop {
        let mut c = Opened::open(app, &args.id)?;
        let data = c.backend.stats(&args.id, &c.plugin_dir()?)?;
        println!("{}", json!({"type": "stats", "id": args.id, "data": data}));
        c.refresh()?;
        if args.stats || c.record.status == Status::Stopped {
            return Ok(0);
        }
        drop(c);
        std::thread::sleep(std::time::Duration::from_secs(args.interval.max(1)));
    }
}
