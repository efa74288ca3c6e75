//! A create request's bundle as a backend needs it: the decoded runtime spec and the
//! rootfs path (`root.path`, relative to the bundle unless absolute; `rootfs` when
//! absent).

use std::path::PathBuf;

use lxcri_plugin_api::{PluginError, types::CreateRequest};
use oci_spec::runtime::Spec;

/// The decoded bundle.
pub struct Bundle {
    pub spec: Spec,
    pub rootfs: PathBuf,
}

/// Decodes `req`'s config and resolves its rootfs; a config that is no runtime spec is
/// invalid input naming what is wrong.
pub fn decode(req: &CreateRequest) -> Result<Bundle, PluginError> {
    let spec: Spec = serde_json::from_value(req.config.clone())
        .map_err(|e| PluginError::invalid_input(format!("config.json: {e}")))?;
    let root = spec
        .root()
        .as_ref()
        .map(|r| r.path().clone())
        .unwrap_or_else(|| "rootfs".into());
    let rootfs = if root.is_absolute() {
        root
    } else {
        req.bundle.join(root)
    };
    Ok(Bundle { spec, rootfs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(config: serde_json::Value) -> CreateRequest {
        CreateRequest {
            bundle: "/b".into(),
            config,
            console_socket: None,
            no_pivot: false,
            no_new_keyring: false,
            preserve_fds: 0,
        }
    }

    #[test]
    fn the_rootfs_is_relative_to_the_bundle_unless_absolute() {
        let spec =
            |root: serde_json::Value| serde_json::json!({"ociVersion": "1.0.2", "root": root});
        let b = decode(&request(spec(serde_json::json!({"path": "rootfs"})))).unwrap();
        assert_eq!(b.rootfs, PathBuf::from("/b/rootfs"));
        let b = decode(&request(spec(serde_json::json!({"path": "/srv/r"})))).unwrap();
        assert_eq!(b.rootfs, PathBuf::from("/srv/r"));
        let e = decode(&request(serde_json::json!({"ociVersion": 5})))
            .err()
            .unwrap();
        assert!(e.message.starts_with("config.json: "), "{e}");
    }
}
