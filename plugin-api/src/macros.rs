//! `declare_plugin!`: the whole ABI boilerplate of a plugin in one macro call.

/// Declares the plugin's root module.
///
/// ```ignore
/// lxcri_plugin_api::declare_plugin! {
///     info: || PluginInfo::backend("mine", env!("CARGO_PKG_VERSION"), "my backend"),
///     backend: |ctx: &PluginContext| Mine::new(ctx),
/// }
/// ```
/// Keys, in this order, all but `info` optional:
/// - `info`: `fn() -> PluginInfo`;
/// - `init`: `fn(&PluginContext) -> Result<(), PluginError>` (log forwarding and the
///   quiet panic hook are installed before it runs);
/// - `backend`: `fn(&PluginContext) -> Result<impl BackendPlugin, PluginError>`;
/// - `integration`: `fn(&PluginContext) -> Result<impl IntegrationPlugin, PluginError>`;
/// - `call`: `fn(&str, serde_json::Value) -> Result<serde_json::Value, PluginError>`.
///
/// Every entry point runs inside [`crate::guard`].
#[macro_export]
macro_rules! declare_plugin {
    ($($keys:tt)*) => {
        // What `#[abi_stable::export_root_module]` expands to, spelled with `$crate`
        // paths so that plugins need no direct abi_stable dependency, and built on
        // public functions only.
        #[unsafe(no_mangle)]
        pub static _1as_0lib_1header_0root_bmodule_bloader:
            $crate::reexports::abi_stable::library::LibHeader = {
            extern "C" fn erased_module() -> $crate::reexports::abi_stable::library::RootModuleResult {
                $crate::root::export(lxcri_plugin_root_module)
            }
            unsafe {
                $crate::reexports::abi_stable::library::LibHeader::from_constructor::<$crate::PluginModRef>(
                    erased_module,
                    $crate::reexports::abi_stable::library::CheckTypeLayout::Yes,
                )
            }
        };

        /// This plugin's root module, as the host gets it from the loaded file (also
        /// what an in-process host, such as a test, registers directly).
        pub fn lxcri_plugin_root_module() -> $crate::PluginModRef {
            $crate::plugin_module! { $($keys)* }
        }
    };
}

/// Builds a root module from the same keys as [`declare_plugin!`], without exporting
/// it: an expression of type [`crate::PluginModRef`]. A host that links a plugin
/// directly (tests do) registers this value; it crosses the same ABI objects as a
/// loaded file's.
#[macro_export]
macro_rules! plugin_module {
    (
        info: $info:expr
        $(, init: $init:expr)?
        $(, backend: $backend:expr)?
        $(, integration: $integration:expr)?
        $(, call: $call:expr)?
        $(,)?
    ) => {{
        use $crate::reexports::abi_stable::prefix_type::PrefixTypeTrait as _;

        extern "C" fn __lxcri_info() -> $crate::PluginInfo {
            let info: fn() -> $crate::PluginInfo = $info;
            info()
        }

        extern "C" fn __lxcri_init(ctx: &$crate::PluginContext) -> $crate::PResult<()> {
            $crate::guard(|| {
                if !ctx.in_process() {
                    $crate::logging::forward_logs_to_host(ctx);
                    $crate::quiet_panic_hook();
                }
                $( let init: fn(&$crate::PluginContext) -> Result<(), $crate::PluginError> = $init; init(ctx)?; )?
                Ok(())
            })
        }

        extern "C" fn __lxcri_new_backend(
            ctx: &$crate::PluginContext,
        ) -> $crate::PResult<$crate::BackendBox> {
            $crate::guard(|| $crate::__lxcri_make!(ctx, backend_box, "backend" $(, $backend)?))
        }

        extern "C" fn __lxcri_new_integration(
            ctx: &$crate::PluginContext,
        ) -> $crate::PResult<$crate::IntegrationBox> {
            $crate::guard(|| $crate::__lxcri_make!(ctx, integration_box, "integration" $(, $integration)?))
        }

        extern "C" fn __lxcri_call(
            op: $crate::reexports::abi_stable::std_types::RStr<'_>,
            request: $crate::reexports::abi_stable::std_types::RStr<'_>,
        ) -> $crate::PResult<$crate::reexports::abi_stable::std_types::RString> {
            $crate::guard(|| $crate::__lxcri_call!(op, request $(, $call)?))
        }

        $crate::PluginMod {
            info: __lxcri_info,
            init: __lxcri_init,
            new_backend: __lxcri_new_backend,
            new_integration: __lxcri_new_integration,
            call: __lxcri_call,
        }
        .leak_into_prefix()
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __lxcri_make {
    ($ctx:ident, $boxer:ident, $what:literal) => {
        Err($crate::PluginError::unsupported(concat!(
            "this plugin provides no ",
            $what
        )))
    };
    ($ctx:ident, $boxer:ident, $what:literal, $make:expr) => {
        ($make)($ctx).map($crate::native::$boxer)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __lxcri_call {
    ($op:ident, $request:ident) => {
        Err($crate::PluginError::unsupported(format!(
            "operation '{}' is not implemented",
            $op.as_str()
        )))
    };
    ($op:ident, $request:ident, $call:expr) => {{
        let call: fn(
            &str,
            $crate::reexports::serde_json::Value,
        ) -> Result<$crate::reexports::serde_json::Value, $crate::PluginError> = $call;
        let request = $crate::reexports::serde_json::from_str($request.as_str())?;
        let reply = call($op.as_str(), request)?;
        $crate::reexports::serde_json::to_string(&reply)
            .map(Into::into)
            .map_err(|e| $crate::PluginError::internal(e.to_string()))
    }};
}
