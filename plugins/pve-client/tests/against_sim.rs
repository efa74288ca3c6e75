//! The client against the simulator: auth, CSRF, TLS pinning, tasks, retries,
//! deadlines and failover.

use std::{os::unix::fs::PermissionsExt, path::PathBuf, time::Duration};

use lxcri_pve_client::{ConnectionConfig, Pve, PveError, TlsConfig, lenient, params};
use pve_sim::{FailRule, SimConfig, SimHandle};
use serde::Deserialize;

struct Setup {
    sim: SimHandle,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            sim: SimHandle::start(SimConfig::default()),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn secret(&self, name: &str, value: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, value).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    fn base(&self) -> ConnectionConfig {
        ConnectionConfig {
            endpoints: self.sim.endpoints.clone(),
            tls: TlsConfig {
                fingerprint: Some(self.sim.fingerprint()),
                ..Default::default()
            },
            request_timeout_secs: Some(5),
            task_timeout_secs: Some(30),
            ..Default::default()
        }
    }

    fn token_client(&self) -> Pve {
        let mut cfg = self.base();
        cfg.token_file = Some(self.secret("token", &self.sim.token()));
        Pve::new(&cfg).unwrap()
    }

    fn ticket_config(&self) -> ConnectionConfig {
        let mut cfg = self.base();
        cfg.username = Some("root@pam".into());
        cfg.password_file = Some(self.secret("password", "sim-password"));
        cfg
    }

    /// A file holding `content`, to upload.
    fn file(&self, content: &str) -> PathBuf {
        let path = self.dir.path().join(format!("upload-{}", content.len()));
        std::fs::write(&path, content).unwrap();
        path
    }

    fn upload_template(&self, pve: &Pve) {
        pve.upload(
            "pve1",
            "local",
            "vztmpl",
            "t.tar.zst",
            &self.file("template"),
        )
        .unwrap();
    }
}

fn create_ct(pve: &Pve, vmid: u32) -> Result<lxcri_pve_client::TaskOk, PveError> {
    pve.post_task(
        "/nodes/pve1/lxc",
        params![
            ("vmid", vmid),
            ("ostemplate", "local:vztmpl/t.tar.zst"),
            ("rootfs", "local-lvm:1"),
            ("memory", 256u32)
        ],
    )
}

#[derive(Debug, Deserialize)]
struct Version {
    release: String,
}

#[test]
fn token_auth_and_lenient_nextid() {
    let s = Setup::new();
    let pve = s.token_client();
    let v: Version = pve.get("/version", vec![]).unwrap();
    assert_eq!(v.release, "9.1");
    let next: serde_json::Value = pve.get("/cluster/nextid", vec![]).unwrap();
    assert!(next.is_string(), "nextid arrives as a string");
    assert_eq!(lenient::value_int(&next), Some(100));

    let mut cfg = s.base();
    cfg.token_file = Some(s.secret("bad", "root@pam!lxcri=wrong"));
    let err = Pve::new(&cfg)
        .unwrap()
        .get::<Version>("/version", vec![])
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(
        !err.to_string().contains("wrong"),
        "no secret in errors: {err}"
    );
}

#[test]
fn ticket_login_csrf_and_renewal() {
    let s = Setup::new();
    let pve = Pve::new(&s.ticket_config()).unwrap();
    s.upload_template(&pve);
    create_ct(&pve, 100).unwrap();
    let logins = |s: &Setup| {
        s.sim
            .requests()
            .iter()
            .filter(|r| r.path == "/access/ticket")
            .count()
    };
    assert_eq!(logins(&s), 1, "one login for several calls");

    // Renewal: with renew_after = 0 every call renews with the current ticket.
    let mut cfg = s.ticket_config();
    cfg.ticket_renew_after_secs = Some(0);
    let renewing = Pve::new(&cfg).unwrap();
    let _: Version = renewing.get("/version", vec![]).unwrap();
    let _: Version = renewing.get("/version", vec![]).unwrap();
    let renewals = s
        .sim
        .requests()
        .iter()
        .filter(|r| {
            r.path == "/access/ticket"
                && r.params
                    .get("password")
                    .and_then(|p| p.as_str())
                    .is_some_and(|p| p.starts_with("PVE:"))
        })
        .count();
    assert!(renewals >= 1, "renewed with the ticket as password");

    // Tickets expire mid-run: the client logs in again and the call succeeds.
    s.sim.expire_tickets();
    create_ct(&pve, 101).unwrap();
    assert!(logins(&s) >= 4);
    assert!(s.sim.schema_violations().is_empty());
}

#[test]
fn csrf_is_enforced_for_cookie_auth() {
    let s = Setup::new();
    let key_user = "root@pam";
    let login = s.sim.sim.config.users.get(key_user).cloned().unwrap();
    // Log in by hand, then POST without the CSRF header.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::blocking::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let base = &s.sim.endpoints[0];
    let reply: serde_json::Value = http
        .post(format!("{base}/api2/json/access/ticket"))
        .form(&[("username", key_user), ("password", login.as_str())])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let ticket = reply["data"]["ticket"].as_str().unwrap().to_string();
    let csrf = reply["data"]["CSRFPreventionToken"]
        .as_str()
        .unwrap()
        .to_string();
    let post = |with_csrf: bool| {
        let mut req = http
            .post(format!("{base}/api2/json/nodes/pve1/lxc/100/status/start"))
            .header("Cookie", format!("PVEAuthCookie={ticket}"));
        if with_csrf {
            req = req.header("CSRFPreventionToken", csrf.clone());
        }
        req.send().unwrap()
    };
    let refused = post(false);
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(refused.status().canonical_reason(), Some("Unauthorized"));
    let body: serde_json::Value = refused.json().unwrap();
    assert_eq!(body["message"], "Permission denied - invalid csrf token\n");
    let allowed = post(true);
    assert_eq!(
        allowed.status().as_u16(),
        500,
        "past auth: the CT does not exist"
    );
}

#[test]
fn tls_pinning_and_ca_file() {
    let s = Setup::new();
    let token = s.secret("token", &s.sim.token());
    let mut cfg = s.base();
    cfg.token_file = Some(token.clone());
    cfg.tls.fingerprint = Some("00:".repeat(31) + "00");
    let err = Pve::new(&cfg)
        .unwrap()
        .get::<Version>("/version", vec![])
        .unwrap_err();
    assert!(matches!(err, PveError::Unreachable(_)), "{err}");
    assert!(err.to_string().contains("fingerprint"), "{err}");

    let mut cfg = s.base();
    cfg.token_file = Some(token);
    cfg.tls = TlsConfig {
        ca_file: Some(s.secret("ca.pem", &s.sim.ca_pem())),
        ..Default::default()
    };
    let _: Version = Pve::new(&cfg).unwrap().get("/version", vec![]).unwrap();

    let mut bad = s.base();
    bad.tls.fingerprint = Some("xyz".into());
    bad.token_file = cfg.token_file.clone();
    assert!(matches!(Pve::new(&bad), Err(PveError::Config(_))));
}

#[test]
fn task_success_warnings_and_failure() {
    let s = Setup::new();
    let pve = s.token_client();
    s.upload_template(&pve);
    assert_eq!(create_ct(&pve, 100).unwrap().warnings, 0);
    s.sim.faults().task_warnings.insert("vzstart".into(), 2);
    let ok = pve
        .post_task("/nodes/pve1/lxc/100/status/start", vec![])
        .unwrap();
    assert_eq!(ok.warnings, 2);
    s.sim.faults().fail_tasks.insert(
        "vzcreate".into(),
        ("unable to create CT 101 - disk full".into(), 1),
    );
    let err = create_ct(&pve, 101).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PveError::TaskFailed { .. }), "{text}");
    assert!(text.contains("disk full"), "{text}");
    assert!(text.contains("log:"), "last log lines: {text}");
    // A task whose template does not exist fails inside the worker.
    let err = pve
        .post_task(
            "/nodes/pve1/lxc",
            params![
                ("vmid", 102u32),
                ("ostemplate", "local:vztmpl/none.tar.zst"),
                ("rootfs", "local-lvm:1")
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn retries_where_safe_and_deadline() {
    let s = Setup::new();
    let pve = s.token_client();
    s.upload_template(&pve);
    create_ct(&pve, 100).unwrap();
    let fail = |status: u16, message: &str, times: u32| FailRule {
        method: Some("POST".into()),
        path_contains: "/status/start".into(),
        status,
        message: message.into(),
        times,
    };
    // Lock timeouts and 595 are retried.
    s.sim.faults().fail_requests.push(fail(
        500,
        "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout",
        2,
    ));
    s.sim.faults().fail_requests.push(fail(
        595,
        "Errors during connection establishment, proxy handshake: No route to host",
        1,
    ));
    pve.post_task("/nodes/pve1/lxc/100/status/start", vec![])
        .unwrap();
    // "no such task" right after creation is retried.
    s.sim.faults().hide_new_tasks = Duration::from_millis(150);
    pve.post_task("/nodes/pve1/lxc/100/status/stop", vec![])
        .unwrap();
    s.sim.faults().hide_new_tasks = Duration::ZERO;
    // A plain 500 is not retried.
    s.sim
        .faults()
        .fail_requests
        .push(fail(500, "unexpected failure", 1));
    let before = s.sim.requests().len();
    let err = pve
        .post_task("/nodes/pve1/lxc/100/status/start", vec![])
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(s.sim.requests().len(), before + 1, "no retry");
    // Retries stop at the deadline.
    s.sim.faults().fail_requests.push(fail(
        500,
        "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout",
        1000,
    ));
    let mut cfg = s.base();
    cfg.token_file = Some(s.secret("token2", &s.sim.token()));
    cfg.request_timeout_secs = Some(1);
    let err = Pve::new(&cfg)
        .unwrap()
        .post_task("/nodes/pve1/lxc/100/status/start", vec![])
        .unwrap_err();
    assert!(err.is_locked(), "{err}");
}

#[test]
fn failover_to_a_second_endpoint_and_unreachable_server() {
    let s = Setup::new();
    let pve = s.token_client();
    s.sim.set_node_down("pve1", true);
    let _: Version = pve.get("/version", vec![]).unwrap();
    let last = s.sim.requests().pop().unwrap();
    assert_eq!(last.node_endpoint, "pve2", "served by the second endpoint");
    // Proxying to the down node gives 595 (retried until the deadline, then reported).
    let mut cfg = s.base();
    cfg.token_file = Some(s.secret("token3", &s.sim.token()));
    cfg.request_timeout_secs = Some(1);
    let err = Pve::new(&cfg)
        .unwrap()
        .get::<serde_json::Value>("/nodes/pve1/lxc", vec![])
        .unwrap_err();
    assert_eq!(err.status(), Some(595), "{err}");

    let mut cfg = s.base();
    cfg.endpoints = vec!["https://127.0.0.1:1".into()];
    cfg.token_file = Some(s.secret("token4", &s.sim.token()));
    cfg.request_timeout_secs = Some(1);
    let err = Pve::new(&cfg)
        .unwrap()
        .get::<Version>("/version", vec![])
        .unwrap_err();
    assert!(matches!(err, PveError::Unreachable(_)), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[test]
fn the_simulator_rejects_parameters_outside_the_schema() {
    let s = Setup::new();
    let pve = s.token_client();
    let err = pve
        .post(
            "/nodes/pve1/lxc",
            params![
                ("vmid", 100u32),
                ("ostemplate", "local:vztmpl/t.tar.zst"),
                ("colour", "blue"),
                ("memory", 8u32)
            ],
        )
        .unwrap_err();
    match &err {
        PveError::Http(h) => {
            let (status, message, errors) = (&h.status, &h.message, &h.errors);
            assert_eq!(*status, 400);
            assert_eq!(message, "Parameter verification failed.");
            assert_eq!(
                errors["colour"],
                "property is not defined in schema and the schema does not allow additional properties"
            );
            assert_eq!(errors["memory"], "value must have a minimum value of 16");
        }
        other => panic!("{other}"),
    }
    assert_eq!(s.sim.schema_violations().len(), 1);
}

#[test]
fn snapshots_are_tasks_with_proxmox_refusals() {
    let s = Setup::new();
    let pve = s.token_client();
    s.upload_template(&pve);
    create_ct(&pve, 100).unwrap();
    let base = "/nodes/pve1/lxc/100/snapshot";
    pve.post_task(base, params![("snapname", "before")])
        .unwrap();
    let again = pve.post(base, params![("snapname", "before")]).unwrap_err();
    assert!(
        again
            .message()
            .contains("snapshot name 'before' already used"),
        "{again}"
    );
    let list: Vec<serde_json::Value> = pve.get(base, vec![]).unwrap();
    let names: Vec<&str> = list.iter().filter_map(|v| v["name"].as_str()).collect();
    assert_eq!(names, ["before", "current"]);
    pve.post_task(&format!("{base}/before/rollback"), vec![])
        .unwrap();
    let task = s
        .sim
        .requests()
        .iter()
        .rev()
        .find(|r| r.path.ends_with("/rollback"))
        .unwrap()
        .status;
    assert_eq!(task, 200);
    pve.delete_task(&format!("{base}/before"), vec![]).unwrap();
    let missing = pve
        .post(&format!("{base}/before/rollback"), vec![])
        .unwrap_err();
    assert!(
        missing
            .message()
            .contains("snapshot 'before' does not exist"),
        "{missing}"
    );
    assert!(s.sim.schema_violations().is_empty());
}

#[test]
fn a_write_whose_answer_is_lost_is_reported_and_not_sent_again() {
    let s = Setup::new();
    let pve = s.token_client();
    s.upload_template(&pve);
    s.sim
        .faults()
        .drop_after_commit
        .push((pve_sim::Match::new("POST", "/nodes/pve1/lxc"), 1));
    let before = s.sim.requests().len();
    let err = create_ct(&pve, 100).unwrap_err();
    assert!(err.is_lost(), "{err}");
    assert!(err.to_string().contains("Proxmox may have acted"), "{err}");
    let sent = s.sim.requests()[before..]
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(sent, 1, "not re-sent");
    assert!(s.sim.cluster().guests.contains_key(&100), "Proxmox did act");
    // A read whose answer is lost is simply asked again.
    s.sim
        .faults()
        .drop_after_commit
        .push((pve_sim::Match::new("GET", "/status/current"), 1));
    let current: serde_json::Value = pve
        .get("/nodes/pve1/lxc/100/status/current", vec![])
        .unwrap();
    assert_eq!(current["vmid"], 100);
}

#[test]
fn errors_before_pve_8_4_take_their_text_from_the_status_line() {
    let s = Setup::new();
    let pve = s.token_client();
    s.sim.faults().legacy_errors = true;
    let err = pve
        .get::<serde_json::Value>("/nodes/pve1/lxc/999/status/current", vec![])
        .unwrap_err();
    assert!(err.is_missing(), "{err}");
    assert!(
        err.to_string()
            .contains("Configuration file 'nodes/pve1/lxc/999.conf' does not exist"),
        "{err}"
    );
}

#[test]
fn a_failed_login_is_delayed_as_proxmox_does() {
    let s = Setup::new();
    let mut cfg = s.ticket_config();
    cfg.password_file = Some(s.secret("wrong", "not-the-password"));
    let started = std::time::Instant::now();
    let err = Pve::new(&cfg)
        .unwrap()
        .get::<serde_json::Value>("/version", vec![])
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(
        started.elapsed() >= s.sim.sim.config.auth_failure_delay,
        "the 401 came after the delay"
    );
}

#[test]
fn an_upload_under_an_existing_name_overwrites_it() {
    let s = Setup::new();
    let pve = s.token_client();
    pve.upload("pve1", "local", "vztmpl", "t.tar.zst", &s.file("first"))
        .unwrap();
    pve.upload("pve1", "local", "vztmpl", "t.tar.zst", &s.file("second!"))
        .unwrap();
    let size = s.sim.cluster().volumes[&("pve1".to_string(), "local".to_string())]
        ["local:vztmpl/t.tar.zst"]
        .size;
    assert_eq!(size, 7, "the second upload replaced the first");
}

#[test]
fn root_only_settings_are_refused_to_tokens_and_allowed_to_root() {
    let s = Setup::new();
    let token = s.token_client();
    s.upload_template(&token);
    let with_bind = |vmid: u32| {
        params![
            ("vmid", vmid),
            ("ostemplate", "local:vztmpl/t.tar.zst"),
            ("rootfs", "local-lvm:1"),
            ("mp0", "/srv/data,mp=/data")
        ]
    };
    let err = token
        .post_task("/nodes/pve1/lxc", with_bind(100))
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(
        err.to_string()
            .contains("mount point type bind is only allowed for root@pam"),
        "{err}"
    );
    let err = token
        .post_task(
            "/nodes/pve1/lxc",
            params![
                ("vmid", 101),
                ("ostemplate", "local:vztmpl/t.tar.zst"),
                ("features", "nesting=1,keyctl=1")
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("except nesting"), "{err}");
    assert!(s.sim.cluster().guests.is_empty());
    let root = Pve::new(&s.ticket_config()).unwrap();
    root.post_task("/nodes/pve1/lxc", with_bind(102)).unwrap();
    assert_eq!(
        s.sim.cluster().guests[&102].config["mp0"],
        "/srv/data,mp=/data"
    );
}
