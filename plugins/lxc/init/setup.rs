//! Container setup the runtime spec asks for and LXC does not do that way, done by
//! init as root inside the container after LXC's mounts: device nodes and /dev
//! symlinks, sysctls, masked and read-only paths, rootfs propagation, a read-only
//! root. crun's order: devices, sysctls, masked, read-only, propagation, root.

use crate::{
    plan::{Device, Setup},
    sys,
};

fn io(what: &str, e: std::io::Error) -> String {
    format!("{what}: {e}")
}

fn device(d: &Device) -> Result<(), String> {
    let path = std::path::Path::new(&d.path);
    if path.symlink_metadata().is_ok() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(&d.path, e))?;
    }
    let kind = match d.kind {
        b'b' => sys::S_IFBLK,
        b'p' => sys::S_IFIFO,
        _ => sys::S_IFCHR,
    };
    let c = sys::cstr(&d.path)?;
    sys::check(
        unsafe { sys::mknod(c.as_ptr(), kind | (d.mode & 0o7777), sys::makedev(d.major, d.minor)) },
        &format!("creating device {}", d.path),
    )?;
    // mknod applies the umask; the spec's mode is exact.
    std::os::unix::fs::chown(path, Some(d.uid), Some(d.gid)).map_err(|e| io(&d.path, e))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(d.mode & 0o7777))
        .map_err(|e| io(&d.path, e))
}

fn mask(path: &str) -> Result<(), String> {
    match std::fs::metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.is_dir() => sys::mount_(
            Some("tmpfs"),
            path,
            Some("tmpfs"),
            sys::MS_RDONLY,
            None,
        ),
        Ok(_) => sys::mount_(Some("/dev/null"), path, None, sys::MS_BIND, None),
    }
}

fn read_only(path: &str) -> Result<(), String> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    sys::mount_(Some(path), path, None, sys::MS_BIND | sys::MS_REC, None)?;
    let keep = sys::mount_flags(path);
    sys::mount_(
        None,
        path,
        None,
        keep | sys::MS_BIND | sys::MS_REMOUNT | sys::MS_RDONLY | sys::MS_REC,
        None,
    )
}

pub fn apply(s: &Setup) -> Result<(), String> {
    for d in &s.devices {
        device(d)?;
    }
    for (link, target) in &s.symlinks {
        if std::fs::symlink_metadata(link).is_err() {
            std::os::unix::fs::symlink(target, link).map_err(|e| io(link, e))?;
        }
    }
    for (key, value) in &s.sysctl {
        let file = format!("/proc/sys/{}", key.replace('.', "/"));
        std::fs::write(&file, value).map_err(|e| io(&format!("sysctl {key}={value}"), e))?;
    }
    for p in &s.masked {
        mask(p)?;
    }
    for p in &s.readonly {
        read_only(p)?;
    }
    if s.propagation != 0 {
        sys::mount_(None, "/", None, s.propagation | sys::MS_REC, None)?;
    }
    if s.readonly_root {
        let keep = sys::mount_flags("/");
        sys::mount_(
            None,
            "/",
            None,
            keep | sys::MS_BIND | sys::MS_REMOUNT | sys::MS_RDONLY,
            None,
        )?;
    }
    Ok(())
}
