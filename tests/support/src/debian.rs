//! A real distribution rootfs for tests: Debian bookworm made by debootstrap
//! (scripts/debian-rootfs.sh, cached in target/test-cache), and a manifest of a
//! tree to prove a run left it byte for byte as it was.

use std::{
    collections::BTreeMap,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    process::Command,
};

/// The cached bookworm rootfs, made on first use.
pub fn bookworm() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let status = Command::new("bash")
        .arg(workspace.join("scripts/debian-rootfs.sh"))
        .status()
        .expect("run scripts/debian-rootfs.sh");
    assert!(status.success(), "scripts/debian-rootfs.sh failed");
    workspace
        .join("target/test-cache/bookworm")
        .canonicalize()
        .expect("bookworm rootfs")
}

/// Every entry under `root`: type, mode, owner, size, mtime, and the content (files)
/// or target (links).
pub fn manifest(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let m = std::fs::symlink_metadata(&path).expect("metadata");
        let what = if m.file_type().is_symlink() {
            format!("-> {}", std::fs::read_link(&path).unwrap().display())
        } else if m.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            // FNV-1a: enough to see a change, no extra dependency.
            let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
            });
            format!("{hash:016x}")
        } else {
            String::new()
        };
        out.insert(
            path.strip_prefix(root).unwrap().to_path_buf(),
            format!(
                "{:o} {}:{} {} {} {what}",
                m.mode(),
                m.uid(),
                m.gid(),
                m.size(),
                m.mtime()
            ),
        );
        if m.is_dir() {
            walk(root, &path, out);
        }
    }
}
