//! `proxmox-lxcri plugins [--format table|json]`: loaded plugins and rejected files.

use serde_json::json;

use crate::{app::App, error::Result};

#[derive(Debug, Clone, Copy, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct PluginsArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(app: &App, args: &PluginsArgs) -> Result<i32> {
    let reg = &app.registry;
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
                    if app.global.debug
                        && let Some(detail) = &r.detail
                    {
                        v["detail"] = detail.as_str().into();
                    }
                    v
                })
                .collect();
            let out = json!({
                "search_path": reg.search_path,
                "plugins": plugins,
                "rejected": rejected,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Table => {
            println!(
                "{:<14} {:<12} {:<9} {:<6} {:<40} {:<20} PATH",
                "NAME", "KIND", "VERSION", "API", "CAPABILITIES", "COMMANDS"
            );
            for p in &reg.plugins {
                let caps: Vec<&str> = p.info.capabilities.iter().map(|c| c.as_str()).collect();
                let cmds: Vec<&str> = p.info.commands.iter().map(|c| c.name.as_str()).collect();
                println!(
                    "{:<14} {:<12} {:<9} {:<6} {:<40} {:<20} {}",
                    p.info.name.as_str(),
                    p.info.kind_name(),
                    p.info.version.as_str(),
                    p.info.api_version.as_str(),
                    dash_if_empty(caps.join(",")),
                    dash_if_empty(cmds.join(",")),
                    p.path.display()
                );
            }
            if !reg.rejected.is_empty() {
                println!("\nrejected files:");
                for r in &reg.rejected {
                    println!("  {}: {}", r.path.display(), r.reason);
                    if app.global.debug
                        && let Some(detail) = &r.detail
                    {
                        println!("    {}", detail.replace('\n', "\n    "));
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
