//! run: `crun run [--detach] --bundle B --pid-file F ID`, stdio inherited: one crun
//! process creates and starts the container and, attached, waits for it and removes it.

use lxcri_plugin_api::{
    Container, PluginError,
    ops::{RunReply, RunRequest},
    types::{BackendState, Status},
};

use crate::runner::Crun;

pub fn run(crun: &Crun, req: &RunRequest) -> Result<RunReply, PluginError> {
    let c = Container {
        id: &req.id,
        dir: &req.dir,
    };
    super::create::check_free(crun, c)?;
    let own_pid_file = c.dir.join("init.pid");
    let pid_file = match (&req.pid_file, req.detach) {
        (Some(caller), false) => caller.clone(),
        _ => own_pid_file.clone(),
    };
    let mut args = super::create::arguments(&req.create, &pid_file);
    if req.detach {
        args.push("--detach".into());
    }
    args.push(c.id.to_string());
    let code = crun.attached("run", c.dir, &args)?;
    if !req.detach {
        return Ok(RunReply {
            state: None,
            exit_code: Some(code),
        });
    }
    if code != 0 {
        return Err(PluginError::backend(format!("crun run exited with {code}")));
    }
    Ok(RunReply {
        state: Some(BackendState {
            status: Status::Running,
            pid: Some(super::read_pid(&own_pid_file)?),
            private: serde_json::Value::Null,
        }),
        exit_code: None,
    })
}
