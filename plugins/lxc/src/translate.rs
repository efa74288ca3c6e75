//! OCI runtime spec → LXC config. Every field maps, is handled the LXC way, or is
//! refused or warned about explicitly (docs/backends/lxc.md has the table).

use std::path::Path;

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::{LinuxNamespaceType, Spec};

use crate::config::{LxcConfig, Network};

/// Mounts LXC sets up itself (`lxc.autodev`, `lxc.mount.auto`).
const LXC_MOUNTS: &[&str] = &[
    "/proc",
    "/sys",
    "/sys/fs/cgroup",
    "/dev",
    "/dev/pts",
    "/dev/shm",
    "/dev/mqueue",
];

/// The translated config.
pub struct Translated {
    pub lines: Vec<String>,
    pub warnings: Vec<String>,
}

fn refuse(what: impl Into<String>) -> PluginError {
    PluginError::invalid_input(format!(
        "the lxc backend cannot run this bundle: {}",
        what.into()
    ))
    .with_hint("see docs/backends/lxc.md for what maps")
}

fn cgroup_v1() -> bool {
    // A hybrid host keeps its controllers on v1; a pure v2 host has cgroup.controllers at the top.
    !Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

fn ns_name(t: LinuxNamespaceType) -> &'static str {
    match t {
        LinuxNamespaceType::Mount => "mnt",
        LinuxNamespaceType::Cgroup => "cgroup",
        LinuxNamespaceType::Uts => "uts",
        LinuxNamespaceType::Ipc => "ipc",
        LinuxNamespaceType::User => "user",
        LinuxNamespaceType::Pid => "pid",
        LinuxNamespaceType::Network => "net",
        LinuxNamespaceType::Time => "time",
    }
}

pub fn translate(
    spec: &Spec,
    id: &str,
    rootfs: &Path,
    cfg: &LxcConfig,
) -> Result<Translated, PluginError> {
    let mut l = Vec::new();
    let mut warnings = Vec::new();
    let v1 = cgroup_v1();
    let cg = |key_v1: &str, key_v2: &str, value: String| {
        if v1 {
            format!("lxc.cgroup.{key_v1} = {value}")
        } else {
            format!("lxc.cgroup2.{key_v2} = {value}")
        }
    };
    l.push(format!(
        "lxc.uts.name = {}",
        spec.hostname()
            .clone()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| id.to_string())
    ));
    l.push(format!("lxc.rootfs.path = dir:{}", rootfs.display()));
    if spec
        .root()
        .as_ref()
        .and_then(|r| r.readonly())
        .unwrap_or(false)
    {
        l.push("lxc.rootfs.options = ro".into());
    }
    l.push("lxc.autodev = 1".into());
    l.push("lxc.mount.auto = proc:mixed sys:ro cgroup:mixed:force".into());
    l.push("lxc.console.path = none".into());
    l.push("lxc.tty.max = 0".into());
    l.push(format!("lxc.apparmor.profile = {}", cfg.apparmor_profile));
    if let Some(p) = &cfg.seccomp_profile {
        l.push(format!("lxc.seccomp.profile = {}", p.display()));
    }
    // The helper (an inherited memfd) is init; it becomes the bundle's process at
    // `start`, keeping its pid. LXC's monitor is stopped after create, and the
    // process must survive that.
    l.push(format!("lxc.init.cmd = {} init", crate::helper::exe_path()));
    l.push("lxc.monitor.signal.pdeath = 0".into());
    // A devpts instance (and /dev/ptmx) when the bundle mounts /dev/pts.
    let devpts = spec
        .mounts()
        .iter()
        .flatten()
        .any(|m| m.destination() == Path::new("/dev/pts"));
    l.push(format!("lxc.pty.max = {}", if devpts { 1024 } else { 0 }));

    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| refuse("the bundle has no process"))?;
    if process.args().as_ref().is_none_or(|a| a.is_empty()) {
        return Err(refuse("process.args is empty"));
    }
    // User, groups, umask, capabilities, rlimits, noNewPrivileges, cwd and env are
    // applied by the helper (process_plan.rs), as crun's init applies them.
    if process.apparmor_profile().is_some() {
        warnings.push(
            "process.apparmorProfile is ignored; the plugin's apparmor_profile applies".into(),
        );
    }
    if process.selinux_label().is_some() {
        warnings.push("process.selinuxLabel is ignored".into());
    }

    for m in spec.mounts().clone().unwrap_or_default() {
        let dest = m.destination().display().to_string();
        if LXC_MOUNTS.contains(&dest.as_str()) {
            continue;
        }
        let rel = dest.trim_start_matches('/');
        let opts = m.options().clone().unwrap_or_default();
        let typ = m.typ().clone().unwrap_or_default();
        let is_bind = typ == "bind" || opts.iter().any(|o| o == "bind" || o == "rbind");
        if is_bind {
            let src = m.source().clone().unwrap_or_default();
            let create = if src.is_dir() { "dir" } else { "file" };
            let mut o: Vec<String> = opts
                .into_iter()
                .filter(|o| o != "bind" && o != "rbind")
                .collect();
            o.insert(0, "bind".into());
            o.push(format!("create={create}"));
            l.push(format!(
                "lxc.mount.entry = {} {rel} none {} 0 0",
                src.display(),
                o.join(",")
            ));
        } else if typ == "tmpfs" {
            let mut o = opts;
            o.push("create=dir".into());
            l.push(format!(
                "lxc.mount.entry = tmpfs {rel} tmpfs {} 0 0",
                o.join(",")
            ));
        } else {
            return Err(refuse(format!("mount of type {typ:?} on {dest}")));
        }
    }

    if spec.hooks().is_some() {
        return Err(refuse("OCI hooks"));
    }
    if let Some(linux) = spec.linux() {
        let namespaces = linux.namespaces().clone().unwrap_or_default();
        let has = |t: LinuxNamespaceType| namespaces.iter().any(|n| n.typ() == t);
        for n in &namespaces {
            if let Some(path) = n.path() {
                l.push(format!(
                    "lxc.namespace.share.{} = {}",
                    ns_name(n.typ()),
                    path.display()
                ));
            }
        }
        let keep: Vec<&str> = [
            LinuxNamespaceType::Pid,
            LinuxNamespaceType::Ipc,
            LinuxNamespaceType::Uts,
        ]
        .into_iter()
        .filter(|t| !has(*t))
        .map(ns_name)
        .collect();
        if !keep.is_empty() {
            l.push(format!("lxc.namespace.keep = {}", keep.join(" ")));
        }
        if !has(LinuxNamespaceType::Network) {
            l.push("lxc.net.0.type = none".into());
        } else if namespaces
            .iter()
            .any(|n| n.typ() == LinuxNamespaceType::Network && n.path().is_some())
        {
            // joined above
        } else {
            match cfg.network {
                Network::Empty => l.push("lxc.net.0.type = empty".into()),
                Network::Veth => {
                    let bridge = cfg.bridge.as_deref().ok_or_else(|| {
                        PluginError::invalid_input("network = \"veth\" needs a bridge")
                            .with_hint("set bridge in [plugins.lxc]")
                    })?;
                    l.push("lxc.net.0.type = veth".into());
                    l.push(format!("lxc.net.0.link = {bridge}"));
                    l.push("lxc.net.0.flags = up".into());
                }
            }
        }
        if has(LinuxNamespaceType::User) {
            for m in linux.uid_mappings().clone().unwrap_or_default() {
                l.push(format!(
                    "lxc.idmap = u {} {} {}",
                    m.container_id(),
                    m.host_id(),
                    m.size()
                ));
            }
            for m in linux.gid_mappings().clone().unwrap_or_default() {
                l.push(format!(
                    "lxc.idmap = g {} {} {}",
                    m.container_id(),
                    m.host_id(),
                    m.size()
                ));
            }
        }
        if let Some(res) = linux.resources() {
            if let Some(mem) = res.memory() {
                if let Some(limit) = mem.limit().filter(|v| *v > 0) {
                    l.push(cg("memory.limit_in_bytes", "memory.max", limit.to_string()));
                }
                if let Some(swap) = mem.swap().filter(|v| *v > 0) {
                    l.push(cg(
                        "memory.memsw.limit_in_bytes",
                        "memory.swap.max",
                        swap.to_string(),
                    ));
                }
            }
            if let Some(cpu) = res.cpu() {
                if let Some(shares) = cpu.shares() {
                    l.push(cg(
                        "cpu.shares",
                        "cpu.weight",
                        if v1 {
                            shares.to_string()
                        } else {
                            (1 + (shares.saturating_sub(2)) * 9999 / 262142).to_string()
                        },
                    ));
                }
                if let (Some(q), Some(p)) = (cpu.quota(), cpu.period()) {
                    if v1 {
                        l.push(format!("lxc.cgroup.cpu.cfs_quota_us = {q}"));
                        l.push(format!("lxc.cgroup.cpu.cfs_period_us = {p}"));
                    } else {
                        l.push(format!("lxc.cgroup2.cpu.max = {q} {p}"));
                    }
                }
                if let Some(cpus) = cpu.cpus() {
                    l.push(cg("cpuset.cpus", "cpuset.cpus", cpus.clone()));
                }
            }
            if let Some(pids) = res.pids() {
                l.push(cg("pids.max", "pids.max", pids.limit().to_string()));
            }
            if res.devices().as_ref().is_some_and(|d| !d.is_empty()) {
                warnings.push("linux.resources.devices is not translated; LXC's default device policy applies".into());
            }
        }
        for (k, v) in linux.sysctl().clone().unwrap_or_default() {
            l.push(format!("lxc.sysctl.{k} = {v}"));
        }
        if linux.seccomp().is_some() {
            warnings.push(
                "linux.seccomp is not translated; set seccomp_profile in [plugins.lxc]".into(),
            );
        }
        if linux.masked_paths().as_ref().is_some_and(|p| !p.is_empty())
            || linux
                .readonly_paths()
                .as_ref()
                .is_some_and(|p| !p.is_empty())
        {
            warnings.push(
                "linux.maskedPaths/readonlyPaths are not translated; LXC's proc:mixed/sys:ro apply"
                    .into(),
            );
        }
    }
    Ok(Translated { lines: l, warnings })
}
