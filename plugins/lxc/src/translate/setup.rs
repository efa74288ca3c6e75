//! What init does itself (helper `Setup`): crun's default devices and
//! `linux.devices`, sysctls, masked and read-only paths, rootfs propagation and a
//! read-only root.

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::Spec;

use super::{Translated, refuse};
use crate::helper::plan::Device;

/// The devices crun creates in every container.
pub fn default_devices() -> Vec<Device> {
    [
        ("/dev/null", 1, 3),
        ("/dev/zero", 1, 5),
        ("/dev/full", 1, 7),
        ("/dev/random", 1, 8),
        ("/dev/urandom", 1, 9),
        ("/dev/tty", 5, 0),
    ]
    .into_iter()
    .map(|(path, major, minor)| Device {
        path: path.into(),
        kind: b'c',
        major,
        minor,
        mode: 0o666,
        uid: 0,
        gid: 0,
    })
    .collect()
}

const MS_SHARED: u64 = 1 << 20;
const MS_SLAVE: u64 = 1 << 19;
const MS_PRIVATE: u64 = 1 << 18;
const MS_UNBINDABLE: u64 = 1 << 17;

pub fn translate(spec: &Spec, t: &mut Translated) -> Result<(), PluginError> {
    t.setup.readonly_root = spec
        .root()
        .as_ref()
        .and_then(|r| r.readonly())
        .unwrap_or(false);
    let Some(linux) = spec.linux() else {
        return Ok(());
    };
    for d in linux.devices().clone().unwrap_or_default() {
        let kind = serde_json::to_value(d.typ())
            .ok()
            .and_then(|v| v.as_str().map(|s| s.as_bytes()[0]))
            .unwrap_or(b'c');
        t.setup.devices.push(Device {
            path: d.path().display().to_string(),
            kind,
            major: d.major() as u64,
            minor: d.minor() as u64,
            mode: d.file_mode().unwrap_or(0o666),
            uid: d.uid().unwrap_or(0),
            gid: d.gid().unwrap_or(0),
        });
    }
    let mut sysctl: Vec<(String, String)> = linux
        .sysctl()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    sysctl.sort();
    t.setup.sysctl = sysctl;
    t.setup.masked = linux.masked_paths().clone().unwrap_or_default();
    t.setup.readonly = linux.readonly_paths().clone().unwrap_or_default();
    t.setup.propagation = match linux.rootfs_propagation().as_deref() {
        None | Some("") => 0,
        Some("shared" | "rshared") => MS_SHARED,
        Some("slave" | "rslave") => MS_SLAVE,
        Some("private" | "rprivate") => MS_PRIVATE,
        Some("unbindable" | "runbindable") => MS_UNBINDABLE,
        Some(other) => {
            return Err(refuse(format!(
                "linux.rootfsPropagation {other:?} is not a propagation mode"
            )));
        }
    };
    Ok(())
}
