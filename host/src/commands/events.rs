//! `events [--stats] [--interval SECS] ID`: resource statistics as JSON lines, in runc's
//! shape (`{"type":"stats","id":…,"data":{…}}`). A figure the backend has no source for
//! is absent from `data`; a backend without statistics at all gives an empty `data`.

use std::io::Write;

use super::output;
use crate::args::events::EventsArgs;
use lxcri_plugin_api::types::Status;
use serde_json::json;

use super::container::Opened;
use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &EventsArgs, out: &mut dyn Write) -> Result<i32> {
    loop {
        let mut c = Opened::open(svc, &args.id)?;
        let data = if c
            .backend
            .info
            .has_capability(lxcri_plugin_api::capability::EVENTS)
        {
            c.backend.stats(&args.id, &c.plugin_dir()?)?
        } else {
            json!({})
        };
        writeln!(
            out,
            "{}",
            json!({"type": "stats", "id": args.id, "data": data})
        )
        .map_err(output)?;
        c.refresh()?;
        if args.stats || c.record.status == Status::Stopped {
            return Ok(0);
        }
        drop(c);
        std::thread::sleep(std::time::Duration::from_secs(args.interval.max(1)));
    }
}
