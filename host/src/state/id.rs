//! Container id validation, before an id touches the filesystem.

use crate::error::{HostError, Result};

/// Longest accepted id (bytes); a path component must stay well under NAME_MAX.
pub const MAX_ID_LEN: usize = 200;

/// Accepts ids made of ASCII letters, digits and `_ + - .` (runc's rule), not starting
/// with `.` (names starting with a dot are the host's own) nor with `-` (a backend's
/// tool would read it as an option), at most [`MAX_ID_LEN`] bytes.
pub fn validate(id: &str) -> Result<()> {
    let hint = "use letters, digits and _ + - . (not starting with a dot or a dash), at most 200 characters";
    if id.is_empty() {
        return Err(HostError::invalid("container id is empty").hint(hint));
    }
    if id.len() > MAX_ID_LEN {
        return Err(HostError::invalid(format!(
            "container id is {} characters long, the limit is {MAX_ID_LEN}",
            id.len()
        ))
        .hint(hint));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-' | '.')))
    {
        return Err(HostError::invalid(format!(
            "invalid container id {id:?}: character {bad:?} is not allowed"
        ))
        .hint(hint));
    }
    if id.starts_with('.') {
        return Err(
            HostError::invalid(format!("invalid container id {id:?}: starts with a dot"))
                .hint(hint),
        );
    }
    // A backend's tool (crun, lxc-start) would read it as an option.
    if id.starts_with('-') {
        return Err(HostError::invalid(format!(
            "invalid container id {id:?}: starts with '-', which a runtime reads as an option"
        ))
        .hint(hint));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_runtime_style_ids() {
        for id in [
            "c1",
            "my_ctr-2.test",
            "a+b",
            &"x".repeat(200),
            "0123456789abcdef",
        ] {
            validate(id).unwrap();
        }
    }

    #[test]
    fn refuses_path_tricks_and_extremes() {
        for id in [
            "",
            "../x",
            "a/b",
            "/",
            ".",
            "..",
            ".hidden",
            "-rf",
            "--help",
            "sp ace",
            "nul\0",
            &"x".repeat(1024),
        ] {
            let err = validate(id).unwrap_err();
            assert!(!err.to_string().contains('\n'));
        }
    }
}
