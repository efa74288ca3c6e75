//! Signal names and numbers as `kill` accepts them: `KILL`, `SIGKILL`, `9`.

use nix::sys::signal::Signal;

use crate::error::{HostError, Result};

/// Parses a signal; unknown names and numbers are an error, never a default.
pub fn parse(text: &str) -> Result<i32> {
    let hint = "use a name like TERM, SIGKILL or HUP, or a number from `kill -l`";
    if let Ok(n) = text.parse::<i32>() {
        return Signal::try_from(n)
            .map(|s| s as i32)
            .or_else(|_| realtime(n).ok_or(()))
            .map_err(|_| HostError::invalid(format!("unknown signal number {n}")).hint(hint));
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    if let Some(n) = realtime_name(&name) {
        return Ok(n);
    }
    name.parse::<Signal>()
        .map(|s| s as i32)
        .map_err(|_| HostError::invalid(format!("unknown signal {text:?}")).hint(hint))
}

fn realtime(n: i32) -> Option<i32> {
    (libc_sigrtmin()..=libc_sigrtmax())
        .contains(&n)
        .then_some(n)
}

fn realtime_name(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("SIGRTMIN")?;
    let offset: i32 = match rest {
        "" => 0,
        r => r.strip_prefix('+')?.parse().ok()?,
    };
    realtime(libc_sigrtmin() + offset)
}

// The C library's range (glibc keeps the first real-time signals for itself).
fn libc_sigrtmin() -> i32 {
    nix::libc::SIGRTMIN()
}
fn libc_sigrtmax() -> i32 {
    nix::libc::SIGRTMAX()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_and_without_sig_and_numbers() {
        assert_eq!(parse("KILL").unwrap(), 9);
        assert_eq!(parse("SIGKILL").unwrap(), 9);
        assert_eq!(parse("sigterm").unwrap(), 15);
        assert_eq!(parse("9").unwrap(), 9);
        assert_eq!(parse("15").unwrap(), 15);
        assert_eq!(parse("USR1").unwrap(), 10);
        assert_eq!(parse("RTMIN+2").unwrap(), 36);
    }

    #[test]
    fn unknown_signals_are_errors() {
        for bad in ["FOO", "SIGFOO", "0", "65", "-1", ""] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
