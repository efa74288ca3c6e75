//! The commands' unit tests run here: a state root in a temp dir, and a registry of
//! plugins linked into the test binary (`memory`, a backend, and `memstore`, a storage
//! integration with a command), registered through the same ABI objects a loaded
//! file's root module gives. No file is loaded and no runtime runs.

pub mod memory;
pub mod storage;

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::{
    config::Config,
    plugins::Registry,
    services::{ChildHost, Services},
};

/// A host for one test: its own state root and bundles.
pub struct TestHost {
    pub dir: tempfile::TempDir,
    pub svc: Services,
}

impl TestHost {
    pub fn new() -> Self {
        Self::with_config(Config {
            default_backend: Some(memory::NAME.into()),
            ..Config::default()
        })
    }

    pub fn with_config(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        let svc = Services {
            root,
            config,
            registry: Registry::in_process(&[
                memory::module(),
                memory::one_step_module(),
                storage::module(),
            ]),
            plugin_log_level: 0,
            backend_flag: None,
            debug: false,
            child: ChildHost::default(),
            inspected: None,
        };
        Self { dir, svc }
    }

    /// A host whose new containers go to backend `name`.
    pub fn routing_to(name: &str) -> Self {
        let mut host = Self::new();
        host.svc.backend_flag = Some(name.into());
        host
    }

    /// The state root.
    pub fn root(&self) -> &Path {
        &self.svc.root
    }

    /// A bundle named `name` whose process is `args`.
    pub fn bundle(&self, name: &str, args: &[&str]) -> PathBuf {
        self.bundle_with(
            name,
            json!({"args": args, "cwd": "/", "user": {"uid": 0, "gid": 0}}),
            json!({}),
        )
    }

    /// A bundle with `process` and `annotations` as given.
    pub fn bundle_with(
        &self,
        name: &str,
        process: serde_json::Value,
        annotations: serde_json::Value,
    ) -> PathBuf {
        let bundle = self.dir.path().join("bundles").join(name);
        std::fs::create_dir_all(bundle.join("rootfs")).unwrap();
        let config = json!({
            "ociVersion": "1.0.2",
            "process": process,
            "root": {"path": "rootfs"},
            "annotations": annotations,
        });
        std::fs::write(bundle.join("config.json"), config.to_string()).unwrap();
        bundle
    }

    /// Creates container `id` from a bundle whose process is `args`.
    pub fn create(&self, id: &str, args: &[&str]) {
        let bundle = self.bundle(id, args);
        crate::commands::create::run(&self.svc, &create_args(id, &bundle)).unwrap();
    }

    /// Creates and starts container `id`.
    pub fn running(&self, id: &str, args: &[&str]) {
        self.create(id, args);
        crate::commands::start::run(&self.svc, &crate::args::start::StartArgs { id: id.into() })
            .unwrap();
    }

    /// The runtime-spec state `state` prints for `id`.
    pub fn state(&self, id: &str) -> serde_json::Value {
        let mut out = Vec::new();
        crate::commands::state::run(
            &self.svc,
            &crate::args::state::StateArgs { id: id.into() },
            &mut out,
        )
        .unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    /// What the memory backend keeps of `id`.
    pub fn kept(&self, id: &str) -> Option<memory::Kept> {
        memory::kept(self.root(), id)
    }
}

/// `create` arguments for `id` from `bundle`, defaults elsewhere.
pub fn create_args(id: &str, bundle: &Path) -> crate::args::create::CreateArgs {
    crate::args::create::CreateArgs {
        bundle: bundle.to_path_buf(),
        pid_file: None,
        console_socket: None,
        no_pivot: false,
        no_new_keyring: false,
        preserve_fds: 0,
        id: id.into(),
    }
}
