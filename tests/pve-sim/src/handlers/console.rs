//! A CT's console through the API (reference/pve-api.md, "Consoles"): `termproxy`
//! hands out a port and a one-time ticket and starts a `vncproxy` task; the
//! `vncwebsocket` upgrade is checked here and served by `crate::console`.

use std::sync::Arc;

use serde_json::{Value, json};

use super::guests::with_guest;
use crate::{ApiError, ApiResult, Kind, Sim, auth, model::ConsoleTicket, request::Request};

pub fn termproxy(sim: &Arc<Sim>, req: &Request) -> ApiResult<Value> {
    let (node, vmid) = (req.node(), req.vmid());
    with_guest(sim, req, Kind::Lxc, |_| Ok(()))?;
    let upid = sim.open_task(&node, "vncproxy", &vmid.to_string(), &req.user);
    let mut c = sim.cluster.lock().expect("cluster");
    let port = (5900..6000)
        .find(|p| !c.consoles.contains_key(p))
        .ok_or_else(|| ApiError::die("unable to find free port"))?;
    let ticket = format!(
        "PVEVNC:{:08X}::{}",
        auth::now(),
        crate::tls::random_bytes(16)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    c.consoles.insert(
        port,
        ConsoleTicket {
            vmid,
            user: req.user.clone(),
            ticket: ticket.clone(),
            upid: upid.clone(),
        },
    );
    Ok(json!({"port": port, "ticket": ticket, "user": req.user, "upid": upid}))
}

/// Checks a websocket request against the ticket termproxy gave out.
pub fn websocket(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let vmid = req.vmid();
    let port = req.int("port").unwrap_or_default() as u16;
    let ticket = req.str("vncticket").unwrap_or_default();
    let c = sim.cluster.lock().expect("cluster");
    match c.consoles.get(&port) {
        Some(t) if t.vmid == vmid && t.ticket == ticket => Ok(json!({"port": port.to_string()})),
        _ => Err(ApiError::new(401, "Permission denied - invalid vnc ticket")),
    }
}
