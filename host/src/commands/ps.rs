//! `ps [--format table|json] ID [PS_ARGS...]`: processes of a container.

use std::process::Command;

use super::container::Opened;
use crate::{
    app::App,
    error::{HostError, Result},
};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PsFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PsArgs {
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: PsFormat,
    pub id: String,
    /// Options for ps(1) in table format (default -ef).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

pub fn run(app: &App, args: &PsArgs) -> Result<i32> {
    let c = Opened::open(app, &args.id)?;
    let pids = c.backend.ps(&args.id, &c.plugin_dir()?)?;
    match args.format {
        PsFormat::Json => println!("{}", serde_json::to_string(&pids).unwrap_or_default()),
        PsFormat::Table => {
            let ps_args = if args.ps_args.is_empty() {
                vec!["-ef".to_string()]
            } else {
                args.ps_args.clone()
            };
            let out = Command::new("ps")
                .args(&ps_args)
                .output()
                .map_err(|e| HostError::io("cannot run ps", e))?;
            if !out.status.success() {
                return Err(HostError::invalid(format!(
                    "ps {}: {}",
                    ps_args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            let text = String::from_utf8_lossy(&out.stdout);
            let mut lines = text.lines();
            let header = lines.next().unwrap_or_default();
            let pid_col = header
                .split_whitespace()
                .position(|h| h == "PID")
                .ok_or_else(|| HostError::invalid("ps output has no PID column"))?;
            println!("{header}");
            for line in lines {
                let pid = line
                    .split_whitespace()
                    .nth(pid_col)
                    .and_then(|p| p.parse::<i32>().ok());
                if pid.is_some_and(|p| pids.contains(&p)) {
                    println!("{line}");
                }
            }
        }
    }
    Ok(0)
}
