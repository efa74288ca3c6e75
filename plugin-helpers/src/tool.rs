//! Helpers for plugins that drive command-line tools: one way to
//! run a tool and turn its failure into a one-line error of the right kind.

use std::process::{Command, Stdio};

use lxcri_plugin_api::{ErrorKind, PluginError};

/// The last non-empty line of a tool's stderr: usually the one that says what failed.
pub fn last_line(stderr: &str) -> &str {
    stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("failed without a message")
}

/// A rule of a [`Classifier`]: a message containing any of `any` (lower case) has
/// `kind`, with `hint` when given.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub any: &'static [&'static str],
    pub kind: ErrorKind,
    pub hint: Option<&'static str>,
}

/// How one tool's messages map to error kinds: the first rule that matches wins; no
/// rule is [`ErrorKind::Backend`].
#[derive(Debug, Clone, Copy)]
pub struct Classifier(pub &'static [Rule]);

impl Classifier {
    /// The error for `message`, prefixed with `what` (`"create"`, `"zfs"`).
    pub fn classify(&self, what: &str, message: &str) -> PluginError {
        let text = format!("{what}: {message}");
        let lower = message.to_ascii_lowercase();
        let rule = self
            .0
            .iter()
            .find(|r| r.any.iter().any(|needle| lower.contains(needle)));
        let Some(rule) = rule else {
            return PluginError::backend(text);
        };
        let err = PluginError::new(rule.kind, text);
        match rule.hint {
            Some(hint) => err.with_hint(hint),
            None => err,
        }
    }
}

/// A tool: its name in messages, how its errors read, and what to do when it is missing.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    pub name: &'static str,
    pub classifier: Classifier,
    pub missing_hint: &'static str,
}

/// Runs `cmd` (stdin and stdout as the caller set them; stdout is returned when piped)
/// with stderr captured. A failure is the last stderr line, classified and prefixed
/// with `what`; a tool that cannot be started is unavailable, with the tool's hint.
pub fn run(mut cmd: Command, tool: &Tool, what: &str) -> Result<String, PluginError> {
    tracing::debug!(?cmd, "running");
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.stderr(Stdio::piped()).output().map_err(|e| {
        PluginError::unavailable(format!(
            "{} is not installed (cannot run {program}: {e})",
            tool.name
        ))
        .with_hint(tool.missing_hint)
    })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(tool.classifier.classify(what, last_line(&stderr)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_last_non_empty_line() {
        assert_eq!(super::last_line("a\nb: boom\n\n"), "b: boom");
        assert_eq!(super::last_line(""), "failed without a message");
    }

    #[test]
    fn the_first_matching_rule_decides() {
        const C: Classifier = Classifier(&[
            Rule {
                any: &["does not exist"],
                kind: ErrorKind::NotFound,
                hint: None,
            },
            Rule {
                any: &["busy", "in use"],
                kind: ErrorKind::Conflict,
                hint: Some("stop it first"),
            },
        ]);
        let e = C.classify("zfs", "dataset does NOT exist");
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.message.as_str(), "zfs: dataset does NOT exist");
        let e = C.classify("zfs", "pool is busy");
        assert_eq!(
            (e.kind(), e.hint.as_str()),
            (ErrorKind::Conflict, "stop it first")
        );
        assert_eq!(C.classify("zfs", "boom").kind(), ErrorKind::Backend);
    }
}
