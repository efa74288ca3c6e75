//! OCI runtime spec → LXC config plus the helper's setup. Every field maps, is done
//! by the helper, or is refused in one line naming the field (docs/backends/lxc.md has
//! the table).

mod mounts;
mod namespaces;
mod resources;
mod setup;

use std::path::Path;

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::Spec;

use crate::{config::LxcConfig, helper::plan::Setup};

/// The translated config.
#[derive(Default)]
pub struct Translated {
    pub lines: Vec<String>,
    pub warnings: Vec<String>,
    /// What init does itself before `ready`.
    pub setup: Setup,
    /// `lxc.cgroup.dir.container` and `.monitor`, when the bundle names the cgroup.
    pub container_cgroup: Option<String>,
    pub monitor_cgroup: Option<String>,
}

pub(crate) fn refuse(what: impl Into<String>) -> PluginError {
    PluginError::invalid_input(format!(
        "the lxc backend cannot run this bundle: {}",
        what.into()
    ))
    .with_hint("see docs/backends/lxc.md for what maps")
}

pub fn translate(
    spec: &Spec,
    id: &str,
    rootfs: &Path,
    cfg: &LxcConfig,
) -> Result<Translated, PluginError> {
    let version = spec.version();
    if !version.starts_with("1.") {
        return Err(PluginError::invalid_input(format!(
            "ociVersion {version:?} is not a runtime spec version this runtime supports"
        ))
        .with_hint("use a 1.x ociVersion"));
    }
    let mut t = Translated::default();
    let l = &mut t.lines;
    l.push(format!("lxc.rootfs.path = dir:{}", rootfs.display()));
    l.push("lxc.console.path = none".into());
    l.push("lxc.tty.max = 0".into());
    l.push(format!("lxc.apparmor.profile = {}", cfg.apparmor_profile));
    // The helper (an inherited memfd) is init; it becomes the bundle's process at
    // `start`, keeping its pid. LXC's monitor is stopped after create, and the
    // process must survive that.
    l.push(format!("lxc.init.cmd = {} init", crate::helper::exe_path()));
    l.push("lxc.monitor.signal.pdeath = 0".into());

    let process = spec
        .process()
        .as_ref()
        .ok_or_else(|| refuse("the bundle has no process"))?;
    if process.args().as_ref().is_none_or(|a| a.is_empty()) {
        return Err(refuse("process.args is empty"));
    }
    // User, groups, umask, capabilities, rlimits, oomScoreAdj, noNewPrivileges, cwd
    // and env are applied by the helper (process_plan.rs), as crun's init does.
    if process.apparmor_profile().is_some() {
        t.warnings.push(
            "process.apparmorProfile is ignored; the plugin's apparmor_profile applies".into(),
        );
    }
    if process.selinux_label().is_some() {
        t.warnings.push("process.selinuxLabel is ignored".into());
    }
    let userns = namespaces::translate(spec, id, &mut t, cfg)?;
    mounts::translate(spec, userns, &mut t)?;
    resources::translate(spec, &mut t)?;
    setup::translate(spec, &mut t)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn base() -> Value {
        json!({
            "ociVersion": "1.0.2",
            "process": {"args": ["sleep", "1"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
            "root": {"path": "rootfs"},
            "hostname": "web",
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                                     {"type": "ipc"}, {"type": "network"}]}
        })
    }

    fn run(spec: Value) -> Result<Translated, PluginError> {
        let spec: Spec = serde_json::from_value(spec).unwrap();
        translate(&spec, "c1", Path::new("/r/rootfs"), &LxcConfig::default())
    }

    fn has(t: &Translated, line: &str) -> bool {
        t.lines.iter().any(|l| l == line)
    }

    #[test]
    fn a_plain_bundle_becomes_lxc_keys_with_the_helper_as_init() {
        let t = run(base()).unwrap();
        assert!(has(&t, "lxc.rootfs.path = dir:/r/rootfs"), "{:?}", t.lines);
        assert!(
            t.lines
                .iter()
                .any(|l| l.starts_with("lxc.init.cmd = ") && l.ends_with(" init"))
        );
        assert!(has(&t, "lxc.monitor.signal.pdeath = 0"));
        assert!(has(&t, "lxc.uts.name = web"));
        assert!(
            has(&t, "lxc.namespace.keep = user cgroup time"),
            "{:?}",
            t.lines
        );
        assert!(has(&t, "lxc.net.0.type = empty"));
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }

    #[test]
    fn namespaces_map_to_clone_keep_share_and_the_host_network() {
        let mut s = base();
        s["linux"]["namespaces"] = json!([{"type": "pid"}, {"type": "mount"}, {"type": "ipc"},
            {"type": "uts"}, {"type": "network"}, {"type": "cgroup"}, {"type": "user"}, {"type": "time"}]);
        s["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        s["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        let t = run(s).unwrap();
        assert!(
            t.lines
                .iter()
                .any(|l| l.starts_with("lxc.namespace.clone = ")),
            "every namespace asked for: clone, no keep: {:?}",
            t.lines
        );
        assert!(has(&t, "lxc.idmap = u 0 100000 65536"));
        assert!(has(&t, "lxc.idmap = g 0 100000 65536"));

        let mut s = base();
        s["linux"]["namespaces"] = json!([{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
            {"type": "network", "path": "/proc/self/ns/net"}]);
        let t = run(s).unwrap();
        assert!(
            has(&t, "lxc.namespace.share.net = /proc/self/ns/net"),
            "{:?}",
            t.lines
        );

        let mut s = base();
        s["linux"]["namespaces"] = json!([{"type": "pid"}, {"type": "mount"}, {"type": "uts"}]);
        assert!(has(&run(s).unwrap(), "lxc.net.0.type = none"));
    }

    #[test]
    fn what_cannot_map_is_refused_in_one_line() {
        let refused = |s: Value, needle: &str| {
            let e = run(s).err().expect("refused");
            assert!(e.message.contains(needle), "{needle}: {e}");
            assert!(!e.message.contains('\n'));
        };
        let mut s = base();
        s["ociVersion"] = json!("0.5.0");
        refused(s, "ociVersion");
        let mut s = base();
        s["process"]["args"] = json!([]);
        refused(s, "process.args is empty");
        let mut s = base();
        s["linux"]["namespaces"] = json!([{"type": "pid"}, {"type": "uts"}]);
        refused(s, "no mount namespace");
        let mut s = base();
        s["linux"]["namespaces"] =
            json!([{"type": "mount"}, {"type": "pid", "path": "/proc/self/ns/net"}]);
        refused(s, "is not a pid namespace");
        let mut s = base();
        s["linux"]["namespaces"] = json!([{"type": "mount"}, {"type": "pid"}]);
        refused(s, "no UTS namespace");
        let mut s = base();
        s["linux"]["namespaces"] = json!([{"type": "mount"}, {"type": "uts"}, {"type": "user"}]);
        refused(s, "uidMappings");
        let mut s = base();
        s["linux"]["cgroupsPath"] = json!("/a/../b");
        refused(s, "climbs");
    }

    #[test]
    fn a_cgroups_path_names_the_container_and_monitor_cgroups() {
        let mut s = base();
        s["linux"]["cgroupsPath"] = json!("/lxcri/c1");
        let t = run(s).unwrap();
        assert!(has(&t, "lxc.cgroup.dir.container = lxcri/c1"));
        assert!(has(&t, "lxc.cgroup.dir.monitor = lxcri/c1.lxc-monitor"));
        assert_eq!(t.container_cgroup.as_deref(), Some("lxcri/c1"));
    }
}
