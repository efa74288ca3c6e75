//! The QEMU guest agent: configured, running, booted (it answers only some time after
//! the VM starts: fact 5), and guest-exec possibly disabled in its config.

use serde_json::{Value, json};

use super::{param_text, with_guest};
use crate::{
    ApiError, ApiResult, Kind, Power, Sim,
    model::Guest,
    programs::{self, Outcome},
    request::Request,
};

pub(super) fn enabled(g: &Guest) -> bool {
    g.config
        .get("agent")
        .is_some_and(|a| a.split(',').any(|p| p == "1" || p == "enabled=1"))
}

fn agent_ready(sim: &Sim, g: &Guest) -> ApiResult<()> {
    if !enabled(g) {
        return Err(ApiError::die("No QEMU guest agent configured"));
    }
    let booted = g.power_changed.elapsed() >= sim.config.agent_boot_delay;
    if g.power != Power::Running || !booted {
        return Err(ApiError::die("QEMU guest agent is not running"));
    }
    Ok(())
}

pub fn agent_ping(sim: &Sim, req: &Request) -> ApiResult<Value> {
    with_guest(sim, req, Kind::Qemu, |g| {
        agent_ready(sim, g).map(|_| Value::Null)
    })
}

pub fn agent_exec(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let command: Vec<String> = match req.params.get("command") {
        Some(Value::Array(list)) => list.iter().map(param_text).collect(),
        Some(v) => vec![param_text(v)],
        None => Vec::new(),
    };
    let disabled = sim.faults.lock().expect("faults").guest_exec_disabled;
    let vmid = req.vmid();
    with_guest(sim, req, Kind::Qemu, |g| {
        agent_ready(sim, g)?;
        if disabled {
            return Err(ApiError::die(format!(
                "VM {vmid} qmp command 'guest-exec' failed - The command guest-exec has been disabled for this instance"
            )));
        }
        g.next_agent_pid += 1;
        let pid = g.next_agent_pid;
        let input = req.str("input-data").unwrap_or_default();
        g.agent_exec.insert(pid, programs::run(&command, &input));
        Ok(json!({"pid": pid}))
    })
}

pub fn agent_exec_status(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let pid = req.int("pid").unwrap_or_default() as u64;
    with_guest(sim, req, Kind::Qemu, |g| {
        agent_ready(sim, g)?;
        let outcome = g
            .agent_exec
            .get(&pid)
            .cloned()
            .ok_or_else(|| ApiError::die(format!("Agent error: PID {pid} does not exist")))?;
        Ok(match outcome {
            Outcome::Runs | Outcome::Repeats { .. } => json!({"exited": 0}),
            Outcome::Exits { code, output } => {
                json!({"exited": 1, "exitcode": code, "out-data": output})
            }
        })
    })
}
