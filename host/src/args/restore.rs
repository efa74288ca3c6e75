//! Arguments of `restore`.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct RestoreArgs {
    /// A backend's own checkpoint image.
    #[arg(long, value_name = "DIR")]
    pub image_path: Option<PathBuf>,
    /// Checkpoint (snapshot) name.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, short = 'b', value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    /// Return once the restored container runs (always, for snapshot restores).
    #[arg(long, short = 'd')]
    pub detach: bool,
    pub id: String,
}
