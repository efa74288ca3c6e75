//! The reference tool's archives: every sample lists, verifies and extracts to exactly
//! `sample-tree/`; and what our writer makes from the same tree is byte-identical to
//! the reference archive (but for the random UUID and the header CRC over it).

mod common;

use std::fs::File;

use common::*;
use lxcri_bfc::{
    extract::{ExtractOptions, extract},
    layout::Kind,
    reader::Archive,
    writer::{Compression, WriteOptions, Writer},
};

const PASSWORD: &str = "bfc-sample-password";

fn open(name: &str) -> Archive {
    let mut a = Archive::open(&samples().join(name)).unwrap();
    if name.contains("enc") {
        a.unlock_with_password(PASSWORD).unwrap();
    }
    a
}

#[test]
fn every_sample_lists_the_reference_listing() {
    let listing: Vec<String> = std::fs::read_to_string(samples().join("tree-plain.list.txt"))
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().last().unwrap().to_string())
        .collect();
    for name in ["tree-plain.bfc", "tree-zstd.bfc", "tree-enc-password.bfc"] {
        let a = open(name);
        let paths: Vec<&str> = a.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, listing, "{name}");
    }
    let hello = open("minimal-hello.bfc");
    assert_eq!(hello.entries.len(), 1);
    assert_eq!(hello.entries[0].path, "hello.txt");
    assert_eq!(hello.entries[0].crc, 0xdb9f_c7cf);
}

#[test]
fn every_sample_verifies_deeply_and_extracts_to_the_sample_tree() {
    for name in ["tree-plain.bfc", "tree-zstd.bfc", "tree-enc-password.bfc"] {
        let mut a = open(name);
        let entries = a.entries.clone();
        for e in &entries {
            match e.kind() {
                Kind::File => {
                    let mut out = Vec::new();
                    a.read_file(e, &mut out).unwrap();
                    assert_eq!(out.len() as u64, e.orig_size);
                }
                Kind::Symlink => {
                    a.read_link(e).unwrap();
                }
                _ => {}
            }
        }
        let dir = tempfile::tempdir().unwrap();
        extract(
            &mut a,
            dir.path(),
            &ExtractOptions::default(),
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(snapshot(dir.path()), expected_sample_tree(), "{name}");
    }
    let zstd = open("tree-zstd.bfc");
    let compressed: Vec<&str> = zstd
        .entries
        .iter()
        .filter(|e| e.comp == 1)
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(compressed, ["sample-tree/sub/lines.txt"]);
}

/// The object order the reference tool used (raw readdir order, from dump.txt).
const ORDER: &[&str] = &[
    "",
    "/emptydir",
    "/dangling-link",
    "/empty.txt",
    "/hello.txt",
    "/sub",
    "/sub/pseudo-300.bin",
    "/sub/rel-link",
    "/sub/lines.txt",
    "/sub/deeper",
    "/sub/deeper/nested.txt",
    "/link-to-hello",
    "/exec-bit.dat",
];

fn write_like_reference(compression: Compression, uuid: [u8; 16]) -> Vec<u8> {
    let tree = expected_sample_tree();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ours.bfc");
    let mut w = Writer::new(
        File::create(&out).unwrap(),
        WriteOptions {
            compression,
            uuid: Some(uuid),
            ..Default::default()
        },
    )
    .unwrap();
    for suffix in ORDER {
        let path = format!("sample-tree{suffix}");
        let (kind, perm, content, _) = &tree[&path];
        let mtime = MTIME * 1_000_000_000;
        match kind {
            'd' => w.add_dir(&path, *perm, mtime).unwrap(),
            'l' => w
                .add_symlink(&path, std::str::from_utf8(content).unwrap(), *perm, mtime)
                .unwrap(),
            _ => w.add_bytes(&path, content, *perm, mtime).unwrap(),
        }
    }
    w.finish().unwrap();
    std::fs::read(out).unwrap()
}

fn assert_same_but_uuid(ours: &[u8], reference: &[u8]) {
    assert_eq!(ours.len(), reference.len());
    let masked = |b: &[u8]| {
        let mut b = b.to_vec();
        b[8..12].fill(0);
        b[24..40].fill(0);
        b
    };
    assert!(
        masked(ours) == masked(reference),
        "archives differ beyond UUID and header CRC"
    );
}

#[test]
fn our_writer_reproduces_the_reference_archives_byte_for_byte() {
    let reference = std::fs::read(samples().join("tree-plain.bfc")).unwrap();
    let uuid: [u8; 16] = reference[24..40].try_into().unwrap();
    let ours = write_like_reference(Compression::None, uuid);
    assert_eq!(
        ours, reference,
        "with the same UUID the plain archive is identical"
    );
    let reference = std::fs::read(samples().join("tree-zstd.bfc")).unwrap();
    let ours = write_like_reference(
        Compression::Zstd {
            level: 3,
            threshold: 64,
        },
        [0; 16],
    );
    assert_same_but_uuid(&ours, &reference);
}
