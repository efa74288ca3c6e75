//! # BFC
//!
//! A native reader and writer of the BFC single-file archive format (header, objects,
//! sorted index, footer; optional zstd per file and ChaCha20-Poly1305 encryption with a
//! password or a key file), interoperable with the reference C tool, with safe
//! extraction. Also the `bfc` integration plugin: `proxmox-lxcri bfc
//! create|list|extract|verify|info|pack-bundle|unpack-bundle`, and the `pack` /
//! `unpack` hooks for bundles and checkpoint images.

pub mod bundle;
mod commands;
pub mod crc;
pub mod crypto;
pub mod extract;
pub mod layout;
pub mod path;
mod prepared;
pub mod reader;
pub mod writer;

/// The piece size of large contents' copies, in and out.
const COPY_BUFFER: usize = 1 << 20;

use lxcri_plugin_api::{PluginContext, PluginError};

/// Everything that can go wrong with an archive.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BfcError {
    /// An I/O failure, with its kind (what callers branch on) and what failed.
    #[error("{message}")]
    Io {
        message: String,
        kind: std::io::ErrorKind,
    },
    #[error("archive is corrupt: {0}")]
    Corrupt(String),
    #[error("refusing a hostile archive: {0}")]
    Hostile(String),
    #[error("invalid archive path {0}")]
    BadPath(String),
    #[error("wrong password or key: {0} does not decrypt")]
    WrongKey(String),
    #[error("{0} is encrypted")]
    NeedKey(String),
    #[error("{0}")]
    Crypto(String),
    #[error("{0}")]
    Exists(String),
}

impl BfcError {
    /// An I/O error as it is.
    pub fn io(e: &std::io::Error) -> Self {
        Self::Io {
            message: e.to_string(),
            kind: e.kind(),
        }
    }

    /// An I/O error on `what`.
    pub fn io_at(what: impl std::fmt::Display, e: &std::io::Error) -> Self {
        Self::Io {
            message: format!("{what}: {e}"),
            kind: e.kind(),
        }
    }

    /// A failure of the file system that is no `std::io::Error`.
    pub fn io_other(message: impl Into<String>) -> Self {
        Self::Io {
            message: message.into(),
            kind: std::io::ErrorKind::Other,
        }
    }
}

impl From<BfcError> for PluginError {
    fn from(e: BfcError) -> Self {
        let text = e.to_string();
        match e {
            BfcError::Io {
                kind: std::io::ErrorKind::NotFound,
                ..
            } => PluginError::not_found(text),
            BfcError::Io { .. } => PluginError::backend(text),
            BfcError::Corrupt(_)
            | BfcError::Hostile(_)
            | BfcError::BadPath(_)
            | BfcError::Crypto(_) => PluginError::invalid_input(text),
            BfcError::WrongKey(_) => PluginError::permission(text),
            BfcError::NeedKey(_) => PluginError::invalid_input(text)
                .with_hint("pass --password, --password-file or --keyfile"),
            BfcError::Exists(_) => PluginError::already_exists(text),
        }
    }
}

lxcri_plugin_api::declare_plugin! {
    info: commands::info,
    integration: |ctx: &PluginContext| Ok(commands::Bfc { ctx: ctx.clone() }),
}
