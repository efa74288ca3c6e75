//! # pve-sim
//!
//! A Proxmox VE 9 API simulator: an HTTPS server on loopback (one listener per node,
//! like each node's pveproxy) with ticket and token auth, CSRF, UPID tasks that take
//! configurable time and keep guests locked, LXC and QEMU guests, storage with
//! template upload, Proxmox's error envelopes and asymmetries, every request validated
//! against the real schema subset, and fault injection. It follows
//! `reference/pve-api.md`, section 7.

pub mod auth;
pub mod error;
mod handlers;
pub mod model;
pub mod request;
pub mod schema;
mod server;
mod tasks;
mod tls;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;

pub use error::{ApiError, ApiResult};
pub use model::{Cluster, Kind, Power};

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub nodes: Vec<String>,
    /// How long each task runs before its effect applies.
    pub task_duration: Duration,
    /// How long a mutating call waits for a guest lock held by a worker (real: 10 s).
    pub lock_timeout: Duration,
    /// Ticket and CSRF lifetime (real: 2 h).
    pub ticket_lifetime: Duration,
    /// Delay before every 401 (real: 3 s).
    pub auth_failure_delay: Duration,
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
            lock_timeout: Duration::from_secs(2),
            ticket_lifetime: Duration::from_secs(7200),
            auth_failure_delay: Duration::ZERO,
            users: BTreeMap::from([("root@pam".into(), "sim-password".into())]),
            tokens: BTreeMap::from([(
                "root@pam!lxcri".into(),
                "6f1c7c7e-3d7a-4c61-9f34-5b8f3b2a9e10".into(),
            )]),
        }
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

/// Injected faults.
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
}

/// The shared simulator state. Lock order: `cluster`, then `faults`, then `log`.
pub struct Sim {
    pub config: SimConfig,
    pub cluster: Mutex<Cluster>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub(crate) key: Mutex<Vec<u8>>,
    pub(crate) tls: tls::TlsMaterial,
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
