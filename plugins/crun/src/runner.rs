//! Running the crun binary and turning its failures into one-line plugin errors.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use lxcri_plugin_api::{ErrorKind, PluginError};
use lxcri_plugin_helpers::tool::{self, Classifier, Rule, Tool};

const MISSING_HINT: &str = "install crun or set `path` in [plugins.crun] of the config file";

use crate::config::CrunConfig;

/// A configured crun.
pub struct Crun {
    bin: PathBuf,
    extra: Vec<String>,
    root: PathBuf,
}

/// How crun's messages map to error kinds.
const CLASSIFIER: Classifier = Classifier(&[
    Rule {
        any: &[
            "/status`: no such file or directory",
            "cannot open directory",
            "does not exist",
        ],
        kind: ErrorKind::NotFound,
        hint: None,
    },
    Rule {
        any: &["already exists"],
        kind: ErrorKind::AlreadyExists,
        hint: None,
    },
    Rule {
        any: &[
            "` state",
            "is not in",
            "not running",
            "is paused",
            "is not paused",
        ],
        kind: ErrorKind::Conflict,
        hint: None,
    },
    Rule {
        any: &["unknown version specified"],
        kind: ErrorKind::InvalidInput,
        hint: Some("this crun accepts ociVersion 1.0.x and 1.1.x in config.json"),
    },
]);

const CRUN: Tool = Tool {
    name: "crun",
    classifier: CLASSIFIER,
    missing_hint: MISSING_HINT,
};

/// How a crun run ended when it did not succeed.
fn classify(op: &str, message: &str) -> PluginError {
    CLASSIFIER.classify(op, message)
}

impl Crun {
    /// The crun binary this backend runs.
    pub fn bin(&self) -> &std::path::Path {
        &self.bin
    }

    pub fn new(config: CrunConfig, host_root: &str) -> Result<Self, PluginError> {
        let root = config
            .root
            .unwrap_or_else(|| Path::new(host_root).join(".crun"));
        Ok(Self {
            bin: config.path,
            extra: config.args,
            root,
        })
    }

    fn command(&self, log: Option<&Path>) -> Command {
        let mut cmd = Command::new(&self.bin);
        if crate::hybrid::needs_hidden_v2() {
            crate::hybrid::hide_v2(&mut cmd);
        }
        cmd.args(&self.extra)
            .arg(format!("--root={}", self.root.display()));
        if let Some(log) = log {
            cmd.arg(format!("--log={}", log.display()))
                .arg("--log-format=json");
        }
        cmd
    }

    fn spawn_error(&self, e: std::io::Error) -> PluginError {
        PluginError::unavailable(format!("cannot run {}: {e}", self.bin.display()))
            .with_hint(MISSING_HINT)
    }

    /// Runs `crun <args>` capturing its output (for commands that do not hand the
    /// container's stdio to crun). Returns stdout.
    pub fn output<I, S>(&self, op: &str, args: I) -> Result<String, PluginError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command(None);
        cmd.arg(op)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        tool::run(cmd, &CRUN, op)
    }

    /// Runs `crun <args>` with the caller's stdio (the container's stdio for create and
    /// exec); errors are read from a per-run JSON log in `dir`. Returns the exit code
    /// when crun logged no error (an attached exec returns the process's status).
    pub fn attached<I, S>(&self, op: &str, dir: &Path, args: I) -> Result<i32, PluginError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let log = dir.join(format!("crun-{op}.log"));
        let _ = std::fs::remove_file(&log);
        let mut cmd = self.command(Some(&log));
        cmd.arg(op).args(args);
        tracing::debug!(?cmd, "running crun");
        let status = cmd.status().map_err(|e| self.spawn_error(e))?;
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        let error = logged
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["level"] == "error")
            .filter_map(|v| v["msg"].as_str().map(str::to_string))
            .next_back();
        match (error, status.code()) {
            (Some(msg), _) => Err(classify(op, &msg)),
            (None, Some(code)) => Ok(code),
            (None, None) => Err(PluginError::backend(format!(
                "crun {op} was killed: {status}"
            ))),
        }
    }

    /// crun's state root.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crun_messages_map_to_kinds() {
        let nf = classify(
            "state",
            "error opening file `/r/x/status`: No such file or directory",
        );
        assert_eq!(nf.kind(), ErrorKind::NotFound);
        assert!(nf.message.starts_with("state: error opening"));
        let c = classify(
            "delete",
            "the container `t2` is not in `created` or `stopped` state",
        );
        assert_eq!(c.kind(), ErrorKind::Conflict);
        let v = classify("create", "unknown version specified");
        assert_eq!(v.kind(), ErrorKind::InvalidInput);
        assert_eq!(classify("start", "boom").kind(), ErrorKind::Backend);
    }
}
