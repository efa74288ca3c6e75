//! `linux.resources` as cgroup file settings: what LXC writes at create
//! (`lxc.cgroup.*` / `lxc.cgroup2.*`) and what `update` writes into a running
//! container's cgroups are the same list.

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::LinuxResources;

/// One cgroup file and its value: in the v1 hierarchy its name starts with, or in the
/// unified (v2) tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub unified: bool,
    pub file: String,
    pub value: String,
}

impl Setting {
    /// The LXC config line.
    pub fn lxc_key(&self) -> String {
        let prefix = if self.unified { "cgroup2" } else { "cgroup" };
        format!("lxc.{prefix}.{} = {}", self.file, self.value)
    }

    /// The v1 controller the file belongs to (`memory` for `memory.max`).
    pub fn controller(&self) -> &str {
        self.file.split('.').next().unwrap_or_default()
    }
}

fn v1_only(file: &str, value: String) -> Setting {
    Setting {
        unified: false,
        file: file.into(),
        value,
    }
}

fn unified(file: &str, value: String) -> Setting {
    Setting {
        unified: true,
        file: file.into(),
        value,
    }
}

/// `a` all devices, else `c`/`b` with `major:minor` (`*` for any).
fn device_rule(typ: Option<&str>, major: Option<i64>, minor: Option<i64>, access: &str) -> String {
    let n = |v: Option<i64>| v.map_or("*".to_string(), |v| v.to_string());
    match typ.unwrap_or("a") {
        "a" => "a".into(),
        t => format!("{t} {}:{} {access}", n(major), n(minor)),
    }
}

/// The settings for `res`, with v1 file names when `v1` (a v1 or hybrid host).
pub fn settings(res: &LinuxResources, v1: bool) -> Result<Vec<Setting>, PluginError> {
    let mut out = Vec::new();
    let set = |v1_file: &str, v2_file: &str, value: String| {
        if v1 {
            v1_only(v1_file, value)
        } else {
            unified(v2_file, value)
        }
    };
    if let Some(mem) = res.memory() {
        if let Some(limit) = mem.limit().filter(|v| *v > 0) {
            out.push(set(
                "memory.limit_in_bytes",
                "memory.max",
                limit.to_string(),
            ));
        }
        if let Some(r) = mem.reservation().filter(|v| *v > 0) {
            out.push(set(
                "memory.soft_limit_in_bytes",
                "memory.low",
                r.to_string(),
            ));
        }
        if let Some(swap) = mem.swap().filter(|v| *v > 0) {
            let v2 = swap - mem.limit().unwrap_or(0);
            out.push(if v1 {
                v1_only("memory.memsw.limit_in_bytes", swap.to_string())
            } else {
                unified("memory.swap.max", v2.to_string())
            });
        }
        if let Some(s) = mem.swappiness().filter(|_| v1) {
            out.push(v1_only("memory.swappiness", s.to_string()));
        }
    }
    if let Some(cpu) = res.cpu() {
        if let Some(shares) = cpu.shares() {
            let weight = 1 + (shares.saturating_sub(2)) * 9999 / 262142;
            out.push(set(
                "cpu.shares",
                "cpu.weight",
                if v1 { shares } else { weight }.to_string(),
            ));
        }
        if v1 {
            if let Some(p) = cpu.period() {
                out.push(v1_only("cpu.cfs_period_us", p.to_string()));
            }
            if let Some(q) = cpu.quota() {
                out.push(v1_only("cpu.cfs_quota_us", q.to_string()));
            }
        } else if let Some(q) = cpu.quota() {
            out.push(unified(
                "cpu.max",
                format!("{q} {}", cpu.period().unwrap_or(100_000)),
            ));
        }
        if let Some(cpus) = cpu.cpus() {
            out.push(set("cpuset.cpus", "cpuset.cpus", cpus.clone()));
        }
        if let Some(mems) = cpu.mems() {
            out.push(set("cpuset.mems", "cpuset.mems", mems.clone()));
        }
    }
    if let Some(pids) = res.pids() {
        let max = if pids.limit() > 0 {
            pids.limit().to_string()
        } else {
            "max".into()
        };
        out.push(set("pids.max", "pids.max", max));
    }
    let rules = res.devices().clone().unwrap_or_default();
    for d in &rules {
        let typ = d
            .typ()
            .map(|t| serde_json::to_value(t).ok())
            .and_then(|v| v.and_then(|v| v.as_str().map(str::to_string)));
        let rule = device_rule(
            typ.as_deref(),
            d.major(),
            d.minor(),
            d.access().as_deref().unwrap_or("rwm"),
        );
        let key = if d.allow() { "allow" } else { "deny" };
        out.push(set(
            &format!("devices.{key}"),
            &format!("devices.{key}"),
            rule,
        ));
    }
    if !rules.is_empty() {
        // crun's defaults after the bundle's rules: mknod of anything, and the devices
        // every container gets (null, zero, full, random, urandom, tty, console,
        // ptmx, the ptys).
        for rule in [
            "c *:* m",
            "b *:* m",
            "c 1:3 rwm",
            "c 1:5 rwm",
            "c 1:7 rwm",
            "c 1:8 rwm",
            "c 1:9 rwm",
            "c 5:0 rwm",
            "c 5:1 rwm",
            "c 5:2 rwm",
            "c 136:* rwm",
        ] {
            out.push(set("devices.allow", "devices.allow", rule.into()));
        }
    }
    if let Some(blkio) = res.block_io() {
        if let Some(w) = blkio.weight() {
            out.push(set("blkio.weight", "io.weight", w.to_string()));
        }
        if let Some(w) = blkio.leaf_weight().filter(|_| v1) {
            out.push(v1_only("blkio.leaf_weight", w.to_string()));
        }
        for d in blkio.weight_device().clone().unwrap_or_default() {
            if let Some(w) = d.weight() {
                out.push(set(
                    "blkio.weight_device",
                    "io.weight",
                    format!("{}:{} {w}", d.major(), d.minor()),
                ));
            }
        }
        let throttles = [
            (
                "blkio.throttle.read_bps_device",
                "rbps",
                blkio.throttle_read_bps_device(),
            ),
            (
                "blkio.throttle.write_bps_device",
                "wbps",
                blkio.throttle_write_bps_device(),
            ),
            (
                "blkio.throttle.read_iops_device",
                "riops",
                blkio.throttle_read_iops_device(),
            ),
            (
                "blkio.throttle.write_iops_device",
                "wiops",
                blkio.throttle_write_iops_device(),
            ),
        ];
        for (v1_key, v2_key, list) in throttles {
            for d in list.clone().unwrap_or_default() {
                let dev = format!("{}:{}", d.major(), d.minor());
                out.push(if v1 {
                    v1_only(v1_key, format!("{dev} {}", d.rate()))
                } else {
                    unified("io.max", format!("{dev} {v2_key}={}", d.rate()))
                });
            }
        }
    }
    // hugetlb has no v1 hierarchy on a hybrid host: it is in the unified tree.
    for h in res.hugepage_limits().clone().unwrap_or_default() {
        out.push(unified(
            &format!("hugetlb.{}.max", h.page_size()),
            h.limit().to_string(),
        ));
    }
    if res.network().is_some() {
        return Err(crate::translate::refuse(
            "linux.resources.network (net_cls/net_prio) is not supported by LXC",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_rules_read_as_the_devices_cgroup_wants() {
        assert_eq!(device_rule(None, None, None, "rwm"), "a");
        assert_eq!(device_rule(Some("c"), Some(1), Some(3), "rwm"), "c 1:3 rwm");
        assert_eq!(device_rule(Some("b"), None, None, "r"), "b *:* r");
    }

    #[test]
    fn one_list_for_v1_and_v2_names() {
        let res: LinuxResources = serde_json::from_value(serde_json::json!({
            "memory": {"limit": 1024}, "cpu": {"shares": 1024, "quota": 5000, "period": 10000},
            "pids": {"limit": 0}
        }))
        .unwrap();
        let keys = |v1| -> Vec<String> {
            settings(&res, v1)
                .unwrap()
                .iter()
                .map(Setting::lxc_key)
                .collect()
        };
        assert_eq!(
            keys(true),
            [
                "lxc.cgroup.memory.limit_in_bytes = 1024",
                "lxc.cgroup.cpu.shares = 1024",
                "lxc.cgroup.cpu.cfs_period_us = 10000",
                "lxc.cgroup.cpu.cfs_quota_us = 5000",
                "lxc.cgroup.pids.max = max",
            ]
        );
        assert_eq!(
            keys(false),
            [
                "lxc.cgroup2.memory.max = 1024",
                "lxc.cgroup2.cpu.weight = 39",
                "lxc.cgroup2.cpu.max = 5000 10000",
                "lxc.cgroup2.pids.max = max",
            ]
        );
    }
}
