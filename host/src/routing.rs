//! Which backend serves a container: 1. the one recorded for an existing container,
//! 2. `--backend` / `$PROXMOX_LXCRI_BACKEND`, 3. the bundle annotation
//! `io.proxmox-lxcri.backend`, 4. config routing rules, 5. `default_backend`, else crun.

use std::collections::BTreeMap;

use crate::{
    config::Config,
    error::{HostError, Result},
};

/// The bundle annotation naming a backend.
pub const BACKEND_ANNOTATION: &str = "io.proxmox-lxcri.backend";
/// Backend used when nothing else decides.
pub const DEFAULT_BACKEND: &str = "crun";

/// Chooses the backend for a new container and says why (for the debug log).
pub fn for_new<'a>(
    id: &str,
    flag: Option<&'a str>,
    annotations: &'a BTreeMap<String, String>,
    config: &'a Config,
) -> (&'a str, &'static str) {
    if let Some(flag) = flag {
        return (flag, "--backend");
    }
    if let Some(name) = annotations.get(BACKEND_ANNOTATION) {
        return (name, "bundle annotation");
    }
    if let Some(rule) = config.routes.iter().find(|r| r.matches(id)) {
        return (&rule.backend, "config routing rule");
    }
    match &config.default_backend {
        Some(name) => (name, "config default_backend"),
        None => (DEFAULT_BACKEND, "built-in default"),
    }
}

/// An existing container stays with its recorded backend; a different `--backend` is
/// an error, not a silent switch.
pub fn for_existing(id: &str, recorded: &str, flag: Option<&str>) -> Result<()> {
    match flag {
        Some(flag) if flag != recorded => Err(HostError::conflict(format!(
            "container '{id}' is served by backend '{recorded}', not '{flag}'"
        ))
        .hint("drop --backend (or PROXMOX_LXCRI_BACKEND) for existing containers")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn precedence_is_flag_annotation_rule_default() {
        let config = Config::parse(
            "default_backend = \"lxc\"\n[[route]]\nid_glob = \"vm-*\"\nbackend = \"proxmox-vm\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let mut ann = BTreeMap::new();
        assert_eq!(for_new("a", None, &ann, &config).0, "lxc");
        assert_eq!(for_new("vm-1", None, &ann, &config).0, "proxmox-vm");
        ann.insert(BACKEND_ANNOTATION.to_string(), "crun".to_string());
        assert_eq!(for_new("vm-1", None, &ann, &config).0, "crun");
        assert_eq!(for_new("vm-1", Some("noop"), &ann, &config).0, "noop");
        assert_eq!(
            for_new("x", None, &BTreeMap::new(), &Config::default()).0,
            "crun"
        );
    }

    #[test]
    fn switching_backend_of_existing_container_is_refused() {
        assert!(for_existing("c", "crun", Some("crun")).is_ok());
        assert!(for_existing("c", "crun", None).is_ok());
        let err = for_existing("c", "crun", Some("lxc")).unwrap_err();
        assert!(err.to_string().contains("served by backend 'crun'"));
    }
}
