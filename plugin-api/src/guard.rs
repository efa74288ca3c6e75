//! The panic guard: no panic may cross the ABI (abi_stable would end the process).

use std::panic::{AssertUnwindSafe, catch_unwind};

use abi_stable::std_types::{RErr, ROk, RResult};

use crate::PluginError;

/// Runs `f`, turning an escaping panic into [`crate::ErrorKind::Internal`].
/// Every exported entry point of a plugin goes through this.
pub fn guard<T>(f: impl FnOnce() -> Result<T, PluginError>) -> RResult<T, PluginError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => ROk(value),
        Ok(Err(err)) => RErr(err),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_string());
            RErr(
                PluginError::internal(format!("plugin panicked: {what}"))
                    .with_hint("this is a bug in the plugin; report it with the --debug log"),
            )
        }
    }
}

/// Routes the plugin's panic messages to its log instead of stderr (the guard turns the
/// panic itself into an error).
pub fn quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        tracing::error!("panic: {info}");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn panics_become_internal_errors() {
        let out: RResult<(), PluginError> = guard(|| panic!("boom"));
        let err = out.into_result().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(err.message.contains("boom"));
    }

    #[test]
    fn values_and_errors_pass_through() {
        assert_eq!(guard(|| Ok(3)).into_result().unwrap(), 3);
        let err = guard::<()>(|| Err(PluginError::not_found("x")))
            .into_result()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
}
