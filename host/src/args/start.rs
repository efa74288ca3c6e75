//! Arguments of `start`.

#[derive(Debug, Clone, clap::Args)]
pub struct StartArgs {
    pub id: String,
}
