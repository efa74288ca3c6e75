//! A thin Proxmox VE API client for the proxmox-lxcri plugins: reqwest with rustls on
//! the ring provider, API token or ticket auth (CSRF, renewal before expiry), TLS
//! verification by default (CA file, pinned fingerprint or an explicit insecure
//! switch), tolerant decoding, task waiting, retries only where safe, and failover
//! across several endpoints. Secrets never reach logs or errors.

pub mod backend;
pub mod blocking;
pub mod client;
pub mod config;
pub mod doctor;
pub mod error;
pub mod guest;
pub mod lenient;
pub mod secret;
pub mod stand_in;
pub mod task;
pub mod tls;

pub use blocking::Pve;
pub use client::{Params, PveClient};
pub use config::{ConnectionConfig, TlsConfig};
pub use error::PveError;
pub use task::{TaskOk, Upid};

/// Builds form parameters: `params![("vmid", 100), ("start", true)]`; booleans
/// become `1`/`0`.
#[macro_export]
macro_rules! params {
    ($(($k:expr, $v:expr)),* $(,)?) => {{
        let p: $crate::Params = vec![$(($k.to_string(), $crate::client::ParamValue::to_param(&$v))),*];
        p
    }};
}
