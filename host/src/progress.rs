//! The progress callback handed to plugins: a progress bar on a terminal, nothing
//! otherwise (debug log lines instead).

use std::{
    io::IsTerminal,
    sync::{Mutex, OnceLock},
};

use abi_stable::std_types::RStr;
use indicatif::{ProgressBar, ProgressStyle};

static BAR: OnceLock<Mutex<Option<(String, ProgressBar)>>> = OnceLock::new();

fn bar_for(task: &str, total: u64) -> ProgressBar {
    let bar = if total == 0 {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::new(total)
    };
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(task.to_string());
    bar
}

/// Progress callback: `done == total` (with total > 0) finishes the bar.
pub extern "C" fn plugin_progress_callback(task: RStr<'_>, done: u64, total: u64) {
    let task = task.as_str();
    // Asked once: a plugin may report progress for every file it touches.
    static TERMINAL: OnceLock<bool> = OnceLock::new();
    if !*TERMINAL.get_or_init(|| std::io::stderr().is_terminal()) {
        tracing::debug!(task, done, total, "progress");
        return;
    }
    let slot = BAR.get_or_init(|| Mutex::new(None));
    let Ok(mut slot) = slot.lock() else { return };
    if slot.as_ref().is_none_or(|(name, _)| name != task) {
        if let Some((_, old)) = slot.take() {
            old.finish_and_clear();
        }
        *slot = Some((task.to_string(), bar_for(task, total)));
    }
    if let Some((_, bar)) = slot.as_ref() {
        bar.set_position(done);
        if total > 0 && done >= total {
            bar.finish_and_clear();
            *slot = None;
        }
    }
}
