//! The progress bar on stderr for long runs: rows processed, rows/s, and how far through the
//! sheet (rows for workbooks, bytes for delimited text). Only on a terminal, never with
//! `--quiet`, and cleared when done.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::SheetInfo;

pub struct Progress {
    enabled: bool,
    bar: Option<ProgressBar>,
    bytes: bool,
    /// Counts for another thread to read (the page of `relsync serve`).
    shared: Option<std::sync::Arc<Counts>>,
}

/// How far a run is, for another thread to show.
#[derive(Debug, Default)]
pub struct Counts {
    /// Data rows processed.
    pub rows: std::sync::atomic::AtomicU64,
    /// Rows (workbooks) or bytes (delimited) read, of `total` when the sheet says.
    pub position: std::sync::atomic::AtomicU64,
    pub total: std::sync::atomic::AtomicU64,
    /// Set by the other thread: the run is no longer wanted, and stops at its next row.
    pub cancel: std::sync::atomic::AtomicBool,
}

impl Progress {
    /// A bar that shows itself only if `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Progress {
        Progress {
            enabled: wanted && std::io::stderr().is_terminal(),
            bar: None,
            bytes: false,
            shared: None,
        }
    }

    /// No bar at all.
    pub fn off() -> Progress {
        Progress {
            enabled: false,
            bar: None,
            bytes: false,
            shared: None,
        }
    }

    /// No bar; the counts go to `counts` instead.
    pub fn shared(counts: std::sync::Arc<Counts>) -> Progress {
        Progress {
            shared: Some(counts),
            ..Progress::off()
        }
    }

    pub fn start(&mut self, info: &SheetInfo) {
        if let Some(counts) = &self.shared {
            counts
                .total
                .store(info.total.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
        }
        if !self.enabled {
            return;
        }
        self.bytes = info.sheet.is_none();
        let bar = match info.total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(8)),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8)),
        };
        let template = if info.total.is_some() {
            "{spinner} [{elapsed_precise}] [{bar:30}] {percent:>3}%  {msg}"
        } else {
            "{spinner} [{elapsed_precise}] {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(250));
        self.bar = Some(bar);
    }

    /// `position`: rows (workbooks) or bytes (delimited) read; `rows`: data rows processed.
    pub fn update(&self, position: u64, rows: u64) {
        if let Some(counts) = &self.shared {
            counts.position.store(position, std::sync::atomic::Ordering::Relaxed);
            counts.rows.store(rows, std::sync::atomic::Ordering::Relaxed);
        }
        let Some(bar) = &self.bar else { return };
        bar.set_position(position);
        let seconds = bar.elapsed().as_secs_f64().max(0.001);
        bar.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / seconds));
    }

    /// Whether the other thread no longer wants the run.
    pub fn cancelled(&self) -> bool {
        self.shared
            .as_ref()
            .is_some_and(|c| c.cancel.load(std::sync::atomic::Ordering::Relaxed))
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
