//! `run`: create + start; unless `--detach`, wait for the container to exit, remove it
//! and return its exit status (like runc).

use crate::args::run::RunArgs;
use lxcri_plugin_api::{ErrorKind, types::Status};
use nix::{
    errno::Errno,
    sys::wait::{WaitStatus, waitpid},
    unistd::Pid,
};

use super::container::Opened;
use crate::{
    error::{HostError, Result},
    services::Services,
};

pub fn run(svc: &Services, args: &RunArgs) -> Result<i32> {
    // Become the reaper of the container's init, so its exit status reaches us.
    if !args.detach {
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
    let record = super::create::create(svc, &args.create)?;
    let id = record.id.clone();
    let started = super::start::run(svc, &crate::args::start::StartArgs { id: id.clone() });
    if let Err(e) = started {
        let _ = remove(svc, &id);
        return Err(e);
    }
    if args.detach {
        return Ok(0);
    }
    let code = match record.pid {
        Some(pid) => wait_for(svc, &id, pid)?,
        None => wait_stopped(svc, &id)?,
    };
    remove(svc, &id)?;
    Ok(code)
}

/// Waits for init `pid` (our descendant thanks to the subreaper flag).
fn wait_for(svc: &Services, id: &str, pid: i32) -> Result<i32> {
    loop {
        match waitpid(Pid::from_raw(pid), None) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(code),
            Ok(WaitStatus::Signaled(_, sig, _)) => return Ok(128 + sig as i32),
            Ok(_) => continue,
            Err(Errno::EINTR) => continue,
            // Not our descendant (a backend whose init lives elsewhere): poll its state.
            Err(Errno::ECHILD) => return wait_stopped(svc, id),
            Err(e) => return Err(HostError::internal(format!("waiting for pid {pid}: {e}"))),
        }
    }
}

/// Polls the backend until the container is stopped; the exit status is unknown to us,
/// so report what the backend recorded (0 when it records none).
fn wait_stopped(svc: &Services, id: &str) -> Result<i32> {
    loop {
        let mut c = Opened::open(svc, id)?;
        c.refresh()?;
        if c.record.status == Status::Stopped {
            return Ok(c
                .record
                .private
                .get("exit_code")
                .and_then(|v| v.as_i64())
                .unwrap_or(0) as i32);
        }
        drop(c);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn remove(svc: &Services, id: &str) -> Result<()> {
    let args = crate::args::delete::DeleteArgs {
        force: true,
        id: id.to_string(),
    };
    match super::delete::run(svc, &args) {
        Ok(_) => Ok(()),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{
        args::run::RunArgs,
        testing::{TestHost, create_args},
    };

    #[test]
    fn returns_the_exit_status_and_removes_the_container() {
        let host = TestHost::new();
        let bundle = host.bundle("c1", &["exit", "3"]);
        let args = RunArgs {
            detach: false,
            create: create_args("c1", &bundle),
        };
        assert_eq!(run(&host.svc, &args).unwrap(), 3);
        assert!(!host.root().join("c1").exists());
        assert!(host.kept("c1").is_none());
    }

    #[test]
    fn detached_it_leaves_the_container_running() {
        let host = TestHost::new();
        let bundle = host.bundle("c1", &["sleep", "1"]);
        let args = RunArgs {
            detach: true,
            create: create_args("c1", &bundle),
        };
        assert_eq!(run(&host.svc, &args).unwrap(), 0);
        assert_eq!(host.state("c1")["status"], "running");
    }
}
