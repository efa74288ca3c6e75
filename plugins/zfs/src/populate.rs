//! Filling a fresh dataset from a bundle's rootfs: directories, regular files and
//! symlinks with their modes and owners. Files are copied with plain reads and writes
//! (zfs-fuse hangs on `copy_file_range`). Device nodes, fifos and sockets are refused
//! rather than skipped, so a copy is complete or an error.

use std::{
    fs, io,
    os::unix::fs::{MetadataExt, PermissionsExt, lchown, symlink},
    path::Path,
};

pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    // Directories get their modes last (deepest first): a read-only one could not be
    // filled otherwise.
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(from).min_depth(1).follow_links(false) {
        let entry = entry.map_err(io::Error::from)?;
        let src = entry.path();
        let rel = src.strip_prefix(from).map_err(io::Error::other)?;
        let dst = to.join(rel);
        let meta = entry.metadata().map_err(io::Error::from)?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            symlink(fs::read_link(src)?, &dst)?;
        } else if kind.is_dir() {
            fs::create_dir(&dst)?;
            dirs.push((dst.clone(), meta.mode()));
        } else if kind.is_file() {
            copy_file(src, &dst)?;
        } else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("cannot copy special file {}", src.display()),
            ));
        }
        // Owner first: a chown clears the set-id bits the mode may carry.
        lchown(&dst, Some(meta.uid()), Some(meta.gid()))?;
        if kind.is_file() {
            fs::set_permissions(&dst, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        }
    }
    for (dir, mode) in dirs.into_iter().rev() {
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode & 0o7777))?;
    }
    Ok(())
}

fn copy_file(src: &Path, dst: &Path) -> io::Result<()> {
    let mut reader = fs::File::open(src)?;
    let mut writer = fs::File::create_new(dst)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = io::Read::read(&mut reader, &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        io::Write::write_all(&mut writer, &buf[..n])?;
    }
}

#[cfg(test)]
mod tests {
    use super::copy_tree;

    #[test]
    fn copies_files_dirs_links_and_modes() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        std::fs::create_dir(from.path().join("bin")).unwrap();
        std::fs::write(from.path().join("bin/tool"), "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            from.path().join("bin/tool"),
            std::fs::Permissions::from_mode(0o751),
        )
        .unwrap();
        std::os::unix::fs::symlink("tool", from.path().join("bin/alias")).unwrap();
        copy_tree(from.path(), to.path()).unwrap();
        let meta = std::fs::metadata(to.path().join("bin/tool")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o751);
        assert_eq!(
            std::fs::read_link(to.path().join("bin/alias")).unwrap(),
            std::path::Path::new("tool")
        );
        assert_eq!(
            std::fs::read_to_string(to.path().join("bin/alias")).unwrap(),
            "#!/bin/sh\n"
        );
    }

    #[test]
    fn refuses_special_files() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        let _sock = std::os::unix::net::UnixListener::bind(from.path().join("sock")).unwrap();
        let err = copy_tree(from.path(), to.path()).unwrap_err();
        assert!(err.to_string().contains("special file"), "{err}");
    }
}
