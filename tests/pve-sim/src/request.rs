//! A decoded API request: method, path, merged parameters (path, query, body) and the
//! authenticated user.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path below /api2/json.
    pub path: String,
    pub template: String,
    pub params: BTreeMap<String, Value>,
    /// `user@realm` or `user@realm!token`.
    pub user: String,
    /// Raw upload (multipart file part), if any.
    pub upload: Option<(String, Vec<u8>)>,
}

impl Request {
    pub fn str(&self, name: &str) -> Option<String> {
        self.params.get(name).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(|s| s.trim().parse().ok())
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.params.get(name), Some(Value::Bool(true)))
            || self.str(name).is_some_and(|s| s == "1")
    }

    pub fn node(&self) -> String {
        self.str("node").unwrap_or_default()
    }

    pub fn vmid(&self) -> u32 {
        self.int("vmid").unwrap_or_default() as u32
    }
}

/// Adds `key=value` pairs; a repeated key becomes an array (form-encoded arrays).
pub fn merge_pairs(
    params: &mut BTreeMap<String, Value>,
    pairs: impl Iterator<Item = (String, String)>,
) {
    for (k, v) in pairs {
        match params.remove(&k) {
            None => {
                params.insert(k, Value::String(v));
            }
            Some(Value::Array(mut list)) => {
                list.push(Value::String(v));
                params.insert(k, Value::Array(list));
            }
            Some(first) => {
                params.insert(k, Value::Array(vec![first, Value::String(v)]));
            }
        }
    }
}
