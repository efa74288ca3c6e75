//! The local stand-in of a remote container (a convention over the module-level
//! `call`, not part of the ABI).
//!
//! Callers of a runc-compatible runtime watch the pid that `create --pid-file` reports
//! as a local process that is the container: they read its exit status and hand it
//! the container's stdio. A backend whose containers run elsewhere (a Proxmox guest)
//! declares [`crate::capability::STAND_IN`]; after its `create` succeeds the host
//! starts `proxmox-lxcri stand-in ID` as a child with the caller's stdio, and that
//! process calls the backend's [`STAND_IN_OP`] for the life of the container: the
//! backend mirrors the remote process there (stdio, signals, exit status) and
//! answers with its exit status, which the stand-in exits with. A detached `exec`
//! gets a stand-in of its own, for the process it runs.

use serde::{Deserialize, Serialize};

/// The operation the stand-in process calls; it returns when the container's process
/// has ended.
pub const STAND_IN_OP: &str = "stand-in";

/// What the stand-in hands the backend.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StandInRequest {
    /// The container id and its private dir.
    pub id: String,
    pub dir: String,
    /// A pipe to write one line `ready` to once the stand-in is recorded and waits for
    /// `start` (the host's `create` waits for it).
    pub ready_fd: i32,
    /// Where to send the pty master when the container has a terminal.
    #[serde(default)]
    pub console_socket: Option<String>,
    /// For an exec: a file (mode 0600, removed once read) holding the OCI process to
    /// run in the container; the stand-in then stands for that process.
    #[serde(default)]
    pub exec: Option<String>,
}

/// How the container's process ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StandInReply {
    /// Its exit status: the exit code, or 128 + n for signal n.
    pub exit_code: i32,
}
