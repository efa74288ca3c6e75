//! `proxmox-lxcri version`.

use crate::{app::version_text, error::Result};

pub fn run() -> Result<i32> {
    print!("{}", version_text());
    Ok(0)
}
