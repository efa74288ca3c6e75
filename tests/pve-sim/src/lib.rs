//! # pve-sim
//!
//! A Proxmox VE 9 API simulator: an HTTPS server on loopback (one listener per node,
//! like each node's pveproxy) with ticket and token auth, CSRF, UPID tasks that take
//! configurable time and keep guests locked, LXC and QEMU guests, storage with
//! template upload, Proxmox's error envelopes and asymmetries, every request validated
//! against the real schema subset, and fault injection. It follows
//! `reference/pve-api.md`, section 7.

pub mod auth;
mod console;
pub mod error;
mod handlers;
mod init;
pub mod model;
mod permissions;
pub mod programs;
pub mod request;
pub mod schema;
mod server;
mod tasks;
mod tls;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;

pub use error::{ApiError, ApiResult};
pub use model::{Cluster, Kind, Power};

/// How much faster than Proxmox the simulator's clock runs: a wait that takes 10 s on
/// a real node takes `10 s × TIME_SCALE` here, so tests see every real delay, only
/// shorter.
pub const TIME_SCALE: f64 = 0.02;

/// A real-world duration of `secs` seconds, on the simulator's clock.
pub fn scaled(secs: f64) -> Duration {
    Duration::from_secs_f64(secs * TIME_SCALE)
}

/// Simulator settings. Every behaviour that real Proxmox always has is on by default;
/// `docs/pve-sim.md` lists each with the fact it comes from.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub nodes: Vec<String>,
    /// How long each task runs before its effect applies.
    pub task_duration: Duration,
    /// How long a flock on a guest config waits (real: 10 s).
    pub lock_timeout: Duration,
    /// How long a clone worker waits for the new vmid's flock (real: 1 s).
    pub clone_lock_timeout: Duration,
    /// Ticket and CSRF lifetime (real: 2 h).
    pub ticket_lifetime: Duration,
    /// Delay before every 401 (real: 3 s, pve-api.md §1.1 and fact 12).
    pub auth_failure_delay: Duration,
    /// How long after a VM starts its guest agent answers (real: tens of seconds, up
    /// to ~110 s; fact 5).
    pub agent_boot_delay: Duration,
    /// How stale the status in /cluster/resources is (real: ~10 s of RRD; fact 11).
    pub resources_lag: Duration,
    /// LXC suspend is a CRIU checkpoint that leaves the CT stopped (fact 4); off: a
    /// freeze, as for QEMU.
    pub lxc_suspend_checkpoint: bool,
    /// An upload under an existing file name replaces it (fact 9); off: refused.
    pub upload_overwrites: bool,
    /// `user@realm` → password.
    pub users: BTreeMap<String, String>,
    /// `user@realm!tokenid` → secret.
    pub tokens: BTreeMap<String, String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            nodes: vec!["pve1".into(), "pve2".into()],
            task_duration: Duration::from_millis(20),
            lock_timeout: scaled(10.0),
            clone_lock_timeout: scaled(1.0),
            ticket_lifetime: Duration::from_secs(7200),
            auth_failure_delay: scaled(3.0),
            agent_boot_delay: scaled(20.0),
            resources_lag: scaled(10.0),
            lxc_suspend_checkpoint: true,
            upload_overwrites: true,
            users: BTreeMap::from([("root@pam".into(), "sim-password".into())]),
            tokens: BTreeMap::from([(
                "root@pam!lxcri".into(),
                "6f1c7c7e-3d7a-4c61-9f34-5b8f3b2a9e10".into(),
            )]),
        }
    }
}

/// Which requests a rule applies to: method (any when `None`) and a path fragment.
#[derive(Debug, Clone, Default)]
pub struct Match {
    pub method: Option<String>,
    pub path_contains: String,
}

impl Match {
    pub fn new(method: &str, path_contains: &str) -> Self {
        Self {
            method: Some(method.to_string()),
            path_contains: path_contains.to_string(),
        }
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method) && path.contains(&self.path_contains)
    }
}

/// A request failure rule: the next `times` requests whose method matches and whose
/// path contains `path_contains` get `status` with `message`.
#[derive(Debug, Clone)]
pub struct FailRule {
    pub method: Option<String>,
    pub path_contains: String,
    pub status: u16,
    pub message: String,
    pub times: u32,
}

/// Injected faults: behaviours that real Proxmox shows only sometimes. All off by
/// default.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added to every request.
    pub latency: Duration,
    pub fail_requests: Vec<FailRule>,
    /// Task type → (error text, times): the next such tasks fail.
    pub fail_tasks: BTreeMap<String, (String, u32)>,
    /// Task type → number of warnings the next such task ends with (once).
    pub task_warnings: BTreeMap<String, u32>,
    /// The next N connections are dropped right after accept.
    pub drop_connections: u32,
    /// Task status queries for tasks younger than this get 400 "no such task".
    pub hide_new_tasks: Duration,
    /// The next N `/cluster/nextid` answers repeat the previous answer, as when
    /// parallel callers ask before any of them creates (a guaranteed race).
    pub nextid_repeats: u32,
    /// Create and clone onto a vmid that is already taken are accepted and fail
    /// inside their task, leaving the other guest alone: the race between two clients
    /// that both passed the early check (fact 2).
    pub async_collisions: bool,
    /// Per cent of mutating requests (POST, PUT, DELETE) whose answer is lost after
    /// the server acted: the connection closes without a reply (fact 1). The choice
    /// follows a fixed sequence, so a run is repeatable.
    pub drop_after_commit_percent: u32,
    /// Requests whose answer is lost after the server acted, (rule, times).
    pub drop_after_commit: Vec<(Match, u32)>,
    /// The Nth request from now (0-based) is handled, then held unanswered until
    /// [`SimHandle::release_stall`]; its connection then closes without a reply. Tests
    /// kill the client meanwhile.
    pub stall_request: Option<usize>,
    /// Task type → N: the next N such workers fail to take the config flock
    /// ("can't lock file … got timeout" as the task's error, fact 6).
    pub task_lock_timeouts: BTreeMap<String, u32>,
    /// Nodes without quorum: every write there fails "cluster not ready - no
    /// quorum?" (fact 7).
    pub no_quorum: BTreeSet<String>,
    /// Error bodies without `message`, the text only in the reason phrase, as before
    /// PVE 8.4 (fact 8).
    pub legacy_errors: bool,
    /// qemu-ga has guest-exec disabled in its config (fact 5).
    pub guest_exec_disabled: bool,
    /// API tokens hold only these privileges (privilege separation with narrow ACLs,
    /// fact 3); `None`: every privilege. Tokens are never root@pam either way.
    pub token_privileges: Option<BTreeSet<String>>,
}

/// One logged request.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub node_endpoint: String,
    pub method: String,
    pub path: String,
    pub template: Option<String>,
    pub params: BTreeMap<String, Value>,
    pub status: u16,
    pub message: Option<String>,
    /// The answer was dropped after the server acted.
    pub lost: bool,
    /// The client's User-Agent.
    pub user_agent: String,
}

/// The shared simulator state. Lock order: `cluster`, then `faults`, then `log`.
pub struct Sim {
    pub config: SimConfig,
    pub cluster: Mutex<Cluster>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub(crate) key: Mutex<Vec<u8>>,
    pub(crate) tls: tls::TlsMaterial,
    /// Requests seen and mutating requests seen (for `stall_request` and
    /// `drop_after_commit_percent`), and the stalled request's release.
    pub(crate) counters: Mutex<Counters>,
    pub(crate) release: tokio::sync::Notify,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: usize,
    pub mutations: u64,
    pub stalled: bool,
}

/// A running simulator: endpoints, TLS facts, and control over its state and faults.
pub struct SimHandle {
    pub sim: Arc<Sim>,
    /// Base URL of each node's API (`https://127.0.0.1:PORT`), in node order.
    pub endpoints: Vec<String>,
    _runtime: tokio::runtime::Runtime,
}

impl SimHandle {
    /// Starts a simulator on loopback.
    pub fn start(config: SimConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("sim runtime");
        let sim = Arc::new(Sim {
            cluster: Mutex::new(Cluster::new(&config.nodes)),
            faults: Mutex::new(Faults::default()),
            log: Mutex::new(Vec::new()),
            key: Mutex::new(tls::random_bytes(32)),
            tls: tls::TlsMaterial::generate(),
            counters: Mutex::new(Counters::default()),
            release: tokio::sync::Notify::new(),
            config,
        });
        let endpoints = runtime.block_on(server::listen_all(sim.clone()));
        Self {
            sim,
            endpoints,
            _runtime: runtime,
        }
    }

    /// SHA-256 fingerprint of the server certificate, colon hex.
    pub fn fingerprint(&self) -> String {
        self.sim.tls.fingerprint.clone()
    }

    /// The CA certificate (PEM) that signed the server certificate.
    pub fn ca_pem(&self) -> String {
        self.sim.tls.ca_pem.clone()
    }

    /// `user@realm!tokenid=secret` of the built-in token.
    pub fn token(&self) -> String {
        let (id, secret) = self.sim.config.tokens.iter().next().expect("a token");
        format!("{id}={secret}")
    }

    pub fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.sim.faults.lock().expect("faults")
    }

    pub fn cluster(&self) -> std::sync::MutexGuard<'_, Cluster> {
        self.sim.cluster.lock().expect("cluster")
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.sim.log.lock().expect("log").clone()
    }

    /// Requests refused by schema validation (must stay empty for a correct client).
    pub fn schema_violations(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r.status == 400 && r.message.as_deref() == Some("Parameter verification failed.")
            })
            .collect()
    }

    /// Rotates the ticket key: every issued ticket becomes invalid (as after expiry).
    pub fn expire_tickets(&self) {
        *self.sim.key.lock().expect("key") = tls::random_bytes(32);
    }

    /// Whether the request chosen by `Faults::stall_request` is being held.
    pub fn stalled(&self) -> bool {
        self.sim.counters.lock().expect("counters").stalled
    }

    /// Lets the stalled request go: its connection closes without an answer.
    pub fn release_stall(&self) {
        self.sim.counters.lock().expect("counters").stalled = false;
        self.sim.release.notify_waiters();
    }

    /// Restarts the request count that `Faults::stall_request` refers to.
    pub fn reset_request_count(&self) {
        self.sim.counters.lock().expect("counters").requests = 0;
    }

    /// Takes a node down (its listener drops connections; proxying to it gives 595).
    pub fn set_node_down(&self, node: &str, down: bool) {
        let mut c = self.cluster();
        if down {
            c.down.insert(node.to_string());
        } else {
            c.down.remove(node);
        }
    }
}
