//! `events [--stats] [--interval SECS] ID`: resource statistics as JSON lines, in runc's
//! shape (`{"type":"stats","id":…,"data":{…}}`). A figure the backend has no source for
//! is absent from `data`; a backend without statistics at all gives an empty `data`.

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
        let data = if c
            .backend
            .info
            .has_capability(lxcri_plugin_api::capability::EVENTS)
        {
            c.backend.stats(&args.id, &c.plugin_dir()?)?
        } else {
            json!({})
        };
        println!("{}", json!({"type": "stats", "id": args.id, "data": data}));
        c.refresh()?;
        if args.stats || c.record.status == Status::Stopped {
            return Ok(0);
        }
        drop(c);
        std::thread::sleep(std::time::Duration::from_secs(args.interval.max(1)));
    }
}
