//! A real distribution image (Debian bookworm by debootstrap) as the bundle's rootfs:
//! the process uses the image's own programs, read-only and read-write, and the
//! rootfs is byte for byte the same after the container is gone. On every local
//! backend.

use lxcri_test_support::{Host, debian};
use serde_json::json;

fn debian_runs(host: &Host) {
    let rootfs = debian::bookworm();
    let before = debian::manifest(&rootfs);
    let script = "readlink /proc/$$/exe; head -c 300M /dev/zero | wc -c; id; \
                  test -w / && echo rw || echo ro";
    for (id, readonly) in [("deb-ro", true), ("deb-rw", false)] {
        let bundle = host
            .bundle(id, &["/bin/sh", "-c", script])
            .with(|c| {
                c["root"] = json!({"path": rootfs, "readonly": readonly});
                c["process"]["user"] = json!({"uid": 0, "gid": 0, "additionalGids": [5]});
            })
            .write();
        let run = host
            .run(["run", "--bundle", bundle.to_str().unwrap(), id])
            .ok();
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(
            lines[0], "/usr/bin/dash",
            "the image's own /bin/sh: {run:?}"
        );
        assert_eq!(
            lines[1], "314572800",
            "coreutils head, not busybox: {run:?}"
        );
        assert_eq!(
            lines[2], "uid=0(root) gid=0(root) groups=0(root),5(tty)",
            "{run:?}"
        );
        assert_eq!(lines[3], if readonly { "ro" } else { "rw" }, "{run:?}");
    }
    assert!(
        debian::manifest(&rootfs) == before,
        "the rootfs changed under the containers"
    );
}

#[test]
fn debian_runs_on_crun() {
    debian_runs(&Host::crun());
}

#[test]
fn debian_runs_on_lxc() {
    debian_runs(&Host::lxc());
}
