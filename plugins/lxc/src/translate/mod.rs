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
