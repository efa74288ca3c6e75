//! `list [--format table|json] [--quiet]`: containers under `--root` with live status.
//! A container that cannot be served as it is (a damaged or half-made dir, a backend
//! that is gone, a record whose backend no longer has it) is listed with status
//! `unknown` and the reason; `delete --force` removes it.

use std::io::Write;

use super::output;
use crate::args::Format;
use crate::args::list::ListArgs;
use std::collections::HashMap;

use lxcri_plugin_api::{
    ErrorKind, capability,
    info::KIND_BACKEND,
    types::{ListEntry, Status},
};
use serde_json::json;

use super::container::oci_state;
use crate::{
    backend::BackendHandle,
    error::Result,
    services::Services,
    state::{
        ContainerRecord, Store,
        inspect::{Entry, inspect_all},
    },
};

/// One line of the list.
enum Listed {
    Live(ContainerRecord),
    Unknown {
        id: String,
        backend: String,
        reason: String,
    },
}

/// A backend as the list uses it: opened once, and its own list of containers, asked
/// once (one `crun list` for every crun container, not one `crun state` each).
struct Listing<'s> {
    backend: BackendHandle<'s>,
    /// What the backend's list says, by id; `None` when it has no list.
    entries: Option<HashMap<String, ListEntry>>,
}

/// The listings of the backends named, each opened once; a backend that cannot be
/// opened keeps its error, for the lines of its containers.
struct Backends<'s> {
    svc: &'s Services,
    seen: HashMap<String, std::result::Result<Listing<'s>, String>>,
}

impl<'s> Backends<'s> {
    fn new(svc: &'s Services) -> Self {
        Self {
            svc,
            seen: HashMap::new(),
        }
    }

    fn get(&mut self, name: &str) -> &std::result::Result<Listing<'s>, String> {
        let svc = self.svc;
        self.seen.entry(name.to_string()).or_insert_with(|| {
            let backend = BackendHandle::open(svc, name).map_err(|e| e.message.clone())?;
            let entries = if backend.info.has_capability(capability::LIST) {
                match backend.list() {
                    Ok(list) => Some(list.into_iter().map(|e| (e.id.clone(), e)).collect()),
                    Err(e) => {
                        tracing::debug!("list of backend {name}: {e}");
                        None
                    }
                }
            } else {
                None
            };
            Ok(Listing { backend, entries })
        })
    }
}

/// Reads a record without taking the lock (records are replaced atomically), and
/// finds its live status, without storing it, in its backend's list (or, for an id the
/// list does not have, from the backend's state).
fn live(backends: &mut Backends<'_>, store: &Store, id: &str, entry: Entry) -> Listed {
    let unknown = |backend: &str, reason: String| Listed::Unknown {
        id: id.to_string(),
        backend: backend.to_string(),
        reason,
    };
    let mut record = match entry {
        Entry::Sound(record) => record,
        Entry::Damaged { backends, reason } => {
            return unknown(&backends.join(","), reason);
        }
    };
    if record.status == Status::Creating {
        return Listed::Live(record);
    }
    let listing = match backends.get(&record.backend) {
        Ok(l) => l,
        Err(e) => {
            return unknown(
                &record.backend,
                format!("backend {} is not available: {e}", record.backend),
            );
        }
    };
    let state = match listing.entries.as_ref().and_then(|l| l.get(id)) {
        Some(entry) => Ok((entry.status, entry.pid)),
        None => listing
            .backend
            .state(id, &store.dir(id).join(&record.backend))
            .map(|s| (s.status, s.pid)),
    };
    match state {
        Ok((status, pid)) => {
            record.status = status;
            record.pid = if status == Status::Stopped { None } else { pid };
        }
        Err(e) if e.kind == ErrorKind::NotFound && record.status != Status::Stopped => {
            return unknown(
                &record.backend,
                format!("backend {} no longer has it", record.backend),
            );
        }
        Err(e) => tracing::debug!("state of {id}: {e}"),
    }
    Listed::Live(record)
}

/// What local backends hold for ids that have no dir here (a dir removed by hand). Remote
/// backends (with a stand-in) are left out: their guests are shared by every host.
fn unrecorded(svc: &Services, backends: &mut Backends<'_>, known: &[String]) -> Vec<Listed> {
    let mut out = Vec::new();
    for name in svc.registry.names(KIND_BACKEND) {
        let Ok(listing) = backends.get(name) else {
            continue;
        };
        if listing.backend.info.has_capability(capability::STAND_IN) {
            continue;
        }
        let mut held: Vec<&String> = listing.entries.iter().flat_map(|e| e.keys()).collect();
        held.sort();
        for id in held {
            if !known.contains(id) && crate::state::id::validate(id).is_ok() {
                out.push(Listed::Unknown {
                    id: id.clone(),
                    backend: name.to_string(),
                    reason: format!("it has no record here, but backend {name} holds it"),
                });
            }
        }
    }
    out
}

pub fn run(svc: &Services, args: &ListArgs, out: &mut dyn Write) -> Result<i32> {
    let store = svc.store();
    let inspected = match &svc.inspected {
        Some(read) => read.clone(),
        None => inspect_all(&store)?,
    };
    let ids: Vec<String> = inspected.iter().map(|(id, _)| id.clone()).collect();
    let mut backends = Backends::new(svc);
    let mut listed: Vec<Listed> = inspected
        .into_iter()
        .map(|(id, entry)| live(&mut backends, &store, &id, entry))
        .collect();
    listed.extend(unrecorded(svc, &mut backends, &ids));
    // One write for the whole list (the output is line-buffered otherwise).
    let mut text: Vec<u8> = Vec::with_capacity(128 * (listed.len() + 1));
    print(&listed, args, &mut text).map_err(output)?;
    out.write_all(&text).map_err(output)?;
    Ok(0)
}

fn print(listed: &[Listed], args: &ListArgs, out: &mut dyn Write) -> std::io::Result<()> {
    let id_of = |l: &Listed| match l {
        Listed::Live(r) => r.id.clone(),
        Listed::Unknown { id, .. } => id.clone(),
    };
    if args.quiet {
        for l in listed {
            writeln!(out, "{}", id_of(l))?;
        }
        return Ok(());
    }
    match args.format {
        Format::Json => {
            let all: Vec<_> = listed
                .iter()
                .map(|l| match l {
                    Listed::Live(r) => oci_state(r),
                    Listed::Unknown {
                        id,
                        backend,
                        reason,
                    } => json!({"id": id, "status": "unknown", "pid": 0, "backend": backend,
                                "reason": reason}),
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string(&all).unwrap_or_default())?;
        }
        Format::Table => {
            writeln!(
                out,
                "{:<24} {:<8} {:<10} {:<12} {:<32} BUNDLE",
                "ID", "PID", "STATUS", "BACKEND", "CREATED"
            )?;
            for l in listed {
                match l {
                    Listed::Live(r) => writeln!(
                        out,
                        "{:<24} {:<8} {:<10} {:<12} {:<32} {}",
                        r.id,
                        r.pid.unwrap_or(0),
                        r.status.as_str(),
                        r.backend,
                        r.created,
                        r.bundle.display()
                    )?,
                    Listed::Unknown {
                        id,
                        backend,
                        reason,
                    } => writeln!(
                        out,
                        "{:<24} {:<8} {:<10} {:<12} {:<32} ({reason}; `delete --force` removes it)",
                        id, 0, "unknown", backend, "-"
                    )?,
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{
        args::{Format, list::ListArgs},
        testing::TestHost,
    };

    fn list(host: &TestHost, format: Format, quiet: bool) -> String {
        let mut out = Vec::new();
        run(&host.svc, &ListArgs { format, quiet }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lists_each_container_with_its_live_status() {
        let host = TestHost::new();
        host.create("a", &["sleep", "1"]);
        host.running("b", &["sleep", "1"]);
        assert_eq!(list(&host, Format::Table, true), "a\nb\n");
        let json: serde_json::Value =
            serde_json::from_str(&list(&host, Format::Json, false)).unwrap();
        let statuses: Vec<(&str, &str)> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
            .collect();
        assert_eq!(statuses, [("a", "created"), ("b", "running")]);
        let table = list(&host, Format::Table, false);
        assert!(table.lines().next().unwrap().starts_with("ID"), "{table}");
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("b ") && l.contains("running")),
            "{table}"
        );
    }

    #[test]
    fn a_damaged_container_is_listed_as_unknown_with_its_reason() {
        let host = TestHost::new();
        host.create("a", &["sleep", "1"]);
        std::fs::write(host.root().join("a/state.json"), b"{").unwrap();
        let table = list(&host, Format::Table, false);
        let line = table.lines().find(|l| l.starts_with("a ")).unwrap();
        assert!(line.contains("unknown"), "{table}");
    }

    #[test]
    fn no_containers_print_only_the_header() {
        let host = TestHost::new();
        assert_eq!(list(&host, Format::Table, true), "");
        assert_eq!(list(&host, Format::Json, false).trim(), "[]");
    }
}
