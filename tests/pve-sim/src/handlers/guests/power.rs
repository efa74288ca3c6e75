//! start / stop / shutdown / suspend / resume / reboot / reset.
//!
//! Refusals by power state are synchronous (pve-api.md §2.2, §2.3); the config flock
//! and the `lock` check are the worker's (fact 6). LXC suspend is a CRIU checkpoint
//! that leaves the CT stopped, and resume restores it (fact 4); QEMU suspend pauses.

use std::sync::Arc;

use serde_json::Value;

use super::{locked_error, with_guest};
use crate::{ApiError, ApiResult, Kind, Power, Sim, request::Request, tasks::TaskSpec};

pub fn power(sim: &Arc<Sim>, req: &Request, kind: Kind, op: &str) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    let label = kind.label();
    let checkpoint = kind == Kind::Lxc && sim.config.lxc_suspend_checkpoint;
    let (power, checkpointed) = with_guest(sim, req, kind, |g| Ok((g.power, g.checkpointed)))?;
    let not_running = |what: &str| ApiError::die(format!("{what} {vmid} not running"));
    match (kind, op, power) {
        (Kind::Lxc, "start", p) if p != Power::Stopped => {
            return Err(ApiError::die(format!("CT {vmid} already running")));
        }
        (Kind::Lxc, "stop" | "shutdown" | "suspend", Power::Stopped) => {
            return Err(not_running("CT"));
        }
        (Kind::Lxc, "reboot", Power::Stopped) => return Err(not_running("VM")),
        (Kind::Lxc, "resume", Power::Running) => {
            return Err(ApiError::die(format!("CT {vmid} already running")));
        }
        (Kind::Lxc, "resume", Power::Stopped) if !checkpoint || !checkpointed => {
            return Err(not_running("CT"));
        }
        (Kind::Qemu, "reset" | "reboot" | "suspend" | "resume", Power::Stopped) => {
            return Err(not_running("VM"));
        }
        (_, "start" | "stop" | "shutdown" | "suspend" | "resume" | "reboot" | "reset", _) => {}
        _ => {
            return Err(ApiError::new(
                501,
                format!("Method 'POST /api2/json{}' not implemented", req.path),
            ));
        }
    }
    let typ = format!("{}{op}", if kind == Kind::Lxc { "vz" } else { "qm" });
    let skiplock = req.flag("skiplock");
    let op = op.to_string();
    let run_init = sim.clone();
    let upid = sim.spawn_task(
        &node,
        &typ,
        &vmid.to_string(),
        &req.user,
        TaskSpec::locking(sim, vmid),
        Box::new(move |c| {
            let Some(g) = c.guests.get_mut(&vmid) else {
                return Err(format!(
                    "Configuration file for {label} {vmid} does not exist"
                ));
            };
            if let Some(lock) = g.lock()
                && !skiplock
            {
                return Err(locked_error(g.kind, lock));
            }
            match op.as_str() {
                "start" => {
                    if g.is_template() {
                        return Err(format!(
                            "you can't start a {} if it's a template",
                            g.kind.label()
                        ));
                    }
                    if g.power != Power::Stopped {
                        return Err(format!("VM {vmid} already running"));
                    }
                    g.checkpointed = false;
                    g.agent_exec.clear();
                    g.set_power(Power::Running);
                    if g.kind == Kind::Lxc {
                        crate::init::start(&run_init, vmid, g);
                    }
                }
                "stop" => g.set_power(Power::Stopped),
                "shutdown" => {
                    if g.power == Power::Paused && g.kind == Kind::Qemu {
                        return Err("VM is paused - cannot shutdown".into());
                    }
                    g.set_power(Power::Stopped);
                }
                "suspend" if checkpoint => {
                    g.checkpointed = true;
                    g.set_power(Power::Stopped);
                }
                "suspend" => g.set_power(Power::Paused),
                "resume" if checkpoint => {
                    if !g.checkpointed {
                        return Err(format!("CT {vmid} not running"));
                    }
                    g.checkpointed = false;
                    g.set_power(Power::Running);
                }
                "resume" => g.set_power(Power::Running),
                _ => {}
            }
            Ok(Vec::new())
        }),
    );
    Ok(Value::String(upid))
}
