//! `memory`: a backend linked into the test binary and registered through the same ABI
//! objects as a loaded file's. It keeps each container as one JSON file in its private
//! dir and runs no process. The bundle's process decides what happens:
//! - `exit N`: the process ends with status N as soon as it starts;
//! - `fail-create`: create fails after writing its file (a half-made container);
//! - anything else runs until a signal stops it (status 128+signal).
//!
//! Exec'd `echo WORDS` prints them, `exit N` ends with N. Everything a command asked
//! for is kept in the file, so tests read back what reached the backend.

use std::{fs, path::PathBuf};

use lxcri_plugin_api::{
    BackendPlugin, Container, PluginContext, PluginError, PluginInfo, PluginModRef, capability,
    doctor::{Check, DOCTOR_OP},
    ops::{self, Operation, Run, RunReply, RunRequest},
    types::{BackendState, CreateRequest, ExecRequest, ExecResult, ListEntry, Status},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The backend's name.
pub const NAME: &str = "memory";
/// The same backend, declaring that it runs in one step (capability `run`).
pub const ONE_STEP: &str = "memory-run";
/// The pid `ps` reports for a running container (no process runs).
pub const PID: i32 = 4242;
const FILE: &str = "memory.json";

/// What the backend keeps of one container.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kept {
    pub status: Status,
    pub args: Vec<String>,
    pub bundle: PathBuf,
    pub console_socket: Option<PathBuf>,
    pub exit_code: Option<i32>,
    pub signals: Vec<(i32, bool)>,
    pub resources: Option<Value>,
    pub execs: Vec<Value>,
}

/// What the backend keeps of container `id` under state root `root`.
pub fn kept(root: &std::path::Path, id: &str) -> Option<Kept> {
    let raw = fs::read(root.join(id).join(NAME).join(FILE)).ok()?;
    serde_json::from_slice(&raw).ok()
}

struct Memory {
    root: PathBuf,
}

fn load(c: Container<'_>) -> Result<Kept, PluginError> {
    let raw = fs::read(c.dir.join(FILE))
        .map_err(|_| PluginError::not_found(format!("container '{}' does not exist", c.id)))?;
    serde_json::from_slice(&raw).map_err(|e| PluginError::internal(e.to_string()))
}

fn save(c: Container<'_>, kept: &Kept) -> Result<(), PluginError> {
    let raw = serde_json::to_vec(kept).map_err(|e| PluginError::internal(e.to_string()))?;
    fs::write(c.dir.join(FILE), raw).map_err(|e| PluginError::backend(e.to_string()))
}

fn args_of(process: &Value) -> Vec<String> {
    process["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn exit_code(args: &[String]) -> Option<i32> {
    match args {
        [first, code, ..] if first == "exit" => code.parse().ok(),
        _ => None,
    }
}

impl BackendPlugin for Memory {
    fn create(&self, c: Container<'_>, req: CreateRequest) -> Result<BackendState, PluginError> {
        let args = args_of(&req.config["process"]);
        let kept = Kept {
            status: Status::Created,
            bundle: req.bundle,
            console_socket: req.console_socket,
            exit_code: None,
            signals: Vec::new(),
            resources: None,
            execs: Vec::new(),
            args,
        };
        save(c, &kept)?;
        if kept.args.first().is_some_and(|a| a == "fail-create") {
            return Err(PluginError::backend("the process asked create to fail"));
        }
        self.state(c)
    }

    fn start(&self, c: Container<'_>) -> Result<(), PluginError> {
        let mut kept = load(c)?;
        if kept.status != Status::Created {
            return Err(PluginError::conflict(format!(
                "'{}' is {}",
                c.id, kept.status
            )));
        }
        kept.status = Status::Running;
        if let Some(code) = exit_code(&kept.args) {
            kept.status = Status::Stopped;
            kept.exit_code = Some(code);
        }
        save(c, &kept)
    }

    fn state(&self, c: Container<'_>) -> Result<BackendState, PluginError> {
        let kept = load(c)?;
        Ok(BackendState {
            status: kept.status,
            pid: None,
            private: kept
                .exit_code
                .map(|code| json!({"exit_code": code}))
                .unwrap_or(Value::Null),
        })
    }

    fn kill(&self, c: Container<'_>, signal: i32, all: bool) -> Result<(), PluginError> {
        let mut kept = load(c)?;
        kept.signals.push((signal, all));
        if signal != 0 && kept.status != Status::Stopped {
            kept.status = Status::Stopped;
            kept.exit_code = Some(128 + signal);
        }
        save(c, &kept)
    }

    fn delete(&self, c: Container<'_>, force: bool) -> Result<(), PluginError> {
        let kept = load(c)?;
        if !force && matches!(kept.status, Status::Running | Status::Paused) {
            return Err(PluginError::conflict(format!(
                "container '{}' is {}",
                c.id, kept.status
            )));
        }
        fs::remove_file(c.dir.join(FILE)).map_err(|e| PluginError::backend(e.to_string()))
    }

    fn list(&self) -> Result<Vec<ListEntry>, PluginError> {
        let mut found = Vec::new();
        for entry in fs::read_dir(&self.root).into_iter().flatten().flatten() {
            let id = entry.file_name().to_string_lossy().into_owned();
            if let Some(kept) = kept(&self.root, &id) {
                found.push(ListEntry {
                    id,
                    status: kept.status,
                    pid: None,
                });
            }
        }
        Ok(found)
    }

    fn exec(&self, c: Container<'_>, req: ExecRequest) -> Result<ExecResult, PluginError> {
        let mut kept = load(c)?;
        if kept.status != Status::Running {
            return Err(PluginError::conflict(format!(
                "'{}' is {}",
                c.id, kept.status
            )));
        }
        let args = args_of(&req.process);
        kept.execs.push(req.process);
        save(c, &kept)?;
        let mut result = ExecResult::default();
        match args.first().map(String::as_str) {
            Some("echo") => {
                result.stdout = Some(format!("{}\n", args[1..].join(" ")));
                result.exit_code = Some(0);
            }
            _ => result.exit_code = Some(exit_code(&args).unwrap_or(0)),
        }
        Ok(result)
    }

    fn ps(&self, c: Container<'_>) -> Result<Vec<i32>, PluginError> {
        let kept = load(c)?;
        Ok(match kept.status {
            Status::Running | Status::Paused => vec![PID],
            _ => Vec::new(),
        })
    }

    fn pause(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.transition(c, Status::Running, Status::Paused)
    }

    fn resume(&self, c: Container<'_>) -> Result<(), PluginError> {
        self.transition(c, Status::Paused, Status::Running)
    }

    fn update(&self, c: Container<'_>, resources: Value) -> Result<(), PluginError> {
        let mut kept = load(c)?;
        kept.resources = Some(resources);
        save(c, &kept)
    }

    fn stats(&self, c: Container<'_>) -> Result<Value, PluginError> {
        let kept = load(c)?;
        let running = matches!(kept.status, Status::Running | Status::Paused);
        Ok(json!({"pids": {"current": u32::from(running)}}))
    }

    fn features(&self) -> Result<Value, PluginError> {
        Ok(json!({"linux": {"namespaces": ["pid", "mount"]}}))
    }

    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        match op {
            Run::NAME => {
                let req = ops::request::<Run>(req)?;
                ops::reply::<Run>(self.run(req)?)
            }
            DOCTOR_OP => Ok(json!([Check {
                name: "memory".into(),
                ok: true,
                detail: "linked into this program".into(),
                fix: None,
            }])),
            _ => Err(PluginError::unsupported(format!("no operation {op}"))),
        }
    }
}

impl Memory {
    /// Create and start in one step; attached, the process must end by itself (`exit
    /// N`), and the container is removed.
    fn run(&self, req: RunRequest) -> Result<RunReply, PluginError> {
        let c = Container {
            id: &req.id,
            dir: &req.dir,
        };
        self.create(c, req.create)?;
        self.start(c)?;
        if req.detach {
            return Ok(RunReply {
                state: Some(self.state(c)?),
                exit_code: None,
            });
        }
        let kept = load(c)?;
        let Some(code) = kept.exit_code else {
            self.delete(c, true)?;
            return Err(PluginError::conflict(
                "an attached run needs a process that ends",
            ));
        };
        self.delete(c, true)?;
        Ok(RunReply {
            state: None,
            exit_code: Some(code),
        })
    }

    fn transition(&self, c: Container<'_>, from: Status, to: Status) -> Result<(), PluginError> {
        let mut kept = load(c)?;
        if kept.status != from {
            return Err(PluginError::conflict(format!(
                "'{}' is {}",
                c.id, kept.status
            )));
        }
        kept.status = to;
        save(c, &kept)
    }
}

const CAPABILITIES: &[&str] = &[
    capability::LIST,
    capability::EXEC,
    capability::PS,
    capability::PAUSE,
    capability::RESUME,
    capability::UPDATE,
    capability::EVENTS,
    capability::FEATURES,
];

fn info() -> PluginInfo {
    PluginInfo::backend(NAME, "1.0.0", "in-process test backend").with_capabilities(CAPABILITIES)
}

fn one_step_info() -> PluginInfo {
    PluginInfo::backend(
        ONE_STEP,
        "1.0.0",
        "in-process test backend that runs in one step",
    )
    .with_capabilities(&[CAPABILITIES, &[capability::RUN]].concat())
}

/// The root module, as a loaded file would export it.
pub fn module() -> PluginModRef {
    lxcri_plugin_api::plugin_module! {
        info: info,
        backend: |ctx: &PluginContext| Ok(Memory { root: PathBuf::from(ctx.root_dir.as_str()) }),
    }
}

/// The root module of the one-step variant.
pub fn one_step_module() -> PluginModRef {
    lxcri_plugin_api::plugin_module! {
        info: one_step_info,
        backend: |ctx: &PluginContext| Ok(Memory { root: PathBuf::from(ctx.root_dir.as_str()) }),
    }
}
