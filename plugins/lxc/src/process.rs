//! The container's process seen from the host: the shared helpers of
//! `lxcri_plugin_helpers::procs`.

pub use lxcri_plugin_helpers::procs::{alive, pidfd, signal, start_time, wait_all};
