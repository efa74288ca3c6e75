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
