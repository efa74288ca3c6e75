//! Request validation against the real Proxmox VE schema subset
//! (`schema/pve-api-subset.json`, copied from the reference): unknown parameters,
//! missing required ones, wrong types, ranges, lengths, patterns, enums and property
//! strings are refused with Proxmox's own 400 messages.

use std::{collections::BTreeMap, sync::OnceLock};

use serde_json::{Map, Value};

static SCHEMA: &str = include_str!("../schema/pve-api-subset.json");

/// The parsed schema.
pub struct Schema {
    paths: Vec<(Vec<String>, String, Map<String, Value>)>,
    index_ranges: Value,
}

/// A matched endpoint: its template and the path parameters.
#[derive(Debug, Clone)]
pub struct Matched {
    pub template: String,
    pub path_params: BTreeMap<String, String>,
}

/// Errors per parameter, as Proxmox puts them into `errors`.
pub type ParamErrors = BTreeMap<String, String>;

pub fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let doc: Value = serde_json::from_str(SCHEMA).expect("schema JSON");
        let paths = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .map(|(template, methods)| {
                let segs = template
                    .trim_matches('/')
                    .split('/')
                    .map(str::to_string)
                    .collect();
                (
                    segs,
                    template.clone(),
                    methods.as_object().cloned().unwrap_or_default(),
                )
            })
            .collect();
        Schema {
            paths,
            index_ranges: doc["_index_ranges"].clone(),
        }
    })
}

impl Schema {
    /// Finds the endpoint for `path` (relative to /api2/json). Returns whether the
    /// method exists there too.
    pub fn find(&self, method: &str, path: &str) -> Option<(Matched, Option<&Map<String, Value>>)> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        for (segs, template, methods) in &self.paths {
            if segs.len() != parts.len() {
                continue;
            }
            let mut params = BTreeMap::new();
            let ok = segs.iter().zip(&parts).all(|(seg, part)| {
                if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    params.insert(name.to_string(), url_decode(part));
                    !part.is_empty()
                } else {
                    seg == part
                }
            });
            if ok {
                let info = methods.get(method).and_then(|m| m.as_object());
                return Some((
                    Matched {
                        template: template.clone(),
                        path_params: params,
                    },
                    info,
                ));
            }
        }
        None
    }

    fn property<'a>(
        &self,
        props: &'a Map<String, Value>,
        kind: &str,
        name: &str,
    ) -> Option<&'a Value> {
        if let Some(p) = props.get(name) {
            return Some(p);
        }
        let split = name.find(|c: char| c.is_ascii_digit())?;
        let (base, index) = name.split_at(split);
        let index: u64 = index.parse().ok()?;
        let prop = props.get(&format!("{base}[n]"))?;
        let range = &self.index_ranges[kind][base];
        let max = range[1].as_u64().unwrap_or(u64::MAX);
        (index <= max).then_some(prop)
    }

    /// Validates merged parameters against an endpoint's `parameters`.
    pub fn validate(
        &self,
        template: &str,
        info: &Map<String, Value>,
        params: &BTreeMap<String, Value>,
    ) -> Result<(), ParamErrors> {
        let kind = if template.contains("/qemu") {
            "qemu"
        } else {
            "lxc"
        };
        let Some(spec) = info.get("parameters") else {
            return Ok(());
        };
        let props = spec["properties"].as_object().cloned().unwrap_or_default();
        let additional = spec["additionalProperties"].as_i64().unwrap_or(1) != 0
            || spec["additionalProperties"].as_bool() == Some(true);
        let mut errors = ParamErrors::new();
        for (name, value) in params {
            match self.property(&props, kind, name) {
                Some(prop) => {
                    if let Err(e) = check_value(prop, value) {
                        errors.insert(name.clone(), e);
                    }
                }
                None if !additional => {
                    errors.insert(
                        name.clone(),
                        "property is not defined in schema and the schema does not allow additional properties".into(),
                    );
                }
                None => {}
            }
        }
        for (name, prop) in &props {
            if name.contains("[n]")
                || prop["optional"].as_i64() == Some(1)
                || prop["optional"].as_bool() == Some(true)
            {
                continue;
            }
            if !params.contains_key(name) {
                errors.insert(
                    name.clone(),
                    "property is missing and it is not optional".into(),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn perl_regex(pattern: &str) -> Option<regex::Regex> {
    let p = pattern.replace("(?^:", "(?:").replace("\\0", "\\x00");
    regex::Regex::new(&format!("^(?:{p})$")).ok()
}

/// Checks one value against a property schema.
pub fn check_value(prop: &Value, value: &Value) -> Result<(), String> {
    let ty = prop["type"].as_str().unwrap_or("string");
    match ty {
        "integer" => {
            let n = match value {
                Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or_default(),
                Value::String(s) => s
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| format!("type check ('integer') failed - got '{s}'"))?,
                other => {
                    return Err(format!(
                        "type check ('integer') failed - got '{}'",
                        as_text(other)
                    ));
                }
            };
            range(prop, n as f64)?;
        }
        "number" => {
            let n = match value {
                Value::Number(n) => n.as_f64().unwrap_or_default(),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("type check ('number') failed - got '{s}'"))?,
                other => {
                    return Err(format!(
                        "type check ('number') failed - got '{}'",
                        as_text(other)
                    ));
                }
            };
            range(prop, n)?;
        }
        "boolean" => match value {
            Value::Bool(_) => {}
            Value::Number(n) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {}
            Value::String(s) if s == "0" || s == "1" => {}
            other => {
                return Err(format!(
                    "type check ('boolean') failed - got '{}'",
                    as_text(other)
                ));
            }
        },
        "array" => {
            if !value.is_array() && !value.is_string() {
                return Err(format!(
                    "type check ('array') failed - got '{}'",
                    as_text(value)
                ));
            }
        }
        _ => {
            let text = as_text(value);
            if let Some(max) = prop["maxLength"].as_u64()
                && text.chars().count() as u64 > max
            {
                return Err(format!("value may only be {max} characters long"));
            }
            if let Some(values) = prop["enum"].as_array() {
                let allowed: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
                if !allowed.contains(&text.as_str()) {
                    return Err(format!(
                        "value '{text}' does not have a value in the enumeration '{}'",
                        allowed.join(", ")
                    ));
                }
            }
            if let Some(pattern) = prop["pattern"].as_str()
                && let Some(re) = perl_regex(pattern)
                && !re.is_match(&text)
            {
                return Err("value does not match the regex pattern".into());
            }
            match &prop["format"] {
                Value::Object(fmt) => check_property_string(fmt, &text)?,
                Value::String(name) => check_named_format(name, &text)?,
                _ => {}
            }
        }
    }
    Ok(())
}

fn range(prop: &Value, n: f64) -> Result<(), String> {
    if let Some(min) = prop["minimum"].as_f64()
        && n < min
    {
        return Err(format!("value must have a minimum value of {min}"));
    }
    if let Some(max) = prop["maximum"].as_f64()
        && n > max
    {
        return Err(format!("value must have a maximum value of {max}"));
    }
    Ok(())
}

/// Verifiers named by `format` strings (a few of pve-common's).
fn check_named_format(name: &str, text: &str) -> Result<(), String> {
    let ok = match name {
        "pve-node" | "dns-name" => regex::Regex::new(r"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)*$")
            .map(|re| re.is_match(text))
            .unwrap_or(true),
        "pve-vmid" => text.parse::<u64>().is_ok_and(|n| (100..=999_999_999).contains(&n)),
        "pve-storage-id" => regex::Regex::new(r"^[a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]$")
            .map(|re| re.is_match(text))
            .unwrap_or(true),
        "pve-configid" => regex::Regex::new(r"^(?i)[a-z][a-z0-9_-]+$")
            .map(|re| re.is_match(text))
            .unwrap_or(true),
        "pve-tag-list" => text
            .split([';', ',', ' '])
            .filter(|t| !t.is_empty())
            .all(|t| t.chars().all(|c| c.is_ascii_alphanumeric() || "-_+.".contains(c))),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid format - value '{text}' does not look like a valid {name}"
        ))
    }
}

/// Validates a Proxmox property string (`key=value,key=value`, with an optional
/// default key given without `key=`).
fn check_property_string(fmt: &Map<String, Value>, text: &str) -> Result<(), String> {
    let default_key = fmt
        .iter()
        .find(|(_, v)| {
            v["default_key"].as_i64() == Some(1) || v["default_key"].as_bool() == Some(true)
        })
        .map(|(k, _)| k.clone());
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = match part.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => match &default_key {
                Some(k) => (k.clone(), part.to_string()),
                None => {
                    return Err(format!(
                        "invalid format - value without key, but schema does not define a default key: '{part}'"
                    ));
                }
            },
        };
        let prop = fmt.get(&key).or_else(|| {
            fmt.values()
                .find(|v| v["alias"].as_str() == Some(&key) || v["keyAlias"].as_str() == Some(&key))
        });
        let Some(prop) = prop else {
            // keyAlias entries such as qemu net `virtio=MAC` map the key itself.
            if fmt.values().any(|v| v["keyAlias"].is_string()) || fmt.contains_key("model") {
                continue;
            }
            return Err(format!(
                "invalid format - format error\n{key}: property is not defined in schema and the schema does not allow additional properties"
            ));
        };
        if prop["alias"].is_string() {
            continue;
        }
        check_value(prop, &Value::String(value))
            .map_err(|e| format!("invalid format - format error\n{key}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> BTreeMap<String, Value> {
        list.iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    #[test]
    fn lxc_create_validation_matches_proxmox_messages() {
        let s = schema();
        let (m, info) = s.find("POST", "/nodes/pve1/lxc").unwrap();
        let info = info.unwrap();
        let mut p = params(&[
            ("node", "pve1"),
            ("vmid", "100"),
            ("ostemplate", "local:vztmpl/x.tar.zst"),
            ("memory", "512"),
            ("net0", "name=eth0,bridge=vmbr0,ip=dhcp"),
        ]);
        s.validate(&m.template, info, &p).unwrap();
        p.insert("bogus".into(), Value::String("1".into()));
        p.insert("memory".into(), Value::String("8".into()));
        p.insert("unprivileged".into(), Value::String("true".into()));
        p.remove("ostemplate");
        let errs = s.validate(&m.template, info, &p).unwrap_err();
        assert!(errs["bogus"].contains("not defined in schema"));
        assert_eq!(errs["memory"], "value must have a minimum value of 16");
        assert!(errs["unprivileged"].contains("type check ('boolean') failed"));
        assert_eq!(
            errs["ostemplate"],
            "property is missing and it is not optional"
        );
        p = params(&[
            ("node", "pve1"),
            ("vmid", "100"),
            ("ostemplate", "x"),
            ("net0", "name=eth0,colour=blue"),
        ]);
        let errs = s.validate(&m.template, info, &p).unwrap_err();
        assert!(errs["net0"].contains("colour"), "{errs:?}");
    }

    #[test]
    fn path_templates_match_with_params() {
        let (m, info) = schema()
            .find("POST", "/nodes/pve2/qemu/101/status/start")
            .unwrap();
        assert!(info.is_some());
        assert_eq!(m.path_params["node"], "pve2");
        assert_eq!(m.path_params["vmid"], "101");
        assert!(schema().find("GET", "/nodes/pve2/nothing").is_none());
    }
}
