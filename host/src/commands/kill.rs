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

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::kill::KillArgs, testing::TestHost};

    fn kill(host: &TestHost, id: &str, signal: &str, all: bool) -> crate::error::Result<i32> {
        let args = KillArgs {
            all,
            id: id.into(),
            signal: signal.into(),
        };
        run(&host.svc, &args)
    }

    #[test]
    fn signals_by_name_or_number_reach_the_backend() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        kill(&host, "c1", "15", false).unwrap();
        kill(&host, "c1", "SIGKILL", true).unwrap();
        assert_eq!(host.kept("c1").unwrap().signals, [(15, false), (9, true)]);
        assert_eq!(host.state("c1")["status"], "stopped");
    }

    #[test]
    fn an_unknown_signal_is_refused_before_the_backend_is_asked() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let err = kill(&host, "c1", "SIGNOPE", false).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidInput);
        assert!(host.kept("c1").unwrap().signals.is_empty());
    }
}
