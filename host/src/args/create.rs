//! Arguments of `create`.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    /// Bundle directory (holds config.json).
    #[arg(long, short = 'b', default_value = ".", value_name = "DIR")]
    pub bundle: PathBuf,
    /// Write the container's init pid here.
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Unix socket to receive the console pty master.
    #[arg(long, value_name = "SOCKET")]
    pub console_socket: Option<PathBuf>,
    /// Do not use pivot_root (passed to the backend).
    #[arg(long)]
    pub no_pivot: bool,
    /// Do not create a new session keyring (passed to the backend).
    #[arg(long)]
    pub no_new_keyring: bool,
    /// Pass this many extra file descriptors (3 and up) to the container.
    #[arg(long, default_value_t = 0)]
    pub preserve_fds: u32,
    /// Container id.
    pub id: String,
}
