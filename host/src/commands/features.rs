//! `features`: the runtime-spec features document of the selected backend. The host
//! composes it: the spec versions it accepts and its annotations, and whatever the
//! backend declares, so every backend has one, even
//! where its own tool has no `features` command.

use std::io::Write;

use super::output;
use lxcri_plugin_api::capability;
use serde_json::{Value, json};

use crate::{
    backend::BackendHandle,
    error::Result,
    routing,
    services::Services,
    version::{HOST_VERSION, OCI_SPEC_VERSION},
};

pub fn run(svc: &Services, out: &mut dyn Write) -> Result<i32> {
    let empty = Default::default();
    let (name, _) = routing::for_new("", svc.backend_flag(), &empty, &svc.config);
    let backend = BackendHandle::open(svc, name)?;
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
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
    .map_err(output)?;
    Ok(0)
}

/// Merges `part` into `doc` (objects key by key; anything else replaces).
fn merge(doc: &mut Value, part: Value) {
    match (doc, part) {
        (Value::Object(d), Value::Object(p)) => {
            for (k, v) in p {
                merge(d.entry(k).or_insert(Value::Null), v);
            }
        }
        (d, p) => *d = p,
    }
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::testing::{TestHost, memory};

    #[test]
    fn composes_the_hosts_part_and_the_backends() {
        let host = TestHost::new();
        let mut out = Vec::new();
        run(&host.svc, &mut out).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["ociVersionMax"], crate::version::OCI_SPEC_VERSION);
        assert_eq!(doc["linux"]["namespaces"][0], "pid");
        assert_eq!(doc["annotations"]["io.proxmox-lxcri.backend"], memory::NAME);
    }
}
