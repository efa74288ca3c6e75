//! The command line as types: the runc-compatible global options and the arguments of
//! each built-in command (one module per command). A leaf: nothing here knows the
//! commands, the services or the plugins; the entry point (`cli`) parses into these
//! types and hands each command its own arguments.

pub mod checkpoint;
pub mod create;
pub mod delete;
pub mod doctor;
pub mod events;
pub mod exec;
pub mod generate;
pub mod kill;
pub mod list;
pub mod pause;
pub mod plugins;
pub mod ps;
pub mod restore;
pub mod run;
pub mod spec;
pub mod stand_in;
pub mod start;
pub mod state;
pub mod update;

use std::{ffi::OsString, path::PathBuf};

use clap::{Args, Parser, Subcommand};

/// The state root when `--root` is not given.
pub const DEFAULT_ROOT: &str = "/run/proxmox-lxcri";

/// `--format` of the commands that print a table or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

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
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--root".into(), self.root.clone().into()];
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

const ABOUT: &str =
    "OCI runtime host: runs containers through backend plugins (crun, LXC, Proxmox VE)";

/// The built-in command line (plugins add their commands to it at run time).
#[derive(Debug, Parser)]
#[command(
    name = "proxmox-lxcri",
    about = ABOUT,
    version = env!("CARGO_PKG_VERSION"),
    propagate_version = false
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// The root of the command line as `Cli` makes it, with the global options and no
/// subcommand: a parse of one known subcommand attaches just that one.
pub fn root() -> clap::Command {
    GlobalOpts::augment_args(
        clap::Command::new("proxmox-lxcri")
            .about(ABOUT)
            .version(env!("CARGO_PKG_VERSION"))
            .subcommand_required(true),
    )
}

/// Each subcommand's arguments are only built when that subcommand is used (or help,
/// man pages and completions need them): every invocation parses one command.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Create a container (its init waits for `start`).
    Create(create::CreateArgs),
    /// Start the user process of a created container.
    Start(start::StartArgs),
    /// Print the runtime-spec state of a container as JSON.
    State(state::StateArgs),
    /// Send a signal to a container's init (or all its processes).
    Kill(kill::KillArgs),
    /// Remove a container.
    Delete(delete::DeleteArgs),
    /// Create and start a container; wait for it unless --detach.
    Run(run::RunArgs),
    /// List containers.
    List(list::ListArgs),
    /// Run a process in a running container.
    Exec(exec::ExecArgs),
    /// List the processes of a container.
    Ps(ps::PsArgs),
    /// Freeze all processes of a container.
    Pause(pause::PauseArgs),
    /// Thaw a paused container.
    Resume(pause::PauseArgs),
    /// Change a container's resource limits.
    Update(update::UpdateArgs),
    /// Print resource statistics of a container.
    Events(events::EventsArgs),
    /// Write a default config.json.
    Spec(spec::SpecArgs),
    /// Print the OCI features document of the backend.
    Features,
    /// Checkpoint a container (when its backend supports it).
    Checkpoint(checkpoint::CheckpointArgs),
    /// Restore a container from a checkpoint (when its backend supports it).
    Restore(restore::RestoreArgs),
    /// List loaded plugins and rejected plugin files.
    Plugins(plugins::PluginsArgs),
    /// Check that each loaded backend's prerequisites hold, and say what to fix.
    Doctor(doctor::DoctorArgs),
    /// Write man pages or shell completions (with the commands of loaded plugins).
    #[command(subcommand)]
    Generate(generate::Generate),
    /// Print host, plugin API and OCI spec versions.
    Version,
    /// The local stand-in of a remote container (started by `create`).
    #[command(hide = true)]
    StandIn(stand_in::StandInArgs),
}
