//! UPIDs and task waiting.

use crate::PveError;

/// A parsed `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upid {
    pub raw: String,
    pub node: String,
    pub kind: String,
    pub id: String,
    pub user: String,
}

impl Upid {
    pub fn parse(raw: &str) -> Result<Self, PveError> {
        let parts: Vec<&str> = raw.split(':').collect();
        if parts.len() != 9 || parts[0] != "UPID" || !parts[8].is_empty() {
            return Err(PveError::Decode {
                path: "task".into(),
                message: format!("not a UPID: {raw:?}"),
            });
        }
        Ok(Self {
            raw: raw.to_string(),
            node: parts[1].to_string(),
            kind: parts[5].to_string(),
            id: parts[6].to_string(),
            user: parts[7].to_string(),
        })
    }
}

/// How a finished task ended, when it succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOk {
    /// Number of warnings (`WARNINGS: n`), 0 for `OK`.
    pub warnings: u32,
}

/// Interprets a stopped task's `exitstatus`: `OK` and `WARNINGS: n` succeed.
pub fn outcome(exitstatus: &str) -> Result<TaskOk, String> {
    if exitstatus == "OK" {
        return Ok(TaskOk { warnings: 0 });
    }
    if let Some(n) = exitstatus.strip_prefix("WARNINGS:") {
        return Ok(TaskOk {
            warnings: n.trim().parse().unwrap_or(1),
        });
    }
    Err(exitstatus.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upids_parse_and_outcomes_classify() {
        let u =
            Upid::parse("UPID:pve1:000D7AA2:08D5A17C:63DF62A5:vzcreate:105:root@pam!ci:").unwrap();
        assert_eq!(
            (
                u.node.as_str(),
                u.kind.as_str(),
                u.id.as_str(),
                u.user.as_str()
            ),
            ("pve1", "vzcreate", "105", "root@pam!ci")
        );
        assert!(Upid::parse("UPID:pve1:x").is_err());
        assert_eq!(outcome("OK"), Ok(TaskOk { warnings: 0 }));
        assert_eq!(outcome("WARNINGS: 2"), Ok(TaskOk { warnings: 2 }));
        assert_eq!(
            outcome("unable to create CT 100 - boom"),
            Err("unable to create CT 100 - boom".into())
        );
    }
}
