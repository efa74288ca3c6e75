//! UPID tasks and the config flocks they hold.
//!
//! A worker runs as Proxmox's forked workers do: it takes the flocks it needs (a
//! timeout is the task's failure, not the request's: fact 6), runs its first step at
//! once, waits the task duration, then applies its effect. A failure undoes only what
//! the task itself made.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use crate::{
    ApiError, Sim, auth,
    model::{Cluster, Task},
};

/// A task's effect: Ok(warnings) or Err(error text).
pub type Work = Box<dyn FnOnce(&mut Cluster) -> Result<Vec<String>, String> + Send>;
/// A step that runs on the cluster and may fail the task.
pub type Step = Box<dyn FnOnce(&mut Cluster) -> Result<(), String> + Send>;
/// What a failed task removes of its own.
pub type Undo = Box<dyn FnOnce(&mut Cluster) + Send>;

/// Exclusive (`lock_config_full`) or shared (`lock_config_shared`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Exclusive,
    Shared,
}

/// How a task is run besides its effect.
#[derive(Default)]
pub struct TaskSpec {
    /// Flocks the request took for the worker; released when the task ends.
    pub held: Vec<(u32, Mode)>,
    /// Flocks the worker takes first, each with its wait.
    pub take: Vec<(u32, Mode, Duration)>,
    /// Runs once the flocks are held, before the task duration.
    pub begin: Option<Step>,
    /// Runs when the task fails after `begin` succeeded.
    pub undo: Option<Undo>,
}

impl TaskSpec {
    /// A worker that takes `vmid`'s flock exclusively with the usual wait.
    pub fn locking(sim: &Sim, vmid: u32) -> Self {
        Self {
            take: vec![(vmid, Mode::Exclusive, sim.config.lock_timeout)],
            ..Self::default()
        }
    }
}

impl Sim {
    fn try_lock(c: &mut Cluster, vmid: u32, mode: Mode) -> bool {
        let Some(g) = c.guests.get_mut(&vmid) else {
            return true;
        };
        match mode {
            Mode::Exclusive if !g.flock.exclusive && g.flock.shared == 0 => {
                g.flock.exclusive = true;
                true
            }
            Mode::Shared if !g.flock.exclusive => {
                g.flock.shared += 1;
                true
            }
            _ => false,
        }
    }

    /// Waits for `vmid`'s config flock; a timeout is Proxmox's "can't lock file".
    pub fn lock(&self, vmid: u32, mode: Mode, wait: Duration) -> Result<(), String> {
        let deadline = Instant::now() + wait;
        loop {
            {
                let mut c = self.cluster.lock().expect("cluster");
                if Self::try_lock(&mut c, vmid, mode) {
                    return Ok(());
                }
                if Instant::now() >= deadline {
                    let file = c.guests[&vmid].lock_file(vmid);
                    return Err(format!("can't lock file '{file}' - got timeout"));
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// [`Sim::lock`] for a request: the timeout is a synchronous 500.
    pub fn acquire(&self, vmid: u32) -> Result<(), ApiError> {
        self.lock(vmid, Mode::Exclusive, self.config.lock_timeout)
            .map_err(ApiError::die)
    }

    /// Releases a flock.
    pub fn unlock(c: &mut Cluster, vmid: u32, mode: Mode) {
        if let Some(g) = c.guests.get_mut(&vmid) {
            match mode {
                Mode::Exclusive => g.flock.exclusive = false,
                Mode::Shared => g.flock.shared = g.flock.shared.saturating_sub(1),
            }
        }
    }

    /// Releases a flock taken by [`Sim::acquire`].
    pub fn release(&self, vmid: u32) {
        Self::unlock(
            &mut self.cluster.lock().expect("cluster"),
            vmid,
            Mode::Exclusive,
        );
    }

    /// Registers a running task and returns its UPID; [`Sim::finish_task`] ends it. A
    /// console session is one (ended by [`Sim::close_task`]), a worker another.
    pub fn open_task(&self, node: &str, typ: &str, id: &str, user: &str) -> String {
        let start = auth::now();
        // The UPID's id field cannot hold ':', '/' or whitespace.
        let id = id.replace([':', '/', ' '], "_");
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
                log: vec![format!("starting task {typ} {id}")],
                id,
                user: user.to_string(),
                starttime: start,
                pid,
                running: true,
                exitstatus: None,
                created: Instant::now(),
            },
        );
        upid
    }

    /// Ends a task: `OK`, `WARNINGS: n` (each warning logged) or the error text, with
    /// the log's last line as Proxmox writes it.
    pub fn finish_task(&self, upid: &str, outcome: Result<Vec<String>, String>) {
        let mut c = self.cluster.lock().expect("cluster");
        let Some(task) = c.tasks.get_mut(upid) else {
            return;
        };
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

    /// Ends a console session's task.
    pub fn close_task(&self, upid: &str) {
        self.finish_task(upid, Ok(Vec::new()));
    }

    /// Starts a worker and returns its UPID at once.
    pub fn spawn_task(
        self: &Arc<Self>,
        node: &str,
        typ: &str,
        id: &str,
        user: &str,
        spec: TaskSpec,
        work: Work,
    ) -> String {
        let upid = self.open_task(node, typ, id, user);
        let sim = self.clone();
        let task_upid = upid.clone();
        let typ = typ.to_string();
        std::thread::spawn(move || {
            let outcome = sim.run_worker(&typ, spec, work);
            sim.finish_task(&task_upid, outcome);
        });
        upid
    }

    /// The worker: flocks, first step, duration, effect or injected failure, undo,
    /// release.
    fn run_worker(&self, typ: &str, spec: TaskSpec, work: Work) -> Result<Vec<String>, String> {
        let TaskSpec {
            mut held,
            take,
            begin,
            undo,
        } = spec;
        let release = |held: &[(u32, Mode)]| {
            let mut c = self.cluster.lock().expect("cluster");
            for (vmid, mode) in held {
                Self::unlock(&mut c, *vmid, *mode);
            }
        };
        let forced_timeout = {
            let mut f = self.faults.lock().expect("faults");
            match f.task_lock_timeouts.get_mut(typ) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        };
        for (vmid, mode, wait) in take {
            let locked = if forced_timeout {
                std::thread::sleep(wait);
                let c = self.cluster.lock().expect("cluster");
                let file = c
                    .guests
                    .get(&vmid)
                    .map(|g| g.lock_file(vmid))
                    .unwrap_or_default();
                Err(format!("can't lock file '{file}' - got timeout"))
            } else {
                self.lock(vmid, mode, wait)
            };
            if let Err(e) = locked {
                release(&held);
                return Err(e);
            }
            held.push((vmid, mode));
        }
        if let Some(begin) = begin {
            let first = begin(&mut self.cluster.lock().expect("cluster"));
            if let Err(e) = first {
                release(&held);
                return Err(e);
            }
        }
        std::thread::sleep(self.config.task_duration);
        let injected = {
            let mut f = self.faults.lock().expect("faults");
            let fail = match f.fail_tasks.get_mut(typ) {
                Some((msg, times)) if *times > 0 => {
                    *times -= 1;
                    Some(msg.clone())
                }
                _ => None,
            };
            (fail, f.task_warnings.remove(typ))
        };
        let outcome = {
            let mut c = self.cluster.lock().expect("cluster");
            let outcome = match injected.0 {
                Some(msg) => Err(msg),
                None => work(&mut c).map(|mut w| {
                    for n in 0..injected.1.unwrap_or(0) {
                        w.push(format!("simulated warning {}", n + 1));
                    }
                    w
                }),
            };
            if outcome.is_err()
                && let Some(undo) = undo
            {
                undo(&mut c);
            }
            outcome
        };
        release(&held);
        outcome
    }
}
