//! OCI spec → VM settings applied to the clone: name from the id, memory and CPUs from
//! the resources, net0 and the agent from the plugin config. The VM runs its own OS:
//! the bundle's rootfs is not used, and its process runs through the agent (when
//! `agent` is set) from the container's stand-in.

use lxcri_plugin_api::PluginError;
use lxcri_pve_client::{
    Params,
    guest::{Marker, TAG},
    params,
};
use oci_spec::runtime::Spec;

use crate::config::VmConfig;

const MIB: i64 = 1024 * 1024;

/// A DNS-safe VM name from a container id.
pub fn vm_name(id: &str) -> String {
    let mut name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_matches(['-', '.']).to_string();
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        name = format!("ct-{name}");
    }
    name.truncate(63);
    name
}

/// The config applied after the clone (PUT /config), plus warnings.
pub fn settings(
    spec: &Spec,
    marker: &Marker,
    cfg: &VmConfig,
) -> Result<(Params, Vec<String>), PluginError> {
    let mut p = params![("name", vm_name(&marker.id))];
    let mut warnings = Vec::new();
    let mut memory = None;
    let mut cores = None;
    if let Some(res) = spec.linux().as_ref().and_then(|l| l.resources().as_ref()) {
        if let Some(limit) = res
            .memory()
            .as_ref()
            .and_then(|m| m.limit())
            .filter(|l| *l > 0)
        {
            memory = Some(((limit + MIB - 1) / MIB).max(16));
        }
        if let Some(cpu) = res.cpu()
            && let (Some(quota), Some(period)) = (cpu.quota(), cpu.period())
            && quota > 0
            && period > 0
        {
            cores = Some(((quota as f64 / period as f64).ceil() as u64).max(1));
        }
    }
    p.extend(params![
        ("memory", memory.unwrap_or(cfg.default_memory_mb as i64)),
        ("sockets", 1u32)
    ]);
    if let Some(cores) = cores {
        p.extend(params![("cores", cores)]);
    }
    if let Some(bridge) = &cfg.bridge {
        p.extend(params![("net0", format!("virtio,bridge={bridge}"))]);
    }
    if cfg.agent {
        p.extend(params![("agent", "enabled=1")]);
    } else {
        warnings.push(
            "the VM boots its template's OS and the bundle's process is not run (set agent = true)"
                .into(),
        );
    }
    p.extend(params![
        ("tags", TAG),
        ("description", marker.description()),
    ]);
    Ok((p, warnings))
}

/// The bundle's process as an agent command: `env K=V... args...`.
pub fn agent_command(spec: &Spec) -> Vec<String> {
    spec.process()
        .as_ref()
        .and_then(|p| serde_json::to_value(p).ok())
        .map(|p| crate::exec::command_of(&p))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_safe() {
        assert_eq!(vm_name("web_1"), "web-1");
        assert_eq!(vm_name("_x"), "x");
        assert_eq!(vm_name("+"), "ct-");
    }

    #[test]
    fn resources_become_memory_and_cores() {
        let spec: Spec = serde_json::from_value(serde_json::json!({
            "ociVersion": "1.0.2", "root": {"path": "rootfs"},
            "process": {"args": ["sleep", "1"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
            "linux": {"resources": {"memory": {"limit": 1073741824}, "cpu": {"quota": 150000, "period": 100000}}}
        }))
        .unwrap();
        let cfg = VmConfig {
            agent: true,
            bridge: Some("vmbr0".into()),
            ..Default::default()
        };
        let (p, _) = settings(&spec, &Marker::new("vm1"), &cfg).unwrap();
        let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("memory").as_deref(), Some("1024"));
        assert_eq!(get("cores").as_deref(), Some("2"));
        assert_eq!(get("net0").as_deref(), Some("virtio,bridge=vmbr0"));
        assert_eq!(get("agent").as_deref(), Some("enabled=1"));
        assert_eq!(get("name").as_deref(), Some("vm1"));
    }
}
