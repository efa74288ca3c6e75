//! exec: `crun exec --process FILE [--detach --pid-file F] ID`, stdio inherited.

use lxcri_plugin_api::{
    Container, PluginError,
    types::{ExecRequest, ExecResult},
};

use crate::runner::Crun;

pub fn exec(crun: &Crun, c: Container<'_>, req: &ExecRequest) -> Result<ExecResult, PluginError> {
    let process = tempfile::Builder::new()
        .prefix("exec-process-")
        .suffix(".json")
        .tempfile_in(c.dir)
        .map_err(|e| PluginError::backend(format!("cannot write process file: {e}")))?;
    serde_json::to_writer(process.as_file(), &req.process)
        .map_err(|e| PluginError::backend(format!("cannot write process file: {e}")))?;
    let pid_file = process.path().with_extension("pid");
    let mut args = vec![format!("--process={}", process.path().display())];
    if req.detach {
        args.push("--detach".into());
        args.push(format!("--pid-file={}", pid_file.display()));
    }
    if let Some(socket) = &req.console_socket {
        args.push(format!("--console-socket={}", socket.display()));
    }
    if req.preserve_fds > 0 {
        args.push(format!("--preserve-fds={}", req.preserve_fds));
    }
    args.push(c.id.to_string());
    let code = crun.attached("exec", c.dir, &args)?;
    if req.detach {
        let pid = super::read_pid(&pid_file);
        let _ = std::fs::remove_file(&pid_file);
        return Ok(ExecResult {
            pid: Some(pid?),
            exit_code: Some(code),
            ..Default::default()
        });
    }
    Ok(ExecResult {
        exit_code: Some(code),
        ..Default::default()
    })
}
