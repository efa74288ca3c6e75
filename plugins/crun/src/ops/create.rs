//! create: `crun create --bundle B --pid-file <dir>/init.pid ID`, stdio inherited.

use std::path::Path;

use lxcri_plugin_api::{
    Container, PluginError,
    types::{BackendState, CreateRequest, Status},
};

use crate::runner::Crun;

/// Fails when crun cannot take container `c` here: its root cannot be made, or it
/// holds a container of that id already.
pub fn check_free(crun: &Crun, c: Container<'_>) -> Result<(), PluginError> {
    std::fs::create_dir_all(crun.root()).map_err(|e| {
        PluginError::backend(format!(
            "cannot create crun root {}: {e}",
            crun.root().display()
        ))
    })?;
    if crun.root().join(c.id).exists() {
        // Found before crun runs: crun itself would print its own error as well.
        return Err(PluginError::already_exists(format!(
            "crun still holds a container '{}' that has no record here",
            c.id
        ))
        .with_hint(format!("`delete --force {}` removes it", c.id)));
    }
    Ok(())
}

/// The options of `crun create` and `crun run` for `req`, with the pid going to
/// `pid_file` (the id comes last, after any other option).
pub fn arguments(req: &CreateRequest, pid_file: &Path) -> Vec<String> {
    let mut args = vec![
        "--bundle".to_string(),
        req.bundle.display().to_string(),
        "--pid-file".to_string(),
        pid_file.display().to_string(),
    ];
    if let Some(socket) = &req.console_socket {
        args.push(format!("--console-socket={}", socket.display()));
    }
    if req.no_pivot {
        args.push("--no-pivot".into());
    }
    if req.no_new_keyring {
        args.push("--no-new-keyring".into());
    }
    if req.preserve_fds > 0 {
        args.push(format!("--preserve-fds={}", req.preserve_fds));
    }
    args
}

pub fn create(
    crun: &Crun,
    c: Container<'_>,
    req: &CreateRequest,
) -> Result<BackendState, PluginError> {
    check_free(crun, c)?;
    let pid_file = c.dir.join("init.pid");
    let mut args = arguments(req, &pid_file);
    args.push(c.id.to_string());
    let code = crun.attached("create", c.dir, &args)?;
    if code != 0 {
        return Err(PluginError::backend(format!(
            "crun create exited with {code}"
        )));
    }
    let pid = super::read_pid(&pid_file)?;
    Ok(BackendState {
        status: Status::Created,
        pid: Some(pid),
        private: serde_json::Value::Null,
    })
}
