//! What ties a guest to the container it was made for: the `lxcri` tag, and a
//! description line holding the container id and a nonce drawn for each create. The
//! nonce tells our guest from another one made for the same id (a lost answer's
//! duplicate, another host), so nothing is stopped or destroyed on the id alone when
//! the nonce is known.

use std::hash::{BuildHasher, Hasher};

use serde_json::Value;

/// Tag on every guest this runtime creates.
pub const TAG: &str = "lxcri";

const PREFIX: &str = "proxmox-lxcri id=";

/// A container id and the nonce of the create that made its guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub id: String,
    /// `None` for guests recorded before nonces existed: matched on the id alone.
    pub nonce: Option<String>,
}

impl Marker {
    /// A marker with a fresh nonce.
    pub fn new(id: &str) -> Self {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        Self {
            id: id.to_string(),
            nonce: Some(format!("{:016x}", h.finish())),
        }
    }

    /// The description line.
    pub fn description(&self) -> String {
        match &self.nonce {
            Some(n) => format!("{PREFIX}{} nonce={n}", self.id),
            None => format!("{PREFIX}{}", self.id),
        }
    }

    /// The marker in a guest's description, if any.
    pub fn parse(description: &str) -> Option<Self> {
        description.lines().find_map(|line| {
            let rest = line.trim().strip_prefix(PREFIX)?;
            let (id, nonce) = match rest.rsplit_once(" nonce=") {
                Some((id, nonce)) => (id, Some(nonce.to_string())),
                None => (rest, None),
            };
            Some(Self {
                id: id.to_string(),
                nonce,
            })
        })
    }

    /// The marker in a guest config (`GET …/config`).
    pub fn of_config(config: &Value) -> Option<Self> {
        Self::parse(config.get("description")?.as_str()?)
    }

    /// Whether `found` proves the guest is ours: same id, and the same nonce when
    /// ours is known.
    pub fn proves(&self, found: &Marker) -> bool {
        self.id == found.id && (self.nonce.is_none() || self.nonce == found.nonce)
    }
}

/// Whether a `tags` value (`a;b`, also `,` or space separated) holds [`TAG`].
pub fn tagged(tags: Option<&str>) -> bool {
    tags.unwrap_or("").split([';', ',', ' ']).any(|t| t == TAG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_prove_ownership() {
        let ours = Marker::new("web 1");
        let parsed = Marker::parse(&format!("notes\n{}\n", ours.description())).unwrap();
        assert_eq!(parsed, ours);
        assert!(ours.proves(&parsed));
        let other = Marker::new("web 1");
        assert_ne!(ours.nonce, other.nonce);
        assert!(!ours.proves(&other), "same id, another create");
        let legacy = Marker::parse("proxmox-lxcri id=web 1").unwrap();
        assert_eq!(legacy.nonce, None);
        assert!(legacy.proves(&ours), "an old record matches on the id");
        assert!(Marker::parse("something else").is_none());
        assert!(tagged(Some("prod;lxcri")) && !tagged(Some("lxcri2")) && !tagged(None));
    }
}
