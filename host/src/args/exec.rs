//! Arguments of `exec`.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct ExecArgs {
    /// OCI process JSON file (replaces the command line).
    #[arg(long, short = 'p', value_name = "FILE")]
    pub process: Option<PathBuf>,
    /// Return once the process started.
    #[arg(long, short = 'd')]
    pub detach: bool,
    /// Write the process pid here.
    #[arg(long, value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Unix socket to receive the console pty master.
    #[arg(long, value_name = "SOCKET")]
    pub console_socket: Option<PathBuf>,
    /// Allocate a pseudo-terminal.
    #[arg(long, short = 't')]
    pub tty: bool,
    /// Working directory inside the container.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// Extra environment variable (repeatable).
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// User as UID[:GID].
    #[arg(long, short = 'u', value_name = "UID[:GID]")]
    pub user: Option<String>,
    /// Extra file descriptors to pass.
    #[arg(long, default_value_t = 0)]
    pub preserve_fds: u32,
    pub id: String,
    /// Command and arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}
