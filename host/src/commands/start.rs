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

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::start::StartArgs, testing::TestHost};

    #[test]
    fn starts_a_created_container_once() {
        let host = TestHost::new();
        host.create("c1", &["sleep", "1"]);
        let args = StartArgs { id: "c1".into() };
        run(&host.svc, &args).unwrap();
        assert_eq!(host.state("c1")["status"], "running");
        let again = run(&host.svc, &args).unwrap_err();
        assert_eq!(again.kind, ErrorKind::Conflict);
        assert!(again.to_string().contains("running"), "{again}");
    }

    #[test]
    fn an_unknown_container_is_not_found() {
        let host = TestHost::new();
        let err = run(&host.svc, &StartArgs { id: "nope".into() }).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound);
    }
}
