//! BFC as the archive of a bundle: `config.json` plus `rootfs/` in one file, and back.

use std::{fs::File, path::Path};

use crate::{
    BfcError,
    extract::{ExtractOptions, extract},
    reader::Archive,
    writer::{WriteOptions, Writer, mtime_ns},
};

/// Packs `bundle` (config.json and rootfs) into a new archive at `out`.
pub fn pack(
    bundle: &Path,
    out: &Path,
    opts: WriteOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<usize, BfcError> {
    let config = bundle.join("config.json");
    let rootfs = bundle.join("rootfs");
    if !config.is_file() || !rootfs.is_dir() {
        return Err(BfcError::io_other(format!(
            "{} is not a bundle (config.json and rootfs/ expected)",
            bundle.display()
        )));
    }
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| BfcError::io_at(out.display(), &e))?;
    let written = (|| {
        let mut w = Writer::new(file, opts)?;
        let meta = std::fs::metadata(&config).map_err(|e| BfcError::io(&e))?;
        let data = std::fs::read(&config).map_err(|e| BfcError::io(&e))?;
        w.add_bytes("config.json", &data, 0o644, mtime_ns(&meta))?;
        w.add_path(&rootfs, "rootfs", progress)?;
        w.finish()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(out);
    }
    written
}

/// Unpacks a bundle archive into `bundle` (created; must not hold config.json/rootfs).
pub fn unpack(
    archive: &Path,
    bundle: &Path,
    key: Option<&[u8]>,
    password: Option<&str>,
) -> Result<usize, BfcError> {
    let mut a = Archive::open(archive)?;
    if a.find("config.json").is_none() || a.find("rootfs").is_none() {
        return Err(BfcError::Corrupt(format!(
            "{} is not a bundle archive (config.json and rootfs expected)",
            archive.display()
        )));
    }
    if let Some(pw) = password {
        a.unlock_with_password(pw)?;
    } else if let Some(k) = key {
        a.unlock_with_key(k)?;
    }
    extract(&mut a, bundle, &ExtractOptions::default(), &mut |_, _| {})
}
