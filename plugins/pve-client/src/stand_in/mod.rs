//! The local stand-in of a Proxmox container (`lxcri_plugin_api::stand_in`).
//!
//! A caller of a runc-compatible runtime watches the pid `create --pid-file` reports
//! and hands the container its stdio; a Proxmox guest has neither, so the host starts
//! this stand-in after create, and it:
//! - records itself in the guest record (pid and start time), so `state`, `kill` and
//!   `delete --force` find it again, and says it is ready;
//! - waits for `start` on a FIFO in the container's private dir;
//! - then mirrors the guest's process through the API, as its backend's flavor knows
//!   how (the QEMU guest agent, the CT console), carrying its stdio;
//! - forwards the signals it receives through the API;
//! - and ends with the process's exit status (128 + n for signal n).
//!
//! It holds no secrets in its argv or environment: it reads the plugin's config.

mod console;
mod signals;

use std::{
    io::Write,
    os::{
        fd::{FromRawFd, OwnedFd},
        unix::ffi::OsStrExt,
    },
    path::Path,
};

use lxcri_plugin_api::{
    PluginError,
    stand_in::{StandInReply, StandInRequest},
};
use lxcri_plugin_helpers::procs::ProcessId;

pub use signals::Signals;

use crate::{
    Pve,
    backend::{Flavor, GuestBackend},
    guest::{GuestKind, GuestRecord},
};

/// The FIFO `start` opens to let the stand-in go.
pub const START_FIFO: &str = "stand-in.start";

/// How the guest's process ended, as the flavor saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status (128 + n for signal n).
    Exited(i32),
    /// The guest stopped; the status follows from who stopped it.
    GuestStopped,
}

fn io_err(what: &str, e: std::io::Error) -> PluginError {
    PluginError::internal(format!("stand-in: {what}: {e}"))
}

fn make_fifo(path: &Path) -> Result<(), PluginError> {
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|e| PluginError::internal(e.to_string()))?;
    // SAFETY: a valid NUL-terminated path.
    if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } < 0 {
        return Err(io_err("mkfifo", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Blocks until `start` opens the FIFO and writes to it. Returns false when it was
/// closed without a word (the container is being deleted).
fn wait_for_start(path: &Path) -> Result<bool, PluginError> {
    use std::io::Read;
    let mut fifo = std::fs::File::open(path).map_err(|e| io_err("open the start FIFO", e))?;
    let mut byte = [0u8; 1];
    loop {
        match fifo.read(&mut byte) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err("read the start FIFO", e)),
        }
    }
}

/// Lets the stand-in in `dir` go (from `start`). A stand-in that is gone is no error.
pub fn release(dir: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(dir.join(START_FIFO));
    match opened {
        Ok(mut fifo) => {
            let _ = fifo.write_all(b"1");
        }
        Err(e) => tracing::debug!("no stand-in waits for start: {e}"),
    }
}

/// Ends the stand-in of `record` (from `delete`) and waits until it has exited, and
/// removes its FIFO.
pub fn stop(record: &GuestRecord, dir: &Path) {
    use lxcri_plugin_helpers::procs;
    if let Some(p) = record.stand_in
        && let Some(fd) = procs::pidfd(p.pid, Some(p.start_time))
    {
        match procs::signal(&fd, libc::SIGKILL) {
            Ok(()) => procs::wait_all(&[fd]),
            Err(e) => tracing::warn!("could not stop the stand-in {}: {e}", p.pid),
        }
    }
    let _ = std::fs::remove_file(dir.join(START_FIFO));
}

/// Ends the stand-ins of container `id` whose record is lost, found by their command
/// line (`… --root ROOT … stand-in … -- ID`). `dir` is the container's private dir,
/// `ROOT/ID/PLUGIN`.
pub fn stop_orphans(dir: &Path, id: &str) {
    let Some(root) = dir.parent().and_then(Path::parent) else {
        return;
    };
    let me = std::process::id() as i32;
    for p in lxcri_plugin_helpers::procs::all() {
        let Ok(raw) = std::fs::read(p.dir.join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = raw.split(|b| *b == 0).filter(|a| !a.is_empty()).collect();
        let has = |a: &[u8]| args.contains(&a);
        let root_is = args
            .windows(2)
            .any(|w| w[0] == b"--root" && Path::new(std::ffi::OsStr::from_bytes(w[1])) == root);
        if p.pid != me && has(b"stand-in") && root_is && args.last() == Some(&id.as_bytes()) {
            tracing::info!(
                "stopping the stand-in {} of {id}, whose record is gone",
                p.pid
            );
            // SAFETY: a plain kill of a process just identified.
            unsafe { libc::kill(p.pid, libc::SIGKILL) };
        }
    }
}

/// The stand-in's life: record, ready, wait for start, mirror, exit status.
pub fn run<F: Flavor>(
    backend: &GuestBackend<F>,
    req: StandInRequest,
) -> Result<StandInReply, PluginError> {
    let dir = Path::new(&req.dir);
    backend.pve.client().set_role("stand-in");
    let mut record = GuestRecord::load(dir).ok_or_else(|| {
        PluginError::not_found(format!("container {} has no Proxmox guest record", req.id))
    })?;
    if let Some(socket) = &req.console_socket {
        console::attach(Path::new(socket))?;
    }
    let report_ready = || -> Result<(), PluginError> {
        // SAFETY: the host handed this fd to us alone.
        let mut ready = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(req.ready_fd) });
        ready
            .write_all(b"ready\n")
            .map_err(|e| io_err("report ready", e))
    };
    if let Some(file) = &req.exec {
        let raw = std::fs::read(file).map_err(|e| io_err("read the exec's process", e));
        let _ = std::fs::remove_file(file);
        let process: serde_json::Value = serde_json::from_slice(&raw?)
            .map_err(|e| PluginError::invalid_input(format!("exec process: {e}")))?;
        // Not `started`: a signal ends this stand-in alone, never the guest.
        let signals = Signals::install()?;
        report_ready()?;
        let exit_code = backend
            .flavor
            .exec_relay(&backend.pve, &record, process, &signals)?;
        return Ok(StandInReply { exit_code });
    }
    let fifo = dir.join(START_FIFO);
    make_fifo(&fifo)?;
    record.stand_in = ProcessId::current();
    record.save(dir)?;
    let signals = Signals::install()?;
    report_ready()?;
    if !wait_for_start(&fifo)? {
        return Ok(StandInReply { exit_code: 137 });
    }
    signals.started();
    let record = GuestRecord::load(dir).unwrap_or(record);
    let ended = backend.flavor.relay(&backend.pve, dir, &record, &signals)?;
    let exit_code = match ended {
        Ended::Exited(code) => code,
        Ended::GuestStopped => {
            let record = GuestRecord::load(dir).unwrap_or(record);
            match signals.last().or(record.killed_with) {
                Some(sig) => 128 + sig,
                None => F::stopped_on_its_own(&backend.pve, &record),
            }
        }
    };
    tracing::debug!("{}: the container's process ended with {exit_code}", req.id);
    Ok(StandInReply { exit_code })
}

/// Mirrors a guest without a process of its own to follow: waits until it stops,
/// forwarding signals. A CT checkpointed by `pause` reads stopped but lives on. Used
/// where the flavor has no better source.
pub fn follow_guest(
    pve: &Pve,
    kind: GuestKind,
    dir: &Path,
    record: &GuestRecord,
    signals: &Signals,
) -> Result<Ended, PluginError> {
    let mut pause = std::time::Duration::from_millis(50);
    loop {
        signals.forward(pve, kind, record);
        let paused = GuestRecord::load(dir).is_some_and(|r| r.paused);
        if !paused && !running(pve, kind, record)? {
            return Ok(Ended::GuestStopped);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_secs(1));
    }
}

/// Whether the guest runs (a paused VM does; a missing guest does not).
pub fn running(pve: &Pve, kind: GuestKind, record: &GuestRecord) -> Result<bool, PluginError> {
    match pve.get::<serde_json::Value>(&format!("{}/status/current", record.base(kind)), vec![]) {
        Ok(c) => Ok(c.get("status").and_then(|s| s.as_str()) == Some("running")),
        Err(e) if e.is_missing() => Ok(false),
        Err(e) => Err(e.into()),
    }
}
