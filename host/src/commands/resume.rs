//! `resume`: thaw a paused container.

use crate::args::pause::PauseArgs;
use lxcri_plugin_api::types::Status;

use super::container::Opened;
use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &PauseArgs) -> Result<i32> {
    let mut c = Opened::open(svc, &args.id)?;
    c.backend.resume(&args.id, &c.plugin_dir()?)?;
    crate::crash_point::here("resume:resumed");
    c.set_status(Status::Running)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{args::pause::PauseArgs, testing::TestHost};

    #[test]
    fn resumes_a_paused_container() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let args = PauseArgs { id: "c1".into() };
        crate::commands::pause::run(&host.svc, &args).unwrap();
        run(&host.svc, &args).unwrap();
        assert_eq!(host.state("c1")["status"], "running");
    }
}
