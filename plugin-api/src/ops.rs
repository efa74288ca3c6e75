//! The named operations of the module and object `call(op, json)` entries (not part of
//! the frozen ABI; they travel as JSON so that 1.x can grow). Each is a type that names
//! the operation and its request and reply, used on both sides: the host sends an
//! [`Operation::Request`] and reads an [`Operation::Reply`]; a plugin matches
//! [`Operation::NAME`] and decodes with [`request`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    PluginError,
    types::{BackendState, CreateRequest},
};

/// An operation: its name and the shapes of its request and reply.
pub trait Operation {
    const NAME: &'static str;
    type Request: Serialize + DeserializeOwned;
    type Reply: Serialize + DeserializeOwned;
}

/// Decodes the request of `O` (in a plugin's `call`).
pub fn request<O: Operation>(req: Value) -> Result<O::Request, PluginError> {
    serde_json::from_value(req)
        .map_err(|e| PluginError::invalid_input(format!("{}: bad request: {e}", O::NAME)))
}

/// Encodes the reply of `O` (in a plugin's `call`).
pub fn reply<O: Operation>(reply: O::Reply) -> Result<Value, PluginError> {
    serde_json::to_value(reply).map_err(|e| PluginError::internal(format!("{}: {e}", O::NAME)))
}

/// A container id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdRequest {
    pub id: String,
}

/// A backend's `find`: the remote container of `id`, when its local state is lost.
pub struct Find;

/// Where a found container is (backend-specific fields, kept as the record's private
/// data).
pub type Found = Option<Value>;

impl Operation for Find {
    const NAME: &'static str = "find";
    type Request = IdRequest;
    type Reply = Found;
}

/// Storage's `rootfs`: a dataset for container `id` (reused, or made and filled from
/// `from`).
pub struct Rootfs;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RootfsRequest {
    pub id: String,
    #[serde(default)]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RootfsReply {
    pub dataset: String,
    pub mountpoint: PathBuf,
    /// This call made the dataset (and `release` should remove it after a failure).
    pub created: bool,
}

impl Operation for Rootfs {
    const NAME: &'static str = "rootfs";
    type Request = RootfsRequest;
    type Reply = RootfsReply;
}

/// Storage's `release`: removes the dataset `rootfs` made for `id`.
pub struct Release;

impl Operation for Release {
    const NAME: &'static str = "release";
    type Request = IdRequest;
    type Reply = Option<Value>;
}

/// Storage's `dataset_for_path`: the dataset a path lives on, if any.
pub struct DatasetForPath;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathRequest {
    pub path: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatasetReply {
    pub dataset: String,
}

impl Operation for DatasetForPath {
    const NAME: &'static str = "dataset_for_path";
    type Request = PathRequest;
    type Reply = Option<DatasetReply>;
}

/// A snapshot `name` of `dataset`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotRequest {
    pub dataset: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotReply {
    /// `dataset@name`.
    pub snapshot: String,
}

/// Storage's `snapshot`.
pub struct Snapshot;

impl Operation for Snapshot {
    const NAME: &'static str = "snapshot";
    type Request = SnapshotRequest;
    type Reply = SnapshotReply;
}

/// Storage's `rollback`.
pub struct Rollback;

impl Operation for Rollback {
    const NAME: &'static str = "rollback";
    type Request = SnapshotRequest;
    type Reply = SnapshotReply;
}

/// Storage's `has_snapshot`: whether `dataset@name` exists (asked before anything is
/// undone for a rollback).
pub struct HasSnapshot;

impl Operation for HasSnapshot {
    const NAME: &'static str = "has_snapshot";
    type Request = SnapshotRequest;
    type Reply = bool;
}

/// An archive's `pack`: a bundle into one file.
pub struct Pack;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackRequest {
    pub bundle: PathBuf,
    pub output: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<i64>,
}

/// What a command-like operation says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageReply {
    pub message: String,
}

impl Operation for Pack {
    const NAME: &'static str = "pack";
    type Request = PackRequest;
    type Reply = MessageReply;
}

/// An archive's `unpack`: a file into a bundle.
pub struct Unpack;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnpackRequest {
    pub archive: PathBuf,
    pub bundle: PathBuf,
}

impl Operation for Unpack {
    const NAME: &'static str = "unpack";
    type Request = UnpackRequest;
    type Reply = MessageReply;
}

/// A backend's `run` (capability `run`): create and start container `id` in one step,
/// as `crun run` does in one process. Detached, it returns the running container;
/// attached, it waits for the process, removes the container and returns the status.
pub struct Run;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunRequest {
    pub id: String,
    /// The container's private dir.
    pub dir: PathBuf,
    pub create: CreateRequest,
    /// Return once the process runs instead of waiting for it.
    pub detach: bool,
    /// Attached: where the process's pid goes once it exists (the caller's
    /// `--pid-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunReply {
    /// Detached: the running container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<BackendState>,
    /// Attached: the process's exit status (128 + n for signal n).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

impl Operation for Run {
    const NAME: &'static str = "run";
    type Request = RunRequest;
    type Reply = RunReply;
}
