//! `pve-sim`: runs the simulator for demos and prints how to reach it.
//!
//! Usage: `pve-sim [NODE...]` (default: pve1 pve2). It also holds a template VM 9000
//! ("debian-tpl", guest agent enabled) on the first node for the proxmox-vm backend.
//! Serves until killed.

use pve_sim::{Kind, SimConfig, SimHandle, model::Guest};

fn main() {
    let nodes: Vec<String> = std::env::args().skip(1).collect();
    let mut config = SimConfig::default();
    if !nodes.is_empty() {
        config.nodes = nodes;
    }
    let first = config.nodes[0].clone();
    let sim = SimHandle::start(config);
    let mut template = Guest::new(Kind::Qemu, &first);
    for (k, v) in [
        ("name", "debian-tpl"),
        ("memory", "2048"),
        ("template", "1"),
        ("agent", "1"),
    ] {
        template.config.insert(k.into(), v.into());
    }
    sim.cluster().guests.insert(9000, template);
    println!("endpoints={}", sim.endpoints.join(","));
    println!("fingerprint={}", sim.fingerprint());
    println!("token={}", sim.token());
    loop {
        std::thread::park();
    }
}
