//! The container's process seen from the host: the shared helpers of
//! `lxcri_plugin_api::procs`.

pub use lxcri_plugin_api::procs::{alive, pidfd, signal, start_time, wait_all};
