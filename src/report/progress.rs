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
/// its display: the points (or files) finished, and the runs in flight, so
/// the share of the work done (and the time left) moves while a long point
/// runs, not only when it ends.
#[derive(Debug, Default)]
pub struct ExperimentProgress {
    done: AtomicUsize,
    total: AtomicUsize,
    /// The share of the expected work finished, in millionths.
    work: AtomicUsize,
    /// The runs in flight, by slot (a slot is freed when its run ends).
    live: std::sync::Mutex<Vec<Option<LiveRun>>>,
}

/// A run in flight in a sweep or a batch.
#[derive(Debug)]
pub struct LiveRun {
    /// Its platforms' progress, as the engine publishes it.
    pub progress: Arc<Vec<Progress>>,
    /// The simulated time it covers, when it has a horizon.
    pub horizon: Option<SimTime>,
    /// The tasks it expects to run on each platform (for a run without a
    /// horizon); 0 when unknown.
    pub expected_tasks: f64,
    /// Its share of the whole experiment's expected work (0 to 1).
    pub share: f64,
}

impl LiveRun {
    /// How much of this run is done, 0 to 1: each platform's simulated time
    /// against the horizon (or its tasks done against those expected), a
    /// finished platform counting whole, averaged over the platforms.
    /// Without a horizon or an expected task count, 0: the run then counts
    /// only when it ends.
    pub fn fraction(&self) -> f64 {
        let n = self.progress.len();
        if n == 0 {
            return 0.0;
        }
        let one = |p: &Progress| -> f64 {
            if p.finished.load(Ordering::Relaxed) {
                return 1.0;
            }
            match self.horizon {
                Some(h) if h > 0 => p.now.load(Ordering::Relaxed) as f64 / h as f64,
                _ if self.expected_tasks > 0.0 => {
                    p.tasks_done.load(Ordering::Relaxed) as f64 / self.expected_tasks
                }
                _ => 0.0,
            }
            .clamp(0.0, 1.0)
        };
        self.progress.iter().map(one).sum::<f64>() / n as f64
    }
}

impl ExperimentProgress {
    /// Records `done` of `total`, and the share of the work finished (0 to 1).
    pub fn set(&self, done: usize, total: usize, work: f64) {
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.work
            .store((work.clamp(0.0, 1.0) * 1e6) as usize, Ordering::Relaxed);
    }

    /// Shows `run` as in flight until [`ExperimentProgress::end`] with the
    /// slot returned.
    pub fn begin(&self, run: LiveRun) -> usize {
        let Ok(mut live) = self.live.lock() else {
            return usize::MAX;
        };
        match live.iter().position(Option::is_none) {
            Some(i) => {
                live[i] = Some(run);
                i
            }
            None => {
                live.push(Some(run));
                live.len() - 1
            }
        }
    }

    /// The run in `slot` has ended (its work is counted by the next
    /// [`ExperimentProgress::set`]).
    pub fn end(&self, slot: usize) {
        if let Ok(mut live) = self.live.lock()
            && let Some(s) = live.get_mut(slot)
        {
            *s = None;
        }
    }

    /// The share of the expected work done: what has finished, and the done
    /// part of each run in flight.
    pub fn work_done(&self) -> f64 {
        let finished = self.work.load(Ordering::Relaxed) as f64 / 1e6;
        let running: f64 = self.live.lock().map_or(0.0, |live| {
            live.iter().flatten().map(|r| r.share * r.fraction()).sum()
        });
        (finished + running).min(1.0)
    }

    fn line(&self, what: &str, elapsed: Duration) -> String {
        experiment_line(
            what,
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
            self.work_done(),
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
                    // Parked, not asleep: `halt` wakes it, so a run that ends
                    // does not wait out the rest of a 200 ms tick.
                    std::thread::park_timeout(Duration::from_millis(200));
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
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
            t.thread().unpark();
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

    #[test]
    fn a_point_in_flight_moves_the_estimate() {
        // Two points of equal work, none finished: the first is a quarter of
        // the way through its one-hour horizon on both of its platforms, the
        // other at half on one platform and finished on the other.
        let state = ExperimentProgress::default();
        state.set(0, 2, 0.0);
        let make = |now: [u64; 2], finished: [bool; 2]| {
            let p: Vec<Progress> = (0..2)
                .map(|i| {
                    let p = Progress::default();
                    p.now.store(now[i], Ordering::Relaxed);
                    p.finished.store(finished[i], Ordering::Relaxed);
                    p
                })
                .collect();
            Arc::new(p)
        };
        let a = state.begin(LiveRun {
            progress: make([HOUR / 4, HOUR / 4], [false, false]),
            horizon: Some(HOUR),
            expected_tasks: 0.0,
            share: 0.5,
        });
        let b = state.begin(LiveRun {
            progress: make([HOUR / 2, 0], [false, true]),
            horizon: Some(HOUR),
            expected_tasks: 0.0,
            share: 0.5,
        });
        // 0.5 × 0.25 + 0.5 × (0.5 + 1) / 2 = 0.125 + 0.375 = 0.5.
        assert!((state.work_done() - 0.5).abs() < 1e-12);
        let t = state.line("points", Duration::from_secs(30));
        assert_eq!(
            t,
            "points 0/2 · 50% of the work · 30s elapsed · about 30s left"
        );
        // The first point ends: its whole share is now counted by `set`.
        state.end(a);
        state.set(1, 2, 0.5);
        assert!((state.work_done() - 0.875).abs() < 1e-12);
        state.end(b);
        // A run without a horizon counts its tasks done against those expected.
        let p = Arc::new(vec![Progress::default()]);
        p[0].tasks_done.store(250, Ordering::Relaxed);
        let c = state.begin(LiveRun {
            progress: p,
            horizon: None,
            expected_tasks: 1000.0,
            share: 0.5,
        });
        assert!((state.work_done() - 0.625).abs() < 1e-12);
        // A slot freed is reused.
        state.end(c);
        let d = state.begin(LiveRun {
            progress: Arc::new(vec![]),
            horizon: None,
            expected_tasks: 0.0,
            share: 0.5,
        });
        assert_eq!(d, a);
    }
}
