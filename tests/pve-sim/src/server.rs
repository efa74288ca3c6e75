//! The HTTPS front: one listener per node, TLS, request decoding, auth, schema
//! validation, fault injection, and Proxmox's response envelope.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request as HttpRequest, Response, body::Incoming, service::service_fn};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::{
    ApiError, LoggedRequest, Sim, auth, handlers, permissions,
    request::{Request, merge_pairs},
    schema,
};

const MAX_BODY: usize = 512 * 1024;

/// A request whose answer is dropped after the server acted.
#[derive(Debug)]
struct LostAnswer;

impl std::fmt::Display for LostAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer dropped after commit")
    }
}

impl std::error::Error for LostAnswer {}

/// Starts one listener per node; returns their base URLs.
pub async fn listen_all(sim: Arc<Sim>) -> Vec<String> {
    let mut urls = Vec::new();
    for node in sim.config.nodes.clone() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        urls.push(format!("https://127.0.0.1:{}", addr.port()));
        tokio::spawn(accept_loop(sim.clone(), node, listener));
    }
    urls
}

async fn accept_loop(sim: Arc<Sim>, node: String, listener: TcpListener) {
    let acceptor = TlsAcceptor::from(sim.tls.config.clone());
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        // Lock order everywhere: cluster before faults (the reverse deadlocks).
        let node_down = sim.cluster.lock().expect("cluster").down.contains(&node);
        let drop_it = {
            let mut faults = sim.faults.lock().expect("faults");
            if faults.drop_connections > 0 {
                faults.drop_connections -= 1;
                true
            } else {
                node_down
            }
        };
        if drop_it {
            drop(tcp);
            continue;
        }
        let acceptor = acceptor.clone();
        let sim = sim.clone();
        let node = node.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = service_fn(move |req| {
                let sim = sim.clone();
                let node = node.clone();
                async move {
                    match serve(sim, node, req).await {
                        Some(response) => Ok(response),
                        // The answer is lost: hyper closes the connection.
                        None => Err(LostAnswer),
                    }
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
        });
    }
}

fn respond(status: u16, body: Value, reason: Option<&str>) -> Response<Full<Bytes>> {
    let mut resp = Response::builder()
        .status(status)
        .header("Content-Type", "application/json;charset=UTF-8")
        .header("Server", "pve-api-daemon/3.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response");
    if let Some(reason) = reason
        && let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(reason.as_bytes().to_vec())
    {
        resp.extensions_mut().insert(phrase);
    }
    resp
}

/// Proxmox's error answer: the first message line as the reason phrase, and (since
/// PVE 8.4, fact 8) the message in the body.
fn error_response(err: &ApiError, legacy: bool) -> Response<Full<Bytes>> {
    if err.status == 595 || err.status == 596 {
        let mut resp = respond(err.status, Value::Null, Some(&err.message));
        *resp.body_mut() = Full::new(Bytes::new());
        return resp;
    }
    let mut body = if legacy {
        json!({"data": null})
    } else {
        json!({"data": null, "message": format!("{}\n", err.message)})
    };
    if let Some(errors) = &err.errors {
        body["errors"] = json!(errors);
    }
    let first_line = err.message.lines().next().unwrap_or_default().to_string();
    respond(err.status, body, Some(&first_line))
}

async fn serve(
    sim: Arc<Sim>,
    endpoint: String,
    mut req: HttpRequest<Incoming>,
) -> Option<Response<Full<Bytes>>> {
    // A console websocket is upgraded once the request passed every check.
    let upgrade = req
        .uri()
        .path()
        .ends_with("/vncwebsocket")
        .then(|| hyper::upgrade::on(&mut req));
    let latency = sim.faults.lock().expect("faults").latency;
    if latency > Duration::ZERO {
        tokio::time::sleep(latency).await;
    }
    let method = req.method().to_string();
    let uri = req.uri().clone();
    let path = uri
        .path()
        .strip_prefix("/api2/json")
        .unwrap_or("")
        .to_string();
    let headers = req.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Some(error_response(
                &ApiError::new(400, "bad request body"),
                false,
            ));
        }
    };
    let mut log = LoggedRequest {
        node_endpoint: endpoint.clone(),
        method: method.clone(),
        path: path.clone(),
        template: None,
        params: BTreeMap::new(),
        status: 200,
        message: None,
        lost: false,
        user_agent: headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    };
    let sim2 = sim.clone();
    let outcome = async {
        if body.len() > MAX_BODY && !path.ends_with("/upload") {
            return Err(ApiError::new(501, "for data too large"));
        }
        let mut params = BTreeMap::new();
        if let Some(q) = uri.query() {
            merge_pairs(
                &mut params,
                url::form_urlencoded::parse(q.as_bytes()).into_owned(),
            );
        }
        let mut upload = None;
        if content_type.starts_with("application/json") && !body.is_empty() {
            let v: Value = serde_json::from_slice(&body)
                .map_err(|e| ApiError::new(400, format!("JSON decode error: {e}")))?;
            if let Value::Object(map) = v {
                params.extend(map);
            }
        } else if content_type.starts_with("multipart/form-data") {
            upload = decode_multipart(&content_type, body.clone(), &mut params).await?;
        } else if !body.is_empty() {
            merge_pairs(&mut params, url::form_urlencoded::parse(&body).into_owned());
        }
        let (matched, info) = schema::schema().find(&method, &path).ok_or_else(|| {
            ApiError::new(
                501,
                format!("Method '{method} /api2/json{path}' not implemented"),
            )
        })?;
        let info = info.ok_or_else(|| {
            ApiError::new(
                501,
                format!("Method '{method} /api2/json{path}' not implemented"),
            )
        })?;
        for (k, v) in &matched.path_params {
            if let Some(existing) = params.get(k)
                && existing.as_str() != Some(v.as_str())
            {
                return Err(ApiError::param(
                    k,
                    "duplicate parameter (already defined in URI) with conflicting values!",
                ));
            }
            params.insert(k.clone(), Value::String(v.clone()));
        }
        log.template = Some(matched.template.clone());
        log.params = params.clone();
        let user = authenticate(&sim, &method, &matched.template, &headers, &params).await?;
        schema::schema()
            .validate(&matched.template, info, &params)
            .map_err(ApiError::params)?;
        check_node(&sim, &method, &params)?;
        if let Some((acl, privilege)) = permissions::endpoint(&method, &matched.template, &params) {
            permissions::require(&sim, &user, &acl, privilege)?;
        }
        injected_failure(&sim, &method, &path)?;
        let request = Request {
            method: method.clone(),
            path: path.clone(),
            template: matched.template.clone(),
            params,
            user,
            upload,
        };
        let sim3 = sim.clone();
        tokio::task::spawn_blocking(move || handlers::dispatch(&sim3, &request))
            .await
            .map_err(|e| ApiError::die(format!("internal error: {e}")))?
    }
    .await;
    let legacy = sim2.faults.lock().expect("faults").legacy_errors;
    let response = match outcome {
        Ok(data) if upgrade.is_some() => match websocket_accept(&headers) {
            Some(response) => {
                let port = data["port"]
                    .as_str()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                let (sim, upgrade) = (sim2.clone(), upgrade.expect("checked"));
                tokio::spawn(async move {
                    if let Ok(upgraded) = upgrade.await {
                        crate::console::serve(sim, port, upgraded).await;
                    }
                });
                response
            }
            None => error_response(&ApiError::new(400, "websocket upgrade required"), legacy),
        },
        Ok(data) => respond(200, json!({"data": data}), None),
        Err(err) => {
            log.status = err.status;
            log.message = Some(err.message.clone());
            if err.status == 401 {
                let delay = sim2.config.auth_failure_delay;
                if delay > Duration::ZERO {
                    tokio::time::sleep(delay).await;
                }
            }
            error_response(&err, legacy)
        }
    };
    let lost = answer_lost(&sim2, &method, &path, &mut log).await;
    sim2.log.lock().expect("log").push(log);
    (!lost).then_some(response)
}

/// The 101 answer to a websocket upgrade request (RFC 6455), speaking termproxy's
/// `binary` subprotocol when asked for.
fn websocket_accept(headers: &hyper::HeaderMap) -> Option<Response<Full<Bytes>>> {
    let key = headers.get("sec-websocket-key")?;
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut response = Response::builder()
        .status(101)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Accept", accept);
    let wants_binary = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == "binary"));
    if wants_binary {
        response = response.header("Sec-WebSocket-Protocol", "binary");
    }
    response.body(Full::new(Bytes::new())).ok()
}

/// Whether this request's answer is lost after the server acted (fact 1): a stalled
/// request (held until released), a matching drop rule, or the drop rate for
/// mutating requests.
async fn answer_lost(sim: &Sim, method: &str, path: &str, log: &mut LoggedRequest) -> bool {
    let lost = decide_lost(sim, method, path).await;
    log.lost = lost;
    lost
}

async fn decide_lost(sim: &Sim, method: &str, path: &str) -> bool {
    // Lock order: faults, then counters.
    let stall_at = sim.faults.lock().expect("faults").stall_request;
    let stall = {
        let mut counters = sim.counters.lock().expect("counters");
        let n = counters.requests;
        counters.requests += 1;
        let stall = stall_at == Some(n);
        if stall {
            counters.stalled = true;
        }
        stall
    };
    if stall {
        loop {
            let released = sim.release.notified();
            if !sim.counters.lock().expect("counters").stalled {
                break;
            }
            released.await;
        }
        return true;
    }
    let mut faults = sim.faults.lock().expect("faults");
    if let Some((_, times)) = faults
        .drop_after_commit
        .iter_mut()
        .find(|(rule, times)| *times > 0 && rule.matches(method, path))
    {
        *times -= 1;
        return true;
    }
    if method == "GET" || faults.drop_after_commit_percent == 0 {
        return false;
    }
    let n = {
        let mut counters = sim.counters.lock().expect("counters");
        counters.mutations += 1;
        counters.mutations
    };
    // A fixed, well-spread sequence: the same run drops the same requests.
    (n.wrapping_mul(2_654_435_761) % 100) < u64::from(faults.drop_after_commit_percent)
}

async fn decode_multipart(
    content_type: &str,
    body: Bytes,
    params: &mut BTreeMap<String, Value>,
) -> Result<Option<(String, Vec<u8>)>, ApiError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| ApiError::new(400, format!("bad multipart: {e}")))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut upload = None;
    while let Some(field) = parts
        .next_field()
        .await
        .map_err(|e| ApiError::new(400, format!("bad multipart: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = field
            .bytes()
            .await
            .map_err(|e| ApiError::new(400, format!("bad multipart: {e}")))?;
        match file_name {
            Some(file) if name == "filename" => {
                params.insert("filename".into(), Value::String(file.clone()));
                upload = Some((file, data.to_vec()));
            }
            _ => {
                params.insert(
                    name,
                    Value::String(String::from_utf8_lossy(&data).into_owned()),
                );
            }
        }
    }
    Ok(upload)
}

async fn authenticate(
    sim: &Sim,
    method: &str,
    template: &str,
    headers: &hyper::HeaderMap,
    params: &BTreeMap<String, Value>,
) -> Result<String, ApiError> {
    if template == "/access/ticket" {
        return Ok(params
            .get("username")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string());
    }
    let key = sim.key.lock().expect("key").clone();
    let lifetime = sim.config.ticket_lifetime.as_secs();
    let authz = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if authz.contains("PVEAPIToken") {
        let (id, secret) = auth::parse_token_header(authz)
            .ok_or_else(|| ApiError::new(401, "Authentication failed!"))?;
        return match sim.config.tokens.get(&id) {
            Some(s) if *s == secret => Ok(id),
            _ => Err(ApiError::new(401, "Authentication failed!")),
        };
    }
    let cookie = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find_map(|c| c.strip_prefix("PVEAuthCookie="))
        .map(uri_unescape)
        .or_else(|| authz.strip_prefix("PVEAuthCookie=").map(str::to_string));
    let Some(ticket) = cookie else {
        return Err(ApiError::new(401, "No ticket"));
    };
    let user = auth::verify_ticket(&key, &ticket, lifetime)
        .ok_or_else(|| ApiError::new(401, "Authentication failed!"))?;
    let needs_csrf = method != "GET" && !template.ends_with("/upload");
    if needs_csrf {
        let token = headers
            .get("csrfpreventiontoken")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !auth::verify_csrf(&key, &user, token, lifetime) {
            return Err(ApiError::new(401, "Permission denied - invalid csrf token"));
        }
    }
    Ok(user)
}

/// `proxyto: node`: unknown nodes fail the hostname lookup, down nodes give 595, and a
/// node without quorum refuses writes (fact 7).
fn check_node(sim: &Sim, method: &str, params: &BTreeMap<String, Value>) -> Result<(), ApiError> {
    let Some(node) = params.get("node").and_then(|v| v.as_str()) else {
        return Ok(());
    };
    let cluster = sim.cluster.lock().expect("cluster");
    if !cluster.nodes.iter().any(|n| n == node) {
        return Err(ApiError::die(format!(
            "hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known"
        )));
    }
    if cluster.down.contains(node) {
        return Err(ApiError::new(
            595,
            "Errors during connection establishment, proxy handshake: No route to host",
        ));
    }
    if method != "GET" && sim.faults.lock().expect("faults").no_quorum.contains(node) {
        return Err(ApiError::die("cluster not ready - no quorum?"));
    }
    Ok(())
}

fn injected_failure(sim: &Sim, method: &str, path: &str) -> Result<(), ApiError> {
    let mut faults = sim.faults.lock().expect("faults");
    let hit = faults.fail_requests.iter_mut().find(|r| {
        r.times > 0
            && r.method.as_deref().is_none_or(|m| m == method)
            && path.contains(&r.path_contains)
    });
    if let Some(rule) = hit {
        rule.times -= 1;
        return Err(ApiError::new(rule.status, rule.message.clone()));
    }
    Ok(())
}

/// Perl's `uri_unescape`: `%XX` only (a `+` stays a `+`).
fn uri_unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
