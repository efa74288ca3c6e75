//! Task status, log and lists.

use serde_json::{Value, json};

use crate::{ApiError, ApiResult, Sim, model::Task, request::Request};

fn task_json(upid: &str, t: &Task) -> Value {
    let mut v = json!({
        "upid": upid, "node": t.node, "pid": t.pid, "pstart": t.pid * 7, "starttime": t.starttime,
        "type": t.typ, "id": t.id, "user": t.user,
        "status": if t.running { "running" } else { "stopped" },
    });
    if let Some((user, token)) = t.user.split_once('!') {
        v["user"] = json!(user);
        v["tokenid"] = json!(token);
    }
    if let Some(exit) = &t.exitstatus {
        v["exitstatus"] = json!(exit);
    }
    v
}

fn find<'a>(sim: &Sim, c: &'a crate::Cluster, req: &Request) -> ApiResult<&'a Task> {
    let upid = req.str("upid").unwrap_or_default();
    if !upid.starts_with("UPID:") || upid.split(':').count() != 9 {
        return Err(ApiError::param("upid", "unable to parse worker upid"));
    }
    let hide = sim.faults.lock().expect("faults").hide_new_tasks;
    match c.tasks.get(&upid) {
        Some(t) if t.created.elapsed() >= hide && t.node == req.node() => Ok(t),
        _ => Err(ApiError::param("upid", "no such task")),
    }
}

pub fn status(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    let t = find(sim, &c, req)?;
    Ok(task_json(&req.str("upid").unwrap_or_default(), t))
}

pub fn log(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    let t = find(sim, &c, req)?;
    let start = req.int("start").unwrap_or(0).max(0) as usize;
    let limit = req.int("limit").unwrap_or(50).max(0) as usize;
    Ok(Value::Array(
        t.log
            .iter()
            .enumerate()
            .skip(start)
            .take(limit)
            .map(|(n, line)| json!({"n": n + 1, "t": line}))
            .collect(),
    ))
}

pub fn list(sim: &Sim, node: Option<String>) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    Ok(Value::Array(
        c.tasks
            .iter()
            .filter(|(_, t)| node.as_deref().is_none_or(|n| n == t.node))
            .map(|(u, t)| task_json(u, t))
            .collect(),
    ))
}
