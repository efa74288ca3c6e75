//! The registry: every plugin found on the search path, loaded or rejected with a
//! one-line reason. A bad file never stops the other plugins from loading.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use lxcri_plugin_api::{
    BackendBox, ErrorKind, IntegrationBox, PluginContext, PluginInfo, PluginModRef,
    info::{KIND_BACKEND, KIND_INTEGRATION},
};

use super::{
    SearchDir,
    index::{Declared, FileId, PluginIndex},
    load::{self, LayoutCheck},
    preflight, probe, trust,
};
use crate::error::{HostError, Result};

/// A plugin that loaded.
pub struct LoadedPlugin {
    pub info: PluginInfo,
    pub path: PathBuf,
    module: PluginModRef,
    init: OnceLock<Result<()>>,
    /// Linked into this program rather than loaded from `path` (tests).
    in_process: bool,
}

/// A file that did not load, and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub path: PathBuf,
    pub reason: String,
    /// Full loader text, shown with `--debug`.
    pub detail: Option<String>,
    /// It crashed or hung when tried in a child: never to be loaded in this process.
    pub fatal: bool,
    /// Refused for its place (trust), not for what it is: moving it may fix it.
    pub untrusted: bool,
    /// It loaded and declared this name, which an earlier file holds already.
    pub duplicate_of: Option<String>,
}

/// Everything discovery found.
#[derive(Default)]
pub struct Registry {
    pub search_path: Vec<SearchDir>,
    pub plugins: Vec<LoadedPlugin>,
    pub rejected: Vec<Rejected>,
}

/// The `.so` files of one directory, sorted; the entry's type comes from the directory
/// listing, so only symlinks cost a stat.
fn plugin_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let path = e.path();
            path.extension().is_some_and(|ext| ext == "so")
                && match e.file_type() {
                    Ok(t) if t.is_symlink() => !path.is_dir(),
                    Ok(t) => !t.is_dir(),
                    Err(_) => false,
                }
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// Where the plugin index lives and which host binary may trust it.
#[derive(Debug, Clone)]
pub struct IndexLocation {
    pub file: PathBuf,
    pub host: Option<FileId>,
}

/// Every plugin file of the search path, in search order; a directory is only read
/// when the files before it did not suffice.
fn files_in_order(search_path: &[SearchDir]) -> impl Iterator<Item = PathBuf> + '_ {
    search_path.iter().flat_map(|d| plugin_files(&d.path))
}

impl Registry {
    /// Scans every directory of `search_path` and loads what it can, and brings the
    /// index (when given) up to date with what each file declared. A file the index
    /// vouches for (this version of it passed every check of this host binary) skips
    /// the pre-flight, the probe and abi_stable's layout check; trust is checked always.
    pub fn discover(
        search_path: Vec<SearchDir>,
        check_trust: bool,
        index: Option<&IndexLocation>,
    ) -> Self {
        let files: Vec<PathBuf> = files_in_order(&search_path).collect();
        let mut registry = Registry {
            search_path,
            ..Default::default()
        };
        let mut known = index.map(|at| PluginIndex::load(&at.file, at.host.clone()));
        for file in files {
            let before = registry.plugins.len();
            let id = FileId::of(&file);
            let declared = known
                .as_ref()
                .zip(id.as_ref())
                .and_then(|(k, id)| k.declared(&file, id).cloned())
                .unwrap_or_default();
            if let Some(reason) = declared.fatal {
                // It crashed or hung before, and has not changed since.
                registry.reject_fatal(file, reason);
                continue;
            }
            // A file the index names passed every check of this host already; one
            // whose name is loaded already is a duplicate, rejected without loading.
            match declared.name {
                Some(name) if registry.find(&name).is_some() => {
                    registry.reject_duplicate(file.clone(), name)
                }
                Some(_) => registry.consider(file.clone(), check_trust, LayoutCheck::AlreadyPassed),
                None => registry.consider(file.clone(), check_trust, LayoutCheck::Full),
            }
            if let (Some(known), Some(id)) = (known.as_mut(), id) {
                registry.remember(known, &file, id, before);
            }
        }
        if let (Some(known), Some(at)) = (known, index) {
            known.save(&at.file, false);
        }
        registry
    }

    /// Records in `index` what `file` declared when [`Registry::consider`] looked at it
    /// (`before` is the number of plugins loaded until then). A file rejected for its
    /// place (trust) is not remembered as broken: moving it elsewhere may fix it.
    fn remember(&self, index: &mut PluginIndex, file: &Path, id: FileId, before: usize) {
        let declared = match self.plugins.get(before) {
            Some(p) => Declared {
                name: Some(p.name().to_string()),
                commands: p.top_commands(),
                fatal: None,
            },
            None => match self.rejected.last() {
                Some(r) if r.path == file && r.fatal => Declared {
                    fatal: Some(r.reason.clone()),
                    ..Declared::default()
                },
                // A duplicate passed every check: its name lets it be skipped later.
                Some(r) if r.path == file && r.duplicate_of.is_some() => Declared {
                    name: r.duplicate_of.clone(),
                    ..Declared::default()
                },
                Some(r) if r.path == file && !r.untrusted => Declared::default(),
                _ => return,
            },
        };
        index.record(file, id, declared);
    }

    /// Loads only the plugins named in `wanted`, using the index to skip files known to
    /// declare other names; the first file of a name in search order still wins. When a
    /// wanted name is not found this way, falls back to a full [`Registry::discover`],
    /// so errors list everything that is installed.
    pub fn load_named(
        search_path: Vec<SearchDir>,
        check_trust: bool,
        wanted: &[String],
        at: &IndexLocation,
    ) -> Self {
        let index = PluginIndex::load(&at.file, at.host.clone());
        Self::load_named_with(index, search_path, check_trust, wanted, at)
    }

    /// For a plugin's own command `top`: loads the one plugin the index names as
    /// contributing it, or every plugin when the index names none or several.
    pub fn load_for_command(
        search_path: Vec<SearchDir>,
        check_trust: bool,
        top: &str,
        at: &IndexLocation,
    ) -> Self {
        let index = PluginIndex::load(&at.file, at.host.clone());
        let owners = index.plugins_with_command(top);
        match owners.as_slice() {
            [owner] => Self::load_named_with(
                index,
                search_path,
                check_trust,
                std::slice::from_ref(owner),
                at,
            ),
            _ => Self::discover(search_path, check_trust, Some(at)),
        }
    }

    fn load_named_with(
        mut index: PluginIndex,
        search_path: Vec<SearchDir>,
        check_trust: bool,
        wanted: &[String],
        at: &IndexLocation,
    ) -> Self {
        let mut registry = Registry {
            search_path: search_path.clone(),
            ..Default::default()
        };
        let mut seen: Vec<String> = Vec::new();
        for file in files_in_order(&search_path) {
            if wanted.iter().all(|w| registry.find(w).is_some()) {
                break;
            }
            let Some(id) = FileId::of(&file) else {
                continue;
            };
            let check = match index.name_of(&file, &id) {
                Some(None) => continue,
                Some(Some(name)) if seen.iter().any(|s| s == name) => continue,
                Some(Some(name)) if !wanted.iter().any(|w| w == name) => {
                    seen.push(name.to_string());
                    continue;
                }
                Some(Some(_)) => LayoutCheck::AlreadyPassed,
                None => LayoutCheck::Full,
            };
            let before = registry.plugins.len();
            registry.consider(file.clone(), check_trust, check);
            registry.remember(&mut index, &file, id, before);
            seen.extend(registry.plugins.get(before).map(|p| p.name().to_string()));
        }
        index.save(&at.file, true);
        if wanted.iter().all(|w| registry.find(w).is_some()) {
            registry
        } else {
            Self::discover(registry.search_path, check_trust, Some(at))
        }
    }

    fn reject(&mut self, path: PathBuf, reason: String, detail: Option<String>) {
        tracing::warn!("skipping plugin {}: {reason}", path.display());
        if let Some(detail) = &detail {
            tracing::debug!("loader said for {}: {detail}", path.display());
        }
        self.rejected.push(Rejected {
            path,
            reason,
            detail,
            fatal: false,
            untrusted: false,
            duplicate_of: None,
        });
    }

    /// Rejects a file that declares the name of a plugin loaded before it.
    fn reject_duplicate(&mut self, path: PathBuf, name: String) {
        let first = self.find(&name).map(|p| p.path.display().to_string());
        let reason = format!(
            "duplicate plugin name '{name}' (already loaded from {})",
            first.unwrap_or_default()
        );
        self.reject(path, reason, None);
        if let Some(r) = self.rejected.last_mut() {
            r.duplicate_of = Some(name);
        }
    }

    /// Rejects a file that crashed or hung when tried in a child.
    fn reject_fatal(&mut self, path: PathBuf, reason: String) {
        self.reject(path, reason, None);
        if let Some(r) = self.rejected.last_mut() {
            r.fatal = true;
        }
    }

    /// Loads one file. Trust is checked every time (a directory's mode can change
    /// without touching the file); the pre-flight and layout checks only for a file
    /// the index does not vouch for.
    fn consider(&mut self, path: PathBuf, check_trust: bool, check: LayoutCheck) {
        if check_trust && let Err(reason) = trust::check(&path, 0) {
            self.reject(path, format!("untrusted: {reason}"), None);
            if let Some(r) = self.rejected.last_mut() {
                r.untrusted = true;
            }
            return;
        }
        if check == LayoutCheck::Full {
            if let Err(reason) = preflight::check(&path) {
                return self.reject(path, reason, None);
            }
            // A file not vouched for yet is tried in a child first.
            if let Err(probe::Failed::Fatal(reason)) = probe::in_child(&path) {
                return self.reject_fatal(path, reason);
            }
        }
        let module = match load::load_module(&path, check) {
            Ok(module) => module,
            Err(failure) => return self.reject(path, failure.reason, Some(failure.detail)),
        };
        let info = (module.info())();
        if !matches!(info.kind, KIND_BACKEND | KIND_INTEGRATION) {
            let reason = format!("unknown plugin kind {}", info.kind);
            return self.reject(path, reason, None);
        }
        if self.find(&info.name).is_some() {
            return self.reject_duplicate(path, info.name.to_string());
        }
        tracing::debug!("loaded plugin {} from {}", info.name, path.display());
        if check == LayoutCheck::AlreadyPassed {
            tracing::debug!(
                "{} passed the interface check of this host before; not checked again",
                path.display()
            );
        }
        self.plugins.push(LoadedPlugin {
            info,
            path,
            module,
            init: OnceLock::new(),
            in_process: false,
        });
    }

    /// A registry of plugins linked into this program: each root module is used as a
    /// loaded file's would be, through the same ABI objects, with no file behind it.
    /// The commands' unit tests run on it.
    #[cfg(test)]
    pub fn in_process(modules: &[PluginModRef]) -> Self {
        let plugins = modules
            .iter()
            .map(|module| {
                let info = (module.info())();
                LoadedPlugin {
                    path: PathBuf::from(format!("(in process)/{}.so", info.name)),
                    info,
                    module: *module,
                    init: OnceLock::new(),
                    in_process: true,
                }
            })
            .collect();
        Registry {
            plugins,
            ..Default::default()
        }
    }

    /// The loaded plugin named `name`.
    pub fn find(&self, name: &str) -> Option<&LoadedPlugin> {
        self.plugins.iter().find(|p| p.info.name.as_str() == name)
    }

    /// Names of loaded plugins of `kind`.
    pub fn names(&self, kind: u32) -> Vec<&str> {
        self.plugins
            .iter()
            .filter(|p| p.info.kind == kind)
            .map(|p| p.info.name.as_str())
            .collect()
    }

    /// The loaded backend plugin `name`, or a clear error listing what is available.
    pub fn backend_plugin(&self, name: &str) -> Result<&LoadedPlugin> {
        match self.find(name) {
            Some(p) if p.info.kind == KIND_BACKEND => Ok(p),
            Some(_) => Err(HostError::invalid(format!(
                "plugin '{name}' is an integration, not a backend"
            ))),
            None => {
                let available = self.names(KIND_BACKEND).join(", ");
                let rejected = self
                    .rejected
                    .iter()
                    .find(|r| {
                        r.path
                            .file_stem()
                            .and_then(|s| s.to_str())
                            .is_some_and(|s| s.trim_start_matches("lib").contains(name))
                    })
                    .map(|r| format!("; {} was rejected: {}", r.path.display(), r.reason))
                    .unwrap_or_default();
                Err(HostError::new(
                    ErrorKind::Unavailable,
                    format!("backend '{name}' is not loaded (available: {available}){rejected}"),
                )
                .hint("install the plugin or add its directory with --plugin-dir; `proxmox-lxcri plugins` shows what was found"))
            }
        }
    }
}

impl LoadedPlugin {
    pub fn name(&self) -> &str {
        self.info.name.as_str()
    }

    /// The first words of the commands an integration contributes.
    pub fn top_commands(&self) -> Vec<String> {
        if self.info.kind != KIND_INTEGRATION {
            return Vec::new();
        }
        let mut tops: Vec<String> = self
            .info
            .commands
            .iter()
            .filter_map(|c| c.path().first().map(|w| w.to_string()))
            .collect();
        tops.sort();
        tops.dedup();
        tops
    }

    /// The context as this plugin gets it: one linked into this program is told so.
    fn context(&self, ctx: &PluginContext) -> PluginContext {
        let mut ctx = ctx.clone();
        if self.in_process {
            ctx.extra_json = r#"{"in_process":true}"#.into();
        }
        ctx
    }

    /// Runs the plugin's `init` once per process.
    fn ensure_init(&self, ctx: &PluginContext) -> Result<()> {
        self.init
            .get_or_init(|| {
                (self.module.init())(&self.context(ctx))
                    .into_result()
                    .map_err(|e| HostError::from_plugin(self.name(), e))
            })
            .clone()
    }

    /// Initialises the plugin and creates its backend object.
    pub fn new_backend(&self, ctx: &PluginContext) -> Result<BackendBox> {
        self.ensure_init(ctx)?;
        (self.module.new_backend())(&self.context(ctx))
            .into_result()
            .map_err(|e| HostError::from_plugin(self.name(), e))
    }

    /// Initialises the plugin and creates its integration object.
    pub fn new_integration(&self, ctx: &PluginContext) -> Result<IntegrationBox> {
        self.ensure_init(ctx)?;
        (self.module.new_integration())(&self.context(ctx))
            .into_result()
            .map_err(|e| HostError::from_plugin(self.name(), e))
    }

    /// A module-level operation (`call(op, json)`).
    pub fn call(&self, ctx: &PluginContext, op: &str, request: &str) -> Result<String> {
        self.ensure_init(ctx)?;
        (self.module.call())(op.into(), request.into())
            .into_result()
            .map(|s| s.into_string())
            .map_err(|e| HostError::from_plugin(self.name(), e))
    }
}
