//! Progress on stderr for long runs and sweeps. On a terminal: one line
//! redrawn in place, shown only after the first second, so short runs see
//! nothing. Elsewhere (a log, a CI job, a pipe): a plain line every few
//! seconds, so a long run is never silent. Nothing with `--quiet`.

use crate::engine::Progress;
use crate::time::{SimTime, format_span};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How often a plain (not a terminal) progress line is written.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// The running display; dropping it (or [`ProgressLine::finish`]) clears the line.
pub struct ProgressLine {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The text of one run's progress line. `span`: the simulated time the run
/// covers (its horizon, or else its workload's span), for a percentage.
pub fn line(progress: &[Progress], span: Option<SimTime>, elapsed: Duration) -> String {
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
    let covered = match span {
        Some(h) if h > 0 => format!(
            "{} of {} ({:.0}%)",
            format_span(now),
            format_span(h),
            (now as f64 / h as f64 * 100.0).min(100.0)
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

/// The text of a sweep's or a batch's progress line: `what` (points,
/// scenarios) done of `total`. The time left is estimated from the share of
/// the expected work done (`work_done`, 0 to 1), not from the count done: a
/// sweep's last points (a batch's largest files) are often its largest.
pub fn experiment_line(
    what: &str,
    done: usize,
    total: usize,
    work_done: f64,
    elapsed: Duration,
) -> String {
    let el = elapsed.as_secs_f64();
    let left = if work_done > 0.0 && done < total {
        let secs = el * (1.0 - work_done.min(1.0)) / work_done;
        format!(
            " · about {} left",
            super::format::format_seconds(secs.max(1.0))
        )
    } else {
        String::new()
    };
    format!(
        "{what} {done}/{total} · {:.0}% of the work · {} elapsed{left}",
        work_done.clamp(0.0, 1.0) * 100.0,
        super::format::format_seconds(el)
    )
}

/// What a sweep or a batch has done so far, shared between its workers and
/// its display.
#[derive(Debug, Default)]
pub struct ExperimentProgress {
    done: AtomicUsize,
    total: AtomicUsize,
    /// The share of the expected work done, in millionths.
    work: AtomicUsize,
}

impl ExperimentProgress {
    /// Records `done` of `total`, and the share of the work done (0 to 1).
    pub fn set(&self, done: usize, total: usize, work: f64) {
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.work
            .store((work.clamp(0.0, 1.0) * 1e6) as usize, Ordering::Relaxed);
    }

    fn line(&self, what: &str, elapsed: Duration) -> String {
        experiment_line(
            what,
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
            self.work.load(Ordering::Relaxed) as f64 / 1e6,
            elapsed,
        )
    }
}

/// One progress line for a log: the time so far, the text, a newline, and
/// no control characters.
pub fn plain(text: &str, elapsed: Duration) -> String {
    format!(
        "[{}] {text}\n",
        super::format::format_seconds(elapsed.as_secs_f64())
    )
}

impl ProgressLine {
    /// Starts a run's display if `enabled`. `span` gives the simulated time
    /// the run covers when it has no horizon (the workload's span); it is
    /// asked once, on the display's own thread, after the first second.
    pub fn start(
        progress: Arc<Vec<Progress>>,
        horizon: Option<SimTime>,
        span: impl FnOnce() -> Option<SimTime> + Send + 'static,
        enabled: bool,
    ) -> ProgressLine {
        let mut span = Some(span);
        let mut known = horizon;
        ProgressLine::spawn(
            move |elapsed| {
                if known.is_none()
                    && let Some(f) = span.take()
                {
                    known = f();
                }
                line(&progress, known, elapsed)
            },
            enabled,
        )
    }

    /// Starts the display of a sweep or a batch (`what`: points, scenarios)
    /// if `enabled`.
    pub fn experiment(
        what: &'static str,
        state: Arc<ExperimentProgress>,
        enabled: bool,
    ) -> ProgressLine {
        ProgressLine::spawn(move |elapsed| state.line(what, elapsed), enabled)
    }

    /// Shows `text(elapsed)` if `enabled`: redrawn in place on a terminal,
    /// else written as a plain line every [`PLAIN_EVERY`].
    pub fn spawn(
        mut text: impl FnMut(Duration) -> String + Send + 'static,
        enabled: bool,
    ) -> ProgressLine {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = enabled.then(|| {
            let stop = stop.clone();
            let tty = std::io::stderr().is_terminal();
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                let mut next_plain = PLAIN_EVERY;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    let elapsed = started.elapsed();
                    if elapsed < Duration::from_secs(1) {
                        continue;
                    }
                    if tty {
                        let t = text(elapsed);
                        let mut err = std::io::stderr().lock();
                        let _ = write!(err, "\r\x1b[2K{t}");
                        let _ = err.flush();
                        shown = true;
                    } else if elapsed >= next_plain {
                        let t = plain(&text(elapsed), elapsed);
                        let _ = std::io::stderr().lock().write_all(t.as_bytes());
                        next_plain += PLAIN_EVERY;
                    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR;

    #[test]
    fn a_plain_line_is_one_line_for_a_log() {
        let progress = vec![Progress::default(), Progress::default()];
        progress[0].now.store(3 * HOUR, Ordering::Relaxed);
        progress[1].now.store(6 * HOUR, Ordering::Relaxed);
        progress[0].events.store(5_000_000, Ordering::Relaxed);
        progress[1].tasks_done.store(1234, Ordering::Relaxed);
        let text = line(&progress, Some(12 * HOUR), Duration::from_secs(5));
        let out = plain(&text, Duration::from_secs(5));
        assert_eq!(
            out,
            "[5s] simulated 3h00m of 12h00m (25%) · 1,234 task(s) done over 2 platform(s) · 1.0 M events/s\n"
        );
        assert!(!out.contains('\r') && !out.contains('\x1b'));
        assert_eq!(out.matches('\n').count(), 1);
    }

    #[test]
    fn without_a_horizon_the_workload_span_is_the_denominator() {
        let progress = vec![Progress::default()];
        progress[0].now.store(HOUR, Ordering::Relaxed);
        let text = line(&progress, Some(4 * HOUR), Duration::from_secs(2));
        assert!(text.starts_with("simulated 1h00m of 4h00m (25%)"), "{text}");
        let text = line(&progress, None, Duration::from_secs(2));
        assert!(text.starts_with("simulated 1h00m ·"), "{text}");
    }

    #[test]
    fn a_sweep_estimates_the_time_left_from_the_work_done() {
        // Regression: 90 of 100 small points done in 60 s said "about 7s
        // left" when the ten left were half the work.
        let t = experiment_line("points", 90, 100, 0.5, Duration::from_secs(60));
        assert_eq!(
            t,
            "points 90/100 · 50% of the work · 60s elapsed · about 60s left"
        );
        let t = experiment_line("points", 100, 100, 1.0, Duration::from_secs(61));
        assert_eq!(t, "points 100/100 · 100% of the work · 61s elapsed");
        // A batch: 1 of 3 files done, but it was a quarter of the work.
        let t = experiment_line("scenarios", 1, 3, 0.25, Duration::from_secs(10));
        assert_eq!(
            t,
            "scenarios 1/3 · 25% of the work · 10s elapsed · about 30s left"
        );
    }
}
