//! The versions this host reports.

/// The host's version, printed by `--version` and handed to plugins.
pub const HOST_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The OCI runtime-spec version this host speaks.
pub const OCI_SPEC_VERSION: &str = "1.0.2";

/// The text of `--version` and `proxmox-lxcri version`.
pub fn version_text() -> String {
    format!(
        "proxmox-lxcri version {HOST_VERSION}\nplugin-api: {}\nspec: {OCI_SPEC_VERSION}\n",
        lxcri_plugin_api::API_VERSION
    )
}
