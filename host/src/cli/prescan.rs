//! What must be known of the command line before it can be parsed whole: the global
//! options (plugins have to be loaded first, because they contribute subcommands) and
//! the subcommand's name (a built-in command is parsed against that one subcommand,
//! not all of them). clap's own lexer walks argv (up to a bare `--`); the global
//! options' names and value arities come from `GlobalOpts`' definition, and clap
//! parses the options found into `GlobalOpts`, with its defaults and environment
//! variables.

use std::ffi::OsString;

use clap::{Args, FromArgMatches};

use crate::args::GlobalOpts;

/// argv as the lexer saw it.
pub struct Lexed {
    /// The global options found, in any position, as arguments again.
    globals: Vec<OsString>,
    /// The first word that is neither an option nor an option's value.
    pub subcommand: Option<String>,
}

fn globals_command() -> clap::Command {
    GlobalOpts::augment_args(clap::Command::new("proxmox-lxcri"))
}

/// Lexes `args` (without the program name).
pub fn lex(args: &[OsString]) -> Lexed {
    let command = globals_command();
    let raw = clap_lex::RawArgs::new(args.iter());
    let mut cursor = raw.cursor();
    let mut lexed = Lexed {
        globals: vec!["proxmox-lxcri".into()],
        subcommand: None,
    };
    while let Some(arg) = raw.next(&mut cursor) {
        if arg.is_escape() {
            break;
        }
        let Some((name, value)) = arg.to_long() else {
            if lexed.subcommand.is_none() && !arg.is_short() && !arg.is_stdio() {
                lexed.subcommand = arg.to_value().ok().map(str::to_string);
            }
            continue;
        };
        let Ok(name) = name else {
            continue;
        };
        let Some(known) = command.get_arguments().find(|a| a.get_long() == Some(name)) else {
            continue;
        };
        lexed.globals.push(format!("--{name}").into());
        if known.get_action().takes_values() {
            match value {
                Some(value) => lexed.globals.push(value.into()),
                None => lexed
                    .globals
                    .extend(raw.next_os(&mut cursor).map(OsString::from)),
            }
        }
    }
    lexed
}

impl Lexed {
    /// The global options, parsed. Invalid values are left to the full parse to
    /// report; this gives the defaults for them.
    pub fn global_options(&self) -> GlobalOpts {
        let command = globals_command();
        parse(&command, self.globals.clone()).unwrap_or_else(|| {
            parse(&command, vec!["proxmox-lxcri".into()])
                .expect("the global options' defaults parse")
        })
    }
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
        let lexed = lex(&args(&[
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
        assert_eq!(lexed.subcommand.as_deref(), Some("zfs"));
        let pre = lexed.global_options();
        assert_eq!(pre.root, PathBuf::from("/r"));
        assert_eq!(pre.plugin_dirs, [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(pre.log_format, LogFormat::Json);
        assert_eq!(pre.log.as_deref(), Some(Path::new("/l.json")));
        assert!(pre.debug);
    }

    #[test]
    fn the_subcommand_is_the_first_word_that_is_no_options_value() {
        let lexed = lex(&args(&["--root", "state", "-q", "list"]));
        assert_eq!(lexed.subcommand.as_deref(), Some("list"));
        assert_eq!(lex(&args(&["--debug", "--", "x"])).subcommand, None);
    }

    #[test]
    fn an_invalid_value_gives_the_defaults_for_the_full_parse_to_report() {
        let pre = lex(&args(&["--log-format=yaml", "--root", "/r", "list"])).global_options();
        assert_eq!(pre.root, PathBuf::from(DEFAULT_ROOT));
        assert_eq!(pre.log_format, LogFormat::Text);
    }
}
