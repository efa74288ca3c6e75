//! Running `zfs` / `zpool` (argv only, never a shell) and reading their `-H` output.

use std::process::{Command, Stdio};

use lxcri_plugin_api::{ErrorKind, PluginError};
use lxcri_plugin_helpers::tool::{Classifier, Rule, Tool};

use crate::config::ZfsConfig;

pub struct Zfs {
    pub cfg: ZfsConfig,
}

/// How `zfs` and `zpool` messages map to error kinds.
const CLASSIFIER: Classifier = Classifier(&[
    Rule {
        any: &[
            "does not exist",
            "no such pool",
            "no such dataset",
            "could not find any snapshots",
        ],
        kind: ErrorKind::NotFound,
        hint: None,
    },
    Rule {
        any: &["busy"],
        kind: ErrorKind::Conflict,
        hint: Some("stop what uses the dataset first"),
    },
    Rule {
        any: &["already exists"],
        kind: ErrorKind::AlreadyExists,
        hint: None,
    },
    Rule {
        any: &["daemon", "zfs_socket", "failed to initialize zfs library"],
        kind: ErrorKind::Unavailable,
        hint: Some("start the ZFS daemon (zfs-fuse) or load the ZFS module"),
    },
    Rule {
        any: &["modules are not loaded"],
        kind: ErrorKind::Unavailable,
        hint: Some("load the zfs kernel module or use zfs-fuse"),
    },
]);

#[cfg(test)]
fn classify(tool: &str, message: &str) -> PluginError {
    CLASSIFIER.classify(tool, message)
}

impl Zfs {
    fn command(&self, tool: &std::path::Path) -> Command {
        let mut argv: Vec<String> = self.cfg.command_prefix.clone();
        argv.push(tool.display().to_string());
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        cmd
    }

    fn run_tool(
        &self,
        tool: &std::path::Path,
        args: &[&str],
        stdin: Stdio,
        stdout: Stdio,
    ) -> Result<String, PluginError> {
        let name = tool
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut cmd = self.command(tool);
        cmd.args(args).stdin(stdin).stdout(stdout);
        let tool = Tool {
            name: if name == "zpool" { "zpool" } else { "zfs" },
            classifier: CLASSIFIER,
            missing_hint: "install zfsutils-linux or zfs-fuse, or set zfs/zpool in [plugins.zfs]",
        };
        lxcri_plugin_helpers::tool::run(cmd, &tool, &name)
    }

    pub fn zfs(&self, args: &[&str]) -> Result<String, PluginError> {
        self.run_tool(&self.cfg.zfs, args, Stdio::null(), Stdio::piped())
    }

    pub fn zpool(&self, args: &[&str]) -> Result<String, PluginError> {
        self.run_tool(&self.cfg.zpool, args, Stdio::null(), Stdio::piped())
    }

    /// `zfs send` into a file.
    pub fn send_to(&self, snapshot: &str, file: std::fs::File) -> Result<(), PluginError> {
        self.run_tool(
            &self.cfg.zfs,
            &["send", snapshot],
            Stdio::null(),
            Stdio::from(file),
        )
        .map(|_| ())
    }

    /// `zfs receive` from a file.
    pub fn receive_from(&self, dataset: &str, file: std::fs::File) -> Result<(), PluginError> {
        self.run_tool(
            &self.cfg.zfs,
            &["receive", dataset],
            Stdio::from(file),
            Stdio::piped(),
        )
        .map(|_| ())
    }

    /// Rows of `zfs list -H -o <props>` (tab-separated).
    pub fn rows(&self, args: &[&str]) -> Result<Vec<Vec<String>>, PluginError> {
        let mut all = vec!["list", "-H"];
        all.extend_from_slice(args);
        Ok(self
            .zfs(&all)?
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_map_to_kinds() {
        assert_eq!(
            classify("zfs", "cannot open 'nopool/x': dataset does not exist").kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify("zfs", "cannot destroy 'a/b': dataset is busy").kind(),
            ErrorKind::Conflict
        );
        assert_eq!(
            classify("zfs", "cannot create 'a/b': dataset already exists").kind(),
            ErrorKind::AlreadyExists
        );
    }
}
