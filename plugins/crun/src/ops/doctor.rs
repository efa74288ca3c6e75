//! `doctor`: the crun binary runs, the cgroup filesystem is mounted, and a real
//! `crun create` (then `delete`) of a probe container gets as far as starting the
//! container's process, which shows that namespaces and cgroups work on this host.

use lxcri_plugin_api::doctor::Check;
use lxcri_plugin_helpers::checks as doctor;
use std::path::Path;

use crate::runner::Crun;

/// A probe bundle whose process does not exist: crun sets everything up, then fails to
/// find the executable, which is as far as the probe needs to go.
fn probe_config() -> serde_json::Value {
    serde_json::json!({
        "ociVersion": "1.0.2",
        "process": {"args": ["/lxcri-doctor-probe"], "cwd": "/", "user": {"uid": 0, "gid": 0},
                     "env": ["PATH=/"]},
        "root": {"path": "rootfs"},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
        "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]},
    })
}

fn probe(crun: &Crun) -> Check {
    let name = "crun create/delete";
    let dir = match tempfile::Builder::new().prefix("lxcri-doctor-").tempdir() {
        Ok(d) => d,
        Err(e) => return Check::fail(name, format!("no temp dir: {e}"), "check TMPDIR"),
    };
    let bundle = dir.path().join("bundle");
    let written = ["dev", "proc"]
        .iter()
        .try_for_each(|d| std::fs::create_dir_all(bundle.join("rootfs").join(d)))
        .and_then(|_| std::fs::write(bundle.join("config.json"), probe_config().to_string()));
    if let Err(e) = written {
        return Check::fail(
            name,
            format!("cannot write the probe bundle: {e}"),
            "check TMPDIR",
        );
    }
    let id = format!("lxcri-doctor-{}", std::process::id());
    let created = crun.attached(
        "create",
        dir.path(),
        ["--bundle", &bundle.display().to_string(), &id],
    );
    let _ = crun.output("delete", ["--force", id.as_str()]);
    match created {
        Ok(_) => Check::pass(name, "a probe container was created and deleted"),
        Err(e) if e.message.contains("lxcri-doctor-probe") => Check::pass(
            name,
            "namespaces and cgroups were set up for a probe container",
        ),
        Err(e) => {
            let fix = if e.message.contains("hybrid") {
                "use cgroup v1 or v2 alone on this host, or a crun that supports the hybrid layout"
            } else {
                "see crun's message; run `crun --version` and check the cgroup setup"
            };
            Check::fail(name, e.message.to_string(), fix)
        }
    }
}

pub fn doctor(crun: &Crun) -> Vec<Check> {
    vec![
        doctor::tool(
            "crun binary",
            crun.bin(),
            &["--version"],
            "install crun (apt-get install crun) or set [plugins.crun] path",
        ),
        doctor::path(
            "cgroup filesystem",
            Path::new("/sys/fs/cgroup"),
            "mount cgroup2 on /sys/fs/cgroup",
        ),
        probe(crun),
    ]
}
