//! `delete [--force] ID`: remove a stopped (or, forced, any) container. Forced, it also
//! removes what a damaged or half-made container dir leaves (see `state::inspect`):
//! each backend that may hold resources for the id removes them, looking them up by id
//! itself; and a backend's resources for an id that has no dir here at all.

use crate::args::delete::DeleteArgs;
use lxcri_plugin_api::{ErrorKind, types::Status};

use crate::{
    backend::BackendHandle,
    error::{HostError, Result},
    routing,
    services::Services,
    state::{
        Locked, Store,
        inspect::{Entry, inspect},
    },
};

pub fn run(svc: &Services, args: &DeleteArgs) -> Result<i32> {
    let store = svc.store();
    crate::state::id::validate(&args.id)?;
    if !store.dir(&args.id).exists() {
        if svc.backend_flag.is_some() {
            // A container whose local state was lost: find it again in the named backend.
            match super::container::Opened::open(svc, &args.id) {
                Ok(found) => drop(found),
                Err(e) if args.force && e.kind == ErrorKind::NotFound => return Ok(0),
                Err(e) => return Err(e),
            }
        } else if args.force {
            return remove_unrecorded(svc, &store, &args.id);
        }
    }
    let locked = match store.lock_or_repair(&args.id) {
        // Like runc: a forced delete of a container that is already gone succeeds.
        Err(e) if args.force && e.kind == ErrorKind::NotFound => return Ok(0),
        other => other?,
    };
    let record = match inspect(&store, &args.id) {
        Entry::Sound(record) => record,
        Entry::Damaged { reason, .. } if !args.force => {
            return Err(HostError::conflict(format!(
                "container '{}' is damaged: {reason}",
                args.id
            ))
            .hint("remove it with `delete --force`"));
        }
        Entry::Damaged { backends, reason } => {
            tracing::info!("removing damaged container '{}': {reason}", args.id);
            return remove_damaged(svc, locked, &args.id, &backends);
        }
    };
    if record.status == Status::Creating && !args.force {
        return Err(HostError::conflict(format!(
            "container '{}' is incomplete (its create was interrupted)",
            args.id
        ))
        .hint("remove it with `delete --force`"));
    }
    routing::for_existing(&args.id, &record.backend, svc.backend_flag())?;
    let backend = match BackendHandle::open(svc, &record.backend) {
        Ok(b) => b,
        Err(e) if args.force => {
            tracing::warn!(
                "backend {} is not available ({e}); removing the record of '{}' only",
                record.backend,
                args.id
            );
            locked.remove()?;
            return Ok(0);
        }
        Err(e) => return Err(e),
    };
    let dir = locked.plugin_dir(&record.backend)?;
    match backend.delete(&args.id, &dir, args.force) {
        Ok(()) => {}
        Err(e) if e.kind == ErrorKind::NotFound => {
            tracing::info!(
                "backend {} no longer knows '{}': {e}",
                record.backend,
                args.id
            );
        }
        Err(e) => return Err(e),
    }
    crate::crash_point::here("delete:backend-gone");
    locked.remove()?;
    Ok(0)
}

/// Asks each backend that may hold resources for `id` to remove them, then removes the
/// dir. A backend that is not installed is named in a warning.
fn remove_damaged(svc: &Services, locked: Locked, id: &str, backends: &[String]) -> Result<i32> {
    for name in backends {
        let backend = match BackendHandle::open(svc, name) {
            Ok(b) => b,
            Err(e) => {
                if svc.registry.backend_plugin(name).is_ok() {
                    return Err(e);
                }
                tracing::debug!("{name} in the dir of {id} is not a backend: {e}");
                continue;
            }
        };
        let dir = locked.plugin_dir(name)?;
        match backend.delete(id, &dir, true) {
            Ok(()) => {}
            Err(e) if e.kind == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    locked.remove()?;
    Ok(0)
}

/// `delete --force` of an id without a dir here: the routed backend removes what it
/// still holds for it (a dir removed by hand, a record lost). Nothing there is success,
/// as in runc.
fn remove_unrecorded(svc: &Services, store: &Store, id: &str) -> Result<i32> {
    let annotations = Default::default();
    let (name, _) = routing::for_new(id, None, &annotations, &svc.config);
    let Ok(backend) = BackendHandle::open(svc, name) else {
        return Ok(0);
    };
    let locked = match store.reserve(id) {
        Ok(l) => l,
        // Made meanwhile by another command: not ours to remove.
        Err(e) if e.kind == ErrorKind::AlreadyExists => return Ok(0),
        Err(e) => return Err(e),
    };
    let dir = locked.plugin_dir(name)?;
    let removed = backend.delete(id, &dir, true);
    locked.remove()?;
    match removed {
        Ok(()) => {
            tracing::info!("removed what backend {name} held for '{id}', which had no record");
            Ok(0)
        }
        Err(e) if e.kind == ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::delete::DeleteArgs, testing::TestHost};

    fn delete(host: &TestHost, id: &str, force: bool) -> crate::error::Result<i32> {
        run(
            &host.svc,
            &DeleteArgs {
                force,
                id: id.into(),
            },
        )
    }

    #[test]
    fn a_running_container_needs_force() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let err = delete(&host, "c1", false).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert!(host.kept("c1").is_some());
        delete(&host, "c1", true).unwrap();
        assert!(host.kept("c1").is_none());
        assert!(!host.root().join("c1").exists());
    }

    #[test]
    fn a_stopped_container_goes_and_a_forced_delete_of_nothing_succeeds() {
        let host = TestHost::new();
        host.running("c1", &["exit", "0"]);
        delete(&host, "c1", false).unwrap();
        assert!(!host.root().join("c1").exists());
        assert_eq!(
            delete(&host, "c1", false).unwrap_err().kind,
            ErrorKind::NotFound
        );
        assert_eq!(delete(&host, "c1", true).unwrap(), 0);
    }

    #[test]
    fn a_damaged_container_needs_force_and_then_goes_with_its_backend_state() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        std::fs::write(host.root().join("c1/state.json"), b"{not json").unwrap();
        let err = delete(&host, "c1", false).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        delete(&host, "c1", true).unwrap();
        assert!(host.kept("c1").is_none());
        assert!(!host.root().join("c1").exists());
    }
}
