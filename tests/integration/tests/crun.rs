//! The crun backend through the host binary, with real crun.

use lxcri_test_support::{Host, suite};

#[test]
fn full_lifecycle() {
    suite::full_lifecycle(&Host::crun());
}

#[test]
fn run_returns_exit_status() {
    suite::run_returns_exit_status(&Host::crun());
}

#[test]
fn kill_accepts_names_and_numbers() {
    suite::kill_accepts_names_and_numbers(&Host::crun());
}

/// The crun calls (their subcommands) that host command `args` makes.
fn crun_calls(host: &Host, args: &[&str]) -> (lxcri_test_support::Run, Vec<String>) {
    let calls = host.scratch().join("crun-calls");
    let _ = std::fs::remove_file(&calls);
    let mut cmd = host.command(args);
    cmd.env("LXCRI_TEST_CRUN_CALLS", &calls);
    let run = lxcri_test_support::host::run_with_files(cmd);
    let made: Vec<String> = std::fs::read_to_string(&calls)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            l.split_whitespace()
                .find(|w| !w.starts_with("--"))
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    (run, made)
}

#[test]
fn run_is_one_crun_process_and_list_one_more_whatever_the_count() {
    let host = Host::crun_with_hook();
    let bundle = host
        .bundle("once", &["sh", "-c", "echo ran; exit 3"])
        .write();
    let bundle = bundle.to_str().unwrap();
    let (run, calls) = crun_calls(&host, &["run", "--bundle", bundle, "once"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.contains("ran"), "{run:?}");
    assert_eq!(calls, ["run"], "attached run");
    assert!(!host.root.join("once").exists(), "the record is gone");

    let long = host.bundle("long", &["sleep", "1000"]).write();
    for id in ["d1", "d2", "d3"] {
        let (run, calls) = crun_calls(
            &host,
            &["run", "-d", "--bundle", long.to_str().unwrap(), id],
        );
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(calls, ["run"], "detached run");
    }
    let (list, calls) = crun_calls(&host, &["list", "--format", "json"]);
    assert_eq!(calls, ["list"], "{list:?}");
    let listed = list.json();
    let running: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "running" && c["pid"].as_i64().unwrap_or(0) > 0)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(running, ["d1", "d2", "d3"], "{listed}");
    for id in ["d1", "d2", "d3"] {
        host.run(["delete", "--force", id]).ok();
    }
}
