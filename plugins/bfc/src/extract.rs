//! Safe extraction: every entry is written below a private staging directory inside
//! the target, never through a symlink or outside it; the staged tree moves into place
//! only when the whole archive extracted and verified. A corrupt, truncated or hostile
//! archive leaves nothing behind.

use std::{
    fs::{self, OpenOptions},
    io::BufWriter,
    os::unix::fs::{OpenOptionsExt, PermissionsExt, symlink},
    path::{Path, PathBuf},
};

use nix::sys::{
    stat::{UtimensatFlags, utimensat},
    time::TimeSpec,
};

use crate::{
    BfcError,
    layout::{Entry, Kind},
    reader::Archive,
};

/// Extraction settings.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Replace existing top-level entries in the target.
    pub force: bool,
    /// Only entries equal to or below these paths (whole components).
    pub prefixes: Vec<String>,
}

fn selected(e: &Entry, prefixes: &[String]) -> bool {
    prefixes.is_empty()
        || prefixes.iter().any(|p| {
            let p = p.trim_end_matches('/');
            e.path == p
                || e.path.starts_with(&format!("{p}/"))
                || p.starts_with(&format!("{}/", e.path))
        })
}

fn io(what: &Path) -> impl Fn(std::io::Error) -> BfcError + '_ {
    move |e| BfcError::io_at(what.display(), &e)
}

/// Makes sure every component of `rel`'s parent exists below `root` as a real
/// directory (never a symlink).
fn parent_dirs(root: &Path, rel: &Path) -> Result<(), BfcError> {
    let mut at = root.to_path_buf();
    if let Some(parent) = rel.parent() {
        for comp in parent.components() {
            at.push(comp);
            match fs::symlink_metadata(&at) {
                Ok(m) if m.file_type().is_dir() => {}
                Ok(_) => {
                    return Err(BfcError::Hostile(format!(
                        "{} would be written through a non-directory ({})",
                        rel.display(),
                        at.strip_prefix(root).unwrap_or(&at).display()
                    )));
                }
                Err(_) => fs::create_dir(&at).map_err(io(&at))?,
            }
        }
    }
    Ok(())
}

fn set_mtime(path: &Path, mtime_ns: u64) {
    let t = TimeSpec::new(
        (mtime_ns / 1_000_000_000) as i64,
        (mtime_ns % 1_000_000_000) as i64,
    );
    let _ = utimensat(
        nix::fcntl::AT_FDCWD,
        path,
        &t,
        &t,
        UtimensatFlags::NoFollowSymlink,
    );
}

/// Extracts into `target` (created if missing); returns the number of entries.
pub fn extract(
    archive: &mut Archive,
    target: &Path,
    opts: &ExtractOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize, BfcError> {
    let entries: Vec<Entry> = archive
        .entries
        .iter()
        .filter(|e| selected(e, &opts.prefixes))
        .cloned()
        .collect();
    if entries.is_empty() {
        return Err(BfcError::BadPath("no entry matches".into()));
    }
    fs::create_dir_all(target).map_err(io(target))?;
    let tops: std::collections::BTreeSet<String> = entries
        .iter()
        .map(|e| e.path.split('/').next().unwrap_or_default().to_string())
        .collect();
    if !opts.force
        && let Some(existing) = tops
            .iter()
            .find(|t| fs::symlink_metadata(target.join(t)).is_ok())
    {
        return Err(BfcError::Exists(format!(
            "{} exists (use --force to replace it)",
            target.join(existing).display()
        )));
    }
    let staging = tempdir_in(target)?;
    let result = stage(archive, &staging, &entries, progress)
        .and_then(|_| publish(&staging, target, &tops, opts.force));
    let _ = fs::remove_dir_all(&staging);
    result.map(|_| entries.len())
}

fn tempdir_in(target: &Path) -> Result<PathBuf, BfcError> {
    for n in 0..100u32 {
        let dir = target.join(format!(".bfc-extract-{}-{n}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => {
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io(&dir))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&dir)(e)),
        }
    }
    Err(BfcError::io_other(format!(
        "cannot create a staging directory in {}",
        target.display()
    )))
}

fn stage(
    archive: &mut Archive,
    staging: &Path,
    entries: &[Entry],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), BfcError> {
    for (n, e) in entries.iter().enumerate() {
        let rel = Path::new(&e.path);
        parent_dirs(staging, rel)?;
        let dest = staging.join(rel);
        match e.kind() {
            Kind::Dir => match fs::symlink_metadata(&dest) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(BfcError::Hostile(format!(
                        "{} is both a directory and something else",
                        e.path
                    )));
                }
                Err(_) => fs::create_dir(&dest).map_err(io(&dest))?,
            },
            Kind::File => {
                let file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .custom_flags(nix::libc::O_NOFOLLOW)
                    .open(&dest)
                    .map_err(io(&dest))?;
                let mut out = BufWriter::new(file);
                archive.read_file(e, &mut out)?;
                let file = out.into_inner().map_err(|err| BfcError::io(err.error()))?;
                file.set_permissions(fs::Permissions::from_mode(e.mode & 0o777))
                    .map_err(io(&dest))?;
                drop(file);
                set_mtime(&dest, e.mtime_ns);
            }
            Kind::Symlink => {
                let target = archive.read_link(e)?;
                symlink(&target, &dest).map_err(io(&dest))?;
                set_mtime(&dest, e.mtime_ns);
            }
            Kind::Other => {
                return Err(BfcError::Corrupt(format!(
                    "{}: unsupported entry type",
                    e.path
                )));
            }
        }
        progress(n + 1, entries.len());
    }
    // Directory modes and times last, deepest first (children change a dir's mtime).
    for e in entries.iter().rev().filter(|e| e.kind() == Kind::Dir) {
        let dest = staging.join(&e.path);
        fs::set_permissions(&dest, fs::Permissions::from_mode(e.mode & 0o777))
            .map_err(io(&dest))?;
        set_mtime(&dest, e.mtime_ns);
    }
    Ok(())
}

fn publish(
    staging: &Path,
    target: &Path,
    tops: &std::collections::BTreeSet<String>,
    force: bool,
) -> Result<(), BfcError> {
    for top in tops {
        let from = staging.join(top);
        let to = target.join(top);
        if force && let Ok(m) = fs::symlink_metadata(&to) {
            if m.is_dir() {
                fs::remove_dir_all(&to).map_err(io(&to))?;
            } else {
                fs::remove_file(&to).map_err(io(&to))?;
            }
        }
        fs::rename(&from, &to).map_err(io(&to))?;
    }
    Ok(())
}
