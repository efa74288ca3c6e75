//! The command line: runc-compatible global options and commands, plus the commands
//! plugins contribute. Parsing happens after plugin discovery.

//! The entry point: reads the global options, loads the plugins the command needs,
//! parses the whole command line (built-in commands from `crate::args`, plus the
//! commands plugins contribute), builds the services and hands the command to its
//! module. The top layer: nothing below it knows the command line.

pub mod contributed;
mod dispatch;
mod needed;
mod prescan;

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches};

use crate::{
    args::{Cli, GlobalOpts, LogFormat},
    commands,
    config::Config,
    error::HostError,
    logging::{self, LogOptions},
    plugins::{
        Registry, SearchInputs,
        index::{FileId, INDEX_FILE},
        registry::IndexLocation,
        search_path::search_path,
    },
    services::{ChildHost, Services},
    version::version_text,
};

/// The built-in command line, with the long version text.
fn cli_command() -> clap::Command {
    Cli::command().long_version(long_version())
}

fn long_version() -> String {
    version_text()
        .trim_start_matches("proxmox-lxcri version ")
        .trim_end()
        .to_string()
}

/// The services of a command run with global options `global`.
fn services(global: &GlobalOpts, config: Config, registry: Registry, level: u32) -> Services {
    Services {
        root: global.root.clone(),
        config,
        registry,
        plugin_log_level: level,
        backend_flag: global.backend.clone(),
        debug: global.debug,
        child: ChildHost {
            args: global.to_args(),
            has_log_file: global.log.is_some(),
        },
        inspected: None,
    }
}

fn log_format(format: LogFormat) -> logging::LogFormat {
    match format {
        LogFormat::Text => logging::LogFormat::Text,
        LogFormat::Json => logging::LogFormat::Json,
    }
}

/// Entry point of the binary; returns the exit code.
pub fn main() -> i32 {
    let argv: Vec<OsString> = std::env::args_os().collect();
    // `--version` alone (as runtimes are probed) needs no plugin discovery.
    if argv.len() == 2 && (argv[1] == "--version" || argv[1] == "-V") {
        print!("{}", version_text());
        return 0;
    }
    let lexed = prescan::lex(argv.get(1..).unwrap_or_default());
    let builtin = parse_builtin(&argv, lexed.subcommand.as_deref());
    // The global options come from the full parse when it succeeds; otherwise (a
    // plugin's command, help, an error) from the lexer.
    let pre = match &builtin {
        Ok(cli) => cli.global.clone(),
        Err(_) => lexed.global_options(),
    };
    let log = LogOptions {
        file: pre.log.as_deref(),
        format: log_format(pre.log_format),
        debug: pre.debug,
    };
    if let Err(err) = logging::init(&log) {
        eprintln!("error: {err}");
        return err.exit_code();
    }
    if let Some(path) = std::env::var_os(crate::plugins::probe::PROBE_ENV) {
        // This process only tries one plugin file for its parent.
        let config = match Config::load(pre.config.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        };
        let path = std::path::PathBuf::from(path);
        return crate::plugins::probe::run_child(&path, &pre.root, &config, log.plugin_level());
    }
    match run(argv, builtin, &pre, log.plugin_level()) {
        Ok(code) => code,
        Err(err) => report(&err, pre.log.is_some()),
    }
}

/// Prints the one-line error (and logs it to the log file, where clients look).
fn report(err: &HostError, to_log_file: bool) -> i32 {
    if to_log_file {
        tracing::error!("{err}");
    }
    eprintln!("error: {err}");
    err.exit_code()
}

/// Parses a built-in command line. When argv names a built-in subcommand, only that
/// one is attached to the root: clap then builds and fills in the global options for
/// one subcommand instead of every one. Anything else (help, a plugin's command, an
/// error) is parsed against the whole built-in command line, so that help and errors
/// name every command.
fn parse_builtin(argv: &[OsString], subcommand: Option<&str>) -> Result<Cli, clap::Error> {
    let full = cli_command();
    let command = match subcommand.and_then(|name| full.find_subcommand(name)) {
        Some(sub) => crate::args::root()
            .long_version(long_version())
            .subcommand(sub.clone()),
        None => full,
    };
    command
        .try_get_matches_from(argv)
        .and_then(|m| Cli::from_arg_matches(&m))
}

fn run(
    argv: Vec<OsString>,
    builtin: Result<Cli, clap::Error>,
    pre: &GlobalOpts,
    plugin_log_level: u32,
) -> Result<i32, HostError> {
    let config = Config::load(pre.config.as_deref())?;
    let inputs = SearchInputs::from_env(pre.plugin_dirs.clone(), config.plugin_dirs.clone());
    let is_root = inputs.is_root;
    // A built-in command that needs known plugins loads just those; `--version` none.
    if let Err(e) = &builtin
        && e.kind() == clap::error::ErrorKind::DisplayVersion
    {
        print!("{}", version_text());
        return Ok(0);
    }
    let host = inputs.exe.as_deref().and_then(FileId::of);
    if let Ok(cli) = builtin {
        let at = IndexLocation {
            file: cli.global.root.join(INDEX_FILE),
            host,
        };
        if let Some(needed) = needed::plugins_for(&cli, &config) {
            let registry =
                Registry::load_named(search_path(&inputs), is_root, &needed.plugins, &at);
            let mut svc = services(&cli.global, config, registry, plugin_log_level);
            svc.inspected = needed.inspected;
            return dispatch::dispatch(&svc, cli.command, &mut std::io::stdout().lock());
        }
        let registry = Registry::discover(search_path(&inputs), is_root, Some(&at));
        return run_with(argv, registry, config, plugin_log_level);
    }
    // Not a built-in command: a plugin's, which the index may know the plugin of.
    let at = IndexLocation {
        file: pre.root.join(INDEX_FILE),
        host,
    };
    let registry = match builtin.as_ref().err().and_then(unknown_subcommand) {
        Some(top) => Registry::load_for_command(search_path(&inputs), is_root, &top, &at),
        None => Registry::discover(search_path(&inputs), is_root, Some(&at)),
    };
    run_with(argv, registry, config, plugin_log_level)
}

/// The subcommand clap did not know, if that is why parsing failed.
fn unknown_subcommand(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    match e.get(ContextKind::InvalidSubcommand) {
        Some(ContextValue::String(name)) => Some(name.clone()),
        _ => None,
    }
}

/// Parses the whole command line (built-in and contributed commands) against the
/// plugins in `registry` and runs it.
fn run_with(
    argv: Vec<OsString>,
    registry: Registry,
    config: Config,
    plugin_log_level: u32,
) -> Result<i32, HostError> {
    let (command, contributed) = full_command(&registry);
    let matches = match command.try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            return Ok(code);
        }
    };
    if let Some((name, sub)) = matches.subcommand()
        && let Some(group) = contributed.iter().find(|c| c.top == name)
    {
        let global = GlobalOpts::from_arg_matches(&matches).map_err(clap_error)?;
        let Some((spec, spec_matches)) = group.selected(sub) else {
            return Err(HostError::invalid(format!("unknown command '{name}'")));
        };
        let args = contributed::arguments(spec, spec_matches);
        let plugin = group.plugin.to_string();
        let spec_name = spec.name.to_string();
        let svc = services(&global, config, registry, plugin_log_level);
        let out = &mut std::io::stdout().lock();
        return commands::contributed::run(&svc, &plugin, &spec_name, args, out);
    }
    let cli = Cli::from_arg_matches(&matches).map_err(clap_error)?;
    let svc = services(&cli.global, config, registry, plugin_log_level);
    dispatch::dispatch(&svc, cli.command, &mut std::io::stdout().lock())
}

/// The whole command line: the built-in commands and those the loaded plugins
/// contribute (what `--help`, the man pages and the completions show).
pub fn full_command(registry: &Registry) -> (clap::Command, Vec<contributed::Contributed<'_>>) {
    let base = cli_command();
    let builtins: Vec<String> = base
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .chain(["help".to_string()])
        .collect();
    let contributed = contributed::collect(registry, &builtins);
    let command = contributed
        .iter()
        .fold(base, |cmd, c| cmd.subcommand(c.command()));
    (command, contributed)
}

fn clap_error(e: clap::Error) -> HostError {
    HostError::invalid(e.to_string().trim().to_string())
}
