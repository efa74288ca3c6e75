//! One module per command. Each takes its own arguments (`crate::args`), the services
//! it needs and, when it prints, where to write; none knows how the command line was
//! parsed.

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

use crate::error::HostError;

/// The error of a command whose output could not be written.
fn output(e: std::io::Error) -> HostError {
    HostError::io("cannot write output", e)
}
