//! `linux.cgroupsPath` → LXC's cgroup dirs, and `linux.resources` → LXC cgroup keys
//! (the settings `limits.rs` derives, v1 names on v1 and hybrid hosts, v2 names on v2
//! hosts).

use std::path::Path;

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::Spec;

use super::{Translated, refuse};

fn cgroup_v1() -> bool {
    // A hybrid host keeps its controllers on v1; a pure v2 host has cgroup.controllers at the top.
    !Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

pub fn translate(spec: &Spec, t: &mut Translated) -> Result<(), PluginError> {
    let Some(linux) = spec.linux() else {
        return Ok(());
    };
    let l = &mut t.lines;
    if let Some(path) = linux.cgroups_path() {
        let path = path.display().to_string();
        if path.contains("..") {
            return Err(refuse(format!(
                "linux.cgroupsPath {path:?} climbs with '..'"
            )));
        }
        // LXC takes relative paths only, below the root of each hierarchy; crun puts a
        // relative cgroupsPath there too.
        let dir = path.trim_matches('/');
        if dir.is_empty() {
            return Err(refuse("linux.cgroupsPath names no cgroup"));
        }
        l.push(format!("lxc.cgroup.dir.container = {dir}"));
        l.push(format!("lxc.cgroup.dir.monitor = {dir}.lxc-monitor"));
        t.monitor_cgroup = Some(format!("{dir}.lxc-monitor"));
        t.container_cgroup = Some(dir.to_string());
    }
    let Some(res) = linux.resources() else {
        return Ok(());
    };
    for s in crate::limits::settings(res, cgroup_v1())? {
        t.lines.push(s.lxc_key());
    }
    Ok(())
}
