//! How to reach and authenticate to a Proxmox VE cluster (a part of each Proxmox
//! plugin's config table).

use std::path::PathBuf;

use serde::Deserialize;

/// Connection settings.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    /// API base URLs, e.g. `https://pve1:8006`; several for failover.
    pub endpoints: Vec<String>,
    /// File holding `USER@REALM!TOKENID=SECRET` (mode 0600). Preferred.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Ticket auth: user (`root@pam`) and a file holding the password (mode 0600).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub tls: TlsConfig,
    /// Deadline of one API call including retries, seconds (default 60).
    #[serde(default)]
    pub request_timeout_secs: Option<u64>,
    /// Deadline of a task (UPID) wait, seconds (default 600).
    #[serde(default)]
    pub task_timeout_secs: Option<u64>,
    /// Renew tickets this old, seconds (default 5400; tickets live 7200).
    #[serde(default)]
    pub ticket_renew_after_secs: Option<u64>,
}

impl ConnectionConfig {
    /// Whether requests authenticate as root@pam. An API token never does, even one of
    /// root@pam (`root@pam!name` is another user: fact 3 of reference/pve-api.md).
    pub fn is_root_pam(&self) -> bool {
        self.token_file.is_none() && self.username.as_deref() == Some("root@pam")
    }
}

/// TLS verification: the system roots by default, or a CA file, or a pinned
/// SHA-256 fingerprint of the server certificate, or (explicitly) none.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// `AB:CD:...` (32 bytes, colons optional).
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Skip verification entirely (logged as a warning on every start).
    #[serde(default)]
    pub insecure: bool,
}
