//! Arguments of `list`.

use super::Format;

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: Format,
    /// Print only the ids.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}
