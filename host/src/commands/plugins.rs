//! `proxmox-lxcri plugins [--format table|json]`: loaded plugins and rejected files.

use std::io::Write;

use super::output;
use crate::args::Format;
use crate::args::plugins::PluginsArgs;
use serde_json::json;

use crate::{error::Result, services::Services};

pub fn run(svc: &Services, args: &PluginsArgs, out: &mut dyn Write) -> Result<i32> {
    let reg = &svc.registry;
    match args.format {
        Format::Json => {
            let plugins: Vec<_> = reg
                .plugins
                .iter()
                .map(|p| {
                    json!({
                        "name": p.info.name.as_str(),
                        "kind": p.info.kind_name(),
                        "version": p.info.version.as_str(),
                        "api_version": p.info.api_version.as_str(),
                        "description": p.info.description.as_str(),
                        "path": p.path,
                        "capabilities": p.info.capabilities.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                        "commands": p.info.commands.iter().map(|c| json!({
                            "name": c.name.as_str(),
                            "about": c.about.as_str(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let rejected: Vec<_> = reg
                .rejected
                .iter()
                .map(|r| {
                    let mut v = json!({"path": r.path, "reason": r.reason});
                    if svc.debug
                        && let Some(detail) = &r.detail
                    {
                        v["detail"] = detail.as_str().into();
                    }
                    v
                })
                .collect();
            let doc = json!({
                "search_path": reg.search_path,
                "plugins": plugins,
                "rejected": rejected,
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
            .map_err(output)?;
        }
        Format::Table => {
            writeln!(
                out,
                "{:<14} {:<12} {:<9} {:<6} {:<40} {:<20} PATH",
                "NAME", "KIND", "VERSION", "API", "CAPABILITIES", "COMMANDS"
            )
            .map_err(output)?;
            for p in &reg.plugins {
                let caps: Vec<&str> = p.info.capabilities.iter().map(|c| c.as_str()).collect();
                let cmds: Vec<&str> = p.info.commands.iter().map(|c| c.name.as_str()).collect();
                writeln!(
                    out,
                    "{:<14} {:<12} {:<9} {:<6} {:<40} {:<20} {}",
                    p.info.name.as_str(),
                    p.info.kind_name(),
                    p.info.version.as_str(),
                    p.info.api_version.as_str(),
                    dash_if_empty(caps.join(",")),
                    dash_if_empty(cmds.join(",")),
                    p.path.display()
                )
                .map_err(output)?;
            }
            if !reg.rejected.is_empty() {
                writeln!(out, "\nrejected files:").map_err(output)?;
                for r in &reg.rejected {
                    writeln!(out, "  {}: {}", r.path.display(), r.reason).map_err(output)?;
                    if svc.debug
                        && let Some(detail) = &r.detail
                    {
                        writeln!(out, "    {}", detail.replace('\n', "\n    ")).map_err(output)?;
                    }
                }
            }
        }
    }
    Ok(0)
}

fn dash_if_empty(s: String) -> String {
    if s.is_empty() { "-".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{
        args::{Format, plugins::PluginsArgs},
        testing::{TestHost, memory, storage},
    };

    #[test]
    fn lists_the_loaded_plugins_in_both_formats() {
        let host = TestHost::new();
        let mut out = Vec::new();
        run(
            &host.svc,
            &PluginsArgs {
                format: Format::Table,
            },
            &mut out,
        )
        .unwrap();
        let table = String::from_utf8(out).unwrap();
        assert!(
            table.contains(memory::NAME) && table.contains(storage::NAME),
            "{table}"
        );
        let mut out = Vec::new();
        run(
            &host.svc,
            &PluginsArgs {
                format: Format::Json,
            },
            &mut out,
        )
        .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let text = doc.to_string();
        assert!(
            text.contains("\"memory\"") && text.contains("greet"),
            "{text}"
        );
    }
}
