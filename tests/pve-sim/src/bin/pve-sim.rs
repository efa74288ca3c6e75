//! `pve-sim`: runs the simulator for demos and prints how to reach it.
//! Usage: pve-sim [NODE...]   (default: pve1 pve2). Stops on stdin EOF or SIGTERM.

use pve_sim::{SimConfig, SimHandle};

fn main() {
    let nodes: Vec<String> = std::env::args().skip(1).collect();
    let mut config = SimConfig::default();
    if !nodes.is_empty() {
        config.nodes = nodes;
    }
    let sim = SimHandle::start(config);
    println!("endpoints={}", sim.endpoints.join(","));
    println!("fingerprint={}", sim.fingerprint());
    println!("token={}", sim.token());
    use std::io::Read;
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    if sink.is_empty() {
        // stdin closed immediately (e.g. </dev/null): serve until killed.
        loop {
            std::thread::park();
        }
    }
}
