//! `doctor [--format table|json]`: whether this machine can run containers. The host
//! checks its config, state root and plugin files; every loaded plugin is initialised
//! and asked for its own checks (binaries, versions, kernel features, a Proxmox server
//! reachable and authenticated, a pool present). Each failure says what to fix; the
//! exit code is 1 when anything fails.

use std::io::Write;

use super::output;
use crate::args::doctor::DoctorArgs;
use lxcri_plugin_api::{
    ErrorKind,
    doctor::{Check, DOCTOR_OP},
    info::KIND_BACKEND,
};
use serde_json::{Value, json};

use crate::args::Format;
use crate::{
    backend::BackendHandle, error::HostError, error::Result, integration::IntegrationHandle,
    services::Services,
};

/// The checks of one subject (the host or a plugin).
struct Section {
    subject: String,
    checks: Vec<Check>,
}

fn from_error(name: &str, e: &HostError) -> Check {
    Check::fail(
        name,
        e.message.clone(),
        e.hint
            .clone()
            .unwrap_or_else(|| "see the plugin's documentation".into()),
    )
}

fn host_checks(svc: &Services) -> Vec<Check> {
    let mut checks = vec![match &svc.config.source {
        Some(path) => Check::pass("config file", path.display().to_string()),
        None => Check::pass("config file", "none (built-in defaults)"),
    }];
    let root = svc.root.clone();
    let probe = std::fs::create_dir_all(&root).and_then(|()| tempfile::tempfile_in(&root));
    checks.push(match probe {
        Ok(_) => Check::pass("state root writable", root.display().to_string()),
        Err(e) => Check::fail(
            "state root writable",
            format!("{}: {e}", root.display()),
            "run as root or pass a writable --root",
        ),
    });
    if svc.registry.names(KIND_BACKEND).is_empty() {
        checks.push(Check::fail(
            "backends",
            "no backend plugin is loaded",
            "install a backend plugin package or pass --plugin-dir",
        ));
    }
    for rejected in &svc.registry.rejected {
        checks.push(Check::fail(
            format!("plugin file {}", rejected.path.display()),
            rejected.reason.clone(),
            "replace it with a build for this host, or remove it",
        ));
    }
    checks
}

/// Asks a plugin for its checks; a plugin without them gets a note, not a failure.
fn plugin_checks(reply: Result<Value>) -> Vec<Check> {
    match reply {
        Ok(value) => serde_json::from_value(value).unwrap_or_else(|e| {
            vec![Check::fail(
                "self-check",
                format!("malformed answer: {e}"),
                "report this to the plugin's authors",
            )]
        }),
        Err(e) if e.kind == ErrorKind::Unsupported => {
            vec![Check::pass(
                "self-check",
                "none offered (no prerequisites declared)",
            )]
        }
        Err(e) => vec![from_error("self-check", &e)],
    }
}

pub fn run(svc: &Services, args: &DoctorArgs, out: &mut dyn Write) -> Result<i32> {
    let mut sections = vec![Section {
        subject: "host".into(),
        checks: host_checks(svc),
    }];
    for plugin in &svc.registry.plugins {
        let name = plugin.name();
        let checks = if plugin.info.kind == KIND_BACKEND {
            match BackendHandle::open(svc, name) {
                Ok(b) => plugin_checks(b.call(DOCTOR_OP, &json!({}))),
                Err(e) => vec![from_error("initialisation", &e)],
            }
        } else {
            match IntegrationHandle::open(svc, name) {
                Ok(i) => plugin_checks(i.call(DOCTOR_OP, &json!({}))),
                Err(e) => vec![from_error("initialisation", &e)],
            }
        };
        sections.push(Section {
            subject: name.to_string(),
            checks,
        });
    }
    let failed = sections
        .iter()
        .flat_map(|s| &s.checks)
        .filter(|c| !c.ok)
        .count();
    match args.format {
        Format::Json => {
            let all: Vec<Value> = sections
                .iter()
                .map(|s| json!({"subject": s.subject, "checks": s.checks}))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&json!({"ok": failed == 0, "sections": all}))
                    .unwrap_or_default()
            )
            .map_err(output)?;
        }
        Format::Table => {
            for s in &sections {
                for c in &s.checks {
                    let mark = if c.ok { "ok  " } else { "FAIL" };
                    writeln!(out, "{mark} {:<12} {}: {}", s.subject, c.name, c.detail)
                        .map_err(output)?;
                    if let Some(fix) = c.fix.as_deref().filter(|_| !c.ok) {
                        writeln!(out, "     {:<12} fix: {fix}", "").map_err(output)?;
                    }
                }
            }
            writeln!(
                out,
                "{}",
                if failed == 0 {
                    "all checks passed".to_string()
                } else {
                    format!("{failed} check(s) failed")
                }
            )
            .map_err(output)?;
        }
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{
        args::{Format, doctor::DoctorArgs},
        testing::{TestHost, memory},
    };

    #[test]
    fn reports_the_host_and_each_plugin() {
        let host = TestHost::new();
        let mut out = Vec::new();
        let code = run(
            &host.svc,
            &DoctorArgs {
                format: Format::Json,
            },
            &mut out,
        );
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let sections = doc["sections"].as_array().unwrap();
        assert_eq!(sections[0]["subject"], "host");
        let memory = sections
            .iter()
            .find(|s| s["subject"] == memory::NAME)
            .unwrap();
        assert_eq!(memory["checks"][0]["ok"], true, "{doc}");
        assert_eq!(
            code.unwrap(),
            if doc["ok"] == true { 0 } else { 1 },
            "{doc}"
        );
    }
}
