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
