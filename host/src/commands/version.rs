//! `proxmox-lxcri version`.

use std::io::Write;

use super::output;
use crate::{error::Result, version::version_text};

pub fn run(out: &mut dyn Write) -> Result<i32> {
    write!(out, "{}", version_text()).map_err(output)?;
    Ok(0)
}
