//! The bundle's rootfs as a CT template: a deterministic `tar.zst` (sorted entries,
//! mtimes zeroed) named by the SHA-256 of its tar stream, so an identical rootfs
//! reuses the template already uploaded.

use std::{fs, io::Cursor, os::unix::fs::FileTypeExt, path::Path};

use lxcri_plugin_api::PluginError;
use lxcri_pve_client::{Pve, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tar::{EntryType, Header, HeaderMode};

/// A template volume for the create.
#[derive(Debug, Clone)]
pub struct Template {
    pub volid: String,
}

fn io_err(path: &Path, e: std::io::Error) -> PluginError {
    PluginError::backend(format!("cannot pack {}: {e}", path.display()))
}

fn append_tree(b: &mut tar::Builder<Vec<u8>>, root: &Path, rel: &Path) -> Result<(), PluginError> {
    let dir = root.join(rel);
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .map_err(|e| io_err(&dir, e))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = rel.join(entry.file_name());
        let meta = fs::symlink_metadata(&path).map_err(|e| io_err(&path, e))?;
        let mut h = Header::new_gnu();
        h.set_metadata_in_mode(&meta, HeaderMode::Complete);
        h.set_mtime(0);
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(&path).map_err(|e| io_err(&path, e))?;
            h.set_entry_type(EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, &name, &target)
                .map_err(|e| io_err(&path, e))?;
        } else if ft.is_dir() {
            h.set_size(0);
            b.append_data(&mut h, &name, std::io::empty())
                .map_err(|e| io_err(&path, e))?;
            append_tree(b, root, &name)?;
        } else if ft.is_file() {
            let file = fs::File::open(&path).map_err(|e| io_err(&path, e))?;
            b.append_data(&mut h, &name, file)
                .map_err(|e| io_err(&path, e))?;
        } else if ft.is_socket() || ft.is_fifo() || ft.is_block_device() || ft.is_char_device() {
            tracing::warn!("skipping special file {} in the rootfs", name.display());
        }
    }
    Ok(())
}

/// Packs `rootfs`: (zstd-compressed tar, hex SHA-256 of the tar stream).
pub fn pack(rootfs: &Path) -> Result<(Vec<u8>, String), PluginError> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    append_tree(&mut builder, rootfs, Path::new("."))?;
    let tar = builder.into_inner().map_err(|e| io_err(rootfs, e))?;
    let digest: String = Sha256::digest(&tar)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let compressed =
        zstd::stream::encode_all(Cursor::new(tar), 3).map_err(|e| io_err(rootfs, e))?;
    Ok((compressed, digest))
}

#[derive(Deserialize)]
struct Content {
    volid: String,
}

/// Reuses the template for `rootfs` if `storage` on `node` has it, else uploads it.
pub fn ensure(
    pve: &Pve,
    node: &str,
    storage: &str,
    rootfs: &Path,
) -> Result<Template, PluginError> {
    let (data, digest) = pack(rootfs)?;
    let file = format!("lxcri-{}.tar.zst", &digest[..16]);
    let volid = format!("{storage}:vztmpl/{file}");
    let existing: Vec<Content> = pve.get(
        &format!("/nodes/{node}/storage/{storage}/content"),
        params![("content", "vztmpl")],
    )?;
    if existing.iter().any(|c| c.volid == volid) {
        tracing::debug!("reusing template {volid}");
        return Ok(Template { volid });
    }
    tracing::info!("uploading template {volid} ({} bytes)", data.len());
    // Uploading is idempotent (the same content under the same name; Proxmox
    // overwrites: fact 9), so a lost answer is answered by uploading again.
    let mut tries = 0;
    loop {
        match pve.upload(node, storage, "vztmpl", &file, data.clone()) {
            Ok(_) => return Ok(Template { volid }),
            Err(e) if e.is_lost() && tries < 3 => tries += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_trees_pack_to_the_same_digest() {
        let a = std::env::temp_dir().join(format!("lxcri-pack-a-{}", std::process::id()));
        let b = std::env::temp_dir().join(format!("lxcri-pack-b-{}", std::process::id()));
        for dir in [&a, &b] {
            fs::create_dir_all(dir.join("bin")).unwrap();
            fs::write(dir.join("bin/x"), b"hello").unwrap();
            let _ = std::os::unix::fs::symlink("x", dir.join("bin/y"));
        }
        let (_, da) = pack(&a).unwrap();
        let (_, db) = pack(&b).unwrap();
        assert_eq!(da, db);
        fs::write(b.join("bin/x"), b"changed").unwrap();
        assert_ne!(pack(&b).unwrap().1, da);
        let _ = fs::remove_dir_all(&a);
        let _ = fs::remove_dir_all(&b);
    }
}
