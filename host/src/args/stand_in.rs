//! Arguments of `stand-in` (hidden; started by `create`).

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct StandInArgs {
    /// Write `ready` to this fd once waiting for `start`.
    #[arg(long, value_name = "FD")]
    pub ready_fd: i32,
    /// Unix socket to send the pty master to.
    #[arg(long, value_name = "SOCKET")]
    pub console_socket: Option<PathBuf>,
    /// Stand for this exec'd process (a JSON file, removed once read).
    #[arg(long, value_name = "FILE")]
    pub exec: Option<PathBuf>,
    /// Container id.
    pub id: String,
}
