//! Forwards a plugin's `tracing` events to the host. Each `.so` has its own copy of
//! `tracing`, so without this the plugin's events would be dropped.

use std::fmt::Write as _;

use tracing::{Event, Level, Subscriber, field::Field, level_filters::LevelFilter};
use tracing_subscriber::{Layer, layer::Context, prelude::*};

use crate::context::{LogFn, PluginContext, level};

struct Forward {
    log: LogFn,
}

#[derive(Default)]
struct Message {
    text: String,
    fields: String,
}

impl tracing::field::Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.text.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for Forward {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut message = Message::default();
        event.record(&mut message);
        message.text.push_str(&message.fields);
        let meta = event.metadata();
        (self.log)(
            level_code(*meta.level()),
            meta.target().into(),
            message.text.as_str().into(),
        );
    }
}

fn level_code(level: Level) -> u32 {
    match level {
        Level::ERROR => level::ERROR,
        Level::WARN => level::WARN,
        Level::INFO => level::INFO,
        Level::DEBUG => level::DEBUG,
        Level::TRACE => level::TRACE,
    }
}

fn level_filter(code: u32) -> LevelFilter {
    match code {
        0 => LevelFilter::OFF,
        level::ERROR => LevelFilter::ERROR,
        level::WARN => LevelFilter::WARN,
        level::INFO => LevelFilter::INFO,
        level::DEBUG => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs (once per plugin) a subscriber that forwards events to the host's log
/// callback. Called by the code `declare_plugin!` generates for `init`.
pub fn forward_logs_to_host(ctx: &PluginContext) {
    let layer = Forward { log: ctx.log }.with_filter(level_filter(ctx.max_log_level));
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
}
