//! Arguments of `generate man|completions`.

use clap_complete::Shell;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Generate {
    /// Write proxmox-lxcri.1 and one page per command (proxmox-lxcri-create.1, …) to DIR.
    Man {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Write the completion script for SHELL to DIR (default: stdout).
    Completions {
        #[arg(value_enum)]
        shell: Shell,
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}
