//! A one-line progress display on stderr for long runs: simulated time
//! covered (by the slowest platform), tasks done, and events per second.
//! Shown only when stderr is a terminal, and only after the first second,
//! so short runs and scripts see nothing.

use crate::engine::Progress;
use crate::time::{SimTime, format_span};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The running display; dropping it (or [`ProgressLine::finish`]) clears the line.
pub struct ProgressLine {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The text of one progress line.
pub fn line(progress: &[Progress], horizon: Option<SimTime>, elapsed: Duration) -> String {
    let now = progress
        .iter()
        .filter(|p| !p.finished.load(Ordering::Relaxed))
        .map(|p| p.now.load(Ordering::Relaxed))
        .min()
        .unwrap_or_else(|| {
            progress
                .iter()
                .map(|p| p.now.load(Ordering::Relaxed))
                .max()
                .unwrap_or(0)
        });
    let events: u64 = progress
        .iter()
        .map(|p| p.events.load(Ordering::Relaxed))
        .sum();
    let done: u64 = progress
        .iter()
        .map(|p| p.tasks_done.load(Ordering::Relaxed))
        .sum();
    let rate = events as f64 / elapsed.as_secs_f64().max(1e-3);
    let covered = match horizon {
        Some(h) if h > 0 => format!(
            "{} of {} ({:.0}%)",
            format_span(now),
            format_span(h),
            now as f64 / h as f64 * 100.0
        ),
        _ => format_span(now),
    };
    format!(
        "simulated {covered} · {} task(s) done over {} platform(s) · {:.1} M events/s",
        super::format::thousands(&done.to_string()),
        progress.len(),
        rate / 1e6
    )
}

impl ProgressLine {
    /// Starts the display if stderr is a terminal and `enabled`.
    pub fn start(
        progress: Arc<Vec<Progress>>,
        horizon: Option<SimTime>,
        enabled: bool,
    ) -> ProgressLine {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = (enabled && std::io::stderr().is_terminal()).then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    if started.elapsed() < Duration::from_secs(1) {
                        continue;
                    }
                    let text = line(&progress, horizon, started.elapsed());
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{text}");
                    let _ = err.flush();
                    shown = true;
                }
                if shown {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K");
                    let _ = err.flush();
                }
            })
        });
        ProgressLine { stop, thread }
    }

    /// Stops the display and clears its line.
    pub fn finish(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.halt();
    }
}
