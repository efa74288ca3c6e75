//! The error every plugin call returns, and its stable kind codes.

use std::fmt;

use abi_stable::{StableAbi, std_types::RString};

/// What went wrong, as a stable code. New kinds may be added in 1.x minors; a host
/// that does not know a code treats it as [`ErrorKind::Backend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The container, guest, dataset or file does not exist.
    NotFound,
    /// Something with that name or id exists already.
    AlreadyExists,
    /// The request, bundle or config is malformed.
    InvalidInput,
    /// The plugin does not implement this operation.
    Unsupported,
    /// The object is locked, busy or in the wrong state for this operation.
    Conflict,
    /// A service the plugin needs is down or unreachable.
    Unavailable,
    /// The operation did not finish in time.
    Timeout,
    /// Not allowed (permissions, authentication).
    Permission,
    /// The backend tool or service reported a failure.
    Backend,
    /// A bug in the plugin (a panic, a broken invariant).
    Internal,
}

impl ErrorKind {
    /// The stable code that crosses the ABI.
    pub const fn code(self) -> u32 {
        match self {
            ErrorKind::NotFound => 1,
            ErrorKind::AlreadyExists => 2,
            ErrorKind::InvalidInput => 3,
            ErrorKind::Unsupported => 4,
            ErrorKind::Conflict => 5,
            ErrorKind::Unavailable => 6,
            ErrorKind::Timeout => 7,
            ErrorKind::Permission => 8,
            ErrorKind::Backend => 9,
            ErrorKind::Internal => 10,
        }
    }

    /// Decodes a code; unknown codes (from a newer plugin) become `Backend`.
    pub const fn from_code(code: u32) -> Self {
        match code {
            1 => ErrorKind::NotFound,
            2 => ErrorKind::AlreadyExists,
            3 => ErrorKind::InvalidInput,
            4 => ErrorKind::Unsupported,
            5 => ErrorKind::Conflict,
            6 => ErrorKind::Unavailable,
            7 => ErrorKind::Timeout,
            8 => ErrorKind::Permission,
            10 => ErrorKind::Internal,
            _ => ErrorKind::Backend,
        }
    }

    /// A short lowercase name, used in JSON output and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::AlreadyExists => "already-exists",
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Permission => "permission",
            ErrorKind::Backend => "backend",
            ErrorKind::Internal => "internal",
        }
    }
}

/// The error type of every ABI call: a kind code, a one-line message and an optional
/// hint saying what to do about it.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    /// An [`ErrorKind`] code.
    pub kind: u32,
    /// One line: what is wrong.
    pub message: RString,
    /// One line: what to do (may be empty).
    pub hint: RString,
}

impl PluginError {
    /// An error of `kind` with a message and no hint.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind: kind.code(),
            message: RString::from(message.into()),
            hint: RString::new(),
        }
    }

    /// Adds a hint (what the user should do).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = RString::from(hint.into());
        self
    }

    /// The decoded kind.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.kind)
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        let hint = self.hint.as_str();
        (!hint.is_empty()).then_some(hint)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AlreadyExists, message)
    }
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }
    pub fn permission(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Permission, message)
    }
    pub fn backend(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Backend, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_str())
    }
}

impl std::error::Error for PluginError {}

impl From<serde_json::Error> for PluginError {
    fn from(err: serde_json::Error) -> Self {
        PluginError::invalid_input(format!("malformed JSON request: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_backend_errors() {
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::AlreadyExists,
            ErrorKind::InvalidInput,
            ErrorKind::Unsupported,
            ErrorKind::Conflict,
            ErrorKind::Unavailable,
            ErrorKind::Timeout,
            ErrorKind::Permission,
            ErrorKind::Backend,
            ErrorKind::Internal,
        ] {
            assert_eq!(ErrorKind::from_code(kind.code()), kind);
        }
        assert_eq!(ErrorKind::from_code(999), ErrorKind::Backend);
    }
}
