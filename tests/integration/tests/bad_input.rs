//! Bad input: one line on stderr, a non-zero exit code, nothing left behind.

use lxcri_test_support::{Host, Run};

fn one_line_error(run: &Run, code: i32, needle: &str) {
    assert_eq!(run.code, code, "{run:?}");
    let errors = run.error_lines();
    assert_eq!(errors.len(), 1, "exactly one error line: {run:?}");
    assert!(errors[0].contains(needle), "{needle:?} not in {run:?}");
}

fn nothing_left(host: &Host) {
    let entries: Vec<_> = std::fs::read_dir(&host.root)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        entries.iter().all(|n| n.to_string_lossy().starts_with('.')),
        "leftover state: {entries:?}"
    );
    let crun_root = host.root.join(".crun");
    let crun_entries = std::fs::read_dir(&crun_root)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(
        crun_entries,
        0,
        "leftover crun containers in {}",
        crun_root.display()
    );
}

#[test]
fn missing_bundle() {
    let host = Host::crun();
    let run = host.run(["create", "--bundle", "/nonexistent/bundle", "c1"]);
    one_line_error(&run, 3, "bundle /nonexistent/bundle");
    nothing_left(&host);
}

#[test]
fn malformed_config_json() {
    let host = Host::crun();
    let bundle = host.bundle("bad", &["true"]).write();
    std::fs::write(bundle.join("config.json"), "{\"ociVersion\": \"1.0.2\", ").unwrap();
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"]);
    one_line_error(&run, 2, "config.json is malformed");
    std::fs::write(bundle.join("config.json"), "{\"ociVersion\": 3}").unwrap();
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"]);
    one_line_error(&run, 2, "not a valid OCI runtime spec");
    nothing_left(&host);
}

#[test]
fn a_spec_version_crun_refuses_is_reported_and_cleaned_up() {
    let host = Host::crun();
    let bundle = host
        .bundle("newer", &["true"])
        .with(|c| c["ociVersion"] = "1.2.0".into())
        .write();
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"]);
    one_line_error(&run, 2, "unknown version specified");
    nothing_left(&host);
}

#[test]
fn invalid_ids() {
    let host = Host::crun();
    let bundle = host.bundle("ids", &["true"]).write();
    let long = "x".repeat(1024);
    for (id, needle) in [
        ("../x", "not allowed"),
        ("", "empty"),
        (long.as_str(), "limit is 200"),
        ("/", "not allowed"),
        ("a/b", "not allowed"),
        ("-rf", "starts with '-'"),
        ("--help", "starts with '-'"),
    ] {
        let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "--", id]);
        one_line_error(&run, 2, needle);
        let run = host.run(["state", "--", id]);
        one_line_error(&run, 2, needle);
    }
    nothing_left(&host);
    assert!(!host.scratch().join("x").exists());
}

#[test]
fn unknown_signal() {
    let host = Host::crun();
    let bundle = host.bundle("sig", &["sleep", "1000"]).write();
    host.run(["run", "-d", "--bundle", bundle.to_str().unwrap(), "c1"])
        .ok();
    for sig in ["SIGFOO", "FOO", "99"] {
        let run = host.run(["kill", "c1", sig]);
        one_line_error(&run, 2, "unknown signal");
    }
    assert_eq!(lxcri_test_support::suite::status(&host, "c1"), "running");
    host.run(["delete", "--force", "c1"]).ok();
    nothing_left(&host);
}

#[test]
fn unknown_backend() {
    let host = Host::crun();
    let bundle = host.bundle("nb", &["true"]).write();
    let run = host.run([
        "--backend",
        "nope",
        "create",
        "--bundle",
        bundle.to_str().unwrap(),
        "c1",
    ]);
    one_line_error(&run, 7, "backend 'nope' is not loaded (available: crun)");
    let bundle = host
        .bundle("nb-ann", &["true"])
        .with(|c| c["annotations"] = serde_json::json!({"io.proxmox-lxcri.backend": "nope"}))
        .write();
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c2"]);
    one_line_error(&run, 7, "backend 'nope' is not loaded");
    nothing_left(&host);
}

#[test]
fn backend_switch_on_existing_container() {
    let host = Host::crun();
    let bundle = host.bundle("sw", &["sleep", "1000"]).write();
    host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"])
        .ok();
    let run = host.run(["--backend", "lxc", "state", "c1"]);
    one_line_error(&run, 6, "served by backend 'crun', not 'lxc'");
    let run = host.run(["--backend", "lxc", "delete", "--force", "c1"]);
    one_line_error(&run, 6, "served by backend 'crun'");
    host.run(["delete", "--force", "c1"]).ok();
    nothing_left(&host);
}

#[test]
fn malformed_config_file() {
    let mut host = Host::crun();
    let bundle = host.bundle("cfg", &["true"]).write();
    let path = host.write_config("[plugins.crun]\npath = \"crun\"\ndefault_backend = [\n");
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"]);
    one_line_error(&run, 2, &format!("config file {}", path.display()));
    host.write_config("defualt_backend = \"crun\"\n");
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"]);
    one_line_error(&run, 2, "line 1, key `defualt_backend`");
    host.write_config("[plugins.crun]\npth = \"crun\"\n");
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"]);
    one_line_error(&run, 2, "unknown field `pth`");
    nothing_left(&host);
}

#[test]
fn duplicate_id_is_refused_and_keeps_the_first() {
    let host = Host::crun();
    let bundle = host.bundle("dup", &["sleep", "1000"]).write();
    host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"])
        .ok();
    let run = host.run(["create", "--bundle", bundle.to_str().unwrap(), "c1"]);
    one_line_error(&run, 4, "already exists");
    assert_eq!(lxcri_test_support::suite::status(&host, "c1"), "created");
    host.run(["delete", "c1"]).ok();
    nothing_left(&host);
}

#[test]
fn missing_optional_capability_is_a_clean_error() {
    let host = Host::with_plugins(&["lxcri_example_noop"]);
    let bundle = host.bundle("cap", &["true"]).write();
    host.run([
        "--backend",
        "noop",
        "create",
        "--bundle",
        bundle.to_str().unwrap(),
        "c1",
    ])
    .ok();
    let run = host.run(["exec", "c1", "true"]);
    one_line_error(&run, 5, "exec is not supported by backend noop");
    // Statistics exist for every backend: without a source, without figures.
    let run = host.run(["events", "--stats", "c1"]).ok();
    assert_eq!(
        run.json(),
        serde_json::json!({"type": "stats", "id": "c1", "data": {}}),
        "{run:?}"
    );
    host.run(["delete", "c1"]).ok();
}

#[test]
fn unknown_container() {
    let host = Host::crun();
    for cmd in ["state", "start", "delete", "pause", "ps"] {
        let run = host.run([cmd, "ghost"]);
        one_line_error(&run, 3, "container 'ghost' does not exist");
    }
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    use std::process::Stdio;
    let host = Host::crun();
    for args in [
        vec!["plugins", "--format", "json"],
        vec!["generate", "completions", "zsh"],
        vec!["--help"],
    ] {
        let mut child = host
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the output is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        use std::os::unix::process::ExitStatusExt;
        assert!(
            out.status.success() || out.status.signal() == Some(13),
            "{args:?}: {:?} {stderr}",
            out.status
        );
    }
}
