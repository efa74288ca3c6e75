//! One module per command.

pub mod checkpoint;
pub mod container;
pub mod contributed;
pub mod create;
pub mod delete;
pub mod doctor;
pub mod events;
pub mod exec;
pub mod features;
pub mod generate;
pub mod kill;
pub mod list;
pub mod pause;
pub mod plugins;
pub mod ps;
pub mod restore;
pub mod resume;
pub mod run;
pub mod spec;
pub mod stand_in;
pub mod start;
pub mod state;
pub mod update;
pub mod version;

use crate::{app::App, cli::Command, error::Result};

/// Runs a built-in command; returns the exit code.
pub fn dispatch(app: &App, command: Command) -> Result<i32> {
    match command {
        Command::Create(args) => create::run(app, &args),
        Command::Start(args) => start::run(app, &args),
        Command::State(args) => state::run(app, &args),
        Command::Kill(args) => kill::run(app, &args),
        Command::Delete(args) => delete::run(app, &args),
        Command::Run(args) => run::run(app, &args),
        Command::List(args) => list::run(app, &args),
        Command::Exec(args) => exec::run(app, &args),
        Command::Ps(args) => ps::run(app, &args),
        Command::Pause(args) => pause::run(app, &args),
        Command::Resume(args) => resume::run(app, &args),
        Command::Update(args) => update::run(app, &args),
        Command::Events(args) => events::run(app, &args),
        Command::Spec(args) => spec::run(&args),
        Command::Features => features::run(app),
        Command::Checkpoint(args) => checkpoint::run(app, &args),
        Command::Restore(args) => restore::run(app, &args),
        Command::Plugins(args) => plugins::run(app, &args),
        Command::Doctor(args) => doctor::run(app, &args),
        Command::Generate(what) => generate::run(app, &what),
        Command::Version => version::run(),
        Command::StandIn(args) => stand_in::run(app, &args),
    }
}
