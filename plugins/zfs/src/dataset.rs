//! Dataset operations: one dataset per container below the configured parent, tagged
//! with the user property `org.proxmox-lxcri:id`.

use std::path::Path;

use lxcri_plugin_api::PluginError;
use serde::Serialize;

use crate::cli::Zfs;

/// The user property that ties a dataset to a container id.
pub const ID_PROPERTY: &str = "org.proxmox-lxcri:id";

#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub name: String,
    pub id: String,
    pub mountpoint: String,
    pub used: String,
}

fn valid(kind: &str, s: &str) -> Result<(), PluginError> {
    let ok = !s.is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:+".contains(c))
        && !s.starts_with(['-', '.']);
    if ok {
        Ok(())
    } else {
        Err(PluginError::invalid_input(format!("invalid {kind} {s:?}")))
    }
}

/// How often a destroy retries a dataset that is busy only because a container that
/// just ended still holds its FUSE mount (about 5 s in all).
const RELEASE_RETRIES: u64 = 14;

/// A dataset mounted in another mount namespace (a running container's rootfs) is
/// busy: zfs-fuse would unmount the host's view and go on.
fn refuse_if_in_use(dataset: &str) -> Result<(), PluginError> {
    match crate::in_use::user_of(dataset) {
        Some(pid) => Err(PluginError::conflict(format!(
            "dataset '{dataset}' is busy: mounted by process {pid} (a running container?)"
        ))
        .with_hint("stop the container that uses it first")),
        None => Ok(()),
    }
}

impl Zfs {
    fn parent(&self) -> Result<&str, PluginError> {
        self.cfg.parent.as_deref().ok_or_else(|| {
            PluginError::invalid_input("no parent dataset configured")
                .with_hint("set parent = \"POOL/DATASET\" in [plugins.zfs]")
        })
    }

    /// `<parent>/<id>`.
    pub fn name(&self, id: &str) -> Result<String, PluginError> {
        valid("container id", id)?;
        Ok(format!("{}/{id}", self.parent()?))
    }

    fn snap(&self, id: &str, snapshot: &str) -> Result<String, PluginError> {
        valid("snapshot name", snapshot)?;
        Ok(format!("{}@{snapshot}", self.name(id)?))
    }

    /// Makes sure the parent exists (creating it below an existing pool).
    fn ensure_parent(&self) -> Result<(), PluginError> {
        let parent = self.parent()?;
        match self.zfs(&["list", "-H", "-o", "name", parent]) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == lxcri_plugin_api::ErrorKind::Unavailable => return Err(e),
            Err(_) => {}
        }
        let pool = parent.split('/').next().unwrap_or(parent);
        if let Err(e) = self.zpool(&["list", "-H", "-o", "name", pool]) {
            if e.kind() == lxcri_plugin_api::ErrorKind::Unavailable {
                return Err(e);
            }
            return Err(
                PluginError::not_found(format!("ZFS pool '{pool}' does not exist"))
                    .with_hint("create or import the pool, or fix parent in [plugins.zfs]"),
            );
        }
        self.zfs(&["create", "-p", parent]).map(|_| ())
    }

    /// Mounts `dataset` (and makes sure its parents are) if zfs left it unmounted.
    pub fn ensure_mounted(&self, dataset: &str) -> Result<(), PluginError> {
        let mut prefix = String::new();
        for part in dataset.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            if self
                .zfs(&["get", "-H", "-o", "value", "mounted", &prefix])?
                .trim()
                == "no"
            {
                self.zfs(&["mount", &prefix])?;
            }
        }
        Ok(())
    }

    pub fn mountpoint(&self, dataset: &str) -> Result<String, PluginError> {
        Ok(self
            .zfs(&["get", "-H", "-o", "value", "mountpoint", dataset])?
            .trim()
            .to_string())
    }

    /// Creates the container's dataset (optionally a clone of `from` = `ID@SNAP` or a
    /// full snapshot name), with `-o` properties; returns (dataset, mountpoint).
    pub fn create(
        &self,
        id: &str,
        from: Option<&str>,
        props: &[String],
    ) -> Result<(String, String), PluginError> {
        let name = self.name(id)?;
        self.ensure_parent()?;
        let tag = format!("{ID_PROPERTY}={id}");
        let mut args: Vec<&str> = Vec::new();
        let origin;
        match from {
            Some(f) => {
                origin = if f.contains('/') {
                    f.to_string()
                } else {
                    let (i, s) = f.split_once('@').unwrap_or((f, ""));
                    self.snap(i, s)?
                };
                args.extend(["clone", "-o", &tag]);
                for p in props {
                    args.extend(["-o", p.as_str()]);
                }
                args.extend([origin.as_str(), name.as_str()]);
            }
            None => {
                args.extend(["create", "-o", &tag]);
                for p in props {
                    args.extend(["-o", p.as_str()]);
                }
                args.push(&name);
            }
        }
        self.zfs(&args)?;
        self.ensure_mounted(&name)?;
        let mp = self.mountpoint(&name)?;
        Ok((name, mp))
    }

    /// A container's rootfs dataset: the existing one (a restore, a re-create), or a
    /// new one filled from `from`; a new one that cannot be filled is destroyed again.
    /// Returns the dataset, its mountpoint and whether it was made now.
    pub fn rootfs(
        &self,
        id: &str,
        from: Option<&Path>,
    ) -> Result<(String, String, bool), PluginError> {
        let name = self.name(id)?;
        if self.zfs(&["list", "-H", "-o", "name", &name]).is_ok() {
            self.ensure_mounted(&name)?;
            return Ok((name.clone(), self.mountpoint(&name)?, false));
        }
        let (name, mp) = self.create(id, None, &[])?;
        if let Some(Err(e)) = from.map(|f| crate::populate::copy_tree(f, Path::new(&mp))) {
            let _ = self.destroy(id, true);
            return Err(PluginError::backend(format!(
                "cannot fill {name} from the bundle's rootfs: {e}"
            )));
        }
        Ok((name, mp, true))
    }

    pub fn destroy(&self, id: &str, recursive: bool) -> Result<(), PluginError> {
        let name = self.name(id)?;
        refuse_if_in_use(&name)?;
        let args: &[&str] = if recursive {
            &["destroy", "-r", &name]
        } else {
            &["destroy", &name]
        };
        // The kernel lets go of a FUSE mount that a just-ended container used a moment
        // after the container is gone; until then zfs-fuse says busy. Nothing else has
        // it mounted (checked above), so wait a little for that before giving up.
        let mut result = self.zfs(args);
        for attempt in 1..=RELEASE_RETRIES {
            match &result {
                Err(e) if e.kind() == lxcri_plugin_api::ErrorKind::Conflict => {
                    std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
                    let _ = self.zfs(&["umount", &name]);
                    result = self.zfs(args);
                }
                _ => break,
            }
        }
        result.map(|_| ())
    }

    pub fn snapshot(&self, id: &str, snapshot: &str) -> Result<String, PluginError> {
        let s = self.snap(id, snapshot)?;
        self.zfs(&["snapshot", &s])?;
        Ok(s)
    }

    /// Rolls back to `snapshot`, discarding later snapshots.
    pub fn rollback(&self, id: &str, snapshot: &str) -> Result<String, PluginError> {
        valid("snapshot name", snapshot)?;
        self.rollback_dataset(&self.name(id)?, snapshot)
    }

    /// Rolls `dataset` back to `dataset@snapshot` (later snapshots are destroyed),
    /// unless a running container has the dataset mounted.
    pub fn rollback_dataset(&self, dataset: &str, snapshot: &str) -> Result<String, PluginError> {
        refuse_if_in_use(dataset)?;
        let s = format!("{dataset}@{snapshot}");
        self.zfs(&["rollback", "-r", &s])?;
        Ok(s)
    }

    /// Whether `dataset@snapshot` exists.
    pub fn has_snapshot(&self, dataset: &str, snapshot: &str) -> Result<bool, PluginError> {
        valid("snapshot name", snapshot)?;
        let s = format!("{dataset}@{snapshot}");
        match self.rows(&["-t", "snapshot", "-o", "name", &s]) {
            Ok(rows) => Ok(!rows.is_empty()),
            Err(e) if e.kind() == lxcri_plugin_api::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn snapshots(&self, id: &str) -> Result<Vec<String>, PluginError> {
        let name = self.name(id)?;
        Ok(self
            .rows(&[
                "-t", "snapshot", "-o", "name", "-s", "creation", "-r", &name,
            ])?
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .collect())
    }

    /// Datasets below the parent that carry the id property.
    pub fn list(&self) -> Result<Vec<Dataset>, PluginError> {
        let parent = self.parent()?.to_string();
        let rows = match self.rows(&[
            "-r",
            "-t",
            "filesystem",
            "-o",
            &format!("name,{ID_PROPERTY},mountpoint,used"),
            &parent,
        ]) {
            Err(e) if e.kind() == lxcri_plugin_api::ErrorKind::NotFound => return Ok(Vec::new()),
            other => other?,
        };
        Ok(rows
            .into_iter()
            .filter(|r| r.len() >= 4 && r[1] != "-")
            .map(|r| Dataset {
                name: r[0].clone(),
                id: r[1].clone(),
                mountpoint: r[2].clone(),
                used: r[3].clone(),
            })
            .collect())
    }

    pub fn send(&self, id: &str, snapshot: &str, file: &Path) -> Result<(), PluginError> {
        let s = self.snap(id, snapshot)?;
        let out = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(file)
            .map_err(|e| {
                PluginError::invalid_input(format!("cannot create {}: {e}", file.display()))
            })?;
        let sent = self.send_to(&s, out);
        if sent.is_err() {
            let _ = std::fs::remove_file(file);
        }
        sent
    }

    pub fn receive(&self, file: &Path, id: &str) -> Result<String, PluginError> {
        let name = self.name(id)?;
        self.ensure_parent()?;
        let input = std::fs::File::open(file)
            .map_err(|e| PluginError::not_found(format!("cannot open {}: {e}", file.display())))?;
        self.receive_from(&name, input)?;
        self.zfs(&["set", &format!("{ID_PROPERTY}={id}"), &name])?;
        Ok(name)
    }

    /// The dataset mounted exactly at `path`, if any.
    pub fn dataset_for_path(&self, path: &Path) -> Result<Option<String>, PluginError> {
        let want = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let rows = self.rows(&["-t", "filesystem", "-o", "name,mountpoint"])?;
        Ok(rows
            .into_iter()
            .find(|r| r.len() >= 2 && Path::new(&r[1]) == want)
            .map(|r| r[0].clone()))
    }
}
