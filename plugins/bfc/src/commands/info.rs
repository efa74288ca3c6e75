//! `bfc info [--json] ARCHIVE [PATH]`.

use lxcri_plugin_api::{PluginError, types::CommandOutput};
use serde_json::json;

use super::Args;
use crate::layout::{Entry, Kind};

pub fn kind_name(e: &Entry) -> &'static str {
    match e.kind() {
        Kind::File => "file",
        Kind::Dir => "dir",
        Kind::Symlink => "symlink",
        Kind::Other => "other",
    }
}

pub fn mode_string(e: &Entry) -> String {
    let t = match e.kind() {
        Kind::Dir => 'd',
        Kind::Symlink => 'l',
        _ => '-',
    };
    let bits = "rwxrwxrwx";
    let perm: String = bits
        .chars()
        .enumerate()
        .map(|(i, c)| if e.mode & (0o400 >> i) != 0 { c } else { '-' })
        .collect();
    format!("{t}{perm}")
}

pub fn run(args: &Args) -> Result<CommandOutput, PluginError> {
    let archive = crate::reader::Archive::open(&args.path("archive")?)?;
    let value = match args.str("path") {
        Some(p) => {
            let e = archive
                .find(p.trim_end_matches('/'))
                .ok_or_else(|| PluginError::not_found(format!("no entry {p:?} in the archive")))?;
            json!({
                "path": e.path, "type": kind_name(e), "mode": format!("{:o}", e.mode & 0o7777),
                "size": e.orig_size, "stored_size": e.obj_size - e.content_offset(),
                "compressed": e.comp != 0, "encrypted": e.enc != 0, "crc32c": format!("0x{:08x}", e.crc),
                "object_offset": e.obj_offset, "mtime": e.mtime_ns / 1_000_000_000,
            })
        }
        None => {
            let count = |k: Kind| archive.entries.iter().filter(|e| e.kind() == k).count();
            let size: u64 = archive
                .entries
                .iter()
                .filter(|e| e.kind() == Kind::File)
                .map(|e| e.orig_size)
                .sum();
            let stored: u64 = archive
                .entries
                .iter()
                .filter(|e| e.kind() == Kind::File)
                .map(|e| e.obj_size - e.content_offset())
                .sum();
            json!({
                "entries": archive.entries.len(), "files": count(Kind::File), "dirs": count(Kind::Dir),
                "symlinks": count(Kind::Symlink), "total_size": size, "stored_size": stored,
                "ratio": if size > 0 { stored as f64 / size as f64 } else { 1.0 },
                "encrypted": archive.is_encrypted(),
                "compressed": archive.entries.iter().any(|e| e.comp != 0),
                "archive_size": archive.size,
                "uuid": archive.header.uuid.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            })
        }
    };
    let text = if args.flag("json") {
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    } else {
        value
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}: {}\n",
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(CommandOutput::text(text))
}
