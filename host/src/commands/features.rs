//! `features`: the OCI features document of the selected backend.

use crate::{app::App, backend::BackendHandle, error::Result, routing};

pub fn run(app: &App) -> Result<i32> {
    let empty = Default::default();
    let (name, _) = routing::for_new("", app.global.backend.as_deref(), &empty, &app.config);
    let backend = BackendHandle::open(app, name)?;
    let features = backend.features()?;
    println!(
        "{}",
        serde_json::to_string_pretty(&features).unwrap_or_default()
    );
    Ok(0)
}
