//! The bundle's rootfs as a CT template: a deterministic `tar.zst` (sorted entries,
//! mtimes zeroed) named by the SHA-256 of its tar stream, so an identical rootfs
//! reuses the template already uploaded.

use std::{fs, io::Write, os::unix::fs::FileTypeExt, path::Path};

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

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Appends the tree under `root` in a fixed order (names sorted at each level).
fn append_tree<W: Write>(b: &mut tar::Builder<W>, root: &Path) -> Result<(), PluginError> {
    for entry in walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| io_err(root, e.into()))?;
        let path = entry.path();
        let name = Path::new(".").join(path.strip_prefix(root).unwrap_or(path));
        let meta = entry.metadata().map_err(|e| io_err(path, e.into()))?;
        let mut h = Header::new_gnu();
        h.set_metadata_in_mode(&meta, HeaderMode::Complete);
        h.set_mtime(0);
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(path).map_err(|e| io_err(path, e))?;
            h.set_entry_type(EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, &name, &target)
                .map_err(|e| io_err(path, e))?;
        } else if ft.is_dir() {
            h.set_size(0);
            b.append_data(&mut h, &name, std::io::empty())
                .map_err(|e| io_err(path, e))?;
        } else if ft.is_file() {
            let file = fs::File::open(path).map_err(|e| io_err(path, e))?;
            b.append_data(&mut h, &name, file)
                .map_err(|e| io_err(path, e))?;
        } else if ft.is_socket() || ft.is_fifo() || ft.is_block_device() || ft.is_char_device() {
            tracing::warn!("skipping special file {} in the rootfs", name.display());
        }
    }
    Ok(())
}

/// Packs `rootfs` as a stream (tar, hashed on the way, into zstd, into a temporary
/// file), so memory stays flat whatever the tree's size: (the `tar.zst` file, hex
/// SHA-256 of the tar stream).
pub fn pack(rootfs: &Path) -> Result<(tempfile::NamedTempFile, String), PluginError> {
    let out = tempfile::NamedTempFile::new().map_err(|e| io_err(rootfs, e))?;
    let file = out.reopen().map_err(|e| io_err(rootfs, e))?;
    let encoder = zstd::stream::Encoder::new(std::io::BufWriter::new(file), 3)
        .map_err(|e| io_err(rootfs, e))?;
    let mut builder = tar::Builder::new(Hashing {
        inner: encoder,
        hasher: Sha256::new(),
    });
    builder.follow_symlinks(false);
    append_tree(&mut builder, rootfs)?;
    let hashing = builder.into_inner().map_err(|e| io_err(rootfs, e))?;
    let digest: String = hashing
        .hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hashing
        .inner
        .finish()
        .and_then(|mut w| w.flush())
        .map_err(|e| io_err(rootfs, e))?;
    Ok((out, digest))
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
    let (packed, digest) = pack(rootfs)?;
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
    let size = fs::metadata(packed.path()).map(|m| m.len()).unwrap_or(0);
    tracing::info!("uploading template {volid} ({size} bytes)");
    // Uploading is idempotent (the same content under the same name; Proxmox
    // overwrites: fact 9), so a lost answer is answered by uploading again.
    let mut tries = 0;
    loop {
        match pve.upload(node, storage, "vztmpl", &file, packed.path()) {
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
