//! Where a run's wall time goes, phase by phase, printed to standard error
//! when the environment variable `FARGATE_SIM_TIMINGS` is set (to anything
//! but `0`): a developer's measuring tool (issue 24), not an output. Each
//! line gives the phase's own seconds and the seconds since the first
//! mark, so phases on other threads (the trace reader) line up with the
//! main thread's.

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

/// Consecutive phases of one thread.
pub struct Phases {
    last: Instant,
}

impl Phases {
    /// Starts timing now.
    pub fn start() -> Phases {
        origin();
        Phases {
            last: Instant::now(),
        }
    }

    /// The phase `what` ended now: prints its seconds (when enabled) and
    /// starts the next.
    pub fn mark(&mut self, what: &str) {
        let now = Instant::now();
        if enabled() {
            eprintln!(
                "timing: {what:<28} {:>8.3} s   (at {:.3} s)",
                (now - self.last).as_secs_f64(),
                (now - origin()).as_secs_f64()
            );
        }
        self.last = now;
    }
}

/// Prints that `what` happened now (when enabled), on any thread.
pub fn event(what: &str) {
    if enabled() {
        eprintln!(
            "timing: {what:<28} {:>8}     (at {:.3} s)",
            "",
            origin().elapsed().as_secs_f64()
        );
    }
}
