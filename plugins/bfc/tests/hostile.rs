//! Hostile, corrupt and truncated archives: refused with a clear error, nothing
//! written outside the target, nothing half-extracted left behind.

mod common;

use common::{Raw, craft};
use lxcri_bfc::{
    BfcError,
    extract::{ExtractOptions, extract},
    layout::{S_IFDIR, S_IFLNK, S_IFREG},
    reader::Archive,
};

fn file(path: &'static str, content: &[u8]) -> Raw {
    Raw {
        path,
        mode: S_IFREG | 0o644,
        content: content.to_vec(),
    }
}

fn try_extract(bytes: &[u8]) -> (Result<usize, BfcError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("a.bfc");
    std::fs::write(&archive, bytes).unwrap();
    let target = dir.path().join("target");
    std::fs::create_dir(&target).unwrap();
    let result = Archive::open(&archive)
        .and_then(|mut a| extract(&mut a, &target, &ExtractOptions::default(), &mut |_, _| {}));
    (result, dir)
}

fn only_archive_left(dir: &tempfile::TempDir) {
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(
        names,
        ["a.bfc", "target"],
        "nothing written beside the target"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("target"))
            .unwrap()
            .count(),
        0,
        "nothing left in the target"
    );
}

#[test]
fn dot_dot_and_absolute_paths_are_refused() {
    for bad in ["../evil", "a/../../evil", "/tmp/abs-evil", "./x", "x/.."] {
        let leaked: &'static str = Box::leak(bad.to_string().into_boxed_str());
        let (result, dir) = try_extract(&craft(&[file(leaked, b"pwned")]));
        let err = result.unwrap_err();
        assert!(matches!(err, BfcError::Hostile(_)), "{bad}: {err}");
        only_archive_left(&dir);
    }
    assert!(!std::path::Path::new("/tmp/abs-evil").exists());
}

#[test]
fn writing_through_a_symlink_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let target: &'static str = Box::leak(outside.path().display().to_string().into_boxed_str());
    let archive = craft(&[
        Raw {
            path: "link",
            mode: S_IFLNK | 0o777,
            content: target.as_bytes().to_vec(),
        },
        file("link/planted", b"pwned"),
    ]);
    let (result, dir) = try_extract(&archive);
    assert!(matches!(result.unwrap_err(), BfcError::Hostile(_)));
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "nothing written through the link"
    );
    only_archive_left(&dir);
}

#[test]
fn duplicate_paths_are_refused() {
    let (result, dir) = try_extract(&craft(&[file("a", b"one"), file("a", b"two")]));
    assert!(matches!(result.unwrap_err(), BfcError::Hostile(_)));
    only_archive_left(&dir);
    let (result, dir) = try_extract(&craft(&[
        Raw {
            path: "d",
            mode: S_IFDIR | 0o755,
            content: vec![],
        },
        file("d", b"x"),
    ]));
    assert!(result.is_err());
    only_archive_left(&dir);
}

#[test]
fn corrupt_and_truncated_archives_leave_nothing() {
    let good = craft(&[
        file("a.txt", b"first file"),
        file("b.txt", b"second file, corrupted"),
    ]);
    // Flip a content byte of the second file: the first extracts, the second fails its
    // CRC, and the staged first file is removed too.
    let mut bad = good.clone();
    let at = bad.windows(6).position(|w| w == b"second").unwrap();
    bad[at] ^= 0xff;
    let (result, dir) = try_extract(&bad);
    let err = result.unwrap_err();
    assert!(err.to_string().contains("CRC mismatch"), "{err}");
    only_archive_left(&dir);
    for cut in [10, 4096, good.len() / 2, good.len() - 1] {
        let (result, dir) = try_extract(&good[..cut]);
        let err = result.unwrap_err();
        assert!(matches!(err, BfcError::Corrupt(_)), "cut at {cut}: {err}");
        only_archive_left(&dir);
    }
    let mut bad_index = good.clone();
    let n = bad_index.len();
    bad_index[n - 80] ^= 0x55;
    let (result, _dir) = try_extract(&bad_index);
    assert!(result.unwrap_err().to_string().contains("CRC"));
}

#[test]
fn a_decompression_bomb_stops_at_the_declared_size() {
    // A zstd object whose declared orig_size is smaller than what it decodes to.
    let big = vec![0u8; 1 << 20];
    let packed = zstd::bulk::compress(&big, 3).unwrap();
    let mut archive = craft(&[file("bomb", &packed)]);
    // Patch comp=1 in the object header and the index, orig_size=10, and fix the index CRC.
    let obj = 4096;
    archive[obj + 1] = 1;
    archive[obj + 20..obj + 28].copy_from_slice(&10u64.to_le_bytes());
    let footer = archive.len() - 56;
    let index_offset =
        u64::from_le_bytes(archive[footer + 20..footer + 28].try_into().unwrap()) as usize;
    let entry = index_offset + 8 + 4 + 4;
    archive[entry + 28..entry + 32].copy_from_slice(&1u32.to_le_bytes());
    archive[entry + 36..entry + 44].copy_from_slice(&10u64.to_le_bytes());
    let crc = lxcri_bfc::crc::checksum(&archive[index_offset..footer]);
    archive[footer + 16..footer + 20].copy_from_slice(&crc.to_le_bytes());
    let (result, dir) = try_extract(&archive);
    assert!(result.is_err());
    only_archive_left(&dir);
}
