//! `features`: the runtime-spec features document of the selected backend. The host
//! composes it: the spec versions it accepts and its annotations, and whatever the
//! backend declares (`lxcri_plugin_api::features`), so every backend has one, even
//! where its own tool has no `features` command.

use lxcri_plugin_api::{capability, features::merge};
use serde_json::json;

use crate::{
    app::{App, HOST_VERSION, OCI_SPEC_VERSION},
    backend::BackendHandle,
    error::Result,
    routing,
};

pub fn run(app: &App) -> Result<i32> {
    let empty = Default::default();
    let (name, _) = routing::for_new("", app.global.backend.as_deref(), &empty, &app.config);
    let backend = BackendHandle::open(app, name)?;
    let mut doc = json!({"ociVersionMin": "1.0.0", "ociVersionMax": OCI_SPEC_VERSION});
    if backend.info.has_capability(capability::FEATURES) {
        merge(&mut doc, backend.features()?);
    }
    merge(
        &mut doc,
        json!({"annotations": {
            "io.proxmox-lxcri.backend": name,
            "io.proxmox-lxcri.version": HOST_VERSION,
        }}),
    );
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    Ok(0)
}
