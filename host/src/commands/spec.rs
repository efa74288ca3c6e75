//! `spec [--bundle DIR] [--rootless]`: write a default `config.json`.

use crate::args::spec::SpecArgs;

use crate::{
    error::{HostError, Result},
    version::OCI_SPEC_VERSION,
};

pub fn run(args: &SpecArgs) -> Result<i32> {
    let path = args.bundle.join("config.json");
    if path.exists() {
        return Err(HostError::new(
            lxcri_plugin_api::ErrorKind::AlreadyExists,
            format!("{} exists", path.display()),
        )
        .hint("remove it first"));
    }
    let mut spec = if args.rootless {
        oci_spec::runtime::Spec::rootless(
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        )
    } else {
        oci_spec::runtime::Spec::default()
    };
    // Written for the spec version this host speaks (older runtimes refuse newer ones).
    spec.set_version(OCI_SPEC_VERSION.to_string());
    let text =
        serde_json::to_string_pretty(&spec).map_err(|e| HostError::internal(e.to_string()))?;
    std::fs::write(&path, text + "\n")
        .map_err(|e| HostError::io(format!("cannot write {}", path.display()), e))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::args::spec::SpecArgs;

    #[test]
    fn writes_a_config_that_a_bundle_can_use() {
        let dir = tempfile::tempdir().unwrap();
        let args = SpecArgs {
            bundle: dir.path().to_path_buf(),
            rootless: false,
        };
        run(&args).unwrap();
        let spec: oci_spec::runtime::Spec =
            serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap())
                .unwrap();
        assert_eq!(
            spec.root().as_ref().unwrap().path().to_str(),
            Some("rootfs")
        );
        assert!(run(&args).is_err(), "an existing config.json is kept");
    }

    #[test]
    fn rootless_maps_the_current_user() {
        let dir = tempfile::tempdir().unwrap();
        run(&SpecArgs {
            bundle: dir.path().to_path_buf(),
            rootless: true,
        })
        .unwrap();
        let spec: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap())
                .unwrap();
        let uid = nix::unistd::geteuid().as_raw();
        assert_eq!(spec["linux"]["uidMappings"][0]["hostID"], uid);
    }
}
