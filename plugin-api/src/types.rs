//! JSON documents exchanged through the ABI. They may gain fields within 1.x: every
//! new field has a default, and unknown fields are ignored.

use std::{collections::BTreeMap, fmt, path::PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Runtime-spec container status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Paused,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `create` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateRequest {
    /// Absolute bundle path.
    pub bundle: PathBuf,
    /// The bundle's `config.json` exactly as read (the host validated it parses as an
    /// OCI spec); pass it on untouched.
    pub config: Value,
    /// Socket to send the pty master to (`process.terminal`).
    pub console_socket: Option<PathBuf>,
    pub no_pivot: bool,
    pub no_new_keyring: bool,
    pub preserve_fds: u32,
}

/// What a backend reports about a container. The host writes `--pid-file` from `pid`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackendState {
    pub status: Status,
    /// Host pid of the container's init, when there is one.
    #[serde(default)]
    pub pid: Option<i32>,
    /// Backend-private data, stored by the host in the container's state.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub private: Value,
}

/// `exec` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecRequest {
    /// An OCI `process` object.
    pub process: Value,
    pub detach: bool,
    pub console_socket: Option<PathBuf>,
    pub preserve_fds: u32,
}

/// `exec` result: the exec'd process pid (detached) or its exit code (attached). The
/// host writes `--pid-file` from `pid`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecResult {
    pub pid: Option<i32>,
    pub exit_code: Option<i32>,
    /// Output of an attached process whose backend collects it (instead of wiring
    /// the process to the caller's stdio); the host prints it.
    pub stdout: Option<String>,
    pub stderr: Option<String>,
}

/// One container in a backend's `list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListEntry {
    pub id: String,
    pub status: Status,
    #[serde(default)]
    pub pid: Option<i32>,
}

/// `checkpoint` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckpointRequest {
    pub image_path: Option<PathBuf>,
    pub name: Option<String>,
    pub leave_running: bool,
}

/// `restore` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RestoreRequest {
    pub image_path: Option<PathBuf>,
    pub name: Option<String>,
    pub bundle: Option<PathBuf>,
}

/// Argument values of a contributed command, keyed by `ArgSpec::name`.
pub type CommandArgs = BTreeMap<String, Value>;

/// Output of a contributed command: what to print and the exit code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandOutput {
    pub stdout: String,
    pub exit_code: i32,
}

impl CommandOutput {
    /// Success with `stdout`.
    pub fn text(stdout: impl Into<String>) -> Self {
        Self {
            stdout: stdout.into(),
            exit_code: 0,
        }
    }
}
