//! A CT's init: its `entrypoint` (an OCI application container's process) runs as a
//! simulated program when the CT starts. Its output goes to the CT's console; when it
//! exits, the CT stops, as LXC stops a container whose init ended. Its exit status is
//! not kept: Proxmox does not report it.

use std::sync::Arc;

use crate::{
    Power, Sim,
    model::Guest,
    programs::{self, Outcome},
};

/// How much console output a CT keeps (for the sessions attached to it).
const CONSOLE_LIMIT: usize = 64 * 1024;

fn append(g: &mut Guest, data: &[u8]) {
    g.console.extend_from_slice(data);
    g.console_written += data.len() as u64;
    if g.console.len() > CONSOLE_LIMIT {
        let cut = g.console.len() - CONSOLE_LIMIT;
        g.console.drain(..cut);
    }
}

/// The console output of `g` after the first `from` bytes of this run.
pub fn since(g: &Guest, from: u64) -> &[u8] {
    let missing = (g.console_written.saturating_sub(from) as usize).min(g.console.len());
    &g.console[g.console.len() - missing..]
}

/// Writes `data` to the console of CT `vmid` (input echoed by its terminal).
pub fn echo(sim: &Sim, vmid: u32, data: &[u8]) {
    if let Some(g) = sim.cluster.lock().expect("cluster").guests.get_mut(&vmid) {
        append(g, data);
    }
}

/// Runs the init of CT `vmid`, which has just started.
pub fn start(sim: &Arc<Sim>, vmid: u32, g: &mut Guest) {
    g.generation += 1;
    g.console.clear();
    g.console_written = 0;
    let generation = g.generation;
    let entrypoint = g
        .config
        .get("entrypoint")
        .cloned()
        .unwrap_or_else(|| "/sbin/init".into());
    let words: Vec<String> = entrypoint.split_whitespace().map(str::to_string).collect();
    let outcome = programs::run(&words, "");
    let sim = sim.clone();
    let same_run = move |g: &Guest| g.generation == generation && g.power != Power::Stopped;
    match outcome {
        Outcome::Runs => {}
        Outcome::Exits { output, .. } => {
            std::thread::spawn(move || {
                // The init prints once it runs, and the CT stops when it exits.
                std::thread::sleep(sim.config.task_duration);
                let mut c = sim.cluster.lock().expect("cluster");
                if let Some(g) = c.guests.get_mut(&vmid)
                    && same_run(g)
                {
                    append(g, output.as_bytes());
                    g.set_power(Power::Stopped);
                }
            });
        }
        Outcome::Repeats { line } => {
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    let mut c = sim.cluster.lock().expect("cluster");
                    match c.guests.get_mut(&vmid) {
                        Some(g) if same_run(g) => append(g, line.as_bytes()),
                        _ => return,
                    }
                }
            });
        }
    }
}
