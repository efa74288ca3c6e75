//! Ready-made prerequisite checks for a plugin's `doctor` answer
//! (`lxcri_plugin_api::doctor`): a tool that runs, a path that exists.

use std::{path::Path, process::Command};

use lxcri_plugin_api::doctor::Check;

/// Runs `tool version_args`: passes with the first line it prints (its version),
/// fails with what went wrong and `fix`.
pub fn tool(name: &str, tool: &Path, version_args: &[&str], fix: &str) -> Check {
    match Command::new(tool).args(version_args).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(if out.stdout.is_empty() {
                &out.stderr
            } else {
                &out.stdout
            })
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
            Check::pass(name, format!("{} ({text})", tool.display()))
        }
        Ok(out) => Check::fail(
            name,
            format!(
                "{} {}: {}",
                tool.display(),
                version_args.join(" "),
                crate::tool::last_line(&String::from_utf8_lossy(&out.stderr))
            ),
            fix,
        ),
        Err(e) => Check::fail(name, format!("{}: {e}", tool.display()), fix),
    }
}

/// Passes when `path` exists.
pub fn path(name: &str, path: &Path, fix: &str) -> Check {
    if path.exists() {
        Check::pass(name, path.display().to_string())
    } else {
        Check::fail(name, format!("{} does not exist", path.display()), fix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_that_runs_passes_with_its_first_line() {
        let c = tool(
            "sh",
            Path::new("/bin/sh"),
            &["-c", "echo v1.2; echo more"],
            "x",
        );
        assert!(c.ok, "{c:?}");
        assert!(c.detail.contains("v1.2"), "{c:?}");
    }

    #[test]
    fn a_missing_or_failing_tool_fails_with_the_fix() {
        let c = tool(
            "t",
            Path::new("/nonexistent/tool"),
            &["--version"],
            "install t",
        );
        assert!(!c.ok);
        assert_eq!(c.fix.as_deref(), Some("install t"));
        let c = tool(
            "sh",
            Path::new("/bin/sh"),
            &["-c", "echo bad >&2; exit 3"],
            "x",
        );
        assert!(!c.ok && c.detail.ends_with("bad"), "{c:?}");
    }
}
