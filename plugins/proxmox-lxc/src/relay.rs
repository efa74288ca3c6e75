//! The stand-in's relay for a CT: the entrypoint is the CT's init, and its console is
//! reached through the API (`termproxy`, then `vncwebsocket`): what the CT writes goes
//! to the stand-in's stdout, and its stdin is typed into the console. Like
//! `lxc-console`, the console carries only what the CT writes while it is attached,
//! which is from right after start: output written before that is not seen. Proxmox
//! does not report the init's exit status: a CT that stopped by itself exits 0, one
//! stopped from outside 137, one stopped by a signal 128 + it.

use std::{io::Write, path::Path, time::Duration};

use futures_util::{SinkExt, StreamExt};
use lxcri_plugin_api::PluginError;
use lxcri_pve_client::{
    Pve, PveError,
    guest::{GuestKind, GuestRecord},
    lenient,
    stand_in::{self, Ended, Signals},
};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// How a console session ended.
enum Session {
    Closed,
    Signal,
}

/// The stand-in's stdin, in chunks, read in the background.
fn read_stdin() -> mpsc::UnboundedReceiver<Vec<u8>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match std::io::Read::read(&mut std::io::stdin(), &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

async fn session(
    pve: &Pve,
    record: &GuestRecord,
    input: &mut mpsc::UnboundedReceiver<Vec<u8>>,
    signals: &Signals,
) -> Result<Session, PveError> {
    let ws = pve
        .client()
        .terminal(&record.node, "lxc", record.vmid)
        .await?;
    let (mut sink, mut stream) = ws.split();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(data))) => {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(&data);
                    let _ = out.flush();
                }
                Some(Ok(Message::Text(text))) => {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(text.as_bytes());
                    let _ = out.flush();
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(Session::Closed),
                Some(Ok(_)) => {}
            },
            Some(data) = input.recv() => {
                let text = String::from_utf8_lossy(&data);
                let _ = sink.send(Message::text(format!("0:{}:{text}", text.len()))).await;
            }
            _ = tick.tick() => {
                if signals.has_pending() {
                    return Ok(Session::Signal);
                }
            }
        }
    }
}

pub fn run(
    pve: &Pve,
    dir: &Path,
    record: &GuestRecord,
    signals: &Signals,
) -> Result<Ended, PluginError> {
    let mut input = read_stdin();
    let mut failures = 0;
    loop {
        let paused = GuestRecord::load(dir).is_some_and(|r| r.paused);
        let ended = if paused {
            // A checkpointed CT has no console until resume.
            Ok(Session::Closed)
        } else {
            pve.block_on(session(pve, record, &mut input, signals))
        };
        match ended {
            Ok(Session::Signal) => signals.forward(pve, GuestKind::Lxc, record),
            Ok(Session::Closed) => failures = 0,
            Err(e) => {
                failures += 1;
                tracing::debug!("stand-in: console of CT {}: {e}", record.vmid);
                if failures > 5 {
                    tracing::warn!(
                        "stand-in: the console of CT {} keeps failing ({e}); following its status only",
                        record.vmid
                    );
                    return stand_in::follow_guest(pve, GuestKind::Lxc, dir, record, signals);
                }
            }
        }
        let paused = GuestRecord::load(dir).is_some_and(|r| r.paused);
        if !paused && !stand_in::running(pve, GuestKind::Lxc, record)? {
            return Ok(Ended::GuestStopped);
        }
        if paused || failures > 0 {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[derive(Deserialize)]
struct TaskEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    starttime: Option<i64>,
}

/// 137 when a stop or shutdown task ran for the CT since it was started (someone
/// stopped it), else 0 (its init ended; Proxmox keeps no exit status).
pub fn stopped_on_its_own(pve: &Pve, record: &GuestRecord) -> i32 {
    let started = record.started_at.unwrap_or(0) as i64;
    let tasks: Vec<TaskEntry> = match pve.get(
        &format!("/nodes/{}/tasks", record.node),
        lxcri_pve_client::params![("vmid", record.vmid), ("source", "all")],
    ) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("stand-in: cannot read the tasks of CT {}: {e}", record.vmid);
            return 0;
        }
    };
    let stopped = tasks.iter().any(|t| {
        matches!(t.kind.as_str(), "vzstop" | "vzshutdown")
            && t.id == record.vmid.to_string()
            && t.starttime.unwrap_or(0) >= started
    });
    if stopped { 137 } else { 0 }
}
