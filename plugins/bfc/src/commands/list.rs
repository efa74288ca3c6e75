//! `bfc list [--long] [--json] ARCHIVE [PREFIX]`.

use std::fmt::Write as _;

use lxcri_plugin_api::{PluginError, types::CommandOutput};
use serde_json::json;

use super::{
    Args,
    info::{kind_name, mode_string},
};
use crate::layout::Entry;

fn under(e: &Entry, prefix: Option<&str>) -> bool {
    prefix.is_none_or(|p| {
        let p = p.trim_end_matches('/');
        e.path == p || e.path.starts_with(&format!("{p}/"))
    })
}

pub fn run(args: &Args) -> Result<CommandOutput, PluginError> {
    let archive = crate::reader::Archive::open(&args.path("archive")?)?;
    let entries: Vec<&Entry> = archive
        .entries
        .iter()
        .filter(|e| under(e, args.str("prefix")))
        .collect();
    let mut out = String::new();
    if args.flag("json") {
        let list: Vec<_> = entries
            .iter()
            .map(|e| json!({
                "path": e.path, "type": kind_name(e), "mode": format!("{:o}", e.mode & 0o7777),
                "size": e.orig_size, "mtime": e.mtime_ns / 1_000_000_000,
                "compressed": e.comp != 0, "encrypted": e.enc != 0, "crc32c": format!("0x{:08x}", e.crc),
            }))
            .collect();
        out = serde_json::to_string_pretty(&list).unwrap_or_default() + "\n";
    } else {
        for e in entries {
            if args.flag("long") {
                let _ = writeln!(
                    out,
                    "{} {:>10} {:>12} 0x{:08x} {}",
                    mode_string(e),
                    e.orig_size,
                    e.mtime_ns / 1_000_000_000,
                    e.crc,
                    e.path
                );
            } else {
                let _ = writeln!(out, "{}", e.path);
            }
        }
    }
    Ok(CommandOutput::text(out))
}
