//! Background threads that yield to the simulation.
//!
//! A run's simulation thread is its critical path: every event goes through
//! it, one after the other. The threads that read and parse a trace for it
//! run ahead of it through bounded channels, so they can wait without
//! slowing the run, but on a machine with fewer cores than runnable threads
//! the scheduler shares the cores fairly and takes turns away from the
//! simulation thread too. [`lower_this_thread`] gives a helper thread a
//! lower priority (a higher nice value, as `nice` would), so the scheduler
//! gives the simulation thread its turns first; where a core is free the
//! helper runs at full speed all the same.

/// Nice value added to a background thread. At +10 a helper weighs about a
/// tenth of the simulation thread with the scheduler, so four helpers
/// together still weigh less than it and it keeps its core; at +5 (a third
/// each) four of them outweighed it. Measured on two cores (docs/performance.md,
/// issue 24 sixth round): +5 took the 1 M-task 5/s run from 0.182 to 0.176 s,
/// +10 to 0.169 s; +19 gained no more there and cost the three-platform
/// Alibaba run, whose one reader feeds three simulation threads, 0.8 s.
const NICER_BY: i32 = 10;

/// Lowers the calling thread's scheduling priority (Linux keeps a nice value
/// per thread). Best effort: a failure changes nothing but speed, so it is
/// ignored; elsewhere than Linux this does nothing.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    // SAFETY: `getpriority`/`setpriority` read and set the calling thread's
    // nice value (`who` = 0); they touch no memory of ours.
    unsafe {
        let now = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, now.saturating_add(NICER_BY));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn nice() -> i32 {
        // SAFETY: reads the calling thread's nice value.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    /// The helper thread is lowered by `NICER_BY` (or to the ceiling, 19);
    /// the thread that started it keeps its priority.
    #[test]
    fn lowers_the_calling_thread_only() {
        let before = nice();
        let helper = std::thread::spawn(|| {
            let start = nice();
            lower_this_thread();
            (start, nice())
        })
        .join()
        .unwrap();
        assert_eq!(helper.0, before);
        assert_eq!(helper.1, (before + NICER_BY).min(19));
        assert_eq!(nice(), before);
    }
}
