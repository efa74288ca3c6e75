//! The function behind a plugin's exported root module: what abi_stable's own
//! `#[export_root_module]` does, written with abi_stable's public interface only, so
//! the plugin ABI does not rest on a hidden function of a particular abi_stable release.

use abi_stable::{
    library::{RootModule, RootModuleError, RootModuleResult},
    marker_type::ErasedPrefix,
    prefix_type::PrefixRefTrait,
};

use crate::PluginModRef;

/// Makes the root module once, registers it as this library's module and hands it to
/// the loader type-erased; a panic becomes an error value instead of unwinding into
/// the loader.
pub fn export(make: fn() -> PluginModRef) -> RootModuleResult {
    let made = std::panic::catch_unwind(|| {
        let module = make();
        let _ = PluginModRef::load_module_with(|| Ok::<_, std::convert::Infallible>(module));
        // SAFETY: the loader casts the pointer back to `PluginModRef` after checking
        // the layout that `LibHeader::from_constructor::<PluginModRef>` recorded.
        unsafe { module.to_prefix_ref().cast::<ErasedPrefix>() }
    });
    match made {
        Ok(erased) => RootModuleResult::ROk(erased),
        Err(_) => RootModuleResult::RErr(RootModuleError::Unwound),
    }
}
