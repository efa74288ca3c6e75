//! Which plugins a parsed built-in command needs, when that can be known without
//! loading any: a container's recorded backend, or the routed backend of a new one (and
//! the rootfs storage integration). `None` means "load everything" (listing plugins,
//! help, checkpoints that look integrations up by capability, contributed commands).

use std::path::Path;

use crate::args::{Cli, Command};
use crate::{
    bundle::Bundle,
    config::Config,
    routing,
    state::{
        Store,
        inspect::{Entry, inspect, inspect_all},
    },
};

/// The plugins a command needs and, for `list`, the container dirs read to find them.
pub struct Needed {
    pub plugins: Vec<String>,
    pub inspected: Option<Vec<(String, Entry)>>,
}

pub fn plugins_for(cli: &Cli, config: &Config) -> Option<Needed> {
    let root = cli.global.root.as_path();
    let flag = cli.global.backend.as_deref();
    let existing = |id: &str| recorded_backend(root, id).or(flag.map(str::to_string));
    let names: Vec<String> = match &cli.command {
        Command::Create(a) => new_container(&a.bundle, &a.id, flag, config),
        Command::Run(a) => new_container(&a.create.bundle, &a.create.id, flag, config),
        Command::Start(a) => existing(&a.id).into_iter().collect(),
        Command::State(a) => existing(&a.id).into_iter().collect(),
        Command::Kill(a) => existing(&a.id).into_iter().collect(),
        Command::Delete(a) => for_delete(root, &a.id, flag, config),
        Command::Exec(a) => existing(&a.id).into_iter().collect(),
        Command::Ps(a) => existing(&a.id).into_iter().collect(),
        Command::Pause(a) | Command::Resume(a) => existing(&a.id).into_iter().collect(),
        Command::Update(a) => existing(&a.id).into_iter().collect(),
        Command::Events(a) => existing(&a.id).into_iter().collect(),
        Command::StandIn(a) => existing(&a.id).into_iter().collect(),
        Command::List(_) => {
            let inspected = inspect_all(&Store::new(root)).ok()?;
            let mut names: Vec<String> = inspected
                .iter()
                .filter_map(|(_, entry)| match entry {
                    Entry::Sound(record) => Some(record.backend.clone()),
                    Entry::Damaged { .. } => None,
                })
                .collect();
            // And the default one, which may hold containers without a record.
            let none = Default::default();
            names.push(routing::for_new("", flag, &none, config).0.to_string());
            names.sort();
            names.dedup();
            return Some(Needed {
                plugins: names,
                inspected: Some(inspected),
            });
        }
        Command::Spec(_) | Command::Version => Vec::new(),
        _ => return None,
    };
    Some(Needed {
        plugins: names,
        inspected: None,
    })
}

/// The backends a delete may need: the recorded one; for a damaged dir, those that may
/// hold its resources; for an id without a dir, the one it would be routed to.
fn for_delete(root: &Path, id: &str, flag: Option<&str>, config: &Config) -> Vec<String> {
    let store = Store::new(root);
    if crate::state::id::validate(id).is_err() {
        return Vec::new();
    }
    if !store.dir(id).exists() {
        let none = Default::default();
        return vec![routing::for_new(id, flag, &none, config).0.to_string()];
    }
    match inspect(&store, id) {
        Entry::Sound(record) => vec![record.backend],
        Entry::Damaged { backends, .. } => backends,
    }
}

/// The backend recorded for `id` (read without the lock: records are replaced
/// atomically, and the command itself reads it again under the lock). Only that field
/// is decoded.
fn recorded_backend(root: &Path, id: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct BackendOf {
        backend: String,
    }
    let raw = std::fs::read(Store::new(root).dir(id).join("state.json")).ok()?;
    let record: BackendOf = serde_json::from_slice(&raw).ok()?;
    Some(record.backend)
}

fn new_container(bundle: &Path, id: &str, flag: Option<&str>, config: &Config) -> Vec<String> {
    let annotations = Bundle::annotations_of(bundle);
    let (backend, _) = routing::for_new(id, flag, &annotations, config);
    let mut names = vec![backend.to_string()];
    names.extend(config.rootfs_storage.clone());
    names
}
