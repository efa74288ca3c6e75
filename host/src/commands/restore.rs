//! `restore ID`: the backend's restore operation.

use std::path::PathBuf;

use serde_json::json;

use super::container::Opened;
use crate::{app::App, error::Result};

#[derive(Debug, Clone, clap::Args)]
pub struct RestoreArgs {
    /// Checkpoint image to restore from.
    #[arg(long, value_name = "DIR")]
    pub image_path: Option<PathBuf>,
    /// Checkpoint name.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, short = 'b', value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    pub id: String,
}

pub fn run(app: &App, args: &RestoreArgs) -> Result<i32> {
    let c = Opened::open(app, &args.id)?;
    let request = json!({
        "image_path": args.image_path,
        "name": args.name,
        "bundle": args.bundle,
    });
    let out = c.backend.restore(&args.id, &c.plugin_dir()?, &request)?;
    if !out.is_null() {
        println!("{out}");
    }
    Ok(0)
}
