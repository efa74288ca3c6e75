//! A test hook: with `PROXMOX_LXCRI_CRASH_AT=<point>` in its environment the host kills
//! itself (SIGKILL, nothing runs after it) when it reaches that named point of a
//! command. The tests use it to prove that a host killed at any step leaves a state
//! from which the next command, or `delete --force`, recovers with nothing leaked.
//! Without the variable it costs one environment lookup.

/// The environment variable naming the point.
pub const ENV: &str = "PROXMOX_LXCRI_CRASH_AT";

/// Every point, in command order (`<command>:<what has just happened>`).
pub const POINTS: &[&str] = &[
    "create:reserved",
    "create:made",
    "create:recorded",
    "run:recorded",
    "start:started",
    "exec:started",
    "kill:signalled",
    "pause:paused",
    "resume:resumed",
    "update:updated",
    "delete:backend-gone",
];

/// Dies here when the hook names `point`.
pub fn here(point: &str) {
    debug_assert!(POINTS.contains(&point), "unknown crash point {point}");
    if std::env::var_os(ENV).is_some_and(|v| v == point) {
        // SAFETY: signalling ourselves.
        unsafe {
            nix::libc::kill(nix::libc::getpid(), nix::libc::SIGKILL);
        }
    }
}
