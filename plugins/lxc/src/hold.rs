//! Holding the container's process until `start`: LXC starts the container at create
//! (`lxc-execute`, whose init forwards signals and returns the exit status), and the
//! command it runs is a static busybox shell that blocks on a FIFO, then execs the
//! bundle's process. `start` writes to the FIFO.

use std::{os::unix::fs::PermissionsExt, path::Path};

use lxcri_plugin_api::PluginError;

fn io(what: &Path) -> impl Fn(std::io::Error) -> PluginError + '_ {
    move |e| PluginError::backend(format!("{}: {e}", what.display()))
}

/// Single-quotes an argument for sh.
pub fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Prepares the hold directory: the helper, the FIFO and the script.
pub fn prepare(dir: &Path, helper: &Path, args: &[String]) -> Result<(), PluginError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let busybox = dir.join("busybox");
    if std::fs::hard_link(helper, &busybox).is_err() {
        std::fs::copy(helper, &busybox).map_err(|e| {
            PluginError::unavailable(format!("cannot use the helper {}: {e}", helper.display()))
                .with_hint(
                    "install busybox-static or set helper in [plugins.lxc] to a static busybox",
                )
        })?;
    }
    let fifo = dir.join("start");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o666))
        .map_err(|e| PluginError::backend(format!("cannot create {}: {e}", fifo.display())))?;
    // The process may run as another user: it must be able to read the FIFO.
    std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o666)).map_err(io(&fifo))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(io(dir))?;
    let command: Vec<String> = args.iter().map(|a| quote(a)).collect();
    let script = format!(
        "read _ < /{hold}/start\nexec {}\n",
        command.join(" "),
        hold = crate::translate::HOLD_DIR
    );
    std::fs::write(dir.join("init.sh"), script).map_err(io(dir))
}

/// Releases the held process.
pub fn release(dir: &Path) -> Result<(), PluginError> {
    let fifo = dir.join("start");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .map_err(io(&fifo))?;
    std::io::Write::write_all(&mut f, b"go\n").map_err(io(&fifo))?;
    std::fs::write(dir.join("started"), b"").map_err(io(dir))
}

pub fn started(dir: &Path) -> bool {
    dir.join("started").exists()
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(super::quote("it's a b"), r"'it'\''s a b'");
    }
}
