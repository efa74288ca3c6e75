//! Container state under `--root`: validated ids, per-container locks, atomic records.

pub mod id;
pub mod inspect;
pub mod lock;
pub mod store;

pub use store::{ContainerRecord, Locked, Store};
