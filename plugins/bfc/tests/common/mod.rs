//! Shared helpers: the reference samples, a tree snapshot to compare against, and an
//! archive crafter that bypasses the writer's checks (for hostile archives).

#![allow(dead_code)]

use std::{
    collections::BTreeMap,
    os::unix::fs::{MetadataExt, symlink},
    path::{Path, PathBuf},
};

use lxcri_bfc::layout::*;

pub const MTIME: u64 = 1_704_164_645;

pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bfc-samples")
}

/// What a tree looks like: path → (kind, perm, content or link target, mtime).
pub type Snapshot = BTreeMap<String, (char, u32, Vec<u8>, i64)>;

pub fn snapshot(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let m = std::fs::symlink_metadata(&path).unwrap();
            let perm = m.mode() & 0o777;
            if m.file_type().is_symlink() {
                let t = std::fs::read_link(&path).unwrap();
                out.insert(
                    rel,
                    ('l', 0o777, t.display().to_string().into_bytes(), m.mtime()),
                );
            } else if m.is_dir() {
                out.insert(rel, ('d', perm, Vec::new(), m.mtime()));
                walk(root, &path, out);
            } else {
                out.insert(rel, ('f', perm, std::fs::read(&path).unwrap(), m.mtime()));
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// The reference `sample-tree/` as the archives hold it (git lost its symlinks, its
/// empty directory, the 0600 mode and the mtimes: the README says what to restore).
pub fn expected_sample_tree() -> Snapshot {
    let src = samples().join("sample-tree");
    let mut out = Snapshot::new();
    let links = ["dangling-link", "link-to-hello", "sub/rel-link"];
    for (rel, (kind, _, content, _)) in snapshot(&src) {
        let rel_in = format!("sample-tree/{rel}");
        let (kind, perm) = if links.contains(&rel.as_str()) {
            ('l', 0o777)
        } else if kind == 'd' {
            ('d', 0o755)
        } else if rel == "hello.txt" {
            ('f', 0o600)
        } else if rel == "exec-bit.dat" {
            ('f', 0o755)
        } else {
            ('f', 0o644)
        };
        out.insert(rel_in, (kind, perm, content, MTIME as i64));
    }
    out.insert("sample-tree".into(), ('d', 0o755, Vec::new(), MTIME as i64));
    out.insert(
        "sample-tree/emptydir".into(),
        ('d', 0o755, Vec::new(), MTIME as i64),
    );
    out
}

/// Materialises [`expected_sample_tree`] on disk below `dir`.
pub fn build_sample_tree(dir: &Path) {
    for (rel, (kind, perm, content, _)) in expected_sample_tree() {
        let p = dir.join(&rel);
        match kind {
            'd' => std::fs::create_dir_all(&p).unwrap(),
            'l' => symlink(String::from_utf8(content).unwrap(), &p).unwrap(),
            _ => {
                std::fs::write(&p, content).unwrap();
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(perm)).unwrap();
            }
        }
    }
}

/// One raw entry for [`craft`].
pub struct Raw {
    pub path: &'static str,
    pub mode: u32,
    pub content: Vec<u8>,
}

/// Builds an archive byte by byte, without any of the writer's checks.
pub fn craft(entries: &[Raw]) -> Vec<u8> {
    let header = Header {
        block_size: 4096,
        features: 0,
        uuid: [7; 16],
        salt: [0; 32],
    };
    let mut out = header.encode();
    let mut index = Vec::new();
    for r in entries {
        let offset = out.len() as u64;
        let kind = match r.mode & S_IFMT {
            S_IFDIR => TYPE_DIR,
            S_IFLNK => TYPE_SYMLINK,
            _ => TYPE_FILE,
        };
        let crc = lxcri_bfc::crc::checksum(&r.content);
        let oh = ObjectHeader {
            kind,
            comp: 0,
            enc: 0,
            name_len: r.path.len() as u16,
            mode: r.mode,
            mtime_ns: MTIME * 1_000_000_000,
            orig_size: r.content.len() as u64,
            enc_size: r.content.len() as u64,
            crc,
        };
        out.extend_from_slice(&oh.encode());
        out.extend_from_slice(r.path.as_bytes());
        out.resize(out.len() + pad16(OBJECT_HEADER_SIZE + r.path.len()), 0);
        out.extend_from_slice(&r.content);
        index.push(Entry {
            path: r.path.to_string(),
            obj_offset: offset,
            obj_size: out.len() as u64 - offset,
            mode: r.mode,
            mtime_ns: MTIME * 1_000_000_000,
            comp: 0,
            enc: 0,
            orig_size: r.content.len() as u64,
            crc,
        });
    }
    let blob = encode_index(&index);
    let footer = Footer {
        index_size: blob.len() as u64,
        index_crc: lxcri_bfc::crc::checksum(&blob),
        index_offset: out.len() as u64,
    };
    out.extend_from_slice(&blob);
    out.extend_from_slice(&footer.encode());
    out
}
