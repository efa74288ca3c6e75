//! Path normalisation exactly as the reference tool does it (bfc_path_normalize), so
//! that archives we write can be looked up by it, and hostile paths are refused.

use crate::BfcError;

/// Normalises an archive path: relative UTF-8, repeated `/` collapsed, trailing `/`
/// stripped. Refused: empty, leading `/`, leading `./`, any `..` followed by `/` or the
/// end, any path ending in `.`, longer than 65535 bytes.
pub fn normalize(path: &str) -> Result<String, BfcError> {
    let bad = |why: &str| BfcError::BadPath(format!("{path:?}: {why}"));
    if path.is_empty() {
        return Err(bad("empty"));
    }
    if path.starts_with('/') {
        return Err(bad("absolute"));
    }
    if path.starts_with("./") {
        return Err(bad("leading ./"));
    }
    let mut out = String::with_capacity(path.len());
    let mut last_slash = false;
    for c in path.chars() {
        if c == '/' {
            if !last_slash {
                out.push('/');
            }
            last_slash = true;
        } else {
            out.push(c);
            last_slash = false;
        }
    }
    while out.ends_with('/') {
        out.pop();
    }
    if out.is_empty() {
        return Err(bad("empty"));
    }
    let bytes = out.as_bytes();
    for (i, w) in bytes.windows(2).enumerate() {
        if w == b".." && (i + 2 == bytes.len() || bytes[i + 2] == b'/') {
            return Err(bad("contains .."));
        }
    }
    if out.ends_with('.') {
        return Err(bad("ends with ."));
    }
    if out.contains('\0') {
        return Err(bad("contains NUL"));
    }
    if out.len() > 65535 {
        return Err(bad("longer than 65535 bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_the_reference_rules() {
        assert_eq!(normalize("a//b/").unwrap(), "a/b");
        assert_eq!(normalize("a/./b").unwrap(), "a/./b");
        for bad in [
            "",
            "/etc/passwd",
            "./a",
            "..",
            "../x",
            "a/../b",
            "a../b",
            "x..",
            "file.",
            ".",
            "a/b/..",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }
}
