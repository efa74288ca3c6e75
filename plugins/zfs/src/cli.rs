//! Running `zfs` / `zpool` (argv only, never a shell) and reading their `-H` output.

use std::process::{Command, Stdio};

use lxcri_plugin_api::PluginError;

use crate::config::ZfsConfig;

pub struct Zfs {
    pub cfg: ZfsConfig,
}

fn classify(tool: &str, message: &str) -> PluginError {
    let text = format!("{tool}: {message}");
    let m = message.to_ascii_lowercase();
    if m.contains("does not exist")
        || m.contains("no such pool")
        || m.contains("no such dataset")
        || m.contains("could not find any snapshots")
    {
        PluginError::not_found(text)
    } else if m.contains("busy") {
        PluginError::conflict(text).with_hint("stop what uses the dataset first")
    } else if m.contains("already exists") {
        PluginError::already_exists(text)
    } else if m.contains("connect") && m.contains("daemon")
        || m.contains("zfs_socket")
        || m.contains("failed to initialize zfs library")
    {
        PluginError::unavailable(text)
            .with_hint("start the ZFS daemon (zfs-fuse) or load the ZFS module")
    } else if m.contains("modules are not loaded") {
        PluginError::unavailable(text).with_hint("load the zfs kernel module or use zfs-fuse")
    } else {
        PluginError::backend(text)
    }
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
        tracing::debug!("{} {}", tool.display(), args.join(" "));
        let out = self
            .command(tool)
            .args(args)
            .stdin(stdin)
            .stdout(stdout)
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| {
                PluginError::unavailable(format!(
                    "{name} is not installed (cannot run {}: {e})",
                    tool.display()
                ))
                .with_hint("install zfsutils-linux or zfs-fuse, or set zfs/zpool in [plugins.zfs]")
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let line = lxcri_plugin_api::tool::last_line(&err);
        Err(classify(&name, line))
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
    use lxcri_plugin_api::ErrorKind;

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
