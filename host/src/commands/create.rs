//! `create`: reserve the id, route to a backend, let it create the container with its
//! init held, record the state. Any failure removes everything it made.

use std::path::Path;

use crate::args::create::CreateArgs;

use lxcri_plugin_api::types::{BackendState, CreateRequest, Status};

use super::container::{current_owner, write_pid_file};
use crate::{
    backend::BackendHandle,
    bundle::Bundle,
    error::Result,
    rootfs_storage, routing,
    services::Services,
    state::{ContainerRecord, id},
};

pub fn run(svc: &Services, args: &CreateArgs) -> Result<i32> {
    create(svc, args).map(|_| 0)
}

/// Creates the container and returns its record.
pub fn create(svc: &Services, args: &CreateArgs) -> Result<ContainerRecord> {
    create_on(svc, args, None)
}

/// Creates the container on `backend` when given (a restore keeps the container's
/// backend), else on the routed one.
pub fn create_on(
    svc: &Services,
    args: &CreateArgs,
    backend: Option<&str>,
) -> Result<ContainerRecord> {
    let made = create_with(svc, args, backend, |backend, dir, request| {
        backend.create(&args.id, dir, request)
    })?;
    Ok(made.0)
}

/// Creates the container with `make` (given the backend, the container's private dir
/// and the request) instead of the backend's `create`: `run` makes it through a
/// backend that runs in one step. Returns the record and the backend. Everything else is as for `create`: the id reserved, the
/// rootfs provisioned, the record written, and everything removed on failure.
pub fn create_with<'s>(
    svc: &'s Services,
    args: &CreateArgs,
    backend: Option<&str>,
    make: impl FnOnce(&BackendHandle<'_>, &Path, &CreateRequest) -> Result<BackendState>,
) -> Result<(ContainerRecord, BackendHandle<'s>)> {
    id::validate(&args.id)?;
    let bundle = Bundle::load(&args.bundle)?;
    let (backend_name, why) = match backend {
        Some(name) => (name, "kept from the restored container"),
        None => routing::for_new(
            &args.id,
            svc.backend_flag(),
            &bundle.annotations,
            &svc.config,
        ),
    };
    tracing::debug!(id = %args.id, backend = backend_name, why, "routing");
    let backend = BackendHandle::open(svc, backend_name)?;

    let locked = svc.store().reserve(&args.id)?;
    let mut record = ContainerRecord {
        id: args.id.clone(),
        backend: backend_name.to_string(),
        bundle: bundle.dir.clone(),
        status: Status::Creating,
        pid: None,
        created: humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string(),
        owner: current_owner(),
        annotations: bundle.annotations.clone(),
        rootfs: Some(bundle.rootfs.clone()),
        oci_version: bundle.oci_version.clone(),
        private: serde_json::Value::Null,
    };
    let mut provisioned = None;
    let created = (|| {
        locked.write(&record)?;
        crate::crash_point::here("create:reserved");
        let dir = locked.plugin_dir(backend_name)?;
        provisioned = rootfs_storage::provision(svc, &args.id, &bundle, &locked.dir)?;
        let (bundle_dir, config) = match &provisioned {
            Some(p) => {
                record.rootfs = Some(p.rootfs.clone());
                (p.bundle.clone(), p.config.clone())
            }
            None => (bundle.dir.clone(), bundle.config.clone()),
        };
        let request = CreateRequest {
            bundle: bundle_dir,
            config,
            console_socket: args.console_socket.clone(),
            no_pivot: args.no_pivot,
            no_new_keyring: args.no_new_keyring,
            preserve_fds: args.preserve_fds,
        };
        let state = make(&backend, &dir, &request);
        let state = match state {
            Ok(state) => state,
            // The backend holds the id already: nothing here is this create's.
            Err(e) if e.kind == lxcri_plugin_api::ErrorKind::AlreadyExists => return Err(e),
            Err(e) => {
                // The backend may have made part of the container before failing.
                if let Err(cleanup) = backend.delete(&args.id, &dir, true) {
                    tracing::debug!("cleanup after failed create: {cleanup}");
                }
                return Err(e);
            }
        };
        crate::crash_point::here("create:made");
        record.status = state.status;
        record.pid = state.pid;
        record.private = state.private;
        if backend
            .info
            .has_capability(lxcri_plugin_api::capability::STAND_IN)
        {
            // The container's process is remote: a local stand-in is its pid.
            let pid = super::stand_in::spawn(
                svc,
                backend_name,
                &args.id,
                args.console_socket.as_deref(),
                None,
            );
            match pid {
                Ok(pid) => record.pid = Some(pid),
                Err(e) => {
                    let _ = backend.delete(&args.id, &dir, true);
                    return Err(e);
                }
            }
        }
        locked.write(&record)?;
        crate::crash_point::here("create:recorded");
        if let (Some(path), Some(pid)) = (&args.pid_file, record.pid) {
            write_pid_file(path, pid)?;
        }
        Ok(())
    })();
    match created {
        Ok(()) => Ok((record, backend)),
        Err(e) => {
            if record.status != Status::Creating {
                let dir = locked.dir.join(backend_name);
                let _ = backend.delete(&args.id, &dir, true);
            }
            if let Some(p) = &provisioned {
                p.release();
            }
            if let Err(cleanup) = locked.remove() {
                tracing::warn!("could not remove state of failed create: {cleanup}");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;
    use serde_json::json;

    use super::run;
    use crate::testing::{TestHost, create_args, memory};

    #[test]
    fn records_a_created_container_and_hands_the_backend_the_bundle() {
        let host = TestHost::new();
        let bundle = host.bundle("c1", &["sleep", "1"]);
        assert_eq!(run(&host.svc, &create_args("c1", &bundle)).unwrap(), 0);
        let state = host.state("c1");
        assert_eq!(state["status"], "created");
        assert_eq!(state["backend"], memory::NAME);
        let kept = host.kept("c1").unwrap();
        assert_eq!(kept.bundle, bundle);
        assert_eq!(kept.args, ["sleep", "1"]);
    }

    #[test]
    fn refuses_an_invalid_id_and_an_id_in_use() {
        let host = TestHost::new();
        let bundle = host.bundle("b", &["true"]);
        let bad = run(&host.svc, &create_args("../x", &bundle)).unwrap_err();
        assert_eq!(bad.kind, ErrorKind::InvalidInput);
        run(&host.svc, &create_args("c1", &bundle)).unwrap();
        let twice = run(&host.svc, &create_args("c1", &bundle)).unwrap_err();
        assert_eq!(twice.kind, ErrorKind::AlreadyExists, "{twice}");
    }

    #[test]
    fn a_failed_create_leaves_nothing_behind() {
        let host = TestHost::new();
        let bundle = host.bundle("b", &["fail-create"]);
        let err = run(&host.svc, &create_args("c1", &bundle)).unwrap_err();
        assert!(err.to_string().contains("asked create to fail"), "{err}");
        assert!(!host.root().join("c1").exists());
        assert!(host.kept("c1").is_none());
    }

    #[test]
    fn an_annotation_naming_a_missing_backend_fails_cleanly() {
        let host = TestHost::new();
        let bundle = host.bundle_with(
            "b",
            json!({"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0}}),
            json!({"io.proxmox-lxcri.backend": "nowhere"}),
        );
        let err = run(&host.svc, &create_args("c1", &bundle)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unavailable, "{err}");
        assert!(err.to_string().contains("nowhere"), "{err}");
        assert!(!host.root().join("c1").exists());
    }
}
