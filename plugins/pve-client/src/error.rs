//! Client errors: HTTP status, reason and Proxmox's message/errors; task failures with
//! the task's last log lines. Never contains secrets.

use std::collections::BTreeMap;

use lxcri_plugin_api::PluginError;

/// An HTTP error answer: status, reason, Proxmox's message and per-parameter errors.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} {path}: HTTP {status} {reason}{}", detail(.message, .errors))]
pub struct HttpError {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub reason: String,
    pub message: String,
    pub errors: BTreeMap<String, String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum PveError {
    #[error("invalid Proxmox connection settings: {0}")]
    Config(String),
    #[error("Proxmox VE API unreachable ({0})")]
    Unreachable(String),
    #[error("{0}")]
    Http(Box<HttpError>),
    #[error("{0}: no answer before the deadline")]
    Timeout(String),
    /// A write whose answer never came: Proxmox may or may not have acted (fact 1 of
    /// reference/pve-api.md). Never re-sent blindly; the caller reads the state again.
    #[error("{method} {path}: the answer was lost ({detail}); Proxmox may have acted")]
    Lost {
        method: String,
        path: String,
        detail: String,
    },
    #[error("task {upid} failed: {status}{}", tail(.log))]
    TaskFailed {
        upid: String,
        status: String,
        log: Vec<String>,
    },
    #[error("unexpected reply to {path}: {message}")]
    Decode { path: String, message: String },
}

fn detail(message: &str, errors: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let message = message.trim();
    if !message.is_empty() {
        out.push_str(": ");
        out.push_str(message);
    }
    if !errors.is_empty() {
        let list: Vec<String> = errors
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.trim()))
            .collect();
        out.push_str(&format!(" ({})", list.join("; ")));
    }
    out.replace('\n', " ")
}

fn tail(log: &[String]) -> String {
    let lines: Vec<&str> = log
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("TASK "))
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!(" (log: {})", lines.join(" | "))
    }
}

impl PveError {
    /// HTTP status, if this is an HTTP error.
    pub fn status(&self) -> Option<u16> {
        match self {
            PveError::Http(h) => Some(h.status),
            _ => None,
        }
    }

    /// Proxmox's message (for matching on its texts).
    pub fn message(&self) -> String {
        match self {
            PveError::Http(h) => {
                let mut m = h.message.clone();
                for v in h.errors.values() {
                    m.push(' ');
                    m.push_str(v);
                }
                m
            }
            other => other.to_string(),
        }
    }

    /// "Already exists" answers to create and nextid.
    pub fn is_already_exists(&self) -> bool {
        self.message().contains("already exists")
    }

    /// A lock held by someone else (sync "locked" or a flock timeout).
    pub fn is_locked(&self) -> bool {
        let m = self.message();
        m.contains("can't lock file") || m.contains("is locked")
    }

    /// A lock that our own operations hold for a while and then drop: a flock
    /// timeout, or the `create`/`clone` lock of a guest being made. Worth waiting
    /// for; a `backup` or `migrate` lock is not.
    pub fn is_transient_lock(&self) -> bool {
        let m = self.message();
        m.contains("can't lock file")
            || m.contains("is locked (create)")
            || m.contains("is locked (clone)")
    }

    /// A create or clone onto a vmid that someone else holds, found early or by the
    /// worker ("already exists", "config file already exists").
    pub fn is_collision(&self) -> bool {
        self.message().contains("already exists")
    }

    /// An answer lost after the request was sent.
    pub fn is_lost(&self) -> bool {
        matches!(self, PveError::Lost { .. })
    }

    /// A node without quorum refusing a write (fact 7).
    pub fn is_no_quorum(&self) -> bool {
        self.message().contains("no quorum")
    }

    /// A power action on a stopped guest ("CT 100 not running").
    pub fn is_not_running(&self) -> bool {
        self.message().contains("not running")
    }

    /// A destroy refused because the guest runs ("container is running", "is running -
    /// destroy failed").
    pub fn is_running(&self) -> bool {
        self.message().contains("is running")
    }

    /// A missing guest (Proxmox answers 500, not 404).
    pub fn is_missing(&self) -> bool {
        let m = self.message();
        m.contains("does not exist")
    }
}

impl From<PveError> for PluginError {
    fn from(err: PveError) -> Self {
        let text = err.to_string();
        match &err {
            PveError::Config(_) => PluginError::invalid_input(text)
                .with_hint("fix this plugin's table in the proxmox-lxcri config file"),
            PveError::Unreachable(_) => PluginError::unavailable(text).with_hint(
                "check `endpoints` in the config and that pveproxy (port 8006) is reachable",
            ),
            PveError::Timeout(_) => PluginError::timeout(text),
            PveError::Lost { .. } => PluginError::unavailable(text).with_hint(
                "check the guest in Proxmox; `delete --force` removes what this container made",
            ),
            _ if err.is_no_quorum() => PluginError::unavailable(text).with_hint(
                "the node has lost quorum (`pvecm status` on it); pin `node` to a quorate node or wait",
            ),
            PveError::TaskFailed { .. } => PluginError::backend(text),
            PveError::Decode { .. } => PluginError::backend(text),
            PveError::Http(h) => match h.status {
                403 if h.message.contains("only allowed for root@pam") => {
                    PluginError::permission(text).with_hint(
                        "Proxmox reserves this setting for root@pam, which an API token never is; \
                         use username = \"root@pam\" with password_file, or drop the setting",
                    )
                }
                401 => PluginError::permission(text)
                    .with_hint("check the API token or user/password configured for this plugin"),
                403 => PluginError::permission(text).with_hint(
                    "grant the token the needed privileges (privilege separation is on by default)",
                ),
                400 => PluginError::invalid_input(text),
                595 | 596 => PluginError::unavailable(text)
                    .with_hint("a cluster node is down or unreachable"),
                _ if err.is_missing() => PluginError::not_found(text),
                _ if err.is_locked() => PluginError::conflict(text),
                _ if err.is_already_exists() => PluginError::already_exists(text),
                _ => PluginError::backend(text),
            },
        }
    }
}
