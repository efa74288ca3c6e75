//! `bfc create` and `bfc pack-bundle`.

use std::{fs::File, path::Path};

use lxcri_plugin_api::{PluginError, types::CommandOutput};

use super::{Args, Bfc};
use crate::writer::Writer;

fn output_file(path: &Path, force: bool) -> Result<File, PluginError> {
    let mut o = File::options();
    o.write(true);
    if force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    o.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            PluginError::already_exists(format!("{} exists", path.display()))
                .with_hint("use --force to overwrite it")
        }
        _ => PluginError::backend(format!("cannot create {}: {e}", path.display())),
    })
}

pub fn run(bfc: &Bfc, args: &Args) -> Result<CommandOutput, PluginError> {
    let out = args.path("output")?;
    let inputs = args.list("inputs");
    if inputs.is_empty() {
        return Err(PluginError::invalid_input(
            "nothing to archive: give at least one INPUT",
        ));
    }
    let opts = args.write_options()?;
    let file = output_file(&out, args.flag("force"))?;
    let result = (|| {
        let mut w = Writer::new(file, opts)?;
        let mut done = 0u64;
        for input in &inputs {
            let path = Path::new(input);
            let name = path
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .ok_or_else(|| crate::BfcError::BadPath(format!("{input:?} has no base name")))?;
            w.add_path(path, &name, &mut |_| {
                done += 1;
                bfc.ctx.report_progress("bfc create", done, 0);
            })?;
        }
        w.finish()
    })();
    match result {
        Ok(n) => Ok(CommandOutput::text(format!(
            "created {} with {n} entries\n",
            out.display()
        ))),
        Err(e) => {
            let _ = std::fs::remove_file(&out);
            Err(e.into())
        }
    }
}

pub fn pack_bundle(bfc: &Bfc, args: &Args) -> Result<CommandOutput, PluginError> {
    let bundle = args.path("bundle")?;
    let out = args.path("output")?;
    if args.flag("force") {
        let _ = std::fs::remove_file(&out);
    }
    let mut done = 0u64;
    let n = crate::bundle::pack(&bundle, &out, args.write_options()?, &mut |_| {
        done += 1;
        bfc.ctx.report_progress("bfc pack-bundle", done, 0);
    })?;
    Ok(CommandOutput::text(format!(
        "packed {} into {} ({n} entries)\n",
        bundle.display(),
        out.display()
    )))
}
