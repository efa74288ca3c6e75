//! What the store holds for an id, read without its lock, including every way a
//! container dir can be damaged or half-made: a missing lock file, a missing, empty,
//! truncated or garbage `state.json`. For a damaged one, the backend that may hold its
//! resources is salvaged from what is left: the record's text, or the private dirs
//! (`<root>/<id>/<plugin>/`) backends made.

use std::{fs, path::Path};

use super::{ContainerRecord, Store, lock::LOCK_FILE};

/// A container dir as found.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A readable record with its lock.
    Sound(ContainerRecord),
    /// Something is missing or unreadable.
    Damaged {
        /// The backends that may hold its resources.
        backends: Vec<String>,
        /// What is wrong, in a few words.
        reason: String,
    },
}

const STATE_FILE: &str = "state.json";

/// The value of `"backend"` in a record too damaged to parse.
fn salvage_backend(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let rest = &text[text.find("\"backend\"")? + "\"backend\"".len()..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let name = &rest[..rest.find('"')?];
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)))
    .then(|| name.to_string())
}

/// The private dirs in a container dir: the backends that made something for it.
fn private_dirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(is_dir)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Whether a listed entry is a directory, from the listing itself where the file
/// system says (no stat per entry).
pub fn is_dir(e: &fs::DirEntry) -> bool {
    match e.file_type() {
        Ok(t) if t.is_symlink() => false,
        Ok(t) => t.is_dir(),
        Err(_) => e.path().is_dir(),
    }
}

/// Reads the entry of `id` (whose dir exists).
/// Every container dir of `store`, inspected, by id.
pub fn inspect_all(store: &Store) -> crate::error::Result<Vec<(String, Entry)>> {
    Ok(store
        .ids()?
        .into_iter()
        .map(|id| {
            let entry = inspect(store, &id);
            (id, entry)
        })
        .collect())
}

pub fn inspect(store: &Store, id: &str) -> Entry {
    let dir = store.dir(id);
    let raw = fs::read(dir.join(STATE_FILE));
    let parsed = match raw
        .as_ref()
        .map(|r| serde_json::from_slice::<ContainerRecord>(r))
    {
        // The usual case, first: a record that reads, and its lock file.
        Ok(Ok(record)) if dir.join(LOCK_FILE).exists() => return Entry::Sound(record),
        Ok(parsed) => Some(parsed),
        Err(_) => None,
    };
    let mut backends = match (&raw, &parsed) {
        (_, Some(Ok(record))) => vec![record.backend.clone()],
        (Ok(r), _) => salvage_backend(r).into_iter().collect(),
        _ => Vec::new(),
    };
    for name in private_dirs(&dir) {
        if !backends.contains(&name) {
            backends.push(name);
        }
    }
    let reason = match (&raw, parsed) {
        (_, Some(Ok(_))) => "its lock file is missing".to_string(),
        (Err(e), _) if e.kind() == std::io::ErrorKind::NotFound => {
            "it has no state record (its create was interrupted)".to_string()
        }
        (Err(e), _) => format!("its state record cannot be read ({e})"),
        (Ok(r), _) if r.iter().all(u8::is_ascii_whitespace) => {
            "its state record is empty".to_string()
        }
        (Ok(_), Some(Err(e))) => format!("its state record is damaged ({e})"),
        (Ok(_), None) => "its state record is damaged".to_string(),
    };
    Entry::Damaged { backends, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(files: &[(&str, &[u8])], dirs: &[&str]) -> (tempfile::TempDir, Store) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("c1");
        fs::create_dir(&dir).unwrap();
        for (name, content) in files {
            fs::write(dir.join(name), content).unwrap();
        }
        for d in dirs {
            fs::create_dir(dir.join(d)).unwrap();
        }
        let store = Store::new(root.path());
        (root, store)
    }

    fn damaged(entry: Entry) -> (Vec<String>, String) {
        match entry {
            Entry::Damaged { backends, reason } => (backends, reason),
            Entry::Sound(r) => panic!("sound: {r:?}"),
        }
    }

    #[test]
    fn every_damage_is_named_with_the_backend_that_may_hold_resources() {
        let (_r, s) = store_with(&[("lock", b""), ("state.json", b"")], &["crun"]);
        assert_eq!(
            damaged(inspect(&s, "c1")),
            (vec!["crun".into()], "its state record is empty".into())
        );
        let (_r, s) = store_with(
            &[
                ("lock", b""),
                ("state.json", br#"{"id":"c1","backend":"lxc","bund"#),
            ],
            &[],
        );
        let (backends, reason) = damaged(inspect(&s, "c1"));
        assert_eq!(backends, vec!["lxc".to_string()]);
        assert!(
            reason.starts_with("its state record is damaged"),
            "{reason}"
        );
        let (_r, s) = store_with(&[("lock", b""), ("state.json", b"\x00\xffgarbage")], &[]);
        assert!(damaged(inspect(&s, "c1")).1.contains("damaged"));
        let (_r, s) = store_with(&[("lock", b"")], &["proxmox-vm"]);
        assert_eq!(
            damaged(inspect(&s, "c1")),
            (
                vec!["proxmox-vm".into()],
                "it has no state record (its create was interrupted)".into()
            )
        );
        let record =
            br#"{"id":"c1","backend":"crun","bundle":"/b","status":"created","created":"x"}"#;
        let (_r, s) = store_with(&[("state.json", record)], &[]);
        assert_eq!(
            damaged(inspect(&s, "c1")),
            (vec!["crun".into()], "its lock file is missing".into())
        );
        let (_r, s) = store_with(&[("lock", b""), ("state.json", record)], &[]);
        assert!(matches!(inspect(&s, "c1"), Entry::Sound(_)));
    }
}
