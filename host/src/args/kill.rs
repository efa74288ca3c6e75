//! Arguments of `kill`.

#[derive(Debug, Clone, clap::Args)]
pub struct KillArgs {
    /// Signal every process of the container, not only its init.
    #[arg(long, short = 'a')]
    pub all: bool,
    pub id: String,
    /// Signal name (TERM, SIGTERM) or number (15).
    #[arg(default_value = "SIGTERM")]
    pub signal: String,
}
