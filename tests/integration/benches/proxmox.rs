//! Proxmox LXC through the host against the simulator with a fixed latency per request:
//! requests per lifecycle operation and wall time, against the fewest API calls each
//! operation needs. Tasks finish at once (task_duration 0), so every request count is
//! exact and the check cannot flake.
//!
//! `LXCRI_BUILD_PROFILE=release cargo bench -p lxcri-integration-tests --bench proxmox`;
//! `LXCRI_BENCH_LATENCY_MS` (default 20), `RUNS` (default 3), `LXCRI_BENCH_OUT` (JSON),
//! `LXCRI_BENCH_SHOW_REQUESTS=1` (print each operation's requests to stderr). Requests of
//! the container's stand-in (its User-Agent says so) are not an operation's.

use std::time::{Duration, Instant};

use lxcri_test_support::{
    Host,
    proxmox::{Auth, plugin_config},
};
use pve_sim::{SimConfig, SimHandle};
use serde_json::json;

/// The fewest API calls each operation needs (token auth, the template on storage, the
/// node set in the config; automatic placement adds `GET /nodes` to create):
/// create = nextid + template lookup + POST lxc + one task status; every write on an
/// existing guest first proves it ours by its marker (GET config), so start = config +
/// POST start + task status; state = GET status/current; kill (SIGKILL) = config +
/// POST stop + task status; delete of a stopped CT = config + DELETE + task status.
const MINIMUM: &[(&str, usize)] = &[
    ("create", 4),
    ("start", 3),
    ("state", 1),
    ("kill", 3),
    ("delete", 3),
];

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let latency = Duration::from_millis(env_num("LXCRI_BENCH_LATENCY_MS", 20));
    let rounds = env_num("RUNS", 3).max(1);
    let show_requests = std::env::var_os("LXCRI_BENCH_SHOW_REQUESTS").is_some();
    let sim = SimHandle::start(SimConfig {
        nodes: vec!["pve1".into()],
        task_duration: Duration::ZERO,
        ..SimConfig::default()
    });
    let mut host = Host::with_plugins(&["lxcri_proxmox_lxc"]);
    let config = plugin_config(
        &host,
        "proxmox-lxc",
        &sim,
        Auth::Token,
        &sim.endpoints,
        "storage = \"local-lvm\"\nbridge = \"vmbr0\"\nnode = \"pve1\"\n",
    );
    host.write_config(&config);
    host.extra_args.push("--backend=proxmox-lxc".into());
    let bundle = host.bundle("b", &["sleep", "1000"]).write();
    let b = bundle.to_str().expect("utf-8 path");
    // The first create uploads the template; it is not what is measured.
    host.run(["create", "--bundle", b, "warm"]).ok();
    host.run(["delete", "--force", "warm"]).ok();
    sim.sim.faults.lock().expect("faults").latency = latency;

    let mut requests: Vec<(&str, Vec<usize>)> =
        MINIMUM.iter().map(|(op, _)| (*op, vec![])).collect();
    let mut walls = Vec::new();
    for round in 0..rounds {
        let id = format!("b{round}");
        let started = Instant::now();
        let steps: [(&str, Vec<&str>); 5] = [
            ("create", vec!["create", "--bundle", b, &id]),
            ("start", vec!["start", &id]),
            ("state", vec!["state", &id]),
            ("kill", vec!["kill", &id, "KILL"]),
            ("delete", vec!["delete", &id]),
        ];
        for (op, args) in steps {
            let before = sim.requests().len();
            host.run(args).ok();
            let log = sim.requests();
            // The container's stand-in talks to the API on its own (its console):
            // that is not the operation's cost.
            let made = log[before..]
                .iter()
                .filter(|r| !r.user_agent.contains("stand-in"))
                .count();
            if show_requests && round == 0 {
                for r in &log[before..] {
                    eprintln!(
                        "{op}: {} {} -> {} ({})",
                        r.method, r.path, r.status, r.user_agent
                    );
                }
            }
            requests
                .iter_mut()
                .find(|(o, _)| *o == op)
                .expect("op")
                .1
                .push(made);
        }
        walls.push(started.elapsed());
    }
    assert!(
        sim.schema_violations().is_empty(),
        "{:#?}",
        sim.schema_violations()
    );

    walls.sort();
    let wall = walls[walls.len() / 2];
    let minimum_total: usize = MINIMUM.iter().map(|(_, n)| n).sum();
    let floor = latency * minimum_total as u32;
    let ops: Vec<_> = requests
        .iter()
        .map(|(op, counts)| {
            let max = counts.iter().copied().max().unwrap_or(0);
            let min = MINIMUM
                .iter()
                .find(|(o, _)| o == op)
                .map(|(_, n)| *n)
                .unwrap_or(1);
            json!({"op": op, "requests": max, "minimum": min, "ratio": max as f64 / min as f64})
        })
        .collect();
    let report = json!({
        "latency_ms": latency.as_millis() as u64,
        "rounds": rounds,
        "operations": ops,
        "cycle_wall_ms": wall.as_secs_f64() * 1000.0,
        "cycle_floor_ms": floor.as_secs_f64() * 1000.0,
        "cycle_wall_ratio": wall.as_secs_f64() / floor.as_secs_f64(),
    });
    println!("{}", serde_json::to_string_pretty(&report).expect("json"));
    if let Ok(path) = std::env::var("LXCRI_BENCH_OUT") {
        std::fs::write(path, report.to_string()).expect("write bench output");
    }
}
