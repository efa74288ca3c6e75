//! Endpoint handlers, by area.

mod access;
mod cluster;
mod console;
mod guests;
mod storage;
mod tasks;

use std::sync::Arc;

use serde_json::Value;

use crate::{ApiError, ApiResult, Kind, Sim, request::Request};

pub fn dispatch(sim: &Arc<Sim>, req: &Request) -> ApiResult<Value> {
    let t = req.template.as_str();
    let kind = if t.contains("/qemu") {
        Kind::Qemu
    } else {
        Kind::Lxc
    };
    let g = t
        .strip_prefix("/nodes/{node}/lxc")
        .or_else(|| t.strip_prefix("/nodes/{node}/qemu"));
    match (req.method.as_str(), t, g) {
        ("POST", "/access/ticket", _) => access::ticket(sim, req),
        ("GET", "/version", _) => {
            Ok(serde_json::json!({"version": "9.1.2", "release": "9.1", "repoid": "5e1c2a9b"}))
        }
        ("GET", "/nodes", _) => cluster::nodes(sim),
        ("GET", "/nodes/{node}/status", _) => cluster::node_status(sim, req),
        ("GET", "/cluster/nextid", _) => cluster::nextid(sim, req),
        ("GET", "/cluster/resources", _) => cluster::resources(sim, req),
        ("GET", "/cluster/tasks", _) => tasks::list(sim, None),
        ("GET", "/nodes/{node}/tasks", _) => tasks::list(sim, Some(req.node())),
        ("GET", "/nodes/{node}/tasks/{upid}/status", _) => tasks::status(sim, req),
        ("GET", "/nodes/{node}/tasks/{upid}/log", _) => tasks::log(sim, req),
        ("GET", "/nodes/{node}/storage", _) => storage::list(sim, req),
        ("GET", "/nodes/{node}/storage/{storage}/status", _) => storage::status(sim, req),
        ("GET", "/nodes/{node}/storage/{storage}/content", _) => storage::content(sim, req),
        ("DELETE", "/nodes/{node}/storage/{storage}/content/{volume}", _) => {
            storage::delete(sim, req)
        }
        ("POST", "/nodes/{node}/storage/{storage}/upload", _) => storage::upload(sim, req),
        ("GET", _, Some("")) => guests::list(sim, req, kind),
        ("POST", _, Some("")) => guests::create(sim, req, kind),
        ("GET", _, Some("/{vmid}")) => Ok(
            serde_json::json!([{"subdir": "config"}, {"subdir": "status"}, {"subdir": "snapshot"}]),
        ),
        ("DELETE", _, Some("/{vmid}")) => guests::destroy(sim, req, kind),
        ("GET", _, Some("/{vmid}/config")) => guests::get_config(sim, req, kind),
        ("PUT", _, Some("/{vmid}/config")) => guests::put_config(sim, req, kind),
        ("GET", _, Some("/{vmid}/status/current")) => guests::status_current(sim, req, kind),
        ("POST", _, Some(op)) if op.starts_with("/{vmid}/status/") => {
            guests::power(sim, req, kind, op.trim_start_matches("/{vmid}/status/"))
        }
        ("POST", _, Some("/{vmid}/clone")) => guests::clone(sim, req, kind),
        ("POST", _, Some("/{vmid}/template")) => guests::template(sim, req, kind),
        ("GET", _, Some("/{vmid}/snapshot")) => guests::snapshots(sim, req, kind),
        ("POST", _, Some("/{vmid}/snapshot")) => guests::snapshot(sim, req, kind),
        ("DELETE", _, Some("/{vmid}/snapshot/{snapname}")) => {
            guests::delete_snapshot(sim, req, kind)
        }
        ("POST", _, Some("/{vmid}/snapshot/{snapname}/rollback")) => {
            guests::rollback(sim, req, kind)
        }
        ("POST", _, Some("/{vmid}/termproxy")) => console::termproxy(sim, req),
        ("GET", _, Some("/{vmid}/vncwebsocket")) => console::websocket(sim, req),
        ("POST", _, Some("/{vmid}/agent/ping")) => guests::agent_ping(sim, req),
        ("POST", _, Some("/{vmid}/agent/exec")) => guests::agent_exec(sim, req),
        ("GET", _, Some("/{vmid}/agent/exec-status")) => guests::agent_exec_status(sim, req),
        (m, _, _) => Err(ApiError::new(
            501,
            format!("Method '{m} /api2/json{}' not implemented", req.path),
        )),
    }
}
