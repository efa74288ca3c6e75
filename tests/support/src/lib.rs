//! Helpers for the integration tests: where the built host and plugins are, running the
//! host in isolation (its own root, only the plugin dirs a test names), building the
//! fixture plugins.

pub mod bundle;
pub mod conformance;
pub mod containerd;
pub mod crun;
pub mod debian;
pub mod host;
pub mod leaks;
pub mod podman;
pub mod proxmox;
pub mod suite;
pub mod zfs;

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

pub use host::{Host, Run};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn target_root() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// `target/debug`, where `cargo build --workspace` puts the host and the plugins
/// (`$LXCRI_BUILD_PROFILE=release` for `target/release`, as the benchmarks use).
pub fn build_dir() -> PathBuf {
    let profile = std::env::var("LXCRI_BUILD_PROFILE").unwrap_or_else(|_| "debug".into());
    target_root().join(profile)
}

/// The host binary (built by `cargo build --workspace`).
pub fn host_bin() -> PathBuf {
    let bin = build_dir().join("proxmox-lxcri");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace` before the tests",
        bin.display()
    );
    bin
}

/// A workspace plugin, by library name (`lxcri_crun` → `liblxcri_crun.so`).
pub fn plugin(lib: &str) -> PathBuf {
    let so = build_dir().join(format!("lib{lib}.so"));
    assert!(
        so.exists(),
        "{} is missing: run `cargo build --workspace` before the tests",
        so.display()
    );
    so
}

/// Builds a cargo workspace of test-only plugins into `target/fixtures` (once per
/// process per manifest) and returns its output dir.
pub fn build_cargo_fixture(manifest: &Path) -> PathBuf {
    let out = target_root().join("fixtures");
    let status = Command::new(env!("CARGO"))
        .arg("build")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(manifest)
        .env("CARGO_TARGET_DIR", &out)
        .status()
        .expect("run cargo");
    assert!(status.success(), "building {} failed", manifest.display());
    out.join("debug")
}

/// The fixture plugins of `tests/fixtures/plugins` (legacy, panicky).
pub fn fixture_plugin(lib: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        build_cargo_fixture(&workspace_root().join("tests/fixtures/plugins/Cargo.toml"))
    });
    dir.join(format!("lib{lib}.so"))
}

/// A plugin built against a copy of the frozen interface relabelled as the next major
/// version (2.0.0): what a distro would get by mixing majors. Generated under
/// `target/fixtures-src` (a stable path, so rebuilds are incremental).
pub fn next_major_plugin() -> PathBuf {
    static SO: OnceLock<PathBuf> = OnceLock::new();
    SO.get_or_init(|| {
        let src = target_root().join("fixtures-src/next-major");
        let api = src.join("plugin-api");
        let plugin = src.join("plugin");
        copy_dir(&workspace_root().join("tests/fixtures/plugin-api-1.0.0"), &api);
        copy_dir(&workspace_root().join("tests/fixtures/plugins/legacy"), &plugin);
        let manifest = api.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("api manifest");
        std::fs::write(&manifest, text.replace("version = \"1.0.0\"", "version = \"2.0.0\""))
            .expect("write api manifest");
        let manifest = plugin.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("plugin manifest");
        let text = text
            .replace("fixture-legacy", "fixture-next-major")
            .replace("../../plugin-api-1.0.0", "../plugin-api");
        std::fs::write(&manifest, text).expect("write plugin manifest");
        std::fs::write(
            src.join("Cargo.toml"),
            "[workspace]\nresolver = \"3\"\nmembers = [\"plugin\"]\n[profile.dev]\npanic = \"unwind\"\ndebug = false\n",
        )
        .expect("write workspace");
        build_cargo_fixture(&src.join("Cargo.toml")).join("libfixture_next_major.so")
    })
    .clone()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &dest);
        } else if std::fs::read(&dest).ok() != std::fs::read(entry.path()).ok() {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}
