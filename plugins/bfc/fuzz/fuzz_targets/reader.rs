//! Fuzzes the reader: open, decode every entry, extract. Any input must give a value or
//! an error, never a panic, a hang or a write outside the target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lxcri_bfc::{extract::{ExtractOptions, extract}, layout::Kind, reader::Archive};

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("f.bfc");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(mut archive) = Archive::open(&path) else { return };
    let entries = archive.entries.clone();
    for e in &entries {
        match e.kind() {
            Kind::File => {
                let _ = archive.read_file(e, &mut std::io::sink());
            }
            Kind::Symlink => {
                let _ = archive.read_link(e);
            }
            _ => {}
        }
    }
    let target = dir.path().join("out");
    let _ = extract(&mut archive, &target, &ExtractOptions::default(), &mut |_, _| {});
});
