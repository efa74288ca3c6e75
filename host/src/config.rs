//! The host config file (TOML): plugin dirs, default backend, routing rules and one
//! table per plugin, handed to that plugin as JSON.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::error::{HostError, Result};

/// Default config path when neither `--config` nor `$PROXMOX_LXCRI_CONFIG` is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/proxmox-lxcri/config.toml";

/// The parsed config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Extra plugin directories, searched after `--plugin-dir` and the environment.
    #[serde(default)]
    pub plugin_dirs: Vec<PathBuf>,
    /// Backend for containers no other rule routes (default `crun`).
    #[serde(default)]
    pub default_backend: Option<String>,
    /// Storage integration (e.g. `zfs`) that holds each new container's rootfs.
    #[serde(default)]
    pub rootfs_storage: Option<String>,
    /// Ordered routing rules on the container id.
    #[serde(default, rename = "route")]
    pub routes: Vec<RouteRule>,
    /// Per-plugin tables: `[plugins.<name>]`.
    #[serde(default)]
    pub plugins: BTreeMap<String, toml::Table>,
    /// Where this config came from (not a key in the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// `[[route]]`: containers whose id matches go to `backend`. Exactly one of `id_glob`
/// and `id_regex` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    #[serde(default)]
    pub id_glob: Option<String>,
    #[serde(default)]
    pub id_regex: Option<String>,
    pub backend: String,
}

impl Config {
    /// Loads the config: an explicit path must exist; the default path may be absent.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_PATH), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(e) => {
                return Err(HostError::io(
                    format!("cannot read config file {}", path.display()),
                    e,
                )
                .hint("pass an existing file with --config or $PROXMOX_LXCRI_CONFIG"));
            }
        };
        let mut config = Self::parse(&text, &path)?;
        config.source = Some(path);
        Ok(config)
    }

    /// Parses and validates config text; errors name the file, the line and the key.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let config: Config =
            toml::from_str(text).map_err(|e| describe_toml_error(text, path, &e))?;
        for (n, rule) in config.routes.iter().enumerate() {
            config.check_rule(n, rule, path)?;
        }
        Ok(config)
    }

    fn check_rule(&self, n: usize, rule: &RouteRule, path: &Path) -> Result<()> {
        let at = format!("config file {}: [[route]] #{}", path.display(), n + 1);
        match (&rule.id_glob, &rule.id_regex) {
            (Some(g), None) => glob::Pattern::new(g)
                .map(|_| ())
                .map_err(|e| HostError::invalid(format!("{at}: invalid id_glob {g:?}: {e}"))),
            (None, Some(r)) => regex::Regex::new(r).map(|_| ()).map_err(|e| {
                let first = e.to_string().lines().last().unwrap_or_default().to_string();
                HostError::invalid(format!("{at}: invalid id_regex {r:?}: {first}"))
            }),
            _ => Err(HostError::invalid(format!(
                "{at}: set exactly one of id_glob and id_regex"
            ))),
        }
    }

    /// The `[plugins.<name>]` table as JSON (`{}` when absent).
    pub fn plugin_json(&self, name: &str) -> String {
        self.plugins
            .get(name)
            .and_then(|t| serde_json::to_string(t).ok())
            .unwrap_or_else(|| "{}".to_string())
    }
}

impl RouteRule {
    /// Whether the rule routes container `id`.
    pub fn matches(&self, id: &str) -> bool {
        if let Some(g) = &self.id_glob {
            return glob::Pattern::new(g).is_ok_and(|p| p.matches(id));
        }
        if let Some(r) = &self.id_regex {
            return regex::Regex::new(r).is_ok_and(|re| re.is_match(id));
        }
        false
    }
}

/// One line: file, line, key and what is wrong.
fn describe_toml_error(text: &str, path: &Path, err: &toml::de::Error) -> HostError {
    let message = err.message().trim().to_string();
    let Some(span) = err.span() else {
        return HostError::invalid(format!("config file {}: {message}", path.display()));
    };
    let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or_default();
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let at = match key {
        Some(key) => format!("line {line_no}, key `{key}`"),
        None => format!("line {line_no}"),
    };
    HostError::invalid(format!("config file {}, {at}: {message}", path.display()))
        .hint("fix the config file; docs/configuration.md lists every key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("/etc/x.toml"))
    }

    #[test]
    fn parses_routes_and_plugin_tables() {
        let c = parse(
            "default_backend = \"lxc\"\n[[route]]\nid_glob = \"web-*\"\nbackend = \"crun\"\n[plugins.crun]\npath = \"/usr/bin/crun\"\n",
        )
        .unwrap();
        assert_eq!(c.default_backend.as_deref(), Some("lxc"));
        assert!(c.routes[0].matches("web-1"));
        assert!(!c.routes[0].matches("db-1"));
        assert_eq!(c.plugin_json("crun"), r#"{"path":"/usr/bin/crun"}"#);
        assert_eq!(c.plugin_json("lxc"), "{}");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("plugin_dirs = []\ndefualt_backend = \"lxc\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/etc/x.toml"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        assert!(msg.contains("defualt_backend"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let msg = parse("default_backend = 3\n").unwrap_err().to_string();
        assert!(msg.contains("line 1, key `default_backend`"), "{msg}");
    }

    #[test]
    fn a_rule_needs_exactly_one_matcher() {
        let msg = parse("[[route]]\nbackend = \"lxc\"\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("exactly one"), "{msg}");
        let msg = parse("[[route]]\nid_regex = \"(\"\nbackend = \"lxc\"\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("invalid id_regex"), "{msg}");
    }
}
