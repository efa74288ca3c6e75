//! `delete [--force] ID`: remove a stopped (or, forced, any) container, including one
//! left half-made by an interrupted create.

use lxcri_plugin_api::{ErrorKind, types::Status};

use crate::{
    app::App,
    backend::BackendHandle,
    error::{HostError, Result},
    routing,
    state::Store,
};

#[derive(Debug, Clone, clap::Args)]
pub struct DeleteArgs {
    /// Kill the container first if it is running, and remove leftovers of a failed create.
    #[arg(long, short = 'f')]
    pub force: bool,
    pub id: String,
}

pub fn run(app: &App, args: &DeleteArgs) -> Result<i32> {
    let store = Store::new(app.root());
    crate::state::id::validate(&args.id)?;
    if !store.dir(&args.id).exists() && app.global.backend.is_some() {
        // A container whose local state was lost: find it again in the named backend.
        match super::container::Opened::open(app, &args.id) {
            Ok(found) => drop(found),
            Err(e) if args.force && e.kind == ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        }
    }
    let locked = match store.lock(&args.id) {
        // Like runc: a forced delete of a container that is already gone succeeds.
        Err(e) if args.force && e.kind == ErrorKind::NotFound => return Ok(0),
        other => other?,
    };
    let incomplete = HostError::conflict(format!(
        "container '{}' is incomplete (its create was interrupted)",
        args.id
    ))
    .hint("remove it with `delete --force`");
    let Some(record) = locked.read()? else {
        if !args.force {
            return Err(incomplete);
        }
        locked.remove()?;
        return Ok(0);
    };
    if record.status == Status::Creating && !args.force {
        return Err(incomplete);
    }
    routing::for_existing(&args.id, &record.backend, app.global.backend.as_deref())?;
    let backend = BackendHandle::open(app, &record.backend)?;
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
    locked.remove()?;
    Ok(0)
}
