//! `state`: runtime-spec state JSON.

use std::io::Write;

use super::container::{Opened, oci_state};
use super::output;
use crate::args::state::StateArgs;
use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &StateArgs, out: &mut dyn Write) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    c.refresh()?;
    let text = serde_json::to_string_pretty(&oci_state(&c.record)).unwrap_or_default();
    writeln!(out, "{text}").map_err(output)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::state::StateArgs, testing::TestHost};

    #[test]
    fn prints_the_runtime_spec_state() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let state = host.state("c1");
        assert_eq!(state["id"], "c1");
        assert_eq!(state["status"], "running");
        assert_eq!(state["ociVersion"], "1.0.2");
        assert!(state["bundle"].as_str().unwrap().ends_with("bundles/c1"));
        assert!(state["created"].as_str().is_some());
    }

    #[test]
    fn reports_what_the_backend_says_now() {
        let host = TestHost::new();
        host.running("c1", &["exit", "0"]);
        assert_eq!(host.state("c1")["status"], "stopped");
    }

    #[test]
    fn an_unknown_container_is_not_found_and_prints_nothing() {
        let host = TestHost::new();
        let mut out = Vec::new();
        let err = run(&host.svc, &StateArgs { id: "nope".into() }, &mut out).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(out.is_empty());
    }
}
