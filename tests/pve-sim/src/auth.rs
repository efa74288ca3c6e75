//! Tickets, CSRF tokens and API tokens, in Proxmox's formats.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign(key: &[u8], data: &str) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update(data.as_bytes());
    STANDARD.encode(h.finalize())
}

/// `PVE:<user>:<%08X time>::<signature>`.
pub fn ticket(key: &[u8], user: &str, time: u64) -> String {
    let data = format!("PVE:{user}:{time:08X}");
    format!("{data}::{}", sign(key, &data))
}

/// Checks a ticket; returns its user when the signature holds and it is younger than
/// `lifetime` seconds.
pub fn verify_ticket(key: &[u8], ticket: &str, lifetime: u64) -> Option<String> {
    let (data, sig) = ticket.split_once("::")?;
    if sign(key, data) != sig {
        return None;
    }
    let mut parts = data.splitn(3, ':');
    (parts.next()? == "PVE").then_some(())?;
    let user = parts.next()?.to_string();
    let time = u64::from_str_radix(parts.next()?, 16).ok()?;
    (now() < time + lifetime + 300).then_some(user)
}

/// `<%08X time>:<signature of "time:user">`.
pub fn csrf(key: &[u8], user: &str, time: u64) -> String {
    let stamp = format!("{time:08X}");
    format!("{stamp}:{}", sign(key, &format!("csrf:{stamp}:{user}")))
}

pub fn verify_csrf(key: &[u8], user: &str, token: &str, lifetime: u64) -> bool {
    let Some((stamp, _)) = token.split_once(':') else {
        return false;
    };
    let Ok(time) = u64::from_str_radix(stamp, 16) else {
        return false;
    };
    csrf(key, user, time) == token && now() < time + lifetime + 300
}

/// Splits `PVEAPIToken=USER@REALM!TOKENID=SECRET` at the last `=`.
pub fn parse_token_header(header: &str) -> Option<(String, String)> {
    let rest = header.split("PVEAPIToken").nth(1)?;
    let rest = rest.strip_prefix('=').or_else(|| rest.strip_prefix(' '))?;
    let rest = rest.split(';').next()?;
    let (id, secret) = rest.rsplit_once('=')?;
    Some((id.trim().to_string(), secret.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_and_csrf_round_trip() {
        let key = b"k";
        let t = ticket(key, "root@pam", now());
        assert!(t.starts_with("PVE:root@pam:"));
        assert_eq!(verify_ticket(key, &t, 7200).as_deref(), Some("root@pam"));
        assert!(verify_ticket(b"other", &t, 7200).is_none());
        assert!(verify_ticket(key, &ticket(key, "root@pam", now() - 9000), 7200).is_none());
        let c = csrf(key, "root@pam", now());
        assert!(verify_csrf(key, "root@pam", &c, 7200));
        assert!(!verify_csrf(key, "bob@pam", &c, 7200));
        assert_eq!(
            parse_token_header("PVEAPIToken=root@pam!ci=abc-123").unwrap(),
            ("root@pam!ci".to_string(), "abc-123".to_string())
        );
    }
}
