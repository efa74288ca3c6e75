//! `pause`: freeze every process of a container.

use crate::args::pause::PauseArgs;
use lxcri_plugin_api::types::Status;

use super::container::Opened;
use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &PauseArgs) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    c.backend.pause(&args.id, &c.plugin_dir()?)?;
    crate::crash_point::here("pause:paused");
    c.set_status(Status::Paused)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::pause::PauseArgs, testing::TestHost};

    #[test]
    fn pauses_a_running_container_only() {
        let host = TestHost::new();
        host.create("c1", &["sleep", "1"]);
        let args = PauseArgs { id: "c1".into() };
        assert_eq!(run(&host.svc, &args).unwrap_err().kind, ErrorKind::Conflict);
        crate::commands::start::run(
            &host.svc,
            &crate::args::start::StartArgs { id: "c1".into() },
        )
        .unwrap();
        run(&host.svc, &args).unwrap();
        assert_eq!(host.state("c1")["status"], "paused");
    }
}
