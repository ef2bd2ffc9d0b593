//! The progress line of paged pulls: pages, records and rate, on stderr.
//!
//! Shown only when stderr is a terminal and `--quiet` is not given, so logs and
//! pipes never see control characters. Counting works either way (the final
//! summary uses it).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts pages and records; draws them when a terminal is watching.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    pages: AtomicU64,
    records: AtomicU64,
    at: Mutex<Option<String>>,
}

impl Progress {
    /// A progress display, drawn only if `visible` and stderr is a terminal.
    pub fn new(visible: bool) -> Self {
        let bar = (visible && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {pos} records · {msg} · {per_sec} · {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            pages: AtomicU64::new(0),
            records: AtomicU64::new(0),
            at: Mutex::new(None),
        }
    }

    /// One more request answered.
    pub fn page_done(&self) {
        self.pages.fetch_add(1, Ordering::Relaxed);
        self.redraw();
    }

    /// `n` more records received.
    pub fn records_done(&self, n: u64) {
        self.records.fetch_add(n, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Where a time-ordered pull has got to (shown as "at ...").
    pub fn at(&self, time: String) {
        if let Ok(mut at) = self.at.lock() {
            *at = Some(time);
        }
        self.redraw();
    }

    /// Pages answered so far.
    pub fn pages(&self) -> u64 {
        self.pages.load(Ordering::Relaxed)
    }

    /// Removes the line (before the summary or an error is printed).
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn redraw(&self) {
        let Some(bar) = &self.bar else { return };
        let pages = self.pages();
        let mut msg = format!("{pages} page{}", if pages == 1 { "" } else { "s" });
        if let Some(at) = self.at.lock().ok().and_then(|a| a.clone()) {
            msg.push_str(&format!(" · at {at}"));
        }
        bar.set_message(msg);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_without_drawing() {
        let p = Progress::new(false);
        p.page_done();
        p.page_done();
        p.records_done(500);
        p.at("2026-11-20T14:30:00Z".into());
        assert_eq!((p.pages(), p.records.load(Ordering::Relaxed)), (2, 500));
        assert!(p.bar.is_none());
    }
}
