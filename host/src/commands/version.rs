//! `proxmox-lxcri version`.

use std::io::Write;

use super::output;
use crate::{error::Result, version::version_text};

pub fn run(out: &mut dyn Write) -> Result<i32> {
    write!(out, "{}", version_text()).map_err(output)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn prints_the_three_versions() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("proxmox-lxcri version "));
        assert!(
            text.contains("plugin-api: ") && text.contains("spec: 1.0.2"),
            "{text}"
        );
    }
}
