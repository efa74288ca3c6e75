//! What the simulated guests run: a few commands a test uses, interpreted (after an
//! optional `env K=V...`). Shared by the QEMU guest agent's exec and a CT's
//! entrypoint.
//! - `echo WORDS`, `sh -c 'echo TEXT'`: print and exit 0;
//! - `cat`: print its input and exit 0;
//! - `true`, `false`: exit 0, 1;
//! - `sh -c 'STATEMENT; …'` with statements `echo TEXT`, `exit N`, `sleep …` (runs
//!   until stopped), `true`; others are skipped;
//! - `sleep ...`, `sh` without a script, and a system container's `init`: run until
//!   stopped;
//! - `yes [WORD]`: print WORD (`y`) again and again until stopped;
//! - anything else: exit 0 without output.

/// How a simulated program behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It prints `output` and exits with `code`.
    Exits { code: i64, output: String },
    /// It runs until its guest stops.
    Runs,
    /// It prints `line` again and again until its guest stops.
    Repeats { line: String },
}

pub fn run(command: &[String], input: &str) -> Outcome {
    let mut words: Vec<&str> = command.iter().map(String::as_str).collect();
    if words.first() == Some(&"env") {
        words.remove(0);
        while words.first().is_some_and(|w| w.contains('=')) {
            words.remove(0);
        }
    }
    let exits = |code: i64, output: String| Outcome::Exits { code, output };
    let name = words.first().map(|w| w.rsplit('/').next().unwrap_or(w));
    match (name, words.get(1..).unwrap_or_default()) {
        (Some("echo"), rest) => exits(0, format!("{}\n", rest.join(" "))),
        (Some("cat"), []) => exits(0, input.to_string()),
        (Some("false"), []) => exits(1, String::new()),
        (Some("sleep" | "init" | "systemd"), _) | (Some("sh"), []) => Outcome::Runs,
        (Some("yes"), rest) => Outcome::Repeats {
            line: format!(
                "{}\n",
                if rest.is_empty() {
                    "y".to_string()
                } else {
                    rest.join(" ")
                }
            ),
        },
        (Some("sh"), ["-c", script]) => shell(script),
        _ => exits(0, String::new()),
    }
}

/// `sh -c SCRIPT`: its statements in order.
fn shell(script: &str) -> Outcome {
    let mut output = String::new();
    for statement in script
        .split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(n) = statement.strip_prefix("exit") {
            return Outcome::Exits {
                code: n.trim().parse().unwrap_or(0),
                output,
            };
        } else if let Some(text) = statement.strip_prefix("echo ") {
            output.push_str(text.trim().trim_matches(['\'', '"']));
            output.push('\n');
        } else if statement.starts_with("sleep") {
            return Outcome::Runs;
        }
    }
    Outcome::Exits { code: 0, output }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn programs_behave_as_their_real_counterparts() {
        assert_eq!(
            run(&words(&["sh", "-c", "echo hi; exit 7"]), ""),
            Outcome::Exits {
                code: 7,
                output: "hi\n".into()
            }
        );
        assert_eq!(
            run(&words(&["env", "A=1", "/bin/echo", "a", "b"]), ""),
            Outcome::Exits {
                code: 0,
                output: "a b\n".into()
            }
        );
        assert_eq!(
            run(&words(&["cat"]), "in"),
            Outcome::Exits {
                code: 0,
                output: "in".into()
            }
        );
        assert_eq!(run(&words(&["sleep", "1000"]), ""), Outcome::Runs);
        assert_eq!(run(&words(&["/sbin/init"]), ""), Outcome::Runs);
    }
}
