//! `run`: create + start; unless `--detach`, wait for the container to exit, remove it
//! and return its exit status (like runc).

use crate::args::run::RunArgs;
use std::path::PathBuf;

use lxcri_plugin_api::{
    ErrorKind, capability,
    ops::{Run, RunRequest},
    types::{BackendState, CreateRequest, Status},
};
use nix::{
    errno::Errno,
    sys::wait::{WaitStatus, waitpid},
    unistd::Pid,
};

use super::container::Opened;
use crate::{
    backend::BackendHandle,
    error::{HostError, Result},
    services::Services,
};

pub fn run(svc: &Services, args: &RunArgs) -> Result<i32> {
    // Become the reaper of the container's init, so its exit status reaches us.
    if !args.detach {
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
    // A backend that runs in one step (capability `run`, as `crun run`) gets the whole
    // run. Detached, it makes the container in place of `create`; attached, it is
    // called once the record exists, without the lock, and returns when the process
    // ends.
    let mut attached: Option<(PathBuf, CreateRequest)> = None;
    let (record, backend) =
        super::create::create_with(svc, &args.create, None, |backend, dir, request| {
            let info = backend.info;
            if !info.has_capability(capability::RUN) || info.has_capability(capability::STAND_IN) {
                return backend.create(&args.create.id, dir, request);
            }
            if !args.detach {
                attached = Some((dir.to_path_buf(), request.clone()));
                return Ok(BackendState {
                    status: Status::Running,
                    pid: None,
                    private: serde_json::Value::Null,
                });
            }
            let reply = backend.call_op::<Run>(&RunRequest {
                id: args.create.id.clone(),
                dir: dir.to_path_buf(),
                create: request.clone(),
                detach: true,
                pid_file: None,
            })?;
            reply.state.ok_or_else(|| {
                HostError::internal(format!("{}: run returned no state", backend.name))
            })
        })?;
    let id = record.id.clone();
    if let Some((dir, request)) = attached {
        let pid_file = args.create.pid_file.clone();
        return run_attached(svc, &backend, &id, dir, request, pid_file);
    }
    if record.status == Status::Running {
        // Made running in one step, detached.
        return Ok(0);
    }
    drop(backend);
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

/// The backend creates, starts and waits for the container and removes it; then its
/// record goes. A failure removes whatever the backend may have left.
fn run_attached(
    svc: &Services,
    backend: &BackendHandle<'_>,
    id: &str,
    dir: PathBuf,
    create: CreateRequest,
    pid_file: Option<PathBuf>,
) -> Result<i32> {
    crate::crash_point::here("run:recorded");
    let reply = backend.call_op::<Run>(&RunRequest {
        id: id.to_string(),
        dir: dir.clone(),
        create,
        detach: false,
        pid_file,
    });
    if reply.is_err() {
        let _ = backend.delete(id, &dir, true);
    }
    forget(svc, id)?;
    Ok(reply?.exit_code.unwrap_or(0))
}

/// Removes the record of a container its backend has removed.
fn forget(svc: &Services, id: &str) -> Result<()> {
    match svc.store().lock(id) {
        Ok(locked) => locked.remove(),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
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
        testing::{TestHost, create_args, memory},
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
    fn a_backend_that_runs_in_one_step_gets_the_whole_run() {
        let host = TestHost::routing_to(memory::ONE_STEP);
        let bundle = host.bundle("c1", &["exit", "4"]);
        let args = RunArgs {
            detach: false,
            create: create_args("c1", &bundle),
        };
        assert_eq!(run(&host.svc, &args).unwrap(), 4);
        assert!(!host.root().join("c1").exists());
        let bundle = host.bundle("c2", &["sleep", "1"]);
        let args = RunArgs {
            detach: true,
            create: create_args("c2", &bundle),
        };
        assert_eq!(run(&host.svc, &args).unwrap(), 0);
        let state = host.state("c2");
        assert_eq!(state["status"], "running");
        assert_eq!(state["backend"], memory::ONE_STEP);
    }

    #[test]
    fn a_failed_one_step_run_leaves_nothing() {
        let host = TestHost::routing_to(memory::ONE_STEP);
        for detach in [false, true] {
            let bundle = host.bundle("c1", &["fail-create"]);
            let args = RunArgs {
                detach,
                create: create_args("c1", &bundle),
            };
            assert!(run(&host.svc, &args).is_err());
            assert!(!host.root().join("c1").exists(), "detach {detach}");
            assert!(host.kept("c1").is_none(), "detach {detach}");
        }
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
