//! What the plugin hands the in-container helper: the process to become, as a list of
//! tagged records (`tag: u8`, `len: u32 LE`, bytes). Shared by the plugin (which
//! encodes it) and the helper (which decodes it); std only, because the helper is a
//! static binary built without cargo.

/// File descriptors the helper finds at fixed numbers (above any the caller preserves).
pub mod fd {
    /// SOCK_SEQPACKET to the plugin: the plan in, `ready` / `pid N` / `error: …` out.
    pub const CTL: i32 = 200;
    /// The container's stdin, stdout and stderr as the caller gave them.
    pub const STDIN: i32 = 201;
    pub const STDOUT: i32 = 202;
    pub const STDERR: i32 = 203;
    /// Init: a listening socket; `start` connects to it.
    pub const START: i32 = 204;
    /// A connection to `--console-socket` (terminal only).
    pub const CONSOLE: i32 = 205;
    /// The helper's own executable (a memfd), exec'd through /proc/self/fd.
    pub const EXE: i32 = 206;
    /// Exec: the target's namespaces, in the order of `Plan::namespaces`.
    pub const NS_BASE: i32 = 210;
}

/// One rlimit: resource number, soft, hard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rlimit {
    pub resource: u32,
    pub soft: u64,
    pub hard: u64,
}

/// The five capability sets as bit masks (`None`: leave that set as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caps {
    pub bounding: Option<u64>,
    pub effective: Option<u64>,
    pub permitted: Option<u64>,
    pub inheritable: Option<u64>,
    pub ambient: Option<u64>,
}

/// A device node the helper creates in the container's /dev.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub path: String,
    /// `c`, `b`, `u` (= `c`) or `p`.
    pub kind: u8,
    pub major: u64,
    pub minor: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// An OCI hook: path, args (argv[0] included), env, timeout in seconds (0: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hook {
    pub path: String,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub timeout: u32,
}

/// Container setup LXC does not do as the runtime spec says; init does it as root in
/// the container, after LXC's mounts and before `ready`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setup {
    /// Device nodes (crun's defaults and `linux.devices`); existing ones are kept.
    pub devices: Vec<Device>,
    /// (link, target): /dev/fd, /dev/stdin…, /dev/ptmx.
    pub symlinks: Vec<(String, String)>,
    /// `linux.sysctl`: (key, value).
    pub sysctl: Vec<(String, String)>,
    pub masked: Vec<String>,
    pub readonly: Vec<String>,
    /// `linux.rootfsPropagation` as MS_* flags (0: leave).
    pub propagation: u64,
    /// `root.readonly`: remount / read-only last.
    pub readonly_root: bool,
}

/// The process the helper becomes (init) or starts (exec).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub umask: Option<u32>,
    pub caps: Caps,
    pub no_new_privs: bool,
    pub terminal: bool,
    /// Caller fds 3.. passed on to the process.
    pub preserve_fds: u32,
    pub rlimits: Vec<Rlimit>,
    pub oom_score_adj: Option<i32>,
    /// Exec: cgroup.procs files (host paths) the helper joins before entering.
    pub cgroup_procs: Vec<String>,
    /// Exec: CLONE_NEW* flag of each namespace fd from `fd::NS_BASE` on.
    pub namespaces: Vec<u32>,
    /// A classic BPF seccomp program (8-byte `sock_filter`s), loaded last.
    pub seccomp: Vec<u8>,
    /// Exec: return once the process runs; its pid goes to the plugin.
    pub detach: bool,
    /// Init only.
    pub setup: Setup,
    /// Init only: `startContainer` hooks, run in the container after `start` (which
    /// sends the state) and before the process.
    pub start_hooks: Vec<Hook>,
}

mod tag {
    pub const ARG: u8 = 1;
    pub const ENV: u8 = 2;
    pub const CWD: u8 = 3;
    pub const UID: u8 = 4;
    pub const GID: u8 = 5;
    pub const GROUP: u8 = 6;
    pub const UMASK: u8 = 7;
    pub const CAP_BOUNDING: u8 = 8;
    pub const CAP_EFFECTIVE: u8 = 9;
    pub const CAP_PERMITTED: u8 = 10;
    pub const CAP_INHERITABLE: u8 = 11;
    pub const CAP_AMBIENT: u8 = 12;
    pub const NO_NEW_PRIVS: u8 = 13;
    pub const TERMINAL: u8 = 14;
    pub const PRESERVE_FDS: u8 = 15;
    pub const RLIMIT: u8 = 16;
    pub const OOM_SCORE_ADJ: u8 = 17;
    pub const CGROUP_PROCS: u8 = 18;
    pub const NAMESPACE: u8 = 19;
    pub const SECCOMP: u8 = 20;
    pub const DETACH: u8 = 21;
    pub const DEVICE: u8 = 22;
    pub const SYMLINK: u8 = 23;
    pub const SYSCTL: u8 = 24;
    pub const MASKED: u8 = 25;
    pub const READONLY: u8 = 26;
    pub const PROPAGATION: u8 = 27;
    pub const READONLY_ROOT: u8 = 28;
    pub const HOOK: u8 = 29;
    pub const HOOK_ARG: u8 = 30;
    pub const HOOK_ENV: u8 = 31;
}

/// Two strings in one record, split at the first NUL.
fn pair(a: &str, b: &str) -> Vec<u8> {
    let mut v = a.as_bytes().to_vec();
    v.push(0);
    v.extend_from_slice(b.as_bytes());
    v
}

fn unpair(v: &[u8]) -> Result<(String, String), String> {
    let at = v.iter().position(|b| *b == 0).ok_or("bad pair")?;
    Ok((text(&v[..at])?, text(&v[at + 1..])?))
}

fn put(out: &mut Vec<u8>, t: u8, bytes: &[u8]) {
    out.push(t);
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn put_flag(out: &mut Vec<u8>, t: u8, on: bool) {
    if on {
        put(out, t, &[]);
    }
}

fn u32_of(b: &[u8]) -> Result<u32, String> {
    Ok(u32::from_le_bytes(b.try_into().map_err(|_| "bad u32")?))
}

fn u64_of(b: &[u8]) -> Result<u64, String> {
    Ok(u64::from_le_bytes(b.try_into().map_err(|_| "bad u64")?))
}

fn text(b: &[u8]) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| "text is not UTF-8".to_string())
}

impl Plan {
    pub fn encode(&self) -> Vec<u8> {
        let mut o = Vec::new();
        for a in &self.args {
            put(&mut o, tag::ARG, a.as_bytes());
        }
        for e in &self.env {
            put(&mut o, tag::ENV, e.as_bytes());
        }
        put(&mut o, tag::CWD, self.cwd.as_bytes());
        put(&mut o, tag::UID, &self.uid.to_le_bytes());
        put(&mut o, tag::GID, &self.gid.to_le_bytes());
        for g in &self.groups {
            put(&mut o, tag::GROUP, &g.to_le_bytes());
        }
        if let Some(m) = self.umask {
            put(&mut o, tag::UMASK, &m.to_le_bytes());
        }
        for (t, set) in [
            (tag::CAP_BOUNDING, self.caps.bounding),
            (tag::CAP_EFFECTIVE, self.caps.effective),
            (tag::CAP_PERMITTED, self.caps.permitted),
            (tag::CAP_INHERITABLE, self.caps.inheritable),
            (tag::CAP_AMBIENT, self.caps.ambient),
        ] {
            if let Some(mask) = set {
                put(&mut o, t, &mask.to_le_bytes());
            }
        }
        put_flag(&mut o, tag::NO_NEW_PRIVS, self.no_new_privs);
        put_flag(&mut o, tag::TERMINAL, self.terminal);
        put(&mut o, tag::PRESERVE_FDS, &self.preserve_fds.to_le_bytes());
        for r in &self.rlimits {
            let mut b = r.resource.to_le_bytes().to_vec();
            b.extend_from_slice(&r.soft.to_le_bytes());
            b.extend_from_slice(&r.hard.to_le_bytes());
            put(&mut o, tag::RLIMIT, &b);
        }
        if let Some(adj) = self.oom_score_adj {
            put(&mut o, tag::OOM_SCORE_ADJ, &adj.to_le_bytes());
        }
        for p in &self.cgroup_procs {
            put(&mut o, tag::CGROUP_PROCS, p.as_bytes());
        }
        for n in &self.namespaces {
            put(&mut o, tag::NAMESPACE, &n.to_le_bytes());
        }
        if !self.seccomp.is_empty() {
            put(&mut o, tag::SECCOMP, &self.seccomp);
        }
        put_flag(&mut o, tag::DETACH, self.detach);
        let st = &self.setup;
        for d in &st.devices {
            let mut b = vec![d.kind];
            for n in [d.major, d.minor] {
                b.extend_from_slice(&n.to_le_bytes());
            }
            for n in [d.mode, d.uid, d.gid] {
                b.extend_from_slice(&n.to_le_bytes());
            }
            b.extend_from_slice(d.path.as_bytes());
            put(&mut o, tag::DEVICE, &b);
        }
        for (link, target) in &st.symlinks {
            put(&mut o, tag::SYMLINK, &pair(link, target));
        }
        for (k, v) in &st.sysctl {
            put(&mut o, tag::SYSCTL, &pair(k, v));
        }
        for p in &st.masked {
            put(&mut o, tag::MASKED, p.as_bytes());
        }
        for p in &st.readonly {
            put(&mut o, tag::READONLY, p.as_bytes());
        }
        if st.propagation != 0 {
            put(&mut o, tag::PROPAGATION, &st.propagation.to_le_bytes());
        }
        put_flag(&mut o, tag::READONLY_ROOT, st.readonly_root);
        for h in &self.start_hooks {
            let mut b = h.timeout.to_le_bytes().to_vec();
            b.extend_from_slice(h.path.as_bytes());
            put(&mut o, tag::HOOK, &b);
            for a in &h.args {
                put(&mut o, tag::HOOK_ARG, a.as_bytes());
            }
            for e in &h.env {
                put(&mut o, tag::HOOK_ENV, e.as_bytes());
            }
        }
        o
    }

    pub fn decode(mut b: &[u8]) -> Result<Plan, String> {
        let mut p = Plan::default();
        while !b.is_empty() {
            if b.len() < 5 {
                return Err("truncated plan".into());
            }
            let t = b[0];
            let len = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
            let v = b.get(5..5 + len).ok_or("truncated plan")?;
            b = &b[5 + len..];
            match t {
                tag::ARG => p.args.push(text(v)?),
                tag::ENV => p.env.push(text(v)?),
                tag::CWD => p.cwd = text(v)?,
                tag::UID => p.uid = u32_of(v)?,
                tag::GID => p.gid = u32_of(v)?,
                tag::GROUP => p.groups.push(u32_of(v)?),
                tag::UMASK => p.umask = Some(u32_of(v)?),
                tag::CAP_BOUNDING => p.caps.bounding = Some(u64_of(v)?),
                tag::CAP_EFFECTIVE => p.caps.effective = Some(u64_of(v)?),
                tag::CAP_PERMITTED => p.caps.permitted = Some(u64_of(v)?),
                tag::CAP_INHERITABLE => p.caps.inheritable = Some(u64_of(v)?),
                tag::CAP_AMBIENT => p.caps.ambient = Some(u64_of(v)?),
                tag::NO_NEW_PRIVS => p.no_new_privs = true,
                tag::TERMINAL => p.terminal = true,
                tag::PRESERVE_FDS => p.preserve_fds = u32_of(v)?,
                tag::RLIMIT => {
                    if v.len() != 20 {
                        return Err("bad rlimit".into());
                    }
                    p.rlimits.push(Rlimit {
                        resource: u32_of(&v[..4])?,
                        soft: u64_of(&v[4..12])?,
                        hard: u64_of(&v[12..])?,
                    });
                }
                tag::OOM_SCORE_ADJ => p.oom_score_adj = Some(u32_of(v)? as i32),
                tag::CGROUP_PROCS => p.cgroup_procs.push(text(v)?),
                tag::NAMESPACE => p.namespaces.push(u32_of(v)?),
                tag::SECCOMP => p.seccomp = v.to_vec(),
                tag::DETACH => p.detach = true,
                tag::DEVICE => {
                    if v.len() < 29 {
                        return Err("bad device".into());
                    }
                    p.setup.devices.push(Device {
                        kind: v[0],
                        major: u64_of(&v[1..9])?,
                        minor: u64_of(&v[9..17])?,
                        mode: u32_of(&v[17..21])?,
                        uid: u32_of(&v[21..25])?,
                        gid: u32_of(&v[25..29])?,
                        path: text(&v[29..])?,
                    });
                }
                tag::SYMLINK => p.setup.symlinks.push(unpair(v)?),
                tag::SYSCTL => p.setup.sysctl.push(unpair(v)?),
                tag::MASKED => p.setup.masked.push(text(v)?),
                tag::READONLY => p.setup.readonly.push(text(v)?),
                tag::PROPAGATION => p.setup.propagation = u64_of(v)?,
                tag::READONLY_ROOT => p.setup.readonly_root = true,
                tag::HOOK => {
                    if v.len() < 4 {
                        return Err("bad hook".into());
                    }
                    p.start_hooks.push(Hook {
                        timeout: u32_of(&v[..4])?,
                        path: text(&v[4..])?,
                        ..Hook::default()
                    });
                }
                tag::HOOK_ARG | tag::HOOK_ENV => {
                    let h = p
                        .start_hooks
                        .last_mut()
                        .ok_or("hook field before its hook")?;
                    let list = if t == tag::HOOK_ARG {
                        &mut h.args
                    } else {
                        &mut h.env
                    };
                    list.push(text(v)?);
                }
                other => return Err(format!("unknown plan record {other}")),
            }
        }
        if p.args.is_empty() {
            return Err("the plan has no args".into());
        }
        Ok(p)
    }
}
