//! The async API client: envelope decoding, token or ticket auth (CSRF, renewal),
//! retries where they are safe, endpoint failover, task waiting.

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::{
    PveError,
    config::ConnectionConfig,
    error::HttpError,
    secret::Secret,
    task::{self, TaskOk, Upid},
};

/// Form parameters (`key`, `value`); booleans are `0`/`1`.
pub type Params = Vec<(String, String)>;

enum Auth {
    Token(Secret),
    Ticket {
        user: String,
        password: Secret,
        state: Mutex<Option<TicketState>>,
    },
}

#[derive(Clone)]
struct TicketState {
    ticket: Secret,
    csrf: Secret,
    obtained: Instant,
}

/// A Proxmox VE API client for one cluster.
pub struct PveClient {
    http: reqwest::Client,
    endpoints: Vec<url::Url>,
    preferred: AtomicUsize,
    auth: Auth,
    request_timeout: Duration,
    task_timeout: Duration,
    renew_after: Duration,
    /// The User-Agent sent: who in this runtime makes the requests.
    agent: std::sync::Mutex<String>,
}

/// Whether an error may be retried, and whether the next try should use another endpoint.
enum Retry {
    No,
    Same,
    Failover,
}

fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

impl PveClient {
    /// Builds a client; reads secret files and checks the settings.
    pub fn new(cfg: &ConnectionConfig) -> Result<Self, PveError> {
        if cfg.endpoints.is_empty() {
            return Err(PveError::Config("no `endpoints` configured".into()));
        }
        let endpoints = cfg
            .endpoints
            .iter()
            .map(|e| {
                url::Url::parse(e.trim_end_matches('/'))
                    .map_err(|err| PveError::Config(format!("endpoint {e:?} is not a URL: {err}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let auth = match (&cfg.token_file, &cfg.username, &cfg.password_file) {
            (Some(file), _, _) => {
                let token = Secret::from_file(file)?;
                if !token.expose().contains('!') || !token.expose().contains('=') {
                    return Err(PveError::Config(format!(
                        "token file {} must hold USER@REALM!TOKENID=SECRET",
                        file.display()
                    )));
                }
                Auth::Token(token)
            }
            (None, Some(user), Some(file)) => Auth::Ticket {
                user: user.clone(),
                password: Secret::from_file(file)?,
                state: Mutex::new(None),
            },
            _ => {
                return Err(PveError::Config(
                    "set `token_file`, or `username` and `password_file`".into(),
                ));
            }
        };
        let tls = crate::tls::client_config(&cfg.tls)?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(
                cfg.request_timeout_secs.unwrap_or(60).max(1),
            ))
            .build()
            .map_err(|e| PveError::Config(format!("HTTP client: {}", chain(&e))))?;
        Ok(Self {
            http,
            endpoints,
            preferred: AtomicUsize::new(0),
            auth,
            request_timeout: Duration::from_secs(cfg.request_timeout_secs.unwrap_or(60)),
            task_timeout: Duration::from_secs(cfg.task_timeout_secs.unwrap_or(600)),
            renew_after: Duration::from_secs(cfg.ticket_renew_after_secs.unwrap_or(5400)),
            agent: std::sync::Mutex::new(format!("proxmox-lxcri/{}", env!("CARGO_PKG_VERSION"))),
        })
    }

    /// Names the requests' sender in their User-Agent (`proxmox-lxcri-<role>/<version>`),
    /// as the stand-in does, so that Proxmox's access log tells them apart.
    pub fn set_role(&self, role: &str) {
        *self.agent.lock().expect("agent") =
            format!("proxmox-lxcri-{role}/{}", env!("CARGO_PKG_VERSION"));
    }

    fn user_agent(&self) -> String {
        self.agent.lock().expect("agent").clone()
    }

    /// How long a task may run before waiting for it gives up.
    pub fn task_timeout(&self) -> Duration {
        self.task_timeout
    }

    fn endpoint(&self) -> (usize, &url::Url) {
        let i = self.preferred.load(Ordering::Relaxed) % self.endpoints.len();
        (i, &self.endpoints[i])
    }

    fn failover(&self, from: usize) {
        let next = (from + 1) % self.endpoints.len();
        if self
            .preferred
            .compare_exchange(from, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
            && next != from
        {
            tracing::warn!(
                "Proxmox endpoint {} unreachable, trying {}",
                self.endpoints[from],
                self.endpoints[next]
            );
        }
    }

    /// One HTTP exchange; returns `data` or the error.
    async fn send(
        &self,
        base: &url::Url,
        method: &Method,
        path: &str,
        params: &Params,
        headers: &[(String, String)],
    ) -> Result<Value, PveError> {
        let url = format!("{}/api2/json{path}", base.as_str().trim_end_matches('/'));
        let mut req = self
            .http
            .request(method.clone(), &url)
            .header(reqwest::header::USER_AGENT, self.user_agent());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req = if *method == Method::GET || *method == Method::DELETE {
            req.query(params)
        } else {
            req.form(params)
        };
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(base, method, path, &e))?;
        let status = resp.status();
        let reason = reason_phrase(&resp);
        let body = resp
            .bytes()
            .await
            .map_err(|e| transport_error(base, method, path, &e))?;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json.get("data").cloned().unwrap_or(Value::Null));
        }
        Err(http_error(method.as_str(), path, status, reason, &json))
    }

    fn classify(&self, err: &PveError, path: &str) -> Retry {
        match err {
            PveError::Unreachable(text) => {
                if text.contains("certificate")
                    || text.contains("fingerprint")
                    || text.contains("InvalidCertificate")
                {
                    Retry::No
                } else {
                    Retry::Failover
                }
            }
            PveError::Http(h) if h.status == 595 || h.status == 596 => Retry::Same,
            PveError::Http(h)
                if h.status == 400
                    && path.contains("/tasks/")
                    && h.errors
                        .get("upid")
                        .is_some_and(|m| m.contains("no such task")) =>
            {
                Retry::Same
            }
            PveError::Http(h)
                if h.status == 500
                    && h.message.contains("can't lock file")
                    && h.message.contains("got timeout") =>
            {
                Retry::Same
            }
            _ => Retry::No,
        }
    }

    /// Runs `op` against the preferred endpoint with retries and failover until the
    /// request deadline.
    async fn with_retries<F, Fut>(&self, path: &str, mut op: F) -> Result<Value, PveError>
    where
        F: FnMut(usize, url::Url) -> Fut,
        Fut: std::future::Future<Output = Result<Value, PveError>>,
    {
        let deadline = Instant::now() + self.request_timeout;
        let mut backoff = Duration::from_millis(50);
        let mut unreachable: Vec<String> = Vec::new();
        loop {
            let (i, base) = self.endpoint();
            let err = match op(i, base.clone()).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let retry = self.classify(&err, path);
            if let PveError::Unreachable(text) = &err
                && !unreachable.contains(text)
            {
                unreachable.push(text.clone());
            }
            if matches!(retry, Retry::No) || Instant::now() + backoff > deadline {
                return Err(match err {
                    PveError::Unreachable(_) if !unreachable.is_empty() => {
                        PveError::Unreachable(unreachable.join("; "))
                    }
                    other => other,
                });
            }
            tracing::debug!("retrying {path} after: {err}");
            if matches!(retry, Retry::Failover) {
                self.failover(i);
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }

    /// Logs in with the password, or renews with the current ticket.
    async fn login(&self, user: &str, password: &str) -> Result<TicketState, PveError> {
        let params: Params = vec![
            ("username".into(), user.into()),
            ("password".into(), password.into()),
        ];
        let data = self
            .with_retries("/access/ticket", |_, base| {
                let params = params.clone();
                async move {
                    self.send(&base, &Method::POST, "/access/ticket", &params, &[])
                        .await
                }
            })
            .await?;
        let field = |name: &str| {
            data.get(name)
                .and_then(|v| v.as_str())
                .map(Secret::new)
                .ok_or_else(|| PveError::Decode {
                    path: "/access/ticket".into(),
                    message: format!("no {name} in the login reply"),
                })
        };
        Ok(TicketState {
            ticket: field("ticket")?,
            csrf: field("CSRFPreventionToken")?,
            obtained: Instant::now(),
        })
    }

    /// Headers that authenticate a request (logging in or renewing when needed).
    async fn auth_headers(
        &self,
        method: &Method,
        force_login: bool,
    ) -> Result<Vec<(String, String)>, PveError> {
        match &self.auth {
            Auth::Token(token) => Ok(vec![(
                "Authorization".into(),
                format!("PVEAPIToken={}", token.expose()),
            )]),
            Auth::Ticket {
                user,
                password,
                state,
            } => {
                let mut guard = state.lock().await;
                let current = if force_login { None } else { guard.clone() };
                let fresh = match current {
                    None => self.login(user, password.expose()).await?,
                    Some(s) if s.obtained.elapsed() >= self.renew_after => {
                        tracing::debug!("renewing Proxmox ticket");
                        match self.login(user, s.ticket.expose()).await {
                            Ok(renewed) => renewed,
                            Err(_) => self.login(user, password.expose()).await?,
                        }
                    }
                    Some(s) => s,
                };
                *guard = Some(fresh.clone());
                let cookie: String =
                    url::form_urlencoded::byte_serialize(fresh.ticket.expose().as_bytes())
                        .collect();
                let mut headers = vec![("Cookie".to_string(), format!("PVEAuthCookie={cookie}"))];
                if *method != Method::GET {
                    headers.push((
                        "CSRFPreventionToken".into(),
                        fresh.csrf.expose().to_string(),
                    ));
                }
                Ok(headers)
            }
        }
    }

    /// One API call: `data` of the reply.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        params: Params,
    ) -> Result<Value, PveError> {
        let mut relogged = false;
        loop {
            let headers = self.auth_headers(&method, false).await?;
            let result = self
                .with_retries(path, |_, base| {
                    let (params, headers, method) =
                        (params.clone(), headers.clone(), method.clone());
                    async move { self.send(&base, &method, path, &params, &headers).await }
                })
                .await;
            match result {
                // An expired or revoked ticket: log in again once.
                Err(e)
                    if e.status() == Some(401)
                        && matches!(self.auth, Auth::Ticket { .. })
                        && !relogged =>
                {
                    tracing::debug!("ticket refused, logging in again");
                    self.auth_headers(&method, true).await?;
                    relogged = true;
                }
                other => return other,
            }
        }
    }

    /// GET and decode `data`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: Params) -> Result<T, PveError> {
        let data = self.call(Method::GET, path, query).await?;
        serde_json::from_value(data).map_err(|e| PveError::Decode {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    /// A call that answers with a UPID, waited for.
    pub async fn run_task(
        &self,
        method: Method,
        path: &str,
        params: Params,
    ) -> Result<TaskOk, PveError> {
        let data = self.call(method, path, params).await?;
        let upid = data.as_str().ok_or_else(|| PveError::Decode {
            path: path.to_string(),
            message: format!("expected a task id, got {data}"),
        })?;
        self.wait(upid).await
    }

    /// Waits for a task: `OK` and `WARNINGS: n` succeed; a failure carries the task's
    /// last log lines.
    pub async fn wait(&self, upid: &str) -> Result<TaskOk, PveError> {
        let parsed = Upid::parse(upid)?;
        let base = format!("/nodes/{}/tasks/{}", parsed.node, encode_segment(upid));
        let deadline = Instant::now() + self.task_timeout;
        let mut pause = Duration::from_millis(10);
        loop {
            let status = self
                .call(Method::GET, &format!("{base}/status"), Vec::new())
                .await?;
            if status.get("status").and_then(|s| s.as_str()) == Some("stopped") {
                let exit = status
                    .get("exitstatus")
                    .and_then(|s| s.as_str())
                    .unwrap_or("unexpected status");
                return match task::outcome(exit) {
                    Ok(ok) => {
                        if ok.warnings > 0 {
                            tracing::warn!(
                                "task {} ({}) finished with {} warning(s)",
                                parsed.kind,
                                parsed.id,
                                ok.warnings
                            );
                        }
                        Ok(ok)
                    }
                    Err(status) => {
                        let log = self.task_log(&base).await.unwrap_or_default();
                        Err(PveError::TaskFailed {
                            upid: upid.to_string(),
                            status,
                            log,
                        })
                    }
                };
            }
            if Instant::now() + pause > deadline {
                return Err(PveError::Timeout(format!("task {upid}")));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    async fn task_log(&self, base: &str) -> Result<Vec<String>, PveError> {
        let lines: Vec<Value> = self
            .get(
                &format!("{base}/log"),
                vec![("start".into(), "0".into()), ("limit".into(), "500".into())],
            )
            .await?;
        Ok(lines
            .iter()
            .filter_map(|l| l.get("t").and_then(|t| t.as_str()).map(str::to_string))
            .collect())
    }

    /// Uploads the file at `source` to a storage (`content` = `vztmpl` or `iso`) under
    /// `filename`, streamed from disk, and waits for the import task.
    pub async fn upload(
        &self,
        node: &str,
        storage: &str,
        content: &str,
        filename: &str,
        source: &std::path::Path,
    ) -> Result<TaskOk, PveError> {
        let path = format!("/nodes/{node}/storage/{storage}/upload");
        let headers = self.auth_headers(&Method::POST, false).await?;
        let upid = self
            .with_retries(&path, |_, base| {
                let (headers, path) = (headers.clone(), path.clone());
                async move {
                    let url = format!("{}/api2/json{path}", base.as_str().trim_end_matches('/'));
                    let part = reqwest::multipart::Part::file(source)
                        .await
                        .map_err(|e| {
                            PveError::Config(format!("cannot read {}: {e}", source.display()))
                        })?
                        .file_name(filename.to_string());
                    let form = reqwest::multipart::Form::new()
                        .text("content", content.to_string())
                        .part("filename", part);
                    let mut req = self
                        .http
                        .post(&url)
                        .header(reqwest::header::USER_AGENT, self.user_agent())
                        .multipart(form);
                    for (k, v) in &headers {
                        req = req.header(k, v);
                    }
                    let resp = req
                        .send()
                        .await
                        .map_err(|e| transport_error(&base, &Method::POST, &path, &e))?;
                    let status = resp.status();
                    let reason = reason_phrase(&resp);
                    let json: Value = resp.json().await.unwrap_or(Value::Null);
                    if status.is_success() {
                        Ok(json.get("data").cloned().unwrap_or(Value::Null))
                    } else {
                        Err(http_error("POST", &path, status, reason, &json))
                    }
                }
            })
            .await?;
        let upid = upid.as_str().ok_or_else(|| PveError::Decode {
            path: path.clone(),
            message: "expected a task id".into(),
        })?;
        self.wait(upid).await
    }
}

/// A guest's console: a websocket speaking termproxy's protocol, authenticated.
pub type Terminal = tokio_tungstenite::WebSocketStream<reqwest::Upgraded>;

impl PveClient {
    /// Opens the console of guest `vmid` (`lxc` or `qemu`) on `node`: `termproxy`, then
    /// the `vncwebsocket` upgrade with the same authentication as every call, then
    /// termproxy's `<user>:<ticket>` handshake (reference/pve-api.md, "Consoles").
    pub async fn terminal(&self, node: &str, kind: &str, vmid: u32) -> Result<Terminal, PveError> {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::{Message, handshake::client::generate_key};
        let proxy = self
            .call(
                Method::POST,
                &format!("/nodes/{node}/{kind}/{vmid}/termproxy"),
                vec![],
            )
            .await?;
        let field = |name: &str| {
            proxy
                .get(name)
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .ok_or_else(|| PveError::Decode {
                    path: "termproxy".into(),
                    message: format!("no {name} in the answer"),
                })
        };
        let (port, ticket, user) = (field("port")?, field("ticket")?, field("user")?);
        let path = format!("/nodes/{node}/{kind}/{vmid}/vncwebsocket");
        let (_, base) = self.endpoint();
        let url = format!(
            "{}/api2/json{path}?port={port}&vncticket={}",
            base.as_str().trim_end_matches('/'),
            encode_segment(&ticket)
        );
        let mut req = self
            .http
            .get(&url)
            .header(reqwest::header::USER_AGENT, self.user_agent())
            .header("Connection", "Upgrade")
            .header("Upgrade", "websocket")
            .header("Sec-WebSocket-Version", "13")
            .header("Sec-WebSocket-Key", generate_key())
            .header("Sec-WebSocket-Protocol", "binary");
        for (k, v) in self.auth_headers(&Method::GET, false).await? {
            req = req.header(k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(base, &Method::GET, &path, &e))?;
        if resp.status() != reqwest::StatusCode::SWITCHING_PROTOCOLS {
            let status = resp.status();
            let reason = reason_phrase(&resp);
            let json: Value = resp.json().await.unwrap_or(Value::Null);
            return Err(http_error("GET", &path, status, reason, &json));
        }
        let upgraded = resp.upgrade().await.map_err(|e| {
            PveError::Unreachable(format!("{base}: console upgrade: {}", chain(&e)))
        })?;
        let mut ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
            upgraded,
            tokio_tungstenite::tungstenite::protocol::Role::Client,
            None,
        )
        .await;
        let refused = |what: String| PveError::Decode {
            path: path.clone(),
            message: format!("the console refused the ticket: {what}"),
        };
        ws.send(Message::text(format!("{user}:{ticket}\n")))
            .await
            .map_err(|e| refused(e.to_string()))?;
        match ws.next().await {
            Some(Ok(m)) if m.to_text().is_ok_and(|t| t.starts_with("OK")) => Ok(ws),
            other => Err(refused(format!("{other:?}"))),
        }
    }
}

/// A value usable as a form parameter.
pub trait ParamValue {
    fn to_param(&self) -> String;
}

impl ParamValue for bool {
    fn to_param(&self) -> String {
        if *self { "1".into() } else { "0".into() }
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn to_param(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

display_param!(u32, u64, i32, i64, usize, String, &str);

/// What a failed exchange means. A connection that never opened is safe to retry
/// anywhere; a read (GET) may always be repeated; but a write whose answer did not
/// arrive may have taken effect, so it is reported as lost, never re-sent here.
fn transport_error(base: &url::Url, method: &Method, path: &str, e: &reqwest::Error) -> PveError {
    let text = chain(e);
    let may_have_acted = !e.is_connect() && *method != Method::GET && path != "/access/ticket";
    if may_have_acted {
        return PveError::Lost {
            method: method.to_string(),
            path: path.to_string(),
            detail: if e.is_timeout() {
                "no answer before the deadline".into()
            } else {
                text
            },
        };
    }
    if e.is_timeout() {
        PveError::Timeout(format!("{method} {path}"))
    } else {
        PveError::Unreachable(format!("{base}: {text}"))
    }
}

/// The reason phrase as sent. Before PVE 8.4 it is the only place that carries the
/// error text (fact 8 of reference/pve-api.md).
fn reason_phrase(resp: &reqwest::Response) -> Option<String> {
    resp.extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
}

/// The error for a non-2xx answer: Proxmox's `message` and `errors` from the body, or
/// the reason phrase when the body has no message.
fn http_error(
    method: &str,
    path: &str,
    status: reqwest::StatusCode,
    reason: Option<String>,
    json: &Value,
) -> PveError {
    let errors: BTreeMap<String, String> = json
        .get("errors")
        .and_then(|e| e.as_object())
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    PveError::Http(Box::new(HttpError {
        method: method.to_string(),
        path: path.to_string(),
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        message: json
            .get("message")
            .and_then(|m| m.as_str())
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .or(reason.filter(|r| Some(r.as_str()) != status.canonical_reason()))
            .unwrap_or_default(),
        errors,
    }))
}
