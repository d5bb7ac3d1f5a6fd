//! The engine's loop: the [`Model`] a simulation drives, the merge of
//! arrivals with the event queue, progress and the stop flag.

use super::queue::{EventQueue, Schedule};
use crate::time::SimTime;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Something that arrives at a known time (a task of a workload).
pub trait Timed {
    /// When it arrives.
    fn at(&self) -> SimTime;
}

/// A run stopped by [`STOP`] (Ctrl-C or SIGTERM). An arrival stream's error
/// type says how it is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped;

/// A model driven by the engine.
pub trait Model {
    /// The model's own events.
    type Event;
    /// What arrives from outside, in time order.
    type Arrival: Timed;

    /// Called once at time 0, before anything else happens (a service host
    /// launches its first replicas here).
    fn start(&mut self, _queue: &mut impl Schedule<Self::Event>) {}

    /// An arrival at `queue.now()`.
    fn on_arrival(&mut self, arrival: Self::Arrival, queue: &mut impl Schedule<Self::Event>);

    /// One of the model's events fires at `queue.now()`.
    fn on_event(&mut self, event: Self::Event, queue: &mut impl Schedule<Self::Event>);

    /// The key `(time, sequence)` of the model's own next happening, when it
    /// keeps one outside the queue: a service's next request is drawn when
    /// the one before arrives and waits here, with a key taken from
    /// [`Schedule::ticket`], instead of costing a push and a pop. The engine
    /// merges it with the queue's head by key, so the order is the one the
    /// queue would have given. It keeps the run going as a live event does.
    #[inline]
    fn next_own(&self) -> Option<(SimTime, u64)> {
        None
    }

    /// The happening [`Model::next_own`] named comes, at `queue.now()`.
    fn on_own(&mut self, _queue: &mut impl Schedule<Self::Event>) {}

    /// Whether the model still has work that its daemon events will move on
    /// (tasks waiting for a scale-out, say). When the arrivals are exhausted,
    /// only daemon events remain and the model is not busy, the run ends.
    fn busy(&self) -> bool {
        false
    }

    /// When the model next wants [`Model::sample`] called (never, by default).
    fn next_sample_at(&self) -> SimTime {
        SimTime::MAX
    }

    /// Records the model's state at `at`, before anything at `at` happens.
    fn sample(&mut self, _at: SimTime) {}

    /// Tasks finished so far, for progress reports.
    fn tasks_done(&self) -> u64 {
        0
    }

    /// Tasks in the system now (submitted, not yet gone); the engine
    /// integrates it over time for the Little's-law self-check.
    fn tasks_in_system(&self) -> u64 {
        0
    }
}

/// Counters a run publishes for a progress display on another thread.
#[derive(Debug, Default)]
pub struct Progress {
    /// The simulated time reached, µs.
    pub now: AtomicU64,
    pub events: AtomicU64,
    pub tasks_done: AtomicU64,
    /// Set when the run has returned.
    pub finished: AtomicBool,
}

/// Set (by a signal handler) to stop every running simulation at its next
/// check; the run then fails with [`Stopped`].
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Events between two updates of [`Progress`] (and checks of [`STOP`]).
const PROGRESS_EVERY: u64 = 1 << 14;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunEnd {
    /// The simulated time the run stopped at: the horizon, or the time of the
    /// last event when the workload drained.
    pub end: SimTime,
    /// Events handled (arrivals included).
    pub events: u64,
    /// Whether the run was cut by the horizon with work still pending.
    pub cut_by_horizon: bool,
    /// ∫ tasks in the system dt over the run, task·µs (L × the run's length).
    pub tasks_in_system_us: u128,
}

/// Runs `model` over `arrivals` until both are exhausted or the next thing to
/// happen lies beyond `horizon`.
pub fn run<M: Model, E: From<Stopped>>(
    model: &mut M,
    arrivals: &mut dyn Iterator<Item = Result<M::Arrival, E>>,
    horizon: Option<SimTime>,
) -> Result<RunEnd, E> {
    run_with_progress(model, arrivals, horizon, None)
}

/// [`run`], publishing progress to `progress` as it goes.
pub fn run_with_progress<M: Model, E: From<Stopped>>(
    model: &mut M,
    arrivals: &mut dyn Iterator<Item = Result<M::Arrival, E>>,
    horizon: Option<SimTime>,
    progress: Option<&Progress>,
) -> Result<RunEnd, E> {
    let result = run_loop(model, arrivals, horizon, progress);
    if let (Some(p), Ok(end)) = (progress, &result) {
        p.now.store(end.end, Ordering::Relaxed);
        p.events.store(end.events, Ordering::Relaxed);
        p.tasks_done.store(model.tasks_done(), Ordering::Relaxed);
    }
    if let Some(p) = progress {
        p.finished.store(true, Ordering::Relaxed);
    }
    result
}

fn run_loop<M: Model, E: From<Stopped>>(
    model: &mut M,
    arrivals: &mut dyn Iterator<Item = Result<M::Arrival, E>>,
    horizon: Option<SimTime>,
    progress: Option<&Progress>,
) -> Result<RunEnd, E> {
    let mut queue = EventQueue::new();
    model.start(&mut queue);
    let mut next_arrival = arrivals.next().transpose()?;
    let limit = horizon.unwrap_or(SimTime::MAX);
    let mut events = 0u64;
    // ∫ tasks in the system dt, brought up to `last`.
    let (mut area, mut last) = (0u128, 0 as SimTime);
    let settle = |model: &M, area: u128, last: SimTime, end: SimTime| {
        area + model.tasks_in_system() as u128 * end.saturating_sub(last) as u128
    };
    loop {
        // The earliest of the queue's head and the model's own next
        // happening, by key; `own` when it is the model's.
        let own_next = model.next_own();
        let (event_key, own) = match (queue.peek_key(), own_next) {
            (Some(e), Some(o)) if o < e => (Some(o), true),
            (None, Some(o)) => (Some(o), true),
            (e, _) => (e, false),
        };
        let event_time = event_key.map(|k| k.0);
        let arrival_time = next_arrival.as_ref().map(Timed::at);
        let drained =
            arrival_time.is_none() && queue.live() == 0 && own_next.is_none() && !model.busy();
        let take_event = match (event_time, arrival_time) {
            _ if drained && horizon.is_none() => {
                let end = queue.now();
                return Ok(RunEnd {
                    end,
                    events,
                    cut_by_horizon: false,
                    tasks_in_system_us: settle(model, area, last, end),
                });
            }
            (None, None) => {
                let end = horizon.unwrap_or(queue.now());
                return Ok(RunEnd {
                    end,
                    events,
                    cut_by_horizon: false,
                    tasks_in_system_us: settle(model, area, last, end),
                });
            }
            (Some(e), Some(a)) => e <= a,
            (Some(_), None) => true,
            (None, Some(_)) => false,
        };
        let t = if take_event { event_time } else { arrival_time }.expect("chosen side exists");
        if t > limit {
            queue.advance_to(limit);
            return Ok(RunEnd {
                end: limit,
                events,
                cut_by_horizon: true,
                tasks_in_system_us: settle(model, area, last, limit),
            });
        }
        area = settle(model, area, last, t);
        last = t;
        while model.next_sample_at() <= t {
            let at = model.next_sample_at();
            model.sample(at);
        }
        events += 1;
        if events.is_multiple_of(PROGRESS_EVERY) {
            if STOP.load(Ordering::Relaxed) {
                return Err(Stopped.into());
            }
            if let Some(p) = progress {
                p.now.store(t, Ordering::Relaxed);
                p.events.store(events, Ordering::Relaxed);
                p.tasks_done.store(model.tasks_done(), Ordering::Relaxed);
            }
        }
        if take_event && own {
            queue.advance_to(t);
            model.on_own(&mut queue);
        } else if take_event {
            let (_, ev) = queue.pop().expect("peeked");
            model.on_event(ev, &mut queue);
        } else {
            let arrival = next_arrival.take().expect("peeked");
            queue.advance_to(arrival.at());
            // Written straight into its place (`transpose()?` moved the
            // task through two more temporaries: issue 24).
            match arrivals.next() {
                Some(Ok(next)) => next_arrival = Some(next),
                Some(Err(e)) => return Err(e),
                None => {}
            }
            model.on_arrival(arrival, &mut queue);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Something timed that never arrives (the test has no arrivals).
    struct Never;
    impl Timed for Never {
        fn at(&self) -> SimTime {
            0
        }
    }

    /// A model with an own stream of happenings every 10 µs (five of them)
    /// and events that land on the same instants, scheduled before or after
    /// the happening's key was taken.
    #[derive(Default)]
    struct Ticks {
        own: Option<(SimTime, u64)>,
        left: u32,
        log: Vec<String>,
    }

    impl Model for Ticks {
        type Event = &'static str;
        type Arrival = Never;

        fn start(&mut self, queue: &mut impl Schedule<Self::Event>) {
            // Scheduled before the first happening's key: runs first.
            queue.schedule_at(10, "early");
            self.left = 5;
            self.own = Some(queue.ticket(10));
            // Scheduled after it: runs after it, at the same time.
            queue.schedule_at(10, "late");
        }

        fn on_arrival(&mut self, _: Never, _: &mut impl Schedule<Self::Event>) {}

        fn on_event(&mut self, event: &'static str, queue: &mut impl Schedule<Self::Event>) {
            self.log.push(format!("{event}@{}", queue.now()));
        }

        fn next_own(&self) -> Option<(SimTime, u64)> {
            self.own
        }

        fn on_own(&mut self, queue: &mut impl Schedule<Self::Event>) {
            let now = queue.now();
            self.log.push(format!("own@{now}"));
            self.left -= 1;
            self.own = (self.left > 0).then(|| queue.ticket(now + 10));
            if self.left == 3 {
                // An event at the next happening's time, after its key.
                queue.schedule_at(now + 10, "after");
            }
        }
    }

    #[test]
    fn own_happenings_keep_the_place_a_queued_event_would_have() {
        let mut m = Ticks::default();
        let mut none = std::iter::empty::<Result<Never, Stopped>>();
        let end = run(&mut m, &mut none, None).expect("runs");
        assert_eq!(
            m.log,
            [
                "early@10", "own@10", "late@10", "own@20", "own@30", "after@30", "own@40", "own@50"
            ]
        );
        // The own happenings count as events and keep the run going.
        assert_eq!(end.events, 8);
        assert_eq!(end.end, 50);
    }
}
