//! Checks a file before it is handed to the dynamic loader: dlopen of a truncated
//! library dies with SIGBUS, and dlopen of a random library runs its constructors.

use std::{fs::File, path::Path};

use object::{Object, ObjectKind, ObjectSegment, ObjectSymbol, ReadCache};

/// Why a file is not a loadable plugin (one line, for `proxmox-lxcri plugins`).
pub type Rejection = String;

/// Accepts an ELF shared object for this architecture whose segments all lie inside the
/// file and that exports the plugin root symbol.
pub fn check(path: &Path) -> Result<(), Rejection> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let len = file
        .metadata()
        .map_err(|e| format!("cannot stat: {e}"))?
        .len();
    if len == 0 {
        return Err("empty file, not a shared object".to_string());
    }
    // object's own reader reads what parsing needs through the file, with no map: a
    // truncation while we look gives a read error, not a fault.
    let cache = ReadCache::new(file);
    let obj = object::File::parse(&cache)
        .map_err(|e| format!("not a valid shared object ({e}); is it truncated or not ELF?"))?;
    if obj.kind() != ObjectKind::Dynamic {
        return Err(format!("not a shared library (ELF kind {:?})", obj.kind()));
    }
    if obj.architecture() != host_architecture() {
        return Err(format!(
            "built for {:?}, this host is {:?}",
            obj.architecture(),
            host_architecture()
        ));
    }
    for segment in obj.segments() {
        let (offset, size) = segment.file_range();
        if offset.saturating_add(size) > len {
            return Err(format!(
                "truncated: a segment ends at byte {} but the file has {len} bytes",
                offset + size
            ));
        }
    }
    let root = lxcri_plugin_api::ROOT_SYMBOL;
    if !obj.dynamic_symbols().any(|s| s.name() == Ok(root)) {
        return Err("not a proxmox-lxcri plugin (no plugin root symbol)".to_string());
    }
    Ok(())
}

fn host_architecture() -> object::Architecture {
    if cfg!(target_arch = "x86_64") {
        object::Architecture::X86_64
    } else if cfg!(target_arch = "aarch64") {
        object::Architecture::Aarch64
    } else if cfg!(target_arch = "riscv64") {
        object::Architecture::Riscv64
    } else {
        object::Architecture::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_text_and_non_plugin_libraries() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.so");
        std::fs::write(&empty, b"").unwrap();
        assert!(check(&empty).unwrap_err().contains("empty"));
        let text = dir.path().join("x.so");
        std::fs::write(&text, b"hello\n").unwrap();
        assert!(
            check(&text)
                .unwrap_err()
                .contains("not a valid shared object")
        );
        let libc = Path::new("/lib/x86_64-linux-gnu/libc.so.6");
        if libc.exists() {
            assert!(check(libc).unwrap_err().contains("no plugin root symbol"));
        }
    }
}
