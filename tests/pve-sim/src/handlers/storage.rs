//! Storage: list, status, content, delete, and template upload (multipart).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::{
    ApiError, ApiResult, Cluster, Sim, auth,
    model::{STORAGES, Volume, storage_shared},
    request::Request,
    tasks::TaskSpec,
};

fn key(req: &Request) -> (String, String) {
    (req.node(), req.str("storage").unwrap_or_default())
}

fn known(c: &Cluster, req: &Request) -> ApiResult<()> {
    if c.volumes.contains_key(&key(req)) {
        Ok(())
    } else {
        Err(ApiError::die(format!(
            "storage '{}' does not exist",
            key(req).1
        )))
    }
}

pub fn list(_sim: &Sim, _req: &Request) -> ApiResult<Value> {
    Ok(Value::Array(
        STORAGES
            .iter()
            .map(|(id, ty, content)| json!({"storage": id, "type": ty, "content": content, "active": 1, "enabled": 1,
                                             "shared": if storage_shared(id) { 1 } else { 0 },
                                             "total": 107374182400u64, "used": 1073741824u64, "avail": 106300440576u64}))
            .collect(),
    ))
}

pub fn status(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    known(&c, req)?;
    let content = Cluster::storage_content(&key(req).1).unwrap_or_default();
    Ok(
        json!({"content": content, "active": 1, "enabled": 1, "total": 107374182400u64, "used": 1073741824u64, "avail": 106300440576u64}),
    )
}

pub fn content(sim: &Sim, req: &Request) -> ApiResult<Value> {
    let c = sim.cluster.lock().expect("cluster");
    known(&c, req)?;
    let filter = req.str("content");
    Ok(Value::Array(
        c.volumes[&key(req)]
            .iter()
            .filter(|(_, v)| filter.as_deref().is_none_or(|f| f == v.content))
            .map(|(volid, v)| json!({"volid": volid, "content": v.content, "size": v.size, "ctime": v.ctime, "format": "tzst"}))
            .collect(),
    ))
}

pub fn delete(sim: &Arc<Sim>, req: &Request) -> ApiResult<Value> {
    let (node, storage) = key(req);
    let volume = req.str("volume").unwrap_or_default();
    let volid = if volume.contains(':') {
        volume
    } else {
        format!("{storage}:{volume}")
    };
    {
        let c = sim.cluster.lock().expect("cluster");
        known(&c, req)?;
        if !c.volumes[&(node.clone(), storage.clone())].contains_key(&volid) {
            return Err(ApiError::die(format!("volume '{volid}' does not exist")));
        }
    }
    let k = (node.clone(), storage);
    Ok(Value::String(sim.spawn_task(
        &node,
        "imgdel",
        &volid.clone(),
        &req.user,
        TaskSpec::default(),
        Box::new(move |c| {
            if let Some(vols) = c.volumes.get_mut(&k) {
                vols.remove(&volid);
            }
            Ok(Vec::new())
        }),
    )))
}

pub fn upload(sim: &Arc<Sim>, req: &Request) -> ApiResult<Value> {
    let (node, storage) = key(req);
    let content = req.str("content").unwrap_or_default();
    {
        let c = sim.cluster.lock().expect("cluster");
        known(&c, req)?;
        let allowed = Cluster::storage_content(&storage).unwrap_or_default();
        if !allowed.split(',').any(|a| a == content) {
            return Err(ApiError::param(
                "content",
                format!("storage '{storage}' does not support '{content}' content"),
            ));
        }
    }
    let Some((file, data)) = req.upload.clone() else {
        return Err(ApiError::param("filename", "missing file upload"));
    };
    if file.contains('/') || file.is_empty() {
        return Err(ApiError::param("filename", "invalid filename"));
    }
    let dir = if content == "vztmpl" { "vztmpl" } else { "iso" };
    let volid = format!("{storage}:{dir}/{file}");
    let k = (node.clone(), storage);
    let size = data.len() as u64;
    let overwrite = sim.config.upload_overwrites;
    Ok(Value::String(sim.spawn_task(
        &node,
        "imgcopy",
        "",
        &req.user,
        TaskSpec::default(),
        Box::new(move |c| {
            // The worker copies over a file of the same name (fact 9).
            if !overwrite && c.volumes.get(&k).is_some_and(|v| v.contains_key(&volid)) {
                return Err(format!("refusing to override existing file '{volid}'"));
            }
            c.volumes.entry(k).or_default().insert(
                volid,
                Volume {
                    content,
                    size,
                    ctime: auth::now(),
                },
            );
            Ok(Vec::new())
        }),
    )))
}
