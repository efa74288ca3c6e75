//! Arguments of `checkpoint`.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct CheckpointArgs {
    /// Where a backend's own checkpoint image goes.
    #[arg(long, value_name = "DIR")]
    pub image_path: Option<PathBuf>,
    /// Keep the container running afterwards (always the case for snapshots).
    #[arg(long)]
    pub leave_running: bool,
    /// Checkpoint (snapshot) name; default `checkpoint-<unix time>`.
    #[arg(long)]
    pub name: Option<String>,
    pub id: String,
}
