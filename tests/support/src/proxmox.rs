//! Hosts whose Proxmox plugins talk to a simulator started by the test.

use std::os::unix::fs::PermissionsExt;

use pve_sim::{SimConfig, SimHandle};

use crate::Host;

/// How the plugin authenticates.
pub enum Auth {
    Token,
    Ticket,
}

/// Starts a simulator with `nodes` and a short task time.
pub fn simulator(nodes: &[&str]) -> SimHandle {
    SimHandle::start(SimConfig {
        nodes: nodes.iter().map(|n| n.to_string()).collect(),
        ..SimConfig::default()
    })
}

fn secret(host: &Host, name: &str, value: &str) -> std::path::PathBuf {
    let path = host.scratch().join(name);
    std::fs::write(&path, value).expect("secret");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

/// The `[plugins.<plugin>]` table for `sim` (plus `extra` lines for the plugin table).
pub fn plugin_config(
    host: &Host,
    plugin: &str,
    sim: &SimHandle,
    auth: Auth,
    endpoints: &[String],
    extra: &str,
) -> String {
    let auth_lines = match auth {
        Auth::Token => format!(
            "token_file = {:?}\n",
            secret(host, "pve-token", &sim.token())
                .display()
                .to_string()
        ),
        Auth::Ticket => format!(
            "username = \"root@pam\"\npassword_file = {:?}\n",
            secret(host, "pve-password", "sim-password")
                .display()
                .to_string()
        ),
    };
    let endpoints: Vec<String> = endpoints.iter().map(|e| format!("{e:?}")).collect();
    format!(
        "[plugins.{plugin}]\n{extra}\n[plugins.{plugin}.api]\nendpoints = [{}]\n{auth_lines}request_timeout_secs = 3\ntask_timeout_secs = 60\n[plugins.{plugin}.api.tls]\nfingerprint = {:?}\n",
        endpoints.join(", "),
        sim.fingerprint()
    )
}

impl Host {
    /// A host with `lib` installed and configured against `sim`.
    pub fn proxmox(lib: &str, plugin: &str, sim: &SimHandle, auth: Auth, extra: &str) -> Self {
        let mut host = Host::with_plugins(&[lib]);
        let config = plugin_config(&host, plugin, sim, auth, &sim.endpoints, extra);
        host.write_config(&config);
        host.extra_args.push(format!("--backend={plugin}"));
        host
    }
}

/// A template VM (on `local-lvm` of `node`) for the proxmox-vm backend.
pub fn add_template_vm(sim: &SimHandle, vmid: u32, node: &str, agent: bool) {
    let mut g = pve_sim::model::Guest::new(pve_sim::Kind::Qemu, node);
    for (k, v) in [
        ("name", "debian-tpl"),
        ("memory", "2048"),
        ("template", "1"),
        ("scsi0", &format!("local-lvm:base-{vmid}-disk-0,size=8G")),
    ] {
        g.config.insert(k.into(), v.into());
    }
    if agent {
        g.config.insert("agent".into(), "1".into());
    }
    sim.cluster().guests.insert(vmid, g);
}

/// What a guest looked like: node, power and config.
pub type Snapshot =
    std::collections::BTreeMap<u32, (String, pve_sim::Power, Vec<(String, String)>)>;

/// Places guests that belong to no container of the test: another tool's CT and VM,
/// running, and a guest of this runtime made by another host for container id
/// `same_id` (its marker carries another nonce). Returns their state.
pub fn add_foreign_guests(sim: &SimHandle, node: &str, same_id: &str) -> Snapshot {
    use pve_sim::{Kind, Power, model::Guest};
    let marker = format!("proxmox-lxcri id={same_id} nonce=00000000feedface");
    let guests = [
        (150, Kind::Lxc, vec![("hostname", "dns"), ("tags", "infra")]),
        (151, Kind::Qemu, vec![("name", "db"), ("tags", "infra")]),
        (
            152,
            Kind::Lxc,
            vec![
                ("hostname", "elsewhere"),
                ("tags", "lxcri"),
                ("description", marker.as_str()),
            ],
        ),
    ];
    {
        let mut c = sim.cluster();
        for (vmid, kind, config) in guests {
            let mut g = Guest::new(kind, node);
            for (k, v) in config {
                g.config.insert(k.into(), v.into());
            }
            g.power = Power::Running;
            c.guests.insert(vmid, g);
        }
    }
    foreign(sim)
}

/// The guests placed by [`add_foreign_guests`], as they are now.
pub fn foreign(sim: &SimHandle) -> Snapshot {
    sim.cluster()
        .guests
        .iter()
        .filter(|(vmid, _)| (150..=152).contains(*vmid))
        .map(|(vmid, g)| {
            let config = g
                .config
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (*vmid, (g.node.clone(), g.power, config))
        })
        .collect()
}

/// Container ids in the markers of the guests this runtime made in the test (the
/// foreign ones left out), one entry per guest.
pub fn ours(sim: &SimHandle) -> Vec<String> {
    let mut ids: Vec<String> = sim
        .cluster()
        .guests
        .iter()
        .filter(|(vmid, g)| !(150..=152).contains(*vmid) && !g.is_template())
        .map(|(vmid, g)| {
            g.config
                .get("description")
                .and_then(|d| d.strip_prefix("proxmox-lxcri id="))
                .and_then(|d| d.split(" nonce=").next())
                .map(str::to_string)
                .unwrap_or_else(|| format!("<unmarked {vmid}>"))
        })
        .collect();
    ids.sort();
    ids
}

/// A client of the simulator's API as another Proxmox user would have (token auth).
pub fn api(sim: &SimHandle, dir: &std::path::Path) -> lxcri_pve_client::Pve {
    let token = dir.join("outside-token");
    std::fs::write(&token, sim.token()).expect("token");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    lxcri_pve_client::Pve::new(&lxcri_pve_client::ConnectionConfig {
        endpoints: sim.endpoints.clone(),
        token_file: Some(token),
        tls: lxcri_pve_client::TlsConfig {
            fingerprint: Some(sim.fingerprint()),
            ..Default::default()
        },
        request_timeout_secs: Some(10),
        task_timeout_secs: Some(60),
        ..Default::default()
    })
    .expect("client")
}

/// The vmid of the guest made for container `id`.
pub fn vmid_of(sim: &SimHandle, id: &str) -> Option<u32> {
    let prefix = format!("proxmox-lxcri id={id} nonce=");
    sim.cluster()
        .guests
        .iter()
        .find(|(_, g)| {
            g.config
                .get("description")
                .is_some_and(|d| d.starts_with(&prefix))
        })
        .map(|(vmid, _)| *vmid)
}

/// The stand-in processes of containers under state root `root`.
pub fn stand_ins(root: &std::path::Path) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = raw.split(|b| *b == 0).collect();
            args.contains(&&b"stand-in"[..])
                && args
                    .windows(2)
                    .any(|w| w[0] == b"--root" && w[1] == root.as_os_str().as_encoded_bytes())
        })
        .collect()
}
