//! Arguments of `pause` and `resume`.

#[derive(Debug, Clone, clap::Args)]
pub struct PauseArgs {
    pub id: String,
}
