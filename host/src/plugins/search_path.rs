//! Where plugins are looked for, in order (first hit of a plugin name wins):
//!
//! 1. `--plugin-dir` (repeatable);
//! 2. `$PROXMOX_LXCRI_PLUGIN_PATH` (colon list);
//! 3. `plugin_dirs` in the config;
//! 4. `<exe dir>/../lib/proxmox-lxcri/plugins`, and the exe dir itself when it is a cargo
//!    build dir (`target/<profile>`, whose parent holds `CACHEDIR.TAG`), not `/usr/bin`;
//! 5. `$XDG_DATA_HOME/proxmox-lxcri/plugins` (non-root only);
//! 6. `/usr/local/lib/proxmox-lxcri/plugins`;
//! 7. the compile-time system dir.
//!
//! `$PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH`, when set, replaces 4-7 (empty: none of them).

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Env var with extra plugin dirs (searched before the config's and the system dirs).
pub const PATH_ENV: &str = "PROXMOX_LXCRI_PLUGIN_PATH";
/// Env var that replaces the system part of the search path.
pub const SYSTEM_PATH_ENV: &str = "PROXMOX_LXCRI_PLUGIN_SYSTEM_PATH";
/// The system plugin dir; distros set `PROXMOX_LXCRI_SYSTEM_PLUGIN_DIR` at build time.
pub const SYSTEM_DIR: &str = match option_env!("PROXMOX_LXCRI_SYSTEM_PLUGIN_DIR") {
    Some(dir) => dir,
    None => "/usr/lib/proxmox-lxcri/plugins",
};

/// One directory of the search path and why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchDir {
    pub path: PathBuf,
    pub origin: &'static str,
}

/// Inputs of the search path (kept explicit so tests need no environment).
#[derive(Debug, Clone, Default)]
pub struct SearchInputs {
    pub cli_dirs: Vec<PathBuf>,
    pub env_path: Option<String>,
    pub config_dirs: Vec<PathBuf>,
    pub system_path: Option<String>,
    pub exe: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    pub is_root: bool,
}

impl SearchInputs {
    /// Reads the environment and the running executable.
    pub fn from_env(cli_dirs: Vec<PathBuf>, config_dirs: Vec<PathBuf>) -> Self {
        let home_data = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share"));
        Self {
            cli_dirs,
            env_path: std::env::var(PATH_ENV).ok(),
            config_dirs,
            system_path: std::env::var(SYSTEM_PATH_ENV).ok(),
            exe: std::env::current_exe().ok(),
            xdg_data_home: std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .or(home_data),
            is_root: nix::unistd::geteuid().is_root(),
        }
    }
}

/// `target/<profile>`: cargo marks its target dir with `CACHEDIR.TAG`.
fn is_cargo_build_dir(dir: &Path) -> bool {
    dir.parent()
        .is_some_and(|target| target.join("CACHEDIR.TAG").is_file())
}

fn colon_list(list: &str) -> impl Iterator<Item = PathBuf> + '_ {
    list.split(':').filter(|s| !s.is_empty()).map(PathBuf::from)
}

/// The ordered, de-duplicated search path.
pub fn search_path(inputs: &SearchInputs) -> Vec<SearchDir> {
    let mut dirs = Vec::new();
    let mut keys = Vec::new();
    let mut push = |path: PathBuf, origin: &'static str| {
        let key = DirKey::of(&path);
        if !keys.contains(&key) {
            keys.push(key);
            dirs.push(SearchDir { path, origin });
        }
    };
    for d in &inputs.cli_dirs {
        push(d.clone(), "--plugin-dir");
    }
    if let Some(list) = &inputs.env_path {
        colon_list(list).for_each(|d| push(d, PATH_ENV));
    }
    for d in &inputs.config_dirs {
        push(d.clone(), "config plugin_dirs");
    }
    if let Some(list) = &inputs.system_path {
        colon_list(list).for_each(|d| push(d, SYSTEM_PATH_ENV));
        return dirs;
    }
    if let Some(exe_dir) = inputs.exe.as_deref().and_then(Path::parent) {
        push(
            exe_dir.join("../lib/proxmox-lxcri/plugins"),
            "next to the executable",
        );
        if is_cargo_build_dir(exe_dir) {
            push(
                exe_dir.to_path_buf(),
                "executable's directory (a build dir)",
            );
        }
    }
    if !inputs.is_root
        && let Some(data) = &inputs.xdg_data_home
    {
        push(data.join("proxmox-lxcri/plugins"), "XDG_DATA_HOME");
    }
    push(
        "/usr/local/lib/proxmox-lxcri/plugins".into(),
        "local system dir",
    );
    push(SYSTEM_DIR.into(), "system dir");
    dirs
}

/// What makes two spellings of a directory the same one: its device and inode when it
/// exists (one stat, no path resolution), else its path as written.
#[derive(PartialEq, Eq)]
enum DirKey {
    Inode(u64, u64),
    Missing(PathBuf),
}

impl DirKey {
    fn of(path: &Path) -> Self {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(path) {
            Ok(m) => DirKey::Inode(m.dev(), m.ino()),
            Err(_) => DirKey::Missing(path.to_path_buf()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dirs: &[SearchDir]) -> Vec<String> {
        dirs.iter().map(|d| d.path.display().to_string()).collect()
    }

    #[test]
    fn order_follows_the_documented_search_path() {
        let inputs = SearchInputs {
            cli_dirs: vec!["/a".into()],
            env_path: Some("/b:/c".into()),
            config_dirs: vec!["/d".into()],
            system_path: None,
            exe: Some("/opt/x/bin/proxmox-lxcri".into()),
            xdg_data_home: Some("/home/u/.local/share".into()),
            is_root: false,
        };
        assert_eq!(
            paths(&search_path(&inputs)),
            [
                "/a",
                "/b",
                "/c",
                "/d",
                "/opt/x/bin/../lib/proxmox-lxcri/plugins",
                "/home/u/.local/share/proxmox-lxcri/plugins",
                "/usr/local/lib/proxmox-lxcri/plugins",
                SYSTEM_DIR,
            ]
        );
    }

    #[test]
    fn the_exe_dir_counts_only_as_a_cargo_build_dir() {
        let target = tempfile::tempdir().unwrap();
        std::fs::create_dir(target.path().join("debug")).unwrap();
        let exe = target.path().join("debug/proxmox-lxcri");
        let inputs = SearchInputs {
            exe: Some(exe.clone()),
            is_root: true,
            ..Default::default()
        };
        let with = |inputs: &SearchInputs| paths(&search_path(inputs));
        assert!(!with(&inputs).contains(&target.path().join("debug").display().to_string()));
        std::fs::write(target.path().join("CACHEDIR.TAG"), "Signature").unwrap();
        assert!(with(&inputs).contains(&target.path().join("debug").display().to_string()));
    }

    #[test]
    fn root_skips_xdg_and_system_path_env_replaces_system_part() {
        let mut inputs = SearchInputs {
            cli_dirs: vec!["/a".into(), "/a".into()],
            xdg_data_home: Some("/home/u/.local/share".into()),
            is_root: true,
            ..Default::default()
        };
        let all = paths(&search_path(&inputs));
        assert_eq!(all.iter().filter(|p| *p == "/a").count(), 1);
        assert!(!all.iter().any(|p| p.contains("/home/u")));
        inputs.system_path = Some(String::new());
        assert_eq!(paths(&search_path(&inputs)), ["/a"]);
    }
}
