//! Host logging: `--log FILE`, `--log-format text|json` (runc's JSON shape, which
//! containerd reads back), `--debug`. Plugin log events arrive through
//! [`plugin_log_callback`] and land in the same output.

use std::{fmt::Write as _, fs::OpenOptions, io::Write, path::Path, sync::Mutex, time::SystemTime};

use abi_stable::std_types::RStr;
use lxcri_plugin_api::context::level;
use tracing::{
    Event, Level, Metadata, Subscriber,
    field::Field,
    level_filters::LevelFilter,
    span::{Attributes, Id, Record},
};

use crate::error::{HostError, Result};

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

enum Sink {
    /// A human reads it: `warning: message`.
    Stderr,
    /// A log file in text or JSON lines.
    File(LogFormat, Mutex<std::fs::File>),
}

/// The host's subscriber: one line per event, no spans (the host opens none). A plain
/// subscriber rather than a layered registry: every short-lived invocation sets it up.
struct LineSubscriber {
    sink: Sink,
    max: LevelFilter,
}

#[derive(Default)]
struct Fields {
    message: String,
    rest: Vec<(String, String)>,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.rest
                .push((field.name().to_string(), value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.rest
                .push((field.name().to_string(), format!("{value:?}")));
        }
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warning",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

impl Subscriber for LineSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= &self.max
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = level_name(*event.metadata().level());
        match &self.sink {
            Sink::Stderr => {
                let mut line = format!("{level}: {}", fields.message);
                for (k, v) in &fields.rest {
                    let _ = write!(line, " {k}={v}");
                }
                let _ = writeln!(std::io::stderr(), "{line}");
            }
            Sink::File(format, file) => {
                let time = humantime::format_rfc3339_micros(SystemTime::now()).to_string();
                let line = match format {
                    LogFormat::Json => {
                        let mut obj = serde_json::Map::new();
                        obj.insert("level".into(), level.into());
                        obj.insert("msg".into(), fields.message.into());
                        obj.insert("time".into(), time.into());
                        for (k, v) in fields.rest {
                            obj.insert(k, v.into());
                        }
                        serde_json::Value::Object(obj).to_string()
                    }
                    LogFormat::Text => {
                        let mut line =
                            format!("time=\"{time}\" level={level} msg={:?}", fields.message);
                        for (k, v) in &fields.rest {
                            let _ = write!(line, " {k}={v:?}");
                        }
                        line
                    }
                };
                if let Ok(mut f) = file.lock() {
                    let _ = writeln!(f, "{line}");
                }
            }
        }
    }
}

/// How the host was asked to log.
#[derive(Debug, Clone, Default)]
pub struct LogOptions<'a> {
    pub file: Option<&'a Path>,
    pub format: LogFormat,
    pub debug: bool,
}

impl LogOptions<'_> {
    fn max_level(&self) -> LevelFilter {
        match (self.debug, self.file.is_some()) {
            (true, _) => LevelFilter::DEBUG,
            (false, true) => LevelFilter::INFO,
            (false, false) => LevelFilter::WARN,
        }
    }

    /// The level code handed to plugins (they filter before calling back).
    pub fn plugin_level(&self) -> u32 {
        match self.max_level().into_level() {
            Some(Level::DEBUG) | Some(Level::TRACE) => level::DEBUG,
            Some(Level::INFO) => level::INFO,
            _ => level::WARN,
        }
    }
}

/// Installs the global subscriber. Fails only when the log file cannot be opened.
pub fn init(opts: &LogOptions<'_>) -> Result<()> {
    let sink = match opts.file {
        None => Sink::Stderr,
        Some(path) => {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| {
                    HostError::io(format!("cannot open log file {}", path.display()), e)
                })?;
            Sink::File(opts.format, Mutex::new(file))
        }
    };
    let subscriber = LineSubscriber {
        sink,
        max: opts.max_level(),
    };
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// The log callback handed to plugins: re-emits their events in the host.
pub extern "C" fn plugin_log_callback(code: u32, target: RStr<'_>, message: RStr<'_>) {
    let (target, message) = (target.as_str(), message.as_str());
    match code {
        level::ERROR => tracing::error!(plugin = target, "{message}"),
        level::WARN => tracing::warn!(plugin = target, "{message}"),
        level::INFO => tracing::info!(plugin = target, "{message}"),
        level::DEBUG => tracing::debug!(plugin = target, "{message}"),
        _ => tracing::trace!(plugin = target, "{message}"),
    }
}
