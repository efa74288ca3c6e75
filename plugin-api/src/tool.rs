//! Helpers for plugins that drive command-line tools (not part of the ABI).

/// The last non-empty line of a tool's stderr: usually the one that says what failed.
pub fn last_line(stderr: &str) -> &str {
    stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("failed without a message")
}

#[cfg(test)]
mod tests {
    #[test]
    fn picks_the_last_non_empty_line() {
        assert_eq!(super::last_line("a\nb: boom\n\n"), "b: boom");
        assert_eq!(super::last_line(""), "failed without a message");
    }
}
