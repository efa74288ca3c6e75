//! Plugin discovery and loading: search path, pre-flight and trust checks, abi_stable
//! loading, and the registry of loaded and rejected files.

pub mod context;
pub mod index;
pub mod load;
pub mod preflight;
pub mod probe;
pub mod registry;
pub mod search_path;
pub mod trust;

pub use registry::Registry;
pub use search_path::{SearchDir, SearchInputs};
