//! Helpers for proxmox-lxcri plugins that are not part of the plugin ABI, so that
//! `lxcri-plugin-api` keeps its version for ABI changes alone.

pub mod bundle;
