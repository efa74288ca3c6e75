//! `mounts` → `lxc.mount.entry`, in the bundle's order, with the bundle's sources,
//! types and options; cgroup mounts through LXC's cgroup automount, which binds the
//! container's own cgroups as crun does on v1.

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::Spec;

use super::{Translated, refuse};

/// fstab fields escape whitespace and backslashes as octal.
fn fstab(field: &str) -> String {
    field
        .replace('\\', "\\134")
        .replace(' ', "\\040")
        .replace('\t', "\\011")
        .replace('\n', "\\012")
}

pub fn translate(spec: &Spec, userns: bool, t: &mut Translated) -> Result<(), PluginError> {
    let mut devpts = false;
    let mut dev_tmpfs = false;
    for m in spec.mounts().clone().unwrap_or_default() {
        let dest = m.destination().display().to_string();
        if !dest.starts_with('/') {
            return Err(refuse(format!(
                "mounts: destination {dest:?} is not absolute"
            )));
        }
        let rel = dest.trim_start_matches('/');
        let opts = m.options().clone().unwrap_or_default();
        let typ = m.typ().clone().unwrap_or_default();
        if dest == "/dev/pts" {
            // LXC mounts its own devpts instance (newinstance, ptmxmode=0666,
            // mode=0620, gid=5) and /dev/ptmx, and unmounts any other at /dev/pts.
            devpts = true;
            continue;
        }
        if typ == "cgroup" || typ == "cgroup2" {
            let ro = opts.iter().any(|o| o == "ro");
            t.lines.push(format!(
                "lxc.mount.auto = cgroup:{}:force",
                if ro { "ro" } else { "rw" }
            ));
            continue;
        }
        let is_bind = typ == "bind" || opts.iter().any(|o| o == "bind" || o == "rbind");
        let source = m
            .source()
            .as_ref()
            .map(|s| s.display().to_string())
            .unwrap_or_else(|| typ.clone());
        let mut o: Vec<String> = opts.clone();
        let create = if is_bind && !std::path::Path::new(&source).is_dir() {
            "file"
        } else {
            "dir"
        };
        if is_bind && !o.iter().any(|x| x == "bind" || x == "rbind") {
            o.insert(0, "bind".into());
        }
        if o.is_empty() {
            o.push("defaults".into());
        }
        o.push(format!("create={create}"));
        let fstype = if is_bind {
            "none".to_string()
        } else {
            typ.clone()
        };
        if fstype.is_empty() {
            return Err(refuse(format!(
                "mounts: {dest} has neither a type nor bind"
            )));
        }
        devpts |= dest == "/dev/pts";
        dev_tmpfs |= dest == "/dev";
        t.lines.push(format!(
            "lxc.mount.entry = {} {} {} {} 0 0",
            fstab(&source),
            fstab(rel),
            fstab(&fstype),
            o.join(",")
        ));
    }
    // Device nodes: LXC binds them from the host in a user namespace (mknod is not
    // allowed there); otherwise the helper makes crun's set in the bundle's /dev.
    t.lines
        .push(format!("lxc.autodev = {}", u8::from(userns && dev_tmpfs)));
    t.lines
        .push(format!("lxc.pty.max = {}", if devpts { 1024 } else { 0 }));
    t.setup.devices.extend(super::setup::default_devices());
    for (link, target) in [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ] {
        t.setup.symlinks.push((link.into(), target.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translated(mounts: serde_json::Value) -> Result<Translated, PluginError> {
        let spec: Spec = serde_json::from_value(serde_json::json!({
            "ociVersion": "1.0.2", "root": {"path": "rootfs"}, "mounts": mounts
        }))
        .unwrap();
        let mut t = Translated::default();
        translate(&spec, false, &mut t).map(|()| t)
    }

    #[test]
    fn mounts_keep_order_source_type_and_options() {
        let t = translated(serde_json::json!([
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["newinstance", "ptmxmode=0666"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"]},
            {"destination": "/data dir", "type": "bind", "source": "/tmp", "options": ["rbind", "ro"]}
        ]))
        .unwrap();
        assert_eq!(
            t.lines,
            vec![
                "lxc.mount.entry = tmpfs dev tmpfs nosuid,mode=755,create=dir 0 0",
                "lxc.mount.auto = cgroup:ro:force",
                "lxc.mount.entry = /tmp data\\040dir none rbind,ro,create=dir 0 0",
                "lxc.autodev = 0",
                "lxc.pty.max = 1024",
            ]
        );
    }

    #[test]
    fn relative_destinations_are_refused() {
        let e = translated(serde_json::json!([
            {"destination": "tmp", "type": "tmpfs", "source": "tmpfs"}
        ]))
        .err()
        .unwrap();
        assert!(e.message.contains("not absolute"), "{e}");
    }
}
