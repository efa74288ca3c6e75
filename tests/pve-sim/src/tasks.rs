//! UPID tasks: a worker that runs for the configured time, then applies its effect,
//! and the guest config lock it holds meanwhile.

use std::{sync::Arc, time::Instant};

use crate::{
    ApiError, Sim, auth,
    model::{Cluster, Task},
};

/// A task's effect: Ok(warnings) or Err(error text).
pub type Work = Box<dyn FnOnce(&mut Cluster) -> Result<Vec<String>, String> + Send>;

impl Sim {
    /// Waits for the guest's config lock (held by a running worker); times out like
    /// Proxmox's flock. Marks the guest busy on success.
    pub fn acquire(&self, vmid: u32) -> Result<(), ApiError> {
        let deadline = Instant::now() + self.config.lock_timeout;
        loop {
            {
                let mut c = self.cluster.lock().expect("cluster");
                let Some(g) = c.guests.get_mut(&vmid) else {
                    return Ok(());
                };
                if !g.busy {
                    g.busy = true;
                    return Ok(());
                }
                if Instant::now() >= deadline {
                    let file = match g.kind {
                        crate::Kind::Lxc => format!("/run/lock/lxc/pve-config-{vmid}.lock"),
                        crate::Kind::Qemu => format!("/var/lock/qemu-server/lock-{vmid}.conf"),
                    };
                    return Err(ApiError::die(format!(
                        "can't lock file '{file}' - got timeout"
                    )));
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Releases a guest lock taken by [`Sim::acquire`].
    pub fn release(&self, vmid: u32) {
        if let Some(g) = self.cluster.lock().expect("cluster").guests.get_mut(&vmid) {
            g.busy = false;
        }
    }

    /// Starts a worker: returns its UPID now; after the task duration the effect runs
    /// (or an injected failure), the guest lock (if any) is released and the task stops.
    pub fn spawn_task(
        self: &Arc<Self>,
        node: &str,
        typ: &str,
        id: &str,
        user: &str,
        vmid: Option<u32>,
        work: Work,
    ) -> String {
        let start = auth::now();
        // The UPID's id field cannot hold ':', '/' or whitespace.
        let id = id.replace([':', '/', ' '], "_");
        let id = id.as_str();
        let upid = {
            let mut c = self.cluster.lock().expect("cluster");
            c.next_pid += 1;
            let pid = c.next_pid;
            let upid = format!(
                "UPID:{node}:{pid:08X}:{:08X}:{start:08X}:{typ}:{id}:{user}:",
                pid * 7
            );
            c.tasks.insert(
                upid.clone(),
                Task {
                    node: node.to_string(),
                    typ: typ.to_string(),
                    id: id.to_string(),
                    user: user.to_string(),
                    starttime: start,
                    pid,
                    running: true,
                    exitstatus: None,
                    log: vec![format!("starting task {typ} {id}")],
                    created: Instant::now(),
                },
            );
            upid
        };
        let sim = self.clone();
        let task_upid = upid.clone();
        let typ = typ.to_string();
        std::thread::spawn(move || {
            std::thread::sleep(sim.config.task_duration);
            let injected = {
                let mut f = sim.faults.lock().expect("faults");
                let fail = match f.fail_tasks.get_mut(&typ) {
                    Some((msg, times)) if *times > 0 => {
                        *times -= 1;
                        Some(msg.clone())
                    }
                    _ => None,
                };
                let warnings = f.task_warnings.remove(&typ);
                (fail, warnings)
            };
            let mut c = sim.cluster.lock().expect("cluster");
            let outcome = match injected.0 {
                Some(msg) => {
                    // A failed create worker removes the config it wrote (and its disks).
                    if typ.ends_with("create")
                        && let Some(vmid) = vmid
                    {
                        c.guests.remove(&vmid);
                    }
                    Err(msg)
                }
                None => work(&mut c).map(|mut w| {
                    for n in 0..injected.1.unwrap_or(0) {
                        w.push(format!("simulated warning {}", n + 1));
                    }
                    w
                }),
            };
            if let Some(vmid) = vmid
                && let Some(g) = c.guests.get_mut(&vmid)
            {
                g.busy = false;
            }
            if let Some(task) = c.tasks.get_mut(&task_upid) {
                task.running = false;
                match outcome {
                    Ok(warnings) if warnings.is_empty() => {
                        task.log.push("TASK OK".into());
                        task.exitstatus = Some("OK".into());
                    }
                    Ok(warnings) => {
                        for w in &warnings {
                            task.log.push(format!("WARN: {w}"));
                        }
                        task.log.push(format!("TASK WARNINGS: {}", warnings.len()));
                        task.exitstatus = Some(format!("WARNINGS: {}", warnings.len()));
                    }
                    Err(msg) => {
                        task.log.push(msg.clone());
                        task.log.push(format!("TASK ERROR: {msg}"));
                        task.exitstatus = Some(msg);
                    }
                }
            }
        });
        upid
    }
}
