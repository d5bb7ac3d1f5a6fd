//! Where a run's wall time goes, phase by phase, printed to standard error
//! when the environment variable `FARGATE_SIM_TIMINGS` is set (to anything
//! but `0`): a developer's measuring tool (issue 24), not an output. Each
//! line gives the phase's own wall seconds, the CPU seconds of the thread
//! that ran it (from `/proc/thread-self/schedstat`, where there is one)
//! and the seconds since the first mark, so phases on other threads (the
//! trace reader) line up with the main thread's.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

/// Whether timings are asked for (read once).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("FARGATE_SIM_TIMINGS").is_some_and(|v| v != "0"))
}

/// The instant the first phase began (the clock every line counts from).
fn origin() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// The CPU seconds the calling thread has run (0 where the system does
/// not say: only Linux has `/proc/thread-self/schedstat`).
fn thread_cpu_s() -> f64 {
    if !enabled() {
        return 0.0;
    }
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// Consecutive phases of one thread.
pub struct Phases {
    last: Instant,
    cpu: f64,
}

impl Phases {
    /// Starts timing now.
    pub fn start() -> Phases {
        origin();
        Phases {
            last: Instant::now(),
            cpu: thread_cpu_s(),
        }
    }

    /// The phase `what` ended now: prints its seconds (when enabled) and
    /// starts the next.
    pub fn mark(&mut self, what: &str) {
        let now = Instant::now();
        let cpu = thread_cpu_s();
        if enabled() {
            let _ = writeln!(
                std::io::stderr().lock(),
                "timing: {what:<30} {:>7.3} s wall {:>7.3} s CPU   (at {:.3} s)",
                (now - self.last).as_secs_f64(),
                cpu - self.cpu,
                (now - origin()).as_secs_f64()
            );
        }
        self.last = now;
        self.cpu = cpu;
    }
}

/// Prints that `what` happened now (when enabled), on any thread, with the
/// CPU seconds that thread has run.
pub fn event(what: &str) {
    if enabled() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "timing: {what:<30} {:>7} s wall {:>7.3} s CPU   (at {:.3} s)",
            "",
            thread_cpu_s(),
            origin().elapsed().as_secs_f64()
        );
    }
}
