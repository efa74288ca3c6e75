//! `list [--format table|json] [--quiet]`: containers under `--root` with live status.

use lxcri_plugin_api::types::Status;

use super::container::oci_state;
use crate::{
    app::App,
    backend::BackendHandle,
    error::Result,
    state::{ContainerRecord, Store},
};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Print only the ids.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Reads a record without taking the lock (records are replaced atomically), and asks
/// its backend for the live status without storing it.
fn live_record(app: &App, store: &Store, id: &str) -> Option<ContainerRecord> {
    let raw = std::fs::read(store.dir(id).join("state.json")).ok()?;
    let mut record: ContainerRecord = serde_json::from_slice(&raw).ok()?;
    if record.status == Status::Creating {
        return Some(record);
    }
    if let Ok(backend) = BackendHandle::open(app, &record.backend)
        && let Ok(state) = backend.state(id, &store.dir(id).join(&record.backend))
    {
        record.status = state.status;
        record.pid = if state.status == Status::Stopped {
            None
        } else {
            state.pid
        };
    }
    Some(record)
}

pub fn run(app: &App, args: &ListArgs) -> Result<i32> {
    let store = Store::new(app.root());
    let records: Vec<ContainerRecord> = store
        .ids()?
        .iter()
        .filter_map(|id| live_record(app, &store, id))
        .collect();
    if args.quiet {
        records.iter().for_each(|r| println!("{}", r.id));
        return Ok(0);
    }
    match args.format {
        ListFormat::Json => {
            let all: Vec<_> = records.iter().map(oci_state).collect();
            println!("{}", serde_json::to_string(&all).unwrap_or_default());
        }
        ListFormat::Table => {
            println!(
                "{:<24} {:<8} {:<10} {:<12} {:<32} BUNDLE",
                "ID", "PID", "STATUS", "BACKEND", "CREATED"
            );
            for r in &records {
                println!(
                    "{:<24} {:<8} {:<10} {:<12} {:<32} {}",
                    r.id,
                    r.pid.unwrap_or(0),
                    r.status.as_str(),
                    r.backend,
                    r.created,
                    r.bundle.display()
                );
            }
        }
    }
    Ok(0)
}
