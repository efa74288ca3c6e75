//! A blocking façade for plugins: the client on a private current-thread runtime
//! (nothing async crosses the plugin ABI).

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{PveClient, PveError, client::Params, config::ConnectionConfig, task::TaskOk};

/// The client plus its runtime.
pub struct Pve {
    runtime: tokio::runtime::Runtime,
    client: PveClient,
}

impl Pve {
    pub fn new(cfg: &ConnectionConfig) -> Result<Self, PveError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| PveError::Config(format!("cannot start the client runtime: {e}")))?;
        let client = runtime.block_on(async { PveClient::new(cfg) })?;
        Ok(Self { runtime, client })
    }

    /// The async client, for what runs inside [`Pve::block_on`].
    pub fn client(&self) -> &PveClient {
        &self.client
    }

    /// Runs `f` on the client's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// How long a task may run before waiting for it gives up.
    pub fn task_timeout(&self) -> std::time::Duration {
        self.client.task_timeout()
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str, query: Params) -> Result<T, PveError> {
        self.runtime.block_on(self.client.get(path, query))
    }

    pub fn post(&self, path: &str, params: Params) -> Result<Value, PveError> {
        self.runtime
            .block_on(self.client.call(Method::POST, path, params))
    }

    pub fn put(&self, path: &str, params: Params) -> Result<Value, PveError> {
        self.runtime
            .block_on(self.client.call(Method::PUT, path, params))
    }

    /// POST that returns a UPID, waited for.
    pub fn post_task(&self, path: &str, params: Params) -> Result<TaskOk, PveError> {
        self.runtime
            .block_on(self.client.run_task(Method::POST, path, params))
    }

    /// DELETE that returns a UPID, waited for.
    pub fn delete_task(&self, path: &str, params: Params) -> Result<TaskOk, PveError> {
        self.runtime
            .block_on(self.client.run_task(Method::DELETE, path, params))
    }

    pub fn wait(&self, upid: &str) -> Result<TaskOk, PveError> {
        self.runtime.block_on(self.client.wait(upid))
    }

    pub fn upload(
        &self,
        node: &str,
        storage: &str,
        content: &str,
        filename: &str,
        source: &std::path::Path,
    ) -> Result<TaskOk, PveError> {
        self.runtime
            .block_on(self.client.upload(node, storage, content, filename, source))
    }
}
