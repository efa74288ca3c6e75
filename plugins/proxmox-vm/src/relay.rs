//! The stand-in's relay for a VM: the bundle's process runs through the guest agent
//! once the VM has booted (`agent/exec` with the stdin read so far as `input-data`),
//! and `agent/exec-status` is polled until it exits. The agent hands a process's
//! output over only when it has exited, so stdout and stderr arrive at the end, in one
//! piece each. When the process has exited the VM is stopped: the container is.

use std::{
    io::{IsTerminal, Read, Write},
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use lxcri_plugin_api::PluginError;
use lxcri_pve_client::{
    Pve,
    guest::{GuestKind, GuestRecord},
    stand_in::{self, Ended, Signals},
};

use crate::{VmFlavor, exec};

/// The stand-in's stdin, read to its end in the background.
struct Stdin(Arc<Mutex<Option<Vec<u8>>>>);

impl Stdin {
    fn spawn() -> Self {
        let done = Arc::new(Mutex::new(None));
        if !std::io::stdin().is_terminal() {
            let slot = done.clone();
            std::thread::spawn(move || {
                let mut all = Vec::new();
                if std::io::stdin().read_to_end(&mut all).is_ok() {
                    *slot.lock().expect("stdin") = Some(all);
                }
            });
        }
        Self(done)
    }

    /// Everything stdin held, if it has ended by now.
    fn if_ended(&self) -> Option<String> {
        let all = self.0.lock().expect("stdin").clone()?;
        Some(String::from_utf8_lossy(&all).into_owned())
    }
}

fn stop_vm(pve: &Pve, record: &GuestRecord) {
    if let Err(e) = pve.post_task(
        &format!("{}/status/stop", record.base(GuestKind::Qemu)),
        vec![],
    ) && !e.is_not_running()
    {
        tracing::warn!(
            "stand-in: stopping VM {} after its process ended: {e}",
            record.vmid
        );
    }
}

pub fn run(
    flavor: &VmFlavor,
    pve: &Pve,
    dir: &Path,
    record: &GuestRecord,
    signals: &Signals,
) -> Result<Ended, PluginError> {
    let command: Vec<String> =
        serde_json::from_value(record.extra["command"].clone()).unwrap_or_default();
    if !flavor.cfg.agent || command.is_empty() {
        return stand_in::follow_guest(pve, GuestKind::Qemu, dir, record, signals);
    }
    let ended = run_command(flavor, pve, record, &command, signals)?;
    if matches!(ended, Ended::Exited(_)) {
        stop_vm(pve, record);
    }
    Ok(ended)
}

/// The stand-in of a detached exec: the process runs through the agent; the VM goes
/// on.
pub fn exec(
    flavor: &VmFlavor,
    pve: &Pve,
    record: &GuestRecord,
    process: &serde_json::Value,
    signals: &Signals,
) -> Result<i32, PluginError> {
    if !flavor.cfg.agent {
        return Err(crate::create::needs_agent());
    }
    let command = exec::command_of(process);
    match run_command(flavor, pve, record, &command, signals)? {
        Ended::Exited(code) => Ok(code),
        Ended::GuestStopped => Ok(137),
    }
}

/// Runs `command` through the agent once it answers, with the stdin read so far, and
/// waits for it; its output is written when it has exited.
fn run_command(
    flavor: &VmFlavor,
    pve: &Pve,
    record: &GuestRecord,
    command: &[String],
    signals: &Signals,
) -> Result<Ended, PluginError> {
    let stdin = Stdin::spawn();
    let mut watch = || {
        signals.forward(pve, GuestKind::Qemu, record);
        stand_in::running(pve, GuestKind::Qemu, record)
    };
    match exec::wait_for_agent_while(pve, record, flavor.cfg.agent_timeout_secs, &mut watch) {
        Ok(()) => {}
        Err(_) if !stand_in::running(pve, GuestKind::Qemu, record)? => {
            return Ok(Ended::GuestStopped);
        }
        Err(e) => return Err(e),
    }
    let input = stdin.if_ended();
    let pid = exec::launch(pve, record, command, input.as_deref())?;
    let mut pause = Duration::from_millis(20);
    loop {
        signals.forward(pve, GuestKind::Qemu, record);
        match exec::status(pve, record, pid) {
            Ok(Some(done)) => {
                if let Some(out) = done.stdout {
                    let _ = std::io::stdout().write_all(out.as_bytes());
                    let _ = std::io::stdout().flush();
                }
                if let Some(err) = done.stderr {
                    let _ = std::io::stderr().write_all(err.as_bytes());
                }
                return Ok(Ended::Exited(done.exit_code.unwrap_or(0)));
            }
            Ok(None) => {}
            Err(_) if !stand_in::running(pve, GuestKind::Qemu, record)? => {
                return Ok(Ended::GuestStopped);
            }
            // A paused or busy VM's agent does not answer for a while.
            Err(e) => tracing::debug!("stand-in: exec-status of VM {}: {e}", record.vmid),
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}
