//! Arguments of `state`.

#[derive(Debug, Clone, clap::Args)]
pub struct StateArgs {
    pub id: String,
}
