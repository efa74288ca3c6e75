//! Generated trees through our writer and reader: plain, zstd, password, key file;
//! wrong keys; large files.

mod common;

use std::{fs::File, os::unix::fs::PermissionsExt};

use common::snapshot;
use lxcri_bfc::{
    BfcError,
    extract::{ExtractOptions, extract},
    reader::Archive,
    writer::{Compression, Encryption, WriteOptions, Writer},
};

fn generated_tree(root: &std::path::Path) {
    let t = root.join("tree");
    std::fs::create_dir_all(t.join("a/b/c")).unwrap();
    std::fs::create_dir_all(t.join("empty")).unwrap();
    std::fs::write(t.join("empty.txt"), b"").unwrap();
    std::fs::write(t.join("tiny"), b"x").unwrap();
    let text: String = (0..5000)
        .map(|i| format!("line {i} of a compressible file\n"))
        .collect();
    std::fs::write(t.join("a/text.txt"), &text).unwrap();
    let noise: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(t.join("a/b/noise.bin"), &noise).unwrap();
    // Either side of the size up to which files are read whole and decoded in memory.
    std::fs::write(t.join("a/at-limit.bin"), &noise[..256 * 1024]).unwrap();
    std::fs::write(t.join("a/over-limit.bin"), &noise[..256 * 1024 + 1]).unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(t.join("a/b/c/big.bin"), &big).unwrap();
    std::fs::set_permissions(t.join("tiny"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::os::unix::fs::symlink("a/text.txt", t.join("link")).unwrap();
    std::os::unix::fs::symlink("/does/not/exist", t.join("dangling")).unwrap();
}

fn round_trip(
    opts: WriteOptions,
    unlock: impl Fn(&mut Archive),
) -> (Archive, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    generated_tree(dir.path());
    let out = dir.path().join("t.bfc");
    let mut w = Writer::new(File::create(&out).unwrap(), opts).unwrap();
    w.add_path(&dir.path().join("tree"), "tree", &mut |_| {})
        .unwrap();
    w.finish().unwrap();
    let mut a = Archive::open(&out).unwrap();
    unlock(&mut a);
    let target = dir.path().join("out");
    extract(&mut a, &target, &ExtractOptions::default(), &mut |_, _| {}).unwrap();
    assert_eq!(
        snapshot(&target.join("tree")).keys().collect::<Vec<_>>(),
        snapshot(&dir.path().join("tree"))
            .keys()
            .collect::<Vec<_>>()
    );
    let a_src = snapshot(&dir.path().join("tree"));
    let a_out = snapshot(&target.join("tree"));
    for (k, v) in &a_src {
        assert_eq!(
            (v.0, v.1, &v.2),
            (a_out[k].0, a_out[k].1, &a_out[k].2),
            "{k}"
        );
    }
    (a, out, dir)
}

#[test]
fn plain_round_trip() {
    let (a, _, _d) = round_trip(WriteOptions::default(), |_| {});
    assert!(a.entries.iter().all(|e| e.comp == 0 && e.enc == 0));
}

#[test]
fn zstd_round_trip_compresses_what_pays_off() {
    let (a, out, _d) = round_trip(
        WriteOptions {
            compression: Compression::Zstd {
                level: 3,
                threshold: 64,
            },
            ..Default::default()
        },
        |_| {},
    );
    let comp = |p: &str| a.find(p).unwrap().comp;
    assert_eq!(comp("tree/a/text.txt"), 1);
    assert_eq!(comp("tree/a/b/c/big.bin"), 1);
    assert_eq!(comp("tree/tiny"), 0, "below the threshold");
    assert!(
        std::fs::metadata(out).unwrap().len() < 1_000_000,
        "the 3 MB file compressed"
    );
}

#[test]
fn password_round_trip_and_wrong_password() {
    let opts = WriteOptions {
        compression: Compression::Zstd {
            level: 3,
            threshold: 64,
        },
        encryption: Encryption::Password("s3cret".into()),
        ..Default::default()
    };
    let (a, out, _d) = round_trip(opts, |a| a.unlock_with_password("s3cret").unwrap());
    assert!(
        a.entries
            .iter()
            .filter(|e| e.kind() == lxcri_bfc::layout::Kind::File)
            .all(|e| e.enc == 1)
    );
    let mut wrong = Archive::open(&out).unwrap();
    wrong.unlock_with_password("guess").unwrap();
    let e = wrong.find("tree/a/text.txt").unwrap().clone();
    let err = wrong.read_file(&e, &mut Vec::new()).unwrap_err();
    assert!(matches!(err, BfcError::WrongKey(_)), "{err}");
    let target = tempfile::tempdir().unwrap();
    assert!(
        extract(
            &mut wrong,
            target.path(),
            &ExtractOptions::default(),
            &mut |_, _| {}
        )
        .is_err()
    );
    assert_eq!(
        std::fs::read_dir(target.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}

#[test]
fn key_file_round_trip() {
    let key: Vec<u8> = (0..32).collect();
    let k2 = key.clone();
    round_trip(
        WriteOptions {
            encryption: Encryption::Key(key),
            ..Default::default()
        },
        move |a| a.unlock_with_key(&k2).unwrap(),
    );
    assert!(matches!(
        Writer::new(
            tempfile::tempfile().unwrap(),
            WriteOptions {
                encryption: Encryption::Key(vec![1; 31]),
                ..Default::default()
            }
        ),
        Err(BfcError::Crypto(_))
    ));
}
