//! `linux.seccomp` → a classic BPF program, compiled with libseccomp as crun does
//! (Debian's LXC is built without seccomp, and LXC would load it before our init
//! runs anyway). The helper loads it last, just before exec.

use std::{
    io::{Read, Seek},
    str::FromStr,
};

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use lxcri_plugin_api::PluginError;
use oci_spec::runtime::LinuxSeccomp;

fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn invalid(what: String) -> PluginError {
    PluginError::invalid_input(format!("linux.seccomp: {what}"))
}

fn action<T: serde::Serialize>(a: &T, errno: Option<u32>) -> Result<ScmpAction, PluginError> {
    let a = name(a);
    // The spec's default errno is EPERM.
    let val = if a == "SCMP_ACT_ERRNO" {
        Some(errno.unwrap_or(1) as i32)
    } else {
        errno.map(|e| e as i32)
    };
    ScmpAction::from_str(&a, val).map_err(|e| invalid(format!("action {a}: {e}")))
}

/// Compiles the profile; syscalls this libseccomp does not know are left out, as crun
/// does, and reported at debug level.
pub fn compile(s: &LinuxSeccomp) -> Result<Vec<u8>, PluginError> {
    let default = action(&s.default_action(), s.default_errno_ret())?;
    let mut ctx =
        ScmpFilterContext::new(default).map_err(|e| invalid(format!("new filter: {e}")))?;
    // noNewPrivileges is the process's own setting, applied by the helper.
    ctx.set_ctl_nnp(false)
        .map_err(|e| invalid(format!("no_new_privs: {e}")))?;
    for arch in s.architectures().clone().unwrap_or_default() {
        let a = name(&arch);
        let arch = ScmpArch::from_str(&a).map_err(|e| invalid(format!("architecture {a}: {e}")))?;
        // The native architecture is there already.
        if !ctx.is_arch_present(arch).unwrap_or(false) {
            ctx.add_arch(arch)
                .map_err(|e| invalid(format!("architecture {a}: {e}")))?;
        }
    }
    for rule in s.syscalls().clone().unwrap_or_default() {
        let act = action(&rule.action(), rule.errno_ret())?;
        if act == default {
            continue;
        }
        let mut conds = Vec::new();
        for arg in rule.args().clone().unwrap_or_default() {
            let op_name = name(&arg.op());
            let op = match ScmpCompareOp::from_str(&op_name) {
                Ok(ScmpCompareOp::MaskedEqual(_)) => ScmpCompareOp::MaskedEqual(arg.value()),
                Ok(op) => op,
                Err(e) => return Err(invalid(format!("operator {op_name}: {e}"))),
            };
            let datum = match op {
                ScmpCompareOp::MaskedEqual(_) => arg.value_two().unwrap_or(0),
                _ => arg.value(),
            };
            conds.push(ScmpArgCompare::new(arg.index() as u32, op, datum));
        }
        for n in rule.names() {
            let Ok(sc) = ScmpSyscall::from_name(n) else {
                tracing::debug!("seccomp: syscall {n} is unknown to libseccomp; left out");
                continue;
            };
            ctx.add_rule_conditional(act, sc, &conds)
                .map_err(|e| invalid(format!("rule for {n}: {e}")))?;
        }
    }
    let fd = nix::sys::memfd::memfd_create("seccomp", nix::sys::memfd::MFdFlags::MFD_CLOEXEC)
        .map_err(|e| PluginError::internal(format!("memfd: {e}")))?;
    let mut file = std::fs::File::from(fd);
    ctx.export_bpf(&file)
        .map_err(|e| invalid(format!("export: {e}")))?;
    let mut bpf = Vec::new();
    file.rewind()
        .and_then(|_| file.read_to_end(&mut bpf))
        .map_err(|e| PluginError::internal(format!("reading the filter: {e}")))?;
    if bpf.len() / 8 > u16::MAX as usize {
        return Err(invalid("the compiled filter is too large".into()));
    }
    Ok(bpf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_profile_compiles_to_whole_instructions() {
        let s: oci_spec::runtime::LinuxSeccomp = serde_json::from_value(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
            "syscalls": [
                {"names": ["mkdir", "mkdirat", "no_such_call"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
                 "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
            ]
        }))
        .unwrap();
        let bpf = super::compile(&s).unwrap();
        assert!(!bpf.is_empty() && bpf.len().is_multiple_of(8));
    }

    #[test]
    fn an_unknown_action_is_refused_by_name() {
        let s: Result<oci_spec::runtime::LinuxSeccomp, _> =
            serde_json::from_value(serde_json::json!({"defaultAction": "SCMP_ACT_BANANA"}));
        assert!(s.is_err(), "oci-spec refuses it while parsing config.json");
    }
}
