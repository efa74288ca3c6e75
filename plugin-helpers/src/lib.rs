//! Helpers for proxmox-lxcri plugins that are not part of the plugin ABI, so that
//! `lxcri-plugin-api` keeps its version for ABI changes alone: reading a bundle, the
//! host's processes, running a command-line tool with classified errors, cgroup
//! statistics, the features document's vocabulary and ready-made doctor checks.

pub mod bundle;
pub mod cgroup_stats;
pub mod checks;
pub mod features;
pub mod procs;
pub mod tool;
