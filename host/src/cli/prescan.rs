//! The global options that must be known before the whole command line can be parsed:
//! plugins have to be loaded first, because they contribute subcommands. clap's own
//! lexer walks argv (up to a bare `--`) and keeps the options `GlobalOpts` defines, in
//! any position; clap then parses those into `GlobalOpts`, with its defaults and
//! environment variables. The options' names and value arities come from that one
//! definition.

use std::ffi::OsString;

use clap::{Args, FromArgMatches};

use crate::args::GlobalOpts;

/// The global options found in `args` (without the program name). Invalid values are
/// left to the full parse to report; this returns the defaults for them.
pub fn scan(args: &[OsString]) -> GlobalOpts {
    let command = GlobalOpts::augment_args(clap::Command::new("proxmox-lxcri"));
    let raw = clap_lex::RawArgs::new(args.iter());
    let mut cursor = raw.cursor();
    let mut globals: Vec<OsString> = vec!["proxmox-lxcri".into()];
    while let Some(arg) = raw.next(&mut cursor) {
        if arg.is_escape() {
            break;
        }
        let Some((Ok(name), value)) = arg.to_long() else {
            continue;
        };
        let Some(known) = command.get_arguments().find(|a| a.get_long() == Some(name)) else {
            continue;
        };
        globals.push(format!("--{name}").into());
        if known.get_action().takes_values() {
            match value {
                Some(value) => globals.push(value.into()),
                None => globals.extend(raw.next_os(&mut cursor).map(OsString::from)),
            }
        }
    }
    parse(&command, globals).unwrap_or_else(|| {
        parse(&command, vec!["proxmox-lxcri".into()]).expect("the global options' defaults parse")
    })
}

fn parse(command: &clap::Command, argv: Vec<OsString>) -> Option<GlobalOpts> {
    let matches = command.clone().try_get_matches_from(argv).ok()?;
    GlobalOpts::from_arg_matches(&matches).ok()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::args::{DEFAULT_ROOT, LogFormat};

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn finds_globals_in_both_spellings_and_any_position_and_stops_at_double_dash() {
        let pre = scan(&args(&[
            "--root=/r",
            "--plugin-dir",
            "/a",
            "zfs",
            "snapshot",
            "--plugin-dir=/b",
            "--unknown-to-the-host",
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
        assert_eq!(pre.log.as_deref(), Some(Path::new("/l.json")));
        assert!(pre.debug);
    }

    #[test]
    fn an_invalid_value_gives_the_defaults_for_the_full_parse_to_report() {
        let pre = scan(&args(&["--log-format=yaml", "--root", "/r", "list"]));
        assert_eq!(pre.root, PathBuf::from(DEFAULT_ROOT));
        assert_eq!(pre.log_format, LogFormat::Text);
    }
}
