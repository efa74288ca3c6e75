//! The commands the plugin contributes (`proxmox-lxcri bfc …`), one module each, and
//! the `pack` / `unpack` hooks.

mod create;
mod extract;
mod info;
mod list;
mod verify;

use std::path::PathBuf;

use lxcri_plugin_api::{
    ArgSpec, CommandSpec, IntegrationPlugin, PluginContext, PluginError, PluginInfo,
    types::{CommandArgs, CommandOutput},
};
use serde_json::Value;

use crate::{
    reader::Archive,
    writer::{Compression, Encryption, WriteOptions},
};

/// The integration object.
pub struct Bfc {
    pub ctx: PluginContext,
}

pub fn info() -> PluginInfo {
    let archive = || ArgSpec::positional("archive", "the .bfc file").value_name("ARCHIVE");
    let password = || {
        ArgSpec::option("password", "password (prefer --password-file)")
            .short('p')
            .value_name("PASSWORD")
    };
    let password_file =
        || ArgSpec::option("password-file", "file holding the password").value_name("FILE");
    let keyfile = || {
        ArgSpec::option("keyfile", "file holding a raw 32-byte key")
            .short('K')
            .value_name("FILE")
    };
    let json_flag = || ArgSpec::flag("json", "JSON output");
    let writing = |spec: CommandSpec| {
        spec.arg(
            ArgSpec::option("compression", "none or zstd")
                .short('c')
                .value_name("KIND")
                .default_value("none"),
        )
        .arg(
            ArgSpec::option("level", "zstd level 1-22")
                .short('l')
                .value_name("N")
                .default_value("3"),
        )
        .arg(
            ArgSpec::option("threshold", "compress files of at least N bytes")
                .short('t')
                .value_name("N")
                .default_value("64"),
        )
        .arg(
            ArgSpec::option("encrypt", "encrypt with this password")
                .short('e')
                .value_name("PASSWORD"),
        )
        .arg(password_file())
        .arg(
            ArgSpec::option("keyfile", "encrypt with a raw 32-byte key")
                .short('k')
                .value_name("FILE"),
        )
        .arg(ArgSpec::flag("force", "overwrite the output").short('f'))
    };
    PluginInfo::integration(
        "bfc",
        env!("CARGO_PKG_VERSION"),
        "BFC archives: create, list, extract, verify, info",
    )
    .with_capabilities(&[
        <lxcri_plugin_api::ops::Pack as lxcri_plugin_api::ops::Operation>::NAME,
        <lxcri_plugin_api::ops::Unpack as lxcri_plugin_api::ops::Operation>::NAME,
    ])
    .with_command(CommandSpec::new("bfc", "BFC single-file archives"))
    .with_command(writing(
        CommandSpec::new("bfc create", "Create an archive from files and directories")
            .arg(ArgSpec::positional("output", "archive to write").value_name("OUT.bfc"))
            .arg(
                ArgSpec::positional(
                    "inputs",
                    "files and directories (stored under their base names)",
                )
                .multiple()
                .value_name("INPUT"),
            ),
    ))
    .with_command(
        CommandSpec::new("bfc list", "List the entries")
            .arg(archive())
            .arg(ArgSpec::positional("prefix", "only entries below this path").optional())
            .arg(ArgSpec::flag("long", "modes, sizes, times and CRCs").short('l'))
            .arg(json_flag()),
    )
    .with_command(
        CommandSpec::new("bfc extract", "Extract entries (paths kept), safely")
            .arg(archive())
            .arg(
                ArgSpec::positional("prefixes", "only entries below these paths")
                    .optional()
                    .multiple(),
            )
            .arg(
                ArgSpec::option("directory", "extract into DIR")
                    .short('C')
                    .value_name("DIR")
                    .default_value("."),
            )
            .arg(ArgSpec::flag("force", "replace existing entries").short('f'))
            .arg(password())
            .arg(password_file())
            .arg(keyfile()),
    )
    .with_command(
        CommandSpec::new(
            "bfc verify",
            "Check the structure; --deep also decodes every entry",
        )
        .arg(archive())
        .arg(ArgSpec::flag("deep", "decode and CRC-check every entry"))
        .arg(password())
        .arg(password_file())
        .arg(keyfile()),
    )
    .with_command(
        CommandSpec::new("bfc info", "Summary of an archive or one entry")
            .arg(archive())
            .arg(ArgSpec::positional("path", "one entry").optional())
            .arg(json_flag()),
    )
    .with_command(writing(
        CommandSpec::new(
            "bfc pack-bundle",
            "Pack an OCI bundle (config.json + rootfs) into an archive",
        )
        .arg(ArgSpec::positional("bundle", "bundle directory").value_name("BUNDLE"))
        .arg(ArgSpec::positional("output", "archive to write").value_name("OUT.bfc")),
    ))
    .with_command(
        CommandSpec::new(
            "bfc unpack-bundle",
            "Unpack a bundle archive into a directory",
        )
        .arg(archive())
        .arg(ArgSpec::positional("bundle", "directory to create the bundle in").value_name("DIR"))
        .arg(password())
        .arg(password_file())
        .arg(keyfile()),
    )
}

/// Typed access to the argument object.
pub(crate) struct Args(pub CommandArgs);

impl Args {
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.as_str())
    }
    pub fn path(&self, name: &str) -> Result<PathBuf, PluginError> {
        self.str(name)
            .map(PathBuf::from)
            .ok_or_else(|| PluginError::invalid_input(format!("missing {name}")))
    }
    pub fn flag(&self, name: &str) -> bool {
        self.0.get(name).and_then(|v| v.as_bool()).unwrap_or(false)
    }
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
    pub fn number(&self, name: &str, default: i64) -> Result<i64, PluginError> {
        match self.str(name) {
            None => Ok(default),
            Some(s) => s.parse().map_err(|_| {
                PluginError::invalid_input(format!("--{name} must be a number, got {s:?}"))
            }),
        }
    }

    fn password(&self) -> Result<Option<String>, PluginError> {
        if let Some(file) = self.str("password-file") {
            let text = std::fs::read_to_string(file).map_err(|e| {
                PluginError::invalid_input(format!("cannot read password file {file}: {e}"))
            })?;
            return Ok(Some(text.lines().next().unwrap_or_default().to_string()));
        }
        Ok(self
            .str("password")
            .or(self.str("encrypt"))
            .map(str::to_string))
    }

    fn key(&self, name: &str) -> Result<Option<Vec<u8>>, PluginError> {
        self.str(name)
            .map(|f| {
                std::fs::read(f).map_err(|e| {
                    PluginError::invalid_input(format!("cannot read key file {f}: {e}"))
                })
            })
            .transpose()
    }

    /// Opens an archive and unlocks it with whatever key material was given.
    pub fn open(&self) -> Result<Archive, PluginError> {
        let mut a = Archive::open(&self.path("archive")?)?;
        if let Some(pw) = self.password()? {
            a.unlock_with_password(&pw)?;
        } else if let Some(key) = self.key("keyfile")? {
            a.unlock_with_key(&key)?;
        }
        Ok(a)
    }

    /// Writer settings from the create options.
    pub fn write_options(&self) -> Result<WriteOptions, PluginError> {
        let compression = match self.str("compression").unwrap_or("none") {
            "none" | "auto" => Compression::None,
            "zstd" => Compression::Zstd {
                level: self.number("level", 3)? as i32,
                threshold: self.number("threshold", 64)?.max(0) as u64,
            },
            other => {
                return Err(PluginError::invalid_input(format!(
                    "unknown compression {other:?} (none or zstd)"
                )));
            }
        };
        let encryption = match (self.password()?, self.key("keyfile")?) {
            (Some(_), Some(_)) => {
                return Err(PluginError::invalid_input(
                    "give a password or a key file, not both",
                ));
            }
            (Some(pw), None) => Encryption::Password(pw),
            (None, Some(k)) => Encryption::Key(k),
            (None, None) => Encryption::None,
        };
        Ok(WriteOptions {
            compression,
            encryption,
            ..Default::default()
        })
    }
}

impl IntegrationPlugin for Bfc {
    fn run(&self, command: &str, args: CommandArgs) -> Result<CommandOutput, PluginError> {
        let args = Args(args);
        match command {
            "bfc create" => create::run(self, &args),
            "bfc list" => list::run(&args),
            "bfc extract" => extract::run(self, &args),
            "bfc verify" => verify::run(&args),
            "bfc info" => info::run(&args),
            "bfc pack-bundle" => create::pack_bundle(self, &args),
            "bfc unpack-bundle" => extract::unpack_bundle(&args),
            other => Err(PluginError::unsupported(format!(
                "unknown command '{other}'"
            ))),
        }
    }

    /// `pack {bundle, output, compression?, level?}` and `unpack {archive, bundle}`.
    fn call(&self, op: &str, req: Value) -> Result<Value, PluginError> {
        use lxcri_plugin_api::ops::{self, MessageReply, Operation, Pack, Unpack};
        // The typed request, as the command-line arguments the commands take.
        let args = |req: Value| {
            Args(
                req.as_object()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            )
        };
        match op {
            Pack::NAME => {
                let req = serde_json::to_value(ops::request::<Pack>(req)?)
                    .map_err(|e| PluginError::internal(e.to_string()))?;
                let out = create::pack_bundle(self, &args(req))?;
                ops::reply::<Pack>(MessageReply {
                    message: out.stdout.trim().to_string(),
                })
            }
            Unpack::NAME => {
                let req = serde_json::to_value(ops::request::<Unpack>(req)?)
                    .map_err(|e| PluginError::internal(e.to_string()))?;
                let out = extract::unpack_bundle(&args(req))?;
                ops::reply::<Unpack>(MessageReply {
                    message: out.stdout.trim().to_string(),
                })
            }
            other => Err(PluginError::unsupported(format!(
                "operation '{other}' is not implemented"
            ))),
        }
    }
}
