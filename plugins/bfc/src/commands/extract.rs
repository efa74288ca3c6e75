//! `bfc extract` and `bfc unpack-bundle`.

use lxcri_plugin_api::{PluginError, types::CommandOutput};

use super::{Args, Bfc};
use crate::extract::{ExtractOptions, extract};

pub fn run(bfc: &Bfc, args: &Args) -> Result<CommandOutput, PluginError> {
    let mut archive = args.open()?;
    let dir = args.path("directory")?;
    let opts = ExtractOptions {
        force: args.flag("force"),
        prefixes: args.list("prefixes"),
    };
    let n = extract(&mut archive, &dir, &opts, &mut |done, total| {
        bfc.ctx
            .report_progress("bfc extract", done as u64, total as u64)
    })?;
    Ok(CommandOutput::text(format!(
        "extracted {n} entries into {}\n",
        dir.display()
    )))
}

pub fn unpack_bundle(args: &Args) -> Result<CommandOutput, PluginError> {
    let archive = args.path("archive")?;
    let bundle = args.path("bundle")?;
    let password = args.password()?;
    let key = args.key("keyfile")?;
    let n = crate::bundle::unpack(&archive, &bundle, key.as_deref(), password.as_deref())?;
    Ok(CommandOutput::text(format!(
        "unpacked {n} entries into {}\n",
        bundle.display()
    )))
}
