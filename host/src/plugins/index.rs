//! The plugin index: which plugin name each file on the search path declared, keyed by
//! the file's identity (device, inode, size, mtime). Lifecycle commands need one backend;
//! with the index they load that one file instead of every plugin. A file whose identity
//! changed is loaded again to learn its name. The index is a cache: losing it, or a
//! state root that cannot be written, only costs the time of a full load.
//!
//! An integration's entry also lists the top-level commands it contributes, so that
//! `proxmox-lxcri bfc …` loads the bfc plugin alone.
//!
//! A named entry also means the file passed the pre-flight check and abi_stable's layout
//! check against this very host binary: the index records the host's own identity and
//! is discarded when the host changes, so a known file loads without repeating them.

use std::{
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

/// The index file inside the state root.
pub const INDEX_FILE: &str = ".plugin-index.json";

/// What identifies a file's content well enough to trust an earlier look at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
}

impl FileId {
    pub fn of(path: &Path) -> Option<Self> {
        let m = std::fs::metadata(path).ok()?;
        Some(Self {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    path: PathBuf,
    id: FileId,
    #[serde(flatten)]
    declared: Declared,
}

/// What the index remembers of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declared {
    /// The plugin name; `None` for a file that did not load.
    pub name: Option<String>,
    /// Top-level commands it contributes.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Why it must not be loaded: it crashed or hung when tried in a child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fatal: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PluginIndex {
    /// The host binary that checked the entries.
    host: Option<FileId>,
    entries: Vec<Entry>,
    #[serde(skip)]
    changed: bool,
}

impl PluginIndex {
    /// Reads the index written by the host binary `host`; a missing or unreadable index,
    /// or one another host binary wrote, is empty.
    pub fn load(path: &Path, host: Option<FileId>) -> Self {
        let stored: Option<Self> = std::fs::read(path)
            .ok()
            .and_then(|raw| serde_json::from_slice(&raw).ok());
        match stored {
            Some(index) if host.is_some() && index.host == host => index,
            Some(_) => Self {
                host,
                changed: true,
                ..Default::default()
            },
            None => Self {
                host,
                ..Default::default()
            },
        }
    }

    /// What `path` declared when it last had identity `id`; `None` when the index does
    /// not know this version. A name means the file passed every load check of this
    /// host; `fatal` that it crashed or hung and must not be loaded.
    pub fn declared(&self, path: &Path, id: &FileId) -> Option<&Declared> {
        self.entries
            .iter()
            .find(|e| e.path == path && &e.id == id)
            .map(|e| &e.declared)
    }

    /// The name `path` declared with identity `id`: `Some(None)` for a file that did
    /// not load, `None` when the index does not know this version.
    pub fn name_of(&self, path: &Path, id: &FileId) -> Option<Option<&str>> {
        self.declared(path, id).map(|d| d.name.as_deref())
    }

    /// Remembers what `path` declared; the index only counts as changed when this
    /// differs from what it already knew.
    pub fn record(&mut self, path: &Path, id: FileId, declared: Declared) {
        let known = self
            .entries
            .iter()
            .any(|e| e.path == path && e.id == id && e.declared == declared);
        if known {
            return;
        }
        self.entries.retain(|e| e.path != path);
        self.entries.push(Entry {
            path: path.to_path_buf(),
            id,
            declared,
        });
        self.changed = true;
    }

    /// The plugins whose unchanged files contribute the top-level command `top`.
    pub fn plugins_with_command(&self, top: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.declared.commands.iter().any(|c| c == top))
            .filter(|e| FileId::of(&e.path).as_ref() == Some(&e.id))
            .filter_map(|e| e.declared.name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Writes the index if it changed (atomically; failures are only logged). The state
    /// root is created for it only when `create_root` (commands on containers, which
    /// work in the root anyway); `--help` or `plugins` leave no trace.
    pub fn save(&self, path: &Path, create_root: bool) {
        if !self.changed {
            return;
        }
        let write = || -> std::io::Result<()> {
            let dir = path.parent().unwrap_or(Path::new("."));
            if create_root {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = tempfile::NamedTempFile::new_in(dir)?;
            let mut out = std::io::BufWriter::new(tmp);
            serde_json::to_writer(&mut out, self)?;
            let tmp = out.into_inner().map_err(|e| e.into_error())?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        };
        if let Err(e) = write() {
            tracing::debug!("plugin index {} not written: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_a_file_only_while_it_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let so = dir.path().join("libx.so");
        std::fs::write(&so, "v1").unwrap();
        let id = FileId::of(&so).unwrap();
        let host = Some(id.clone());
        let mut index = PluginIndex::load(&dir.path().join("none"), host.clone());
        let x = Declared {
            name: Some("x".into()),
            commands: vec!["xcmd".into()],
            fatal: None,
        };
        index.record(&so, id.clone(), x.clone());
        let file = dir.path().join(INDEX_FILE);
        index.save(&file, true);
        let mut index = PluginIndex::load(&file, host);
        assert_eq!(index.name_of(&so, &id), Some(Some("x")));
        index.record(&so, id.clone(), x);
        assert!(!index.changed, "recording what is known changes nothing");
        assert_eq!(index.plugins_with_command("xcmd"), ["x"]);
        assert!(index.plugins_with_command("other").is_empty());
        std::fs::write(&so, "version 2").unwrap();
        assert!(
            index.plugins_with_command("xcmd").is_empty(),
            "a changed file is unknown"
        );
        assert_eq!(index.name_of(&so, &FileId::of(&so).unwrap()), None);
    }

    #[test]
    fn a_corrupt_index_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(INDEX_FILE);
        std::fs::write(&file, "{not json").unwrap();
        assert!(PluginIndex::load(&file, None).entries.is_empty());
    }

    #[test]
    fn another_host_binary_starts_a_new_index() {
        let dir = tempfile::tempdir().unwrap();
        let (so, host_a, host_b) = (
            dir.path().join("libx.so"),
            dir.path().join("a"),
            dir.path().join("b"),
        );
        std::fs::write(&so, "v1").unwrap();
        std::fs::write(&host_a, "host a").unwrap();
        std::fs::write(&host_b, "host b, rebuilt").unwrap();
        let file = dir.path().join(INDEX_FILE);
        let mut index = PluginIndex::load(&file, FileId::of(&host_a));
        let id = FileId::of(&so).unwrap();
        let x = Declared {
            name: Some("x".into()),
            commands: vec![],
            fatal: None,
        };
        index.record(&so, id.clone(), x);
        index.save(&file, true);
        let same = PluginIndex::load(&file, FileId::of(&host_a));
        assert_eq!(same.name_of(&so, &id), Some(Some("x")));
        let other = PluginIndex::load(&file, FileId::of(&host_b));
        assert_eq!(other.name_of(&so, &id), None);
        assert!(
            other.changed,
            "the stale index is replaced on the next save"
        );
    }
}
