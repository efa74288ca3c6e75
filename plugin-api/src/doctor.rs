//! Self-checks for `proxmox-lxcri doctor` (a convention over the module-level `call`,
//! not part of the ABI): a plugin answers the operation [`DOCTOR_OP`] with a list of
//! [`Check`]s saying whether each prerequisite holds and, when not, what to fix.

use serde::{Deserialize, Serialize};

/// The operation name `doctor` calls on every backend and integration.
pub const DOCTOR_OP: &str = "doctor";

/// One prerequisite and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    /// What was found (a version, a path, the error).
    pub detail: String,
    /// What to do when it does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// The checks as the JSON value a plugin's `call` returns.
    pub fn report(checks: Vec<Check>) -> serde_json::Value {
        serde_json::to_value(checks).unwrap_or_default()
    }
}
