//! An OCI `process` → the helper's plan: what crun applies in its init after the
//! namespaces and mounts (user, groups, umask, the five capability sets, rlimits,
//! oomScoreAdj, noNewPrivileges, cwd, env, terminal).

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::Process;

use crate::helper::plan::{Caps, Plan, Rlimit};

/// Capability numbers as in linux/capability.h.
const CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

const RLIMITS: &[&str] = &[
    "CPU",
    "FSIZE",
    "DATA",
    "STACK",
    "CORE",
    "RSS",
    "NPROC",
    "NOFILE",
    "MEMLOCK",
    "AS",
    "LOCKS",
    "SIGPENDING",
    "MSGQUEUE",
    "NICE",
    "RTPRIO",
    "RTTIME",
];

fn invalid(what: String) -> PluginError {
    PluginError::invalid_input(what)
}

/// The bit of a capability name (`CAP_NET_RAW`, as the spec writes it).
pub fn cap_bit(name: &str) -> Result<u64, PluginError> {
    let bare = name.trim_start_matches("CAP_").to_ascii_uppercase();
    CAPS.iter()
        .position(|c| *c == bare)
        .map(|n| 1u64 << n)
        .ok_or_else(|| invalid(format!("process.capabilities: unknown capability {name:?}")))
}

fn mask<T: serde::Serialize>(set: &Option<T>) -> Result<Option<u64>, PluginError> {
    let Some(set) = set else { return Ok(None) };
    let names: Vec<String> = serde_json::to_value(set)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut m = 0;
    for n in names {
        m |= cap_bit(&n)?;
    }
    Ok(Some(m))
}

fn rlimit_number(typ: &str) -> Result<u32, PluginError> {
    let bare = typ.trim_start_matches("RLIMIT_").to_ascii_uppercase();
    RLIMITS
        .iter()
        .position(|r| *r == bare)
        .map(|n| n as u32)
        .ok_or_else(|| invalid(format!("process.rlimits: unknown type {typ:?}")))
}

/// The plan for `process`; `preserve_fds` caller fds pass on.
pub fn plan(process: &Process, preserve_fds: u32) -> Result<Plan, PluginError> {
    let args = process.args().clone().unwrap_or_default();
    if args.is_empty() {
        return Err(invalid("process.args is empty".into()));
    }
    let user = process.user();
    let mut caps = Caps::default();
    if let Some(c) = process.capabilities() {
        caps = Caps {
            bounding: mask(c.bounding())?.or(Some(0)),
            effective: mask(c.effective())?.or(Some(0)),
            permitted: mask(c.permitted())?.or(Some(0)),
            inheritable: mask(c.inheritable())?.or(Some(0)),
            ambient: mask(c.ambient())?.or(Some(0)),
        };
    }
    let mut rlimits = Vec::new();
    for r in process.rlimits().clone().unwrap_or_default() {
        let typ = serde_json::to_value(r.typ())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        rlimits.push(Rlimit {
            resource: rlimit_number(&typ)?,
            soft: r.soft(),
            hard: r.hard(),
        });
    }
    Ok(Plan {
        args,
        env: process.env().clone().unwrap_or_default(),
        cwd: process.cwd().display().to_string(),
        uid: user.uid(),
        gid: user.gid(),
        groups: user.additional_gids().clone().unwrap_or_default(),
        umask: user.umask(),
        caps,
        no_new_privs: process.no_new_privileges().unwrap_or(false),
        terminal: process.terminal().unwrap_or(false),
        preserve_fds,
        rlimits,
        oom_score_adj: process.oom_score_adj(),
        ..Plan::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(json: serde_json::Value) -> Process {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn capability_sets_become_masks() {
        let p = process(serde_json::json!({
            "args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0},
            "capabilities": {"bounding": ["CAP_CHOWN", "CAP_NET_RAW"], "effective": ["CAP_CHOWN"]}
        }));
        let plan = plan(&p, 0).unwrap();
        assert_eq!(plan.caps.bounding, Some(1 | 1 << 13));
        assert_eq!(plan.caps.effective, Some(1));
        assert_eq!(
            plan.caps.ambient,
            Some(0),
            "an absent set is empty, as in crun"
        );
    }

    #[test]
    fn user_rlimits_and_terminal_carry_over_and_round_trip() {
        let p = process(serde_json::json!({
            "args": ["id", "-G"], "cwd": "/tmp", "terminal": true, "env": ["A=b"],
            "user": {"uid": 1000, "gid": 100, "additionalGids": [5, 6], "umask": 18},
            "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 2048}],
            "oomScoreAdj": 500, "noNewPrivileges": true
        }));
        let plan = plan(&p, 2).unwrap();
        assert_eq!(plan.groups, vec![5, 6]);
        assert_eq!(plan.umask, Some(18));
        assert_eq!(plan.rlimits[0].resource, 7);
        assert!(plan.terminal && plan.no_new_privs);
        assert_eq!(
            plan.caps,
            Caps::default(),
            "no capabilities section: unchanged"
        );
        let back = crate::helper::plan::Plan::decode(&plan.encode()).unwrap();
        assert_eq!(back, plan);
    }

    #[test]
    fn unknown_capabilities_and_empty_args_are_refused() {
        let p = process(serde_json::json!({"args": [], "cwd": "/", "user": {"uid": 0, "gid": 0}}));
        assert!(plan(&p, 0).is_err());
        assert!(cap_bit("CAP_BANANA").is_err());
    }
}
