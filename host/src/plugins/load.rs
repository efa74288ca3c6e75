//! Loads one plugin file through abi_stable and turns its long errors into one line.

use std::path::Path;

use abi_stable::library::{LibraryError, lib_header_from_path};
use lxcri_plugin_api::{API_VERSION, PluginModRef};

/// A rejection: one line for users, the full abi_stable text for `--debug`.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    pub reason: String,
    pub detail: String,
}

/// How much of abi_stable's interface check a load does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutCheck {
    /// Compare every type layout the plugin exports with the host's.
    Full,
    /// Only the version numbers: this exact file already passed the full check against
    /// this exact host binary (see the plugin index).
    AlreadyPassed,
}

/// dlopens `path` (after the pre-flight check) and checks its interface.
pub fn load_module(path: &Path, check: LayoutCheck) -> Result<PluginModRef, LoadFailure> {
    lib_header_from_path(path)
        .and_then(|header| match check {
            LayoutCheck::Full => header.init_root_module::<PluginModRef>(),
            // SAFETY: the index names a file only after `Full` accepted it, keyed by the
            // file's and the host's identity; an unchanged file has the same layout.
            LayoutCheck::AlreadyPassed => unsafe {
                header.init_root_module_with_unchecked_layout::<PluginModRef>()
            },
        })
        .map_err(|err| LoadFailure {
            reason: summarize(&err),
            detail: err.to_string().trim().to_string(),
        })
}

fn api_major() -> &'static str {
    API_VERSION.split('.').next().unwrap_or("1")
}

/// One line per `LibraryError` variant: what is wrong and what to do.
pub fn summarize(err: &LibraryError) -> String {
    let rebuild = format!(
        "rebuild it against lxcri-plugin-api {API_VERSION} or install the package built for this host (proxmox-lxcri-abi-{})",
        api_major()
    );
    match err {
        LibraryError::OpenError { err, .. } => {
            let text = err.to_string();
            let last = text.rsplit(": ").next().unwrap_or(&text).trim();
            format!("the dynamic loader refused it: {last}")
        }
        LibraryError::GetSymbolError { .. } => {
            "not a proxmox-lxcri plugin (no plugin root symbol)".to_string()
        }
        LibraryError::ParseVersionError(e) => {
            format!("unreadable interface version ({e}); {rebuild}")
        }
        LibraryError::IncompatibleVersionNumber {
            expected_version,
            actual_version,
            ..
        } => format!(
            "built against plugin API {actual_version}, this host implements {expected_version}; {rebuild}"
        ),
        LibraryError::RootModule { err, .. } => {
            format!(
                "the plugin failed to initialise: {}",
                first_line(&err.to_string())
            )
        }
        LibraryError::AbiInstability(e) => {
            let text = e.to_string();
            let problems: Vec<&str> = text
                .split("Error:")
                .skip(1)
                .filter_map(|chunk| chunk.lines().next())
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(3)
                .collect();
            let what = if problems.is_empty() {
                "layout differs".to_string()
            } else {
                problems.join("; ")
            };
            format!("incompatible plugin interface ({what}); {rebuild}")
        }
        LibraryError::InvalidAbiHeader(h) => format!(
            "built with abi_stable {}.{}, this host uses 0.11; {rebuild}",
            h.abi_major, h.abi_minor
        ),
        LibraryError::InvalidCAbi { .. } => {
            format!("built by a compiler with another C ABI; {rebuild}")
        }
        LibraryError::Many(errs) => errs
            .iter()
            .next()
            .map(summarize)
            .unwrap_or_else(|| "unknown load error".to_string()),
    }
}

fn first_line(text: &str) -> String {
    text.trim()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}
