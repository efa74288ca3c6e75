//! Arguments of `events`.

#[derive(Debug, Clone, clap::Args)]
pub struct EventsArgs {
    /// Print one stats sample and exit.
    #[arg(long)]
    pub stats: bool,
    /// Seconds between samples.
    #[arg(long, default_value_t = 5)]
    pub interval: u64,
    pub id: String,
}
