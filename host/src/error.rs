//! The host's error type: a kind (shared with plugins), one line of message and an
//! optional hint. Every failure the user sees is one of these.

use std::fmt;

use lxcri_plugin_api::{ErrorKind, PluginError};

/// A failure with what went wrong and what to do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub struct HostError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

pub type Result<T, E = HostError> = std::result::Result<T, E>;

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl HostError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// An I/O failure on `what` (a path or an action).
    pub fn io(what: impl fmt::Display, err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::PermissionDenied => ErrorKind::Permission,
            std::io::ErrorKind::AlreadyExists => ErrorKind::AlreadyExists,
            _ => ErrorKind::Backend,
        };
        Self::new(kind, format!("{what}: {err}"))
    }

    /// A plugin's error, prefixed by the plugin name.
    pub fn from_plugin(plugin: &str, err: PluginError) -> Self {
        let mut out = Self::new(err.kind(), format!("{plugin}: {}", err.message));
        out.hint = err.hint().map(str::to_string);
        out
    }

    /// The process exit code for this error (see `docs/exit-codes.md`).
    pub fn exit_code(&self) -> i32 {
        exit_code(self.kind)
    }
}

/// Exit code of each error kind. 0 is success; clap's usage errors exit with 2 too.
pub fn exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Backend => 1,
        ErrorKind::InvalidInput => 2,
        ErrorKind::NotFound => 3,
        ErrorKind::AlreadyExists => 4,
        ErrorKind::Unsupported => 5,
        ErrorKind::Conflict => 6,
        ErrorKind::Unavailable => 7,
        ErrorKind::Timeout => 8,
        ErrorKind::Permission => 9,
        ErrorKind::Internal => 10,
    }
}
