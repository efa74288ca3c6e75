//! proxmox-lxcri host: plugin discovery and loading, the runc-compatible CLI, container
//! state, routing and config. The binary (`main.rs`) only calls [`cli::main`].

pub mod app;
pub mod backend;
pub mod bundle;
pub mod cli;
pub mod commands;
pub mod config;
pub mod crash_point;
pub mod error;
pub mod integration;
pub mod logging;
pub mod plugins;
pub mod progress;
pub mod rootfs_storage;
pub mod routing;
pub mod signal;
pub mod state;
