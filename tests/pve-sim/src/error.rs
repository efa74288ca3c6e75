//! Proxmox's error shapes: status, message (its first line becomes the reason phrase)
//! and per-parameter `errors`.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub errors: Option<BTreeMap<String, String>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: None,
        }
    }

    /// A plain `die` in Proxmox: 500.
    pub fn die(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    /// 400 "Parameter verification failed." with one error per parameter.
    pub fn params(errors: BTreeMap<String, String>) -> Self {
        Self {
            status: 400,
            message: "Parameter verification failed.".into(),
            errors: Some(errors),
        }
    }

    pub fn param(name: &str, message: impl Into<String>) -> Self {
        Self::params(BTreeMap::from([(name.to_string(), message.into())]))
    }
}
