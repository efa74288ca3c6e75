//! Arguments of `delete`.

#[derive(Debug, Clone, clap::Args)]
pub struct DeleteArgs {
    /// Kill the container first if it is running, and remove leftovers of a failed create.
    #[arg(long, short = 'f')]
    pub force: bool,
    pub id: String,
}
