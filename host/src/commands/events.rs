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

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{args::events::EventsArgs, testing::TestHost};

    #[test]
    fn stats_print_one_sample_in_runcs_shape() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let args = EventsArgs {
            stats: true,
            interval: 1,
            id: "c1".into(),
        };
        let mut out = Vec::new();
        run(&host.svc, &args, &mut out).unwrap();
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["type"], "stats");
        assert_eq!(line["id"], "c1");
        assert_eq!(line["data"]["pids"]["current"], 1);
    }

    #[test]
    fn a_stopped_container_ends_the_stream_after_one_sample() {
        let host = TestHost::new();
        host.running("c1", &["exit", "0"]);
        let args = EventsArgs {
            stats: false,
            interval: 1,
            id: "c1".into(),
        };
        let mut out = Vec::new();
        run(&host.svc, &args, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
    }
}
