//! `generate man DIR` and `generate completions SHELL [DIR]`: man pages (clap_mangen)
//! and shell completions (clap_complete) from the command line as it stands, so the
//! commands of the plugins loaded now are included. Packages run this at build time.

use std::io::Write;

use super::output;
use crate::args::generate::Generate;
use std::path::Path;

use crate::error::{HostError, Result};

fn io(what: &Path, e: std::io::Error) -> HostError {
    HostError::io(format!("cannot write {}", what.display()), e)
}

/// Writes what `what` asks for, of `command`: the whole command line as the entry point
/// built it, with the commands of the loaded plugins.
pub fn run(mut command: clap::Command, what: &Generate, out: &mut dyn Write) -> Result<i32> {
    command.build();
    match what {
        Generate::Man { dir } => {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
            write_pages(&command, "proxmox-lxcri", dir)?;
        }
        Generate::Completions { shell, dir } => match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
                let path = clap_complete::generate_to(*shell, &mut command, "proxmox-lxcri", dir)
                    .map_err(|e| io(dir, e))?;
                writeln!(out, "{}", path.display()).map_err(output)?;
            }
            None => clap_complete::generate(*shell, &mut command, "proxmox-lxcri", out),
        },
    }
    Ok(0)
}

/// The page of `command` (named `name`) and, recursively, of its subcommands.
fn write_pages(command: &clap::Command, name: &str, dir: &Path) -> Result<()> {
    let path = dir.join(format!("{name}.1"));
    let page = command.clone().name(name.to_string());
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| io(&path, e))?;
    std::fs::write(&path, out).map_err(|e| io(&path, e))?;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap_complete::Shell;

    use super::run;
    use crate::{args::generate::Generate, testing::TestHost};

    fn command(host: &TestHost) -> clap::Command {
        crate::cli::full_command(&host.svc.registry).0
    }

    #[test]
    fn man_pages_include_the_commands_plugins_contribute() {
        let host = TestHost::new();
        let dir = host.dir.path().join("man");
        run(
            command(&host),
            &Generate::Man { dir: dir.clone() },
            &mut Vec::new(),
        )
        .unwrap();
        assert!(dir.join("proxmox-lxcri.1").exists());
        assert!(dir.join("proxmox-lxcri-create.1").exists());
        assert!(dir.join("proxmox-lxcri-greet.1").exists());
    }

    #[test]
    fn completions_go_to_the_output_without_a_dir() {
        let host = TestHost::new();
        let mut out = Vec::new();
        let what = Generate::Completions {
            shell: Shell::Bash,
            dir: None,
        };
        run(command(&host), &what, &mut out).unwrap();
        let script = String::from_utf8(out).unwrap();
        assert!(script.contains("proxmox-lxcri") && script.contains("greet"));
    }
}
