//! The signals a stand-in receives. Before `start` one ends it at once (128 + n), as
//! it would end a container's init that never ran; after, it is forwarded to the guest
//! through the API (TERM, INT, QUIT, HUP, PWR shut down; others cannot be delivered)
//! and the stand-in ends with 128 + n once the guest has stopped.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicI32, Ordering},
};

use lxcri_plugin_api::PluginError;

use crate::{
    Pve,
    guest::{GuestKind, GuestRecord, PowerAction, signal_action},
    params,
};

const HANDLED: &[i32] = &[
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGPWR,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

#[derive(Clone)]
pub struct Signals {
    started: Arc<AtomicBool>,
    /// The last signal received, 0 for none.
    last: Arc<AtomicI32>,
    /// A signal not yet forwarded, 0 for none.
    pending: Arc<AtomicI32>,
}

impl Signals {
    /// Starts the thread that receives the handled signals.
    pub fn install() -> Result<Self, PluginError> {
        let mut incoming = signal_hook::iterator::Signals::new(HANDLED)
            .map_err(|e| PluginError::internal(format!("stand-in: signals: {e}")))?;
        let me = Self {
            started: Arc::new(AtomicBool::new(false)),
            last: Arc::new(AtomicI32::new(0)),
            pending: Arc::new(AtomicI32::new(0)),
        };
        let seen = me.clone();
        std::thread::spawn(move || {
            for sig in incoming.forever() {
                if !seen.started.load(Ordering::SeqCst) {
                    std::process::exit(128 + sig);
                }
                seen.last.store(sig, Ordering::SeqCst);
                seen.pending.store(sig, Ordering::SeqCst);
            }
        });
        Ok(me)
    }

    pub fn started(&self) {
        self.started.store(true, Ordering::SeqCst);
    }

    /// The last signal received.
    pub fn last(&self) -> Option<i32> {
        Some(self.last.load(Ordering::SeqCst)).filter(|s| *s != 0)
    }

    /// Whether a received signal waits to be forwarded.
    pub fn has_pending(&self) -> bool {
        self.pending.load(Ordering::SeqCst) != 0
    }

    /// Forwards a received signal to the guest (once); failures are logged, since
    /// the guest may already be stopping.
    pub fn forward(&self, pve: &Pve, kind: GuestKind, record: &GuestRecord) {
        let sig = self.pending.swap(0, Ordering::SeqCst);
        if sig == 0 {
            return;
        }
        let base = record.base(kind);
        let sent = match signal_action(sig) {
            Ok(PowerAction::Stop) => pve.post_task(&format!("{base}/status/stop"), vec![]),
            Ok(PowerAction::Shutdown) => pve.post_task(
                &format!("{base}/status/shutdown"),
                params![("forceStop", true)],
            ),
            Err(e) => {
                tracing::warn!("stand-in: {e}");
                return;
            }
        };
        if let Err(e) = sent
            && !e.is_not_running()
        {
            tracing::warn!("stand-in: forwarding signal {sig}: {e}");
        }
    }
}
