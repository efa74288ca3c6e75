//! Arguments of `spec`.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct SpecArgs {
    /// Directory to write config.json into.
    #[arg(long, short = 'b', default_value = ".", value_name = "DIR")]
    pub bundle: PathBuf,
    /// A spec for a rootless container (user namespace mapping the current user).
    #[arg(long)]
    pub rootless: bool,
}
