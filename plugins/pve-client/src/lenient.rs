//! Tolerant decoding: Proxmox (Perl) sends numbers and booleans as strings at times
//! (`/cluster/nextid` returns `"100"`).

use serde::{Deserialize, Deserializer, de::Error};
use serde_json::Value;

/// An integer given as a number or a string.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| D::Error::custom("not an integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("not an integer: {s:?}"))),
        other => Err(D::Error::custom(format!("not an integer: {other}"))),
    }
}

/// An optional integer given as a number or a string.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(v) => int(v).map(Some).map_err(D::Error::custom),
    }
}

/// A boolean given as true/false, 0/1 or "0"/"1".
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(Value::Number(n)) => Ok(n.as_i64().unwrap_or(0) != 0),
        Some(Value::String(s)) => Ok(matches!(s.as_str(), "1" | "true")),
        Some(other) => Err(D::Error::custom(format!("not a boolean: {other}"))),
    }
}

/// Integer from any JSON value (for ad-hoc fields).
pub fn value_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "int")]
        a: i64,
        #[serde(deserialize_with = "boolean", default)]
        b: bool,
        #[serde(deserialize_with = "opt_int", default)]
        c: Option<i64>,
    }

    #[test]
    fn numbers_and_bools_as_strings() {
        let t: T = serde_json::from_str(r#"{"a":"100","b":"1","c":"7"}"#).unwrap();
        assert_eq!((t.a, t.b, t.c), (100, true, Some(7)));
        let t: T = serde_json::from_str(r#"{"a":5,"b":0}"#).unwrap();
        assert_eq!((t.a, t.b, t.c), (5, false, None));
    }
}
