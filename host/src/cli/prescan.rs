//! Reads the few global options that must be known before clap runs: plugins have to
//! be loaded first, because they contribute subcommands.

use std::{ffi::OsString, path::PathBuf};

use crate::logging::LogFormat;

/// Global options needed before parsing.
#[derive(Debug, Clone)]
pub struct PreScan {
    /// `--root`, or its default.
    pub root: PathBuf,
    pub plugin_dirs: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub log: Option<PathBuf>,
    pub log_format: LogFormat,
    pub debug: bool,
}

/// Scans argv (without the program name) up to a bare `--`.
pub fn scan(args: &[OsString]) -> PreScan {
    let mut pre = PreScan {
        root: PathBuf::from(super::DEFAULT_ROOT),
        plugin_dirs: Vec::new(),
        config: None,
        log: None,
        log_format: LogFormat::default(),
        debug: false,
    };
    let mut iter = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |inline: Option<String>| inline.or_else(|| iter.next());
        match name.as_str() {
            "--root" => pre.root = value(inline).map(PathBuf::from).unwrap_or(pre.root),
            "--plugin-dir" => pre.plugin_dirs.extend(value(inline).map(PathBuf::from)),
            "--config" => pre.config = value(inline).map(PathBuf::from),
            "--log" => pre.log = value(inline).map(PathBuf::from),
            "--log-format" => {
                let json = value(inline).as_deref() == Some("json");
                pre.log_format = if json {
                    LogFormat::Json
                } else {
                    LogFormat::Text
                };
            }
            "--debug" => pre.debug = true,
            _ => {}
        }
    }
    if pre.config.is_none() {
        pre.config = std::env::var_os("PROXMOX_LXCRI_CONFIG").map(PathBuf::from);
    }
    pre
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn finds_globals_in_both_spellings_and_stops_at_double_dash() {
        let pre = scan(&args(&[
            "--root=/r",
            "--plugin-dir",
            "/a",
            "--plugin-dir=/b",
            "--log-format=json",
            "--log",
            "/l.json",
            "--debug",
            "exec",
            "c1",
            "--",
            "--plugin-dir",
            "/c",
        ]));
        assert_eq!(pre.root, PathBuf::from("/r"));
        assert_eq!(pre.plugin_dirs, [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(pre.log_format, LogFormat::Json);
        assert_eq!(pre.log.as_deref(), Some(std::path::Path::new("/l.json")));
        assert!(pre.debug);
    }
}
