//! Resource statistics of a process's cgroups, in runc's `events --stats` shape (a
//! helper, not part of the ABI): `cpu`, `memory`, `pids`, read from cgroup v1 or v2
//! files. A figure the host has no file for is left out.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The cgroup directory of `pid` for `controller` (v1), or its unified one (v2).
fn dir_of(pid: i32, controller: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    let mut unified = None;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, ctrls, path) = (parts.next()?, parts.next()?, parts.next()?);
        let path = path.trim_start_matches('/');
        if ctrls.split(',').any(|c| c == controller) {
            for base in [
                format!("/sys/fs/cgroup/{controller}"),
                format!("/sys/fs/cgroup/{ctrls}"),
            ] {
                let dir = Path::new(&base).join(path);
                if dir.is_dir() {
                    return Some(dir);
                }
            }
        }
        if ctrls.is_empty() {
            unified = Some(path.to_string());
        }
    }
    let path = unified?;
    [
        Path::new("/sys/fs/cgroup"),
        Path::new("/sys/fs/cgroup/unified"),
    ]
    .iter()
    .map(|base| base.join(&path))
    .find(|d| d.join(format!("{controller}.stat")).exists() || d.join("cgroup.procs").exists())
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file))
        .ok()
        .map(|s| s.trim().to_string())
}

fn number(dir: &Path, file: &str) -> Option<u64> {
    let text = read(dir, file)?;
    if text == "max" {
        return Some(0);
    }
    text.parse().ok()
}

/// `key value` lines of a `*.stat` file.
fn keyed(dir: &Path, file: &str) -> Map<String, Value> {
    read(dir, file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), json!(v.trim().parse::<u64>().ok()?)))
        })
        .collect()
}

fn cpu(pid: i32) -> Option<Value> {
    const NS_PER_TICK: u64 = 10_000_000; // USER_HZ = 100
    if let Some(dir) = dir_of(pid, "cpuacct") {
        let total = number(&dir, "cpuacct.usage")?;
        let percpu: Vec<u64> = read(&dir, "cpuacct.usage_percpu")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let stat = keyed(&dir, "cpuacct.stat");
        let ticks = |k: &str| stat.get(k).and_then(Value::as_u64).map(|t| t * NS_PER_TICK);
        let mut usage = json!({"total": total, "percpu": percpu});
        if let (Some(user), Some(kernel)) = (ticks("user"), ticks("system")) {
            usage["user"] = json!(user);
            usage["kernel"] = json!(kernel);
        }
        let mut out = json!({"usage": usage});
        if let Some(cpu_dir) = dir_of(pid, "cpu") {
            let t = keyed(&cpu_dir, "cpu.stat");
            if let (Some(p), Some(tp), Some(tt)) = (
                t.get("nr_periods"),
                t.get("nr_throttled"),
                t.get("throttled_time"),
            ) {
                out["throttling"] =
                    json!({"periods": p, "throttled_periods": tp, "throttled_time": tt});
            }
        }
        return Some(out);
    }
    let dir = dir_of(pid, "cpu")?;
    let stat = keyed(&dir, "cpu.stat");
    let us = |k: &str| stat.get(k).and_then(Value::as_u64).map(|v| v * 1000);
    let mut usage = json!({"total": us("usage_usec")?});
    if let (Some(user), Some(kernel)) = (us("user_usec"), us("system_usec")) {
        usage["user"] = json!(user);
        usage["kernel"] = json!(kernel);
    }
    Some(json!({"usage": usage}))
}

fn memory(pid: i32) -> Option<Value> {
    let dir = dir_of(pid, "memory")?;
    if let Some(usage) = number(&dir, "memory.usage_in_bytes") {
        let mut entry = json!({"usage": usage});
        for (key, file) in [
            ("limit", "memory.limit_in_bytes"),
            ("max", "memory.max_usage_in_bytes"),
            ("failcnt", "memory.failcnt"),
        ] {
            if let Some(v) = number(&dir, file) {
                entry[key] = json!(v);
            }
        }
        let raw = keyed(&dir, "memory.stat");
        let mut out = json!({"usage": entry, "raw": raw});
        if let Some(cache) = raw.get("cache") {
            out["cache"] = cache.clone();
        }
        return Some(out);
    }
    let usage = number(&dir, "memory.current")?;
    let mut entry = json!({"usage": usage});
    if let Some(limit) = number(&dir, "memory.max") {
        entry["limit"] = json!(limit);
    }
    if let Some(max) = number(&dir, "memory.peak") {
        entry["max"] = json!(max);
    }
    Some(json!({"usage": entry, "raw": keyed(&dir, "memory.stat")}))
}

fn pids(pid: i32) -> Option<Value> {
    let dir = dir_of(pid, "pids")?;
    let mut out = json!({"current": number(&dir, "pids.current")?});
    if let Some(limit) = number(&dir, "pids.max") {
        out["limit"] = json!(limit);
    }
    Some(out)
}

/// The statistics of the cgroups `pid` is in (runc's `data` object of a stats event).
pub fn of_pid(pid: i32) -> Value {
    let mut data = Map::new();
    for (key, value) in [
        ("cpu", cpu(pid)),
        ("memory", memory(pid)),
        ("pids", pids(pid)),
    ] {
        if let Some(v) = value {
            data.insert(key.into(), v);
        }
    }
    Value::Object(data)
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_has_memory_and_pids_figures() {
        let data = super::of_pid(std::process::id() as i32);
        assert!(data.is_object(), "{data}");
        if let Some(pids) = data.get("pids") {
            assert!(pids["current"].as_u64().unwrap_or(0) >= 1, "{data}");
        }
    }
}
