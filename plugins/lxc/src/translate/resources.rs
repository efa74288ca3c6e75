//! `linux.cgroupsPath` and `linux.resources` → LXC cgroup keys (v1 names on v1 and
//! hybrid hosts, v2 names on v2 hosts).

use std::path::Path;

use lxcri_plugin_api::PluginError;
use oci_spec::runtime::Spec;

use super::{Translated, refuse};

fn cgroup_v1() -> bool {
    // A hybrid host keeps its controllers on v1; a pure v2 host has cgroup.controllers at the top.
    !Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// `a` all devices, else `c`/`b` with `major:minor` (`*` for any).
fn device_rule(typ: Option<&str>, major: Option<i64>, minor: Option<i64>, access: &str) -> String {
    let n = |v: Option<i64>| v.map_or("*".to_string(), |v| v.to_string());
    match typ.unwrap_or("a") {
        "a" => "a".into(),
        t => format!("{t} {}:{} {access}", n(major), n(minor)),
    }
}

pub fn translate(spec: &Spec, t: &mut Translated) -> Result<(), PluginError> {
    let Some(linux) = spec.linux() else {
        return Ok(());
    };
    let v1 = cgroup_v1();
    let l = &mut t.lines;
    let cg = |key_v1: &str, key_v2: &str, value: String| {
        if v1 {
            format!("lxc.cgroup.{key_v1} = {value}")
        } else {
            format!("lxc.cgroup2.{key_v2} = {value}")
        }
    };
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
    if let Some(mem) = res.memory() {
        if let Some(limit) = mem.limit().filter(|v| *v > 0) {
            l.push(cg("memory.limit_in_bytes", "memory.max", limit.to_string()));
        }
        if let Some(r) = mem.reservation().filter(|v| *v > 0) {
            l.push(cg(
                "memory.soft_limit_in_bytes",
                "memory.low",
                r.to_string(),
            ));
        }
        if let Some(swap) = mem.swap().filter(|v| *v > 0) {
            let v2 = swap - mem.limit().unwrap_or(0);
            l.push(if v1 {
                format!("lxc.cgroup.memory.memsw.limit_in_bytes = {swap}")
            } else {
                format!("lxc.cgroup2.memory.swap.max = {v2}")
            });
        }
        if let Some(s) = mem.swappiness().filter(|_| v1) {
            l.push(format!("lxc.cgroup.memory.swappiness = {s}"));
        }
    }
    if let Some(cpu) = res.cpu() {
        if let Some(shares) = cpu.shares() {
            let weight = 1 + (shares.saturating_sub(2)) * 9999 / 262142;
            l.push(cg(
                "cpu.shares",
                "cpu.weight",
                if v1 { shares } else { weight }.to_string(),
            ));
        }
        if v1 {
            if let Some(p) = cpu.period() {
                l.push(format!("lxc.cgroup.cpu.cfs_period_us = {p}"));
            }
            if let Some(q) = cpu.quota() {
                l.push(format!("lxc.cgroup.cpu.cfs_quota_us = {q}"));
            }
        } else if let Some(q) = cpu.quota() {
            l.push(format!(
                "lxc.cgroup2.cpu.max = {q} {}",
                cpu.period().unwrap_or(100_000)
            ));
        }
        if let Some(cpus) = cpu.cpus() {
            l.push(cg("cpuset.cpus", "cpuset.cpus", cpus.clone()));
        }
        if let Some(mems) = cpu.mems() {
            l.push(cg("cpuset.mems", "cpuset.mems", mems.clone()));
        }
    }
    if let Some(pids) = res.pids() {
        let max = if pids.limit() > 0 {
            pids.limit().to_string()
        } else {
            "max".into()
        };
        l.push(cg("pids.max", "pids.max", max));
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
        l.push(cg(
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
            l.push(cg("devices.allow", "devices.allow", rule.into()));
        }
    }
    if let Some(blkio) = res.block_io() {
        if let Some(w) = blkio.weight() {
            l.push(cg("blkio.weight", "io.weight", w.to_string()));
        }
        if let Some(w) = blkio.leaf_weight().filter(|_| v1) {
            l.push(format!("lxc.cgroup.blkio.leaf_weight = {w}"));
        }
        for d in blkio.weight_device().clone().unwrap_or_default() {
            if let Some(w) = d.weight() {
                l.push(cg(
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
                l.push(if v1 {
                    format!("lxc.cgroup.{v1_key} = {dev} {}", d.rate())
                } else {
                    format!("lxc.cgroup2.io.max = {dev} {v2_key}={}", d.rate())
                });
            }
        }
    }
    if res
        .hugepage_limits()
        .as_ref()
        .is_some_and(|h| !h.is_empty())
    {
        for h in res.hugepage_limits().clone().unwrap_or_default() {
            l.push(format!(
                "lxc.cgroup2.hugetlb.{}.max = {}",
                h.page_size(),
                h.limit()
            ));
        }
    }
    if res.network().is_some() {
        return Err(refuse(
            "linux.resources.network (net_cls/net_prio) is not supported by LXC",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_rules_read_as_the_devices_cgroup_wants() {
        assert_eq!(super::device_rule(None, None, None, "rwm"), "a");
        assert_eq!(
            super::device_rule(Some("c"), Some(1), Some(3), "rwm"),
            "c 1:3 rwm"
        );
        assert_eq!(super::device_rule(Some("b"), None, None, "r"), "b *:* r");
    }
}
