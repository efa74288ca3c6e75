//! `state`: runtime-spec state JSON.

use super::container::{Opened, oci_state};
use crate::{app::App, error::Result};

#[derive(Debug, Clone, clap::Args)]
pub struct StateArgs {
    pub id: String,
}

pub fn run(app: &App, args: &StateArgs) -> Result<i32> {
    let mut c = Opened::open(app, &args.id)?;
    c.refresh()?;
    let text = serde_json::to_string_pretty(&oci_state(&c.record)).unwrap_or_default();
    println!("{text}");
    Ok(0)
}
