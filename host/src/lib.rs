//! proxmox-lxcri host: plugin discovery and loading, the runc-compatible CLI, container
//! state, routing and config. The binary (`main.rs`) only calls [`cli::main`]; every
//! other module is private, so code nothing uses shows as dead.

mod args;
mod backend;
mod bundle;
pub mod cli;
mod commands;
mod config;
mod crash_point;
mod error;
mod integration;
mod logging;
mod operation;
mod plugins;
mod progress;
mod rootfs_storage;
mod routing;
mod services;
mod signal;
mod state;
#[cfg(test)]
mod testing;
mod version;
