//! `linux.namespaces` (new, or joined by path with its type checked), the hostname
//! (only with a UTS namespace of its own), the network, and uid/gid mappings.

use std::os::fd::AsRawFd;

use lxcri_plugin_api::PluginError;
use nix::libc;
use oci_spec::runtime::{LinuxNamespaceType, Spec};

use super::{Translated, refuse};
use crate::config::{LxcConfig, Network};

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

fn clone_flag(t: LinuxNamespaceType) -> i32 {
    match t {
        LinuxNamespaceType::Mount => libc::CLONE_NEWNS,
        LinuxNamespaceType::Cgroup => libc::CLONE_NEWCGROUP,
        LinuxNamespaceType::Uts => libc::CLONE_NEWUTS,
        LinuxNamespaceType::Ipc => libc::CLONE_NEWIPC,
        LinuxNamespaceType::User => libc::CLONE_NEWUSER,
        LinuxNamespaceType::Pid => libc::CLONE_NEWPID,
        LinuxNamespaceType::Network => libc::CLONE_NEWNET,
        LinuxNamespaceType::Time => 0x80,
    }
}

/// `NS_GET_NSTYPE`: the CLONE_NEW* type of a namespace file.
fn ns_type(path: &std::path::Path) -> std::io::Result<i32> {
    let f = std::fs::File::open(path)?;
    let t = unsafe { libc::ioctl(f.as_raw_fd(), 0xb703) };
    if t < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(t)
    }
}

/// Translates the namespaces; returns whether the container has a user namespace.
pub fn translate(
    spec: &Spec,
    id: &str,
    t: &mut Translated,
    cfg: &LxcConfig,
) -> Result<bool, PluginError> {
    let namespaces = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().clone())
        .unwrap_or_default();
    let new = |typ: LinuxNamespaceType| {
        namespaces
            .iter()
            .any(|n| n.typ() == typ && n.path().is_none())
    };
    let mut clone = Vec::new();
    for n in &namespaces {
        let name = ns_name(n.typ());
        match n.path() {
            Some(path) => {
                let want = clone_flag(n.typ());
                match ns_type(path) {
                    Ok(got) if got == want => {}
                    Ok(_) => {
                        return Err(PluginError::invalid_input(format!(
                            "linux.namespaces: {} is not a {name} namespace",
                            path.display()
                        )));
                    }
                    Err(e) => {
                        return Err(PluginError::invalid_input(format!(
                            "linux.namespaces: {name} namespace {}: {e}",
                            path.display()
                        )));
                    }
                }
                t.lines
                    .push(format!("lxc.namespace.share.{name} = {}", path.display()));
            }
            None => clone.push(name),
        }
    }
    if !namespaces
        .iter()
        .any(|n| n.typ() == LinuxNamespaceType::Mount)
    {
        return Err(refuse(
            "linux.namespaces has no mount namespace (LXC always makes one)",
        ));
    }
    // With `keep`, LXC makes every namespace it knows but those listed (`clone` and
    // `keep` exclude each other): keep each one the bundle does not ask for.
    let keep: Vec<&str> = [
        LinuxNamespaceType::User,
        LinuxNamespaceType::Cgroup,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Network,
        LinuxNamespaceType::Time,
    ]
    .into_iter()
    .filter(|typ| !namespaces.iter().any(|n| n.typ() == *typ))
    .map(ns_name)
    .collect();
    if keep.is_empty() {
        t.lines
            .push(format!("lxc.namespace.clone = {}", clone.join(" ")));
    } else {
        t.lines
            .push(format!("lxc.namespace.keep = {}", keep.join(" ")));
    }

    let hostname = spec.hostname().clone().filter(|h| !h.is_empty());
    if new(LinuxNamespaceType::Uts) {
        t.lines.push(format!(
            "lxc.uts.name = {}",
            hostname.unwrap_or_else(|| id.to_string())
        ));
    } else if hostname.is_some() {
        return Err(PluginError::invalid_input(
            "hostname is set but the container has no UTS namespace of its own",
        )
        .with_hint("add a uts namespace to linux.namespaces or remove hostname"));
    }

    if !namespaces
        .iter()
        .any(|n| n.typ() == LinuxNamespaceType::Network)
    {
        // LXC's `none`: the host's network namespace.
        t.lines.push("lxc.net.0.type = none".into());
    } else if new(LinuxNamespaceType::Network) {
        match cfg.network {
            Network::Empty => t.lines.push("lxc.net.0.type = empty".into()),
            Network::Veth => {
                let bridge = cfg.bridge.as_deref().ok_or_else(|| {
                    PluginError::invalid_input("network = \"veth\" needs a bridge")
                        .with_hint("set bridge in [plugins.lxc]")
                })?;
                t.lines.push("lxc.net.0.type = veth".into());
                t.lines.push(format!("lxc.net.0.link = {bridge}"));
                t.lines.push("lxc.net.0.flags = up".into());
            }
        }
    }

    let userns = new(LinuxNamespaceType::User);
    if userns {
        let linux = spec.linux().as_ref().expect("namespaces come from linux");
        for (kind, maps) in [
            ("u", linux.uid_mappings().clone().unwrap_or_default()),
            ("g", linux.gid_mappings().clone().unwrap_or_default()),
        ] {
            if maps.is_empty() {
                return Err(refuse(format!(
                    "a user namespace needs linux.{}Mappings",
                    if kind == "u" { "uid" } else { "gid" }
                )));
            }
            for m in maps {
                t.lines.push(format!(
                    "lxc.idmap = {kind} {} {} {}",
                    m.container_id(),
                    m.host_id(),
                    m.size()
                ));
            }
        }
    }
    Ok(userns)
}
