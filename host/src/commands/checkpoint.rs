//! `checkpoint ID`: the backend's checkpoint operation.

use std::path::PathBuf;

use serde_json::json;

use super::container::Opened;
use crate::{app::App, error::Result};

#[derive(Debug, Clone, clap::Args)]
pub struct CheckpointArgs {
    /// Where the checkpoint image goes.
    #[arg(long, value_name = "DIR")]
    pub image_path: Option<PathBuf>,
    /// Keep the container running afterwards.
    #[arg(long)]
    pub leave_running: bool,
    /// Checkpoint name.
    #[arg(long)]
    pub name: Option<String>,
    pub id: String,
}

pub fn run(app: &App, args: &CheckpointArgs) -> Result<i32> {
    let c = Opened::open(app, &args.id)?;
    let request = json!({
        "image_path": args.image_path,
        "name": args.name,
        "leave_running": args.leave_running,
    });
    let out = c.backend.checkpoint(&args.id, &c.plugin_dir()?, &request)?;
    if !out.is_null() {
        println!("{out}");
    }
    Ok(0)
}
