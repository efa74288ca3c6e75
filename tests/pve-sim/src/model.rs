//! The simulated cluster: nodes, storages with their volumes, guests (LXC and QEMU),
//! and the task registry.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Instant,
};

/// Guest type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Lxc,
    Qemu,
}

impl Kind {
    pub fn path(self) -> &'static str {
        match self {
            Kind::Lxc => "lxc",
            Kind::Qemu => "qemu",
        }
    }
    /// "CT" or "VM" as Proxmox's messages say.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Lxc => "CT",
            Kind::Qemu => "VM",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    Stopped,
    Running,
    Paused,
}

/// The flock on a guest's config file (`lock_config_full` / `lock_config_shared`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileLock {
    pub exclusive: bool,
    pub shared: u32,
}

/// A guest. `config` holds the config keys as Proxmox stores them (strings).
#[derive(Debug, Clone)]
pub struct Guest {
    pub kind: Kind,
    pub node: String,
    pub config: BTreeMap<String, String>,
    pub power: Power,
    /// The config file's flock, held by requests and workers.
    pub flock: FileLock,
    pub snapshots: Vec<String>,
    /// Guest-agent processes by pid.
    pub agent_exec: BTreeMap<u64, crate::programs::Outcome>,
    pub next_agent_pid: u64,
    /// An LXC suspend wrote a CRIU checkpoint: the CT reads stopped until resume.
    pub checkpointed: bool,
    /// What the CT's console showed since it started (its init's output, echoed
    /// input), and how many starts it has had (a run's threads end with it).
    pub console: Vec<u8>,
    /// Bytes ever written to the console in this run (`console` keeps the last ones).
    pub console_written: u64,
    pub generation: u64,
    /// When the guest appeared, and when and from what its power last changed (for
    /// the lag of /cluster/resources and the guest agent's boot time).
    pub created: Instant,
    pub power_changed: Instant,
    pub previous_power: Power,
}

impl Guest {
    pub fn new(kind: Kind, node: &str) -> Self {
        // A guest made by a test is as old as Proxmox's caches: no lag applies.
        let long_ago = Instant::now()
            .checked_sub(std::time::Duration::from_secs(3600))
            .unwrap_or_else(Instant::now);
        Self {
            kind,
            node: node.to_string(),
            config: BTreeMap::new(),
            power: Power::Stopped,
            flock: FileLock::default(),
            snapshots: Vec::new(),
            agent_exec: BTreeMap::new(),
            next_agent_pid: 1000,
            checkpointed: false,
            console: Vec::new(),
            console_written: 0,
            generation: 0,
            created: long_ago,
            power_changed: long_ago,
            previous_power: Power::Stopped,
        }
    }

    /// A guest that appears now (created through the API).
    pub fn fresh(kind: Kind, node: &str) -> Self {
        let mut g = Self::new(kind, node);
        g.created = Instant::now();
        g
    }

    /// Changes the power state, remembering the previous one.
    pub fn set_power(&mut self, power: Power) {
        if power != self.power {
            self.previous_power = self.power;
            self.power = power;
            self.power_changed = Instant::now();
        }
    }

    /// The config file's path in messages ("nodes/pve1/lxc/100.conf").
    pub fn lock_file(&self, vmid: u32) -> String {
        lock_file(self.kind, vmid)
    }

    pub fn lock(&self) -> Option<&str> {
        self.config.get("lock").map(String::as_str)
    }

    pub fn is_template(&self) -> bool {
        self.config.get("template").is_some_and(|v| v == "1")
    }
}

/// The flock file of a guest's config, as Proxmox names it in lock timeouts.
pub fn lock_file(kind: Kind, vmid: u32) -> String {
    match kind {
        Kind::Lxc => format!("/run/lock/lxc/pve-config-{vmid}.lock"),
        Kind::Qemu => format!("/var/lock/qemu-server/lock-{vmid}.conf"),
    }
}

/// A termproxy session: who may attach to which CT's console with which ticket, and
/// the task that runs while it lasts.
#[derive(Debug, Clone)]
pub struct ConsoleTicket {
    pub vmid: u32,
    pub user: String,
    pub ticket: String,
    pub upid: String,
}

/// A stored volume (template archive, ISO...).
#[derive(Debug, Clone)]
pub struct Volume {
    pub content: String,
    pub size: u64,
    pub ctime: u64,
}

/// A UPID task.
#[derive(Debug, Clone)]
pub struct Task {
    pub node: String,
    pub typ: String,
    pub id: String,
    pub user: String,
    pub starttime: u64,
    pub pid: u32,
    pub running: bool,
    pub exitstatus: Option<String>,
    pub log: Vec<String>,
    pub created: std::time::Instant,
}

/// Everything mutable in the cluster.
#[derive(Debug, Default)]
pub struct Cluster {
    pub nodes: Vec<String>,
    pub guests: BTreeMap<u32, Guest>,
    pub tasks: BTreeMap<String, Task>,
    /// (node, storage) → volid → volume. Storage `local` is per node (dir: vztmpl, iso,
    /// backup); `local-lvm` holds guest disks (rootdir, images).
    pub volumes: BTreeMap<(String, String), BTreeMap<String, Volume>>,
    pub next_pid: u32,
    /// Console tickets handed out by termproxy, by port.
    pub consoles: BTreeMap<u16, ConsoleTicket>,
    /// The last `/cluster/nextid` answer.
    pub last_nextid: Option<u32>,
    pub down: BTreeSet<String>,
}

/// Storages every node has: (id, type, content). `shared` (an NFS export) is the only
/// one every node sees, so only it can hold a clone made for another node.
pub const STORAGES: &[(&str, &str, &str)] = &[
    ("local", "dir", "vztmpl,iso,backup"),
    ("local-lvm", "lvmthin", "rootdir,images"),
    ("shared", "nfs", "rootdir,images"),
];

/// Whether a storage is shared between the nodes.
pub fn storage_shared(storage: &str) -> bool {
    storage == "shared"
}

impl Cluster {
    pub fn new(nodes: &[String]) -> Self {
        let mut c = Cluster {
            nodes: nodes.to_vec(),
            next_pid: 0x1000,
            ..Default::default()
        };
        for node in nodes {
            for (id, _, _) in STORAGES {
                c.volumes
                    .insert((node.clone(), id.to_string()), BTreeMap::new());
            }
        }
        c
    }

    pub fn storage_content(storage: &str) -> Option<&'static str> {
        STORAGES
            .iter()
            .find(|(id, _, _)| *id == storage)
            .map(|(_, _, c)| *c)
    }

    /// Lowest free vmid from 100 (not reserved: callers race, as on a real cluster).
    pub fn next_free_vmid(&self) -> u32 {
        (100..)
            .find(|id| !self.guests.contains_key(id))
            .unwrap_or(100)
    }
}
