//! Secrets (API token, password): never in `Debug`, logs or errors, wiped from memory
//! when dropped (`secrecy`); read from files that only their owner can read.

use std::{fmt, os::unix::fs::PermissionsExt, path::Path};

use secrecy::{ExposeSecret, SecretString};

use crate::PveError;

/// A secret string; prints as `***`.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself (only for building the request that needs it).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Reads a secret file (first line), refusing files readable by group or others.
    pub fn from_file(path: &Path) -> Result<Self, PveError> {
        let meta = std::fs::metadata(path).map_err(|e| {
            PveError::Config(format!("cannot read secret file {}: {e}", path.display()))
        })?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(PveError::Config(format!(
                "secret file {} is readable by group/others; chmod 600 it",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            PveError::Config(format!("cannot read secret file {}: {e}", path.display()))
        })?;
        let line = text.lines().next().unwrap_or_default().trim().to_string();
        if line.is_empty() {
            return Err(PveError::Config(format!(
                "secret file {} is empty",
                path.display()
            )));
        }
        Ok(Self::new(line))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print_and_loose_files_are_refused() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "root@pam!x=abc\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Secret::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600") && !err.contains("abc"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Secret::from_file(&path).unwrap().expose(), "root@pam!x=abc");
    }
}
