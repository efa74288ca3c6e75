//! Arguments of `run`.

use super::create::CreateArgs;

#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Return after starting instead of waiting for the container to exit.
    #[arg(long, short = 'd')]
    pub detach: bool,
    #[command(flatten)]
    pub create: CreateArgs,
}
