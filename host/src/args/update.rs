//! Arguments of `update`.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct UpdateArgs {
    /// OCI LinuxResources JSON file, `-` for stdin.
    #[arg(long, short = 'r', value_name = "FILE")]
    pub resources: Option<PathBuf>,
    /// Memory limit in bytes.
    #[arg(long)]
    pub memory: Option<i64>,
    /// Memory+swap limit in bytes.
    #[arg(long)]
    pub memory_swap: Option<i64>,
    /// CPU shares (relative weight).
    #[arg(long)]
    pub cpu_shares: Option<u64>,
    /// CPU CFS quota in microseconds.
    #[arg(long)]
    pub cpu_quota: Option<i64>,
    /// CPU CFS period in microseconds.
    #[arg(long)]
    pub cpu_period: Option<u64>,
    /// CPUs to use (e.g. 0-1).
    #[arg(long)]
    pub cpuset_cpus: Option<String>,
    /// Maximum number of processes.
    #[arg(long)]
    pub pids_limit: Option<i64>,
    pub id: String,
}
