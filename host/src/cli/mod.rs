//! The command line: runc-compatible global options and commands, plus the commands
//! plugins contribute. Parsing happens after plugin discovery.

pub mod contributed;
mod needed;
pub mod prescan;

use std::{ffi::OsString, path::PathBuf};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::{
    app::{self, App},
    commands,
    config::Config,
    error::HostError,
    logging::{self, LogFormat, LogOptions},
    plugins::{
        Registry, SearchInputs,
        index::{FileId, INDEX_FILE},
        registry::IndexLocation,
        search_path::search_path,
    },
};

/// The state root when `--root` is not given.
pub const DEFAULT_ROOT: &str = "/run/proxmox-lxcri";

/// Global options (accepted before or after the command, like runc's).
#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// State root directory.
    #[arg(long, global = true, default_value = DEFAULT_ROOT, value_name = "DIR")]
    pub root: PathBuf,
    /// Log file (default: warnings and errors on stderr).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Log file format.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Verbose logging, and full loader errors for rejected plugins.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Accepted for runc compatibility; cgroups are managed by the backend.
    #[arg(long, global = true)]
    pub systemd_cgroup: bool,
    /// Backend for new containers (overrides annotations, routing rules and the default).
    #[arg(
        long,
        global = true,
        env = "PROXMOX_LXCRI_BACKEND",
        value_name = "NAME"
    )]
    pub backend: Option<String>,
    /// Extra plugin directory, searched first (repeatable).
    #[arg(long = "plugin-dir", global = true, value_name = "DIR")]
    pub plugin_dirs: Vec<PathBuf>,
    /// Config file.
    #[arg(long, global = true, env = "PROXMOX_LXCRI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl GlobalOpts {
    /// The options as arguments again, for a child of this host (the stand-in); the
    /// backend is the child's to choose.
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec!["--root".into(), self.root.clone().into()];
        if let Some(log) = &self.log {
            args.extend(["--log".into(), log.clone().into()]);
        }
        if self.log_format == LogFormat::Json {
            args.push("--log-format=json".into());
        }
        if self.debug {
            args.push("--debug".into());
        }
        for dir in &self.plugin_dirs {
            args.extend(["--plugin-dir".into(), dir.clone().into()]);
        }
        if let Some(config) = &self.config {
            args.extend(["--config".into(), config.clone().into()]);
        }
        args
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "proxmox-lxcri",
    about = "OCI runtime host: runs containers through backend plugins (crun, LXC, Proxmox VE)",
    version = app::HOST_VERSION,
    long_version = long_version(),
    propagate_version = false
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

fn long_version() -> String {
    app::version_text()
        .trim_start_matches("proxmox-lxcri version ")
        .trim_end()
        .to_string()
}

/// Each subcommand's arguments are only built when that subcommand is used (or help,
/// man pages and completions need them): every invocation parses one command.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Create a container (its init waits for `start`).
    Create(commands::create::CreateArgs),
    /// Start the user process of a created container.
    Start(commands::start::StartArgs),
    /// Print the runtime-spec state of a container as JSON.
    State(commands::state::StateArgs),
    /// Send a signal to a container's init (or all its processes).
    Kill(commands::kill::KillArgs),
    /// Remove a container.
    Delete(commands::delete::DeleteArgs),
    /// Create and start a container; wait for it unless --detach.
    Run(commands::run::RunArgs),
    /// List containers.
    List(commands::list::ListArgs),
    /// Run a process in a running container.
    Exec(commands::exec::ExecArgs),
    /// List the processes of a container.
    Ps(commands::ps::PsArgs),
    /// Freeze all processes of a container.
    Pause(commands::pause::PauseArgs),
    /// Thaw a paused container.
    Resume(commands::pause::PauseArgs),
    /// Change a container's resource limits.
    Update(commands::update::UpdateArgs),
    /// Print resource statistics of a container.
    Events(commands::events::EventsArgs),
    /// Write a default config.json.
    Spec(commands::spec::SpecArgs),
    /// Print the OCI features document of the backend.
    Features,
    /// Checkpoint a container (when its backend supports it).
    Checkpoint(commands::checkpoint::CheckpointArgs),
    /// Restore a container from a checkpoint (when its backend supports it).
    Restore(commands::restore::RestoreArgs),
    /// List loaded plugins and rejected plugin files.
    Plugins(commands::plugins::PluginsArgs),
    /// Check that each loaded backend's prerequisites hold, and say what to fix.
    Doctor(commands::doctor::DoctorArgs),
    /// Write man pages or shell completions (with the commands of loaded plugins).
    #[command(subcommand)]
    Generate(commands::generate::Generate),
    /// Print host, plugin API and OCI spec versions.
    Version,
    /// The local stand-in of a remote container (started by `create`).
    #[command(hide = true)]
    StandIn(commands::stand_in::StandInArgs),
}

/// Entry point of the binary; returns the exit code.
pub fn main() -> i32 {
    let argv: Vec<OsString> = std::env::args_os().collect();
    // `--version` alone (as runtimes are probed) needs no plugin discovery.
    if argv.len() == 2 && (argv[1] == "--version" || argv[1] == "-V") {
        print!("{}", app::version_text());
        return 0;
    }
    let pre = prescan::scan(argv.get(1..).unwrap_or_default());
    let log = LogOptions {
        file: pre.log.as_deref(),
        format: pre.log_format,
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
    match run(argv, &pre, log.plugin_level()) {
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

fn run(
    argv: Vec<OsString>,
    pre: &prescan::PreScan,
    plugin_log_level: u32,
) -> Result<i32, HostError> {
    let config = Config::load(pre.config.as_deref())?;
    let inputs = SearchInputs::from_env(pre.plugin_dirs.clone(), config.plugin_dirs.clone());
    let is_root = inputs.is_root;
    // A built-in command that needs known plugins loads just those; `--version` none.
    let builtin = Cli::try_parse_from(&argv);
    if let Err(e) = &builtin
        && e.kind() == clap::error::ErrorKind::DisplayVersion
    {
        print!("{}", app::version_text());
        return Ok(0);
    }
    let host = inputs.exe.as_deref().and_then(FileId::of);
    if let Ok(cli) = builtin {
        let at = IndexLocation {
            file: cli.global.root.join(INDEX_FILE),
            host,
        };
        if let Some(wanted) = needed::plugins_for(&cli, &config) {
            let registry = Registry::load_named(search_path(&inputs), is_root, &wanted, &at);
            let app = App {
                global: cli.global,
                config,
                registry,
                plugin_log_level,
            };
            return commands::dispatch(&app, cli.command);
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
        let app = App {
            global,
            config,
            registry,
            plugin_log_level,
        };
        return commands::contributed::run(&app, &plugin, &spec_name, args);
    }
    let cli = Cli::from_arg_matches(&matches).map_err(clap_error)?;
    let app = App {
        global: cli.global,
        config,
        registry,
        plugin_log_level,
    };
    commands::dispatch(&app, cli.command)
}

/// The whole command line: the built-in commands and those the loaded plugins
/// contribute (what `--help`, the man pages and the completions show).
pub fn full_command(registry: &Registry) -> (clap::Command, Vec<contributed::Contributed<'_>>) {
    let base = Cli::command();
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
