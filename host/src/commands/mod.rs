//! One module per command.

pub mod contributed;
pub mod plugins;
pub mod version;

use crate::{app::App, cli::Command, error::Result};

/// Runs a built-in command; returns the exit code.
pub fn dispatch(app: &App, command: Command) -> Result<i32> {
    match command {
        Command::Plugins(args) => plugins::run(app, &args),
        Command::Version => version::run(),
    }
}
