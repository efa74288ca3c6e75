//! OCI runtime spec → Proxmox CT create parameters. Every field either maps, is
//! handled by LXC itself (standard mounts, namespaces), or is refused with a clear
//! error; see docs/backends/proxmox-lxc.md for the table.

use lxcri_plugin_api::PluginError;
use lxcri_pve_client::{
    Params,
    guest::{Marker, TAG},
    params,
};
use oci_spec::runtime::{LinuxNamespaceType, Spec};

use crate::config::LxcConfig;

/// Mount destinations a Proxmox container provides itself.
const STANDARD_MOUNTS: &[&str] = &[
    "/proc",
    "/sys",
    "/sys/fs/cgroup",
    "/dev",
    "/dev/pts",
    "/dev/shm",
    "/dev/mqueue",
    "/run",
];

/// Files that engines bind into a container from the local host (podman, CRI-O), which
/// a CT on a Proxmox node cannot reach: Proxmox writes `/etc/hosts`, `/etc/hostname`
/// and `/etc/resolv.conf` itself from the CT config; `/run/.containerenv` only marks an
/// engine's container.
const ENGINE_FILES: &[&str] = &[
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
    "/run/.containerenv",
];

/// The bundle annotation naming a template volume to use.
pub const TEMPLATE_ANNOTATION: &str = "io.proxmox-lxcri.proxmox.template";

fn refuse(what: impl Into<String>) -> PluginError {
    PluginError::invalid_input(format!(
        "cannot run this bundle as a Proxmox container: {}",
        what.into()
    ))
    .with_hint("see docs/backends/proxmox-lxc.md for what maps")
}

const MIB: i64 = 1024 * 1024;

/// Maps `spec` to create parameters (without vmid/ostemplate), plus warnings.
pub fn map(
    spec: &Spec,
    marker: &Marker,
    cfg: &LxcConfig,
) -> Result<(Params, Vec<String>), PluginError> {
    let mut p: Params = Vec::new();
    let mut warnings = Vec::new();
    if let Some(hostname) = spec.hostname().as_deref().filter(|h| !h.is_empty()) {
        let ok = hostname.len() <= 63
            && hostname
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            && !hostname.starts_with('-');
        if !ok {
            return Err(refuse(format!("hostname {hostname:?} is not a DNS name")));
        }
        p.extend(params![("hostname", hostname)]);
    }

    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| refuse("the bundle has no process"))?;
    let args = process.args().clone().unwrap_or_default();
    if args.is_empty() {
        return Err(refuse("process.args is empty"));
    }
    if let Some(bad) = args
        .iter()
        .find(|a| a.is_empty() || a.chars().any(char::is_whitespace))
    {
        return Err(refuse(format!(
            "argument {bad:?} is empty or holds whitespace, which a Proxmox entrypoint cannot carry"
        )));
    }
    p.extend(params![("entrypoint", args.join(" "))]);
    let env = process.env().clone().unwrap_or_default();
    for e in &env {
        let (k, v) = e
            .split_once('=')
            .ok_or_else(|| refuse(format!("environment entry {e:?} is not KEY=VALUE")))?;
        if k.is_empty()
            || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || v.chars().any(|c| c.is_control())
        {
            return Err(refuse(format!(
                "environment entry {e:?} cannot be passed (name must be \\w+, value without control characters)"
            )));
        }
    }
    if !env.is_empty() {
        p.extend(params![("env", env.join("\0"))]);
    }
    if process.cwd().as_os_str() != "/" {
        return Err(refuse(format!(
            "process.cwd {} (the Proxmox API cannot set the init's working directory)",
            process.cwd().display()
        )));
    }
    if process.user().uid() != 0 || process.user().gid() != 0 {
        return Err(refuse(
            "process.user other than 0:0 (the Proxmox API cannot set the init's user)",
        ));
    }
    if process.terminal().unwrap_or(false) {
        warnings
            .push("process.terminal is ignored: the container's console is Proxmox's".to_string());
    }

    if let Some(linux) = spec.linux() {
        if let Some(ns) = linux.namespaces()
            && !ns.iter().any(|n| n.typ() == LinuxNamespaceType::Network)
        {
            return Err(refuse(
                "no network namespace (sharing the host network is not possible for a Proxmox container)",
            ));
        }
        if let Some(res) = linux.resources() {
            if let Some(mem) = res.memory()
                && let Some(limit) = mem.limit().filter(|l| *l > 0)
            {
                let mb = ((limit + MIB - 1) / MIB).max(16);
                p.extend(params![("memory", mb)]);
                let swap = mem
                    .swap()
                    .filter(|s| *s > limit)
                    .map(|s| (s - limit) / MIB)
                    .unwrap_or(0);
                p.extend(params![("swap", swap)]);
            }
            if let Some(cpu) = res.cpu() {
                if let (Some(quota), Some(period)) = (cpu.quota(), cpu.period())
                    && quota > 0
                    && period > 0
                {
                    let limit = quota as f64 / period as f64;
                    p.extend(params![
                        ("cpulimit", format!("{limit:.2}")),
                        ("cores", (limit.ceil() as u64).max(1))
                    ]);
                }
                if let Some(shares) = cpu.shares().filter(|s| *s > 0) {
                    // cgroup v1 shares (2-262144, default 1024) → cpuunits (default 100 on v2 hosts).
                    p.extend(params![("cpuunits", (shares * 100 / 1024).clamp(1, 10000))]);
                }
            }
            if res.pids().is_some() {
                warnings.push(
                    "linux.resources.pids is ignored: the Proxmox API has no pids limit"
                        .to_string(),
                );
            }
        }
        if linux.seccomp().is_some() {
            warnings.push(
                "linux.seccomp is ignored: Proxmox applies its own seccomp profile".to_string(),
            );
        }
    }
    if !p.iter().any(|(k, _)| k == "memory") {
        p.extend(params![("memory", cfg.default_memory_mb)]);
    }

    let mut mp = 0;
    for m in spec.mounts().clone().unwrap_or_default() {
        let dest = m.destination().display().to_string();
        if STANDARD_MOUNTS.contains(&dest.as_str()) {
            continue;
        }
        if ENGINE_FILES.contains(&dest.as_str()) {
            warnings.push(format!(
                "the bind mount onto {dest} is left out: Proxmox provides that file itself"
            ));
            continue;
        }
        let is_bind = m.typ().as_deref() == Some("bind")
            || m.options()
                .as_ref()
                .is_some_and(|o| o.iter().any(|x| x == "bind" || x == "rbind"));
        if !is_bind {
            return Err(refuse(format!(
                "mount of type {:?} on {dest}",
                m.typ().clone().unwrap_or_default()
            )));
        }
        let source = m.source().clone().unwrap_or_default();
        if !cfg
            .bind_mount_prefixes
            .iter()
            .any(|prefix| source.starts_with(prefix))
        {
            return Err(refuse(format!(
                "bind mount {} → {dest}: source is not under bind_mount_prefixes",
                source.display()
            )));
        }
        let ro = m
            .options()
            .as_ref()
            .is_some_and(|o| o.iter().any(|x| x == "ro"));
        let mut value = format!("{},mp={dest}", source.display());
        if ro {
            value.push_str(",ro=1");
        }
        p.push((format!("mp{mp}"), value));
        mp += 1;
    }

    if let Some(bridge) = &cfg.bridge {
        let mut net = format!("name=eth0,bridge={bridge},ip={}", cfg.ip);
        if cfg.firewall {
            net.push_str(",firewall=1");
        }
        p.push(("net0".into(), net));
    }
    p.extend(params![
        ("unprivileged", cfg.unprivileged),
        ("rootfs", format!("{}:{}", cfg.storage, cfg.disk_size_gb)),
        ("tags", TAG),
        ("description", marker.description()),
    ]);
    if let Some(features) = &cfg.features {
        p.extend(params![("features", features.as_str())]);
    }
    Ok((p, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> Spec {
        serde_json::from_value(json).unwrap()
    }

    fn base() -> serde_json::Value {
        serde_json::json!({
            "ociVersion": "1.0.2",
            "process": {"args": ["sleep", "100"], "env": ["A=1", "PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
            "root": {"path": "rootfs"},
            "hostname": "web",
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
            "linux": {"namespaces": [{"type": "network"}, {"type": "pid"}],
                      "resources": {"memory": {"limit": 268435456, "swap": 536870912}, "cpu": {"quota": 50000, "period": 100000, "shares": 2048}}}
        })
    }

    fn get<'a>(p: &'a Params, k: &str) -> Option<&'a str> {
        p.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn maps_process_resources_and_identity() {
        let cfg = LxcConfig {
            bridge: Some("vmbr0".into()),
            ..Default::default()
        };
        let (p, warnings) = map(&spec(base()), &Marker::new("c1"), &cfg).unwrap();
        assert_eq!(get(&p, "hostname"), Some("web"));
        assert_eq!(get(&p, "entrypoint"), Some("sleep 100"));
        assert_eq!(get(&p, "env"), Some("A=1\0PATH=/bin"));
        assert_eq!(get(&p, "memory"), Some("256"));
        assert_eq!(get(&p, "swap"), Some("256"));
        assert_eq!(get(&p, "cpulimit"), Some("0.50"));
        assert_eq!(get(&p, "cores"), Some("1"));
        assert_eq!(get(&p, "cpuunits"), Some("200"));
        assert_eq!(get(&p, "net0"), Some("name=eth0,bridge=vmbr0,ip=dhcp"));
        assert_eq!(get(&p, "unprivileged"), Some("1"));
        assert_eq!(get(&p, "tags"), Some("lxcri"));
        assert!(
            get(&p, "description")
                .unwrap()
                .starts_with("proxmox-lxcri id=c1 nonce=")
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn refuses_what_cannot_map() {
        let cfg = LxcConfig::default();
        let mut s = base();
        s["process"]["cwd"] = "/app".into();
        assert!(
            map(&spec(s), &Marker::new("c"), &cfg)
                .unwrap_err()
                .message
                .contains("process.cwd")
        );
        let mut s = base();
        s["process"]["args"] = serde_json::json!(["sh", "-c", "echo hi"]);
        assert!(
            map(&spec(s), &Marker::new("c"), &cfg)
                .unwrap_err()
                .message
                .contains("whitespace")
        );
        let mut s = base();
        s["mounts"] = serde_json::json!([{"destination": "/data", "type": "bind", "source": "/srv/x", "options": ["rbind"]}]);
        assert!(
            map(&spec(s.clone()), &Marker::new("c"), &cfg)
                .unwrap_err()
                .message
                .contains("bind_mount_prefixes")
        );
        let cfg = LxcConfig {
            bind_mount_prefixes: vec!["/srv".into()],
            ..Default::default()
        };
        let (p, _) = map(&spec(s), &Marker::new("c"), &cfg).unwrap();
        assert_eq!(get(&p, "mp0"), Some("/srv/x,mp=/data"));
        let mut s = base();
        s["linux"]["namespaces"] = serde_json::json!([{"type": "pid"}]);
        assert!(
            map(&spec(s), &Marker::new("c"), &cfg)
                .unwrap_err()
                .message
                .contains("network namespace")
        );
    }
}
