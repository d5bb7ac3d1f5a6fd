//! The pending-event queue: a binary heap keyed by `(time, sequence)`.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    daemon: bool,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that `BinaryHeap`, a max-heap, pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Events waiting to fire, and the simulated clock.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    now: SimTime,
    /// Pending events that are not daemons.
    live: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
            now: 0,
            live: 0,
        }
    }

    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`; a time in the past is treated as now.
    #[inline]
    pub fn schedule_at(&mut self, time: SimTime, event: E) {
        self.push(time, event, false);
    }

    /// Schedules a daemon event: periodic housekeeping (a metric tick, a
    /// consolidation check) that happens while the run goes on but does not
    /// by itself keep the run going.
    #[inline]
    pub fn schedule_daemon_at(&mut self, time: SimTime, event: E) {
        self.push(time, event, true);
    }

    #[inline]
    fn push(&mut self, time: SimTime, event: E, daemon: bool) {
        let time = time.max(self.now);
        self.seq += 1;
        self.live += usize::from(!daemon);
        self.heap.push(Entry {
            time,
            seq: self.seq,
            daemon,
            event,
        });
    }

    /// Pending events that are not daemons.
    #[inline]
    pub fn live(&self) -> usize {
        self.live
    }

    /// Schedules `event` after `delay`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule_at(self.now.saturating_add(delay), event);
    }

    /// The time of the earliest pending event.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes the earliest event and moves the clock to it.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = self.heap.pop()?;
        self.now = e.time;
        self.live -= usize::from(!e.daemon);
        Some((e.time, e.event))
    }

    /// Moves the clock forward (never back).
    #[inline]
    pub fn advance_to(&mut self, time: SimTime) {
        self.now = self.now.max(time);
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// Where a model schedules its events: the engine's [`EventQueue`], or a
/// [`Mapped`] view of it when the model is hosted inside another model (a
/// platform inside a service host) whose events wrap its own.
pub trait Schedule<E> {
    /// The current simulated time.
    fn now(&self) -> SimTime;
    /// Schedules `event` at `time`; a time in the past is treated as now.
    fn schedule_at(&mut self, time: SimTime, event: E);
    /// Schedules a daemon event (see [`EventQueue::schedule_daemon_at`]).
    fn schedule_daemon_at(&mut self, time: SimTime, event: E);
}

impl<E> Schedule<E> for EventQueue<E> {
    #[inline]
    fn now(&self) -> SimTime {
        EventQueue::now(self)
    }
    #[inline]
    fn schedule_at(&mut self, time: SimTime, event: E) {
        EventQueue::schedule_at(self, time, event)
    }
    #[inline]
    fn schedule_daemon_at(&mut self, time: SimTime, event: E) {
        EventQueue::schedule_daemon_at(self, time, event)
    }
}

/// A scheduler for inner events `E` that wraps each into an outer event with
/// `wrap` before handing it to `outer`.
pub struct Mapped<'a, S, F> {
    outer: &'a mut S,
    wrap: F,
}

impl<'a, S, F> Mapped<'a, S, F> {
    pub fn new(outer: &'a mut S, wrap: F) -> Self {
        Mapped { outer, wrap }
    }
}

impl<E, O, S: Schedule<O>, F: Fn(E) -> O> Schedule<E> for Mapped<'_, S, F> {
    #[inline]
    fn now(&self) -> SimTime {
        self.outer.now()
    }
    #[inline]
    fn schedule_at(&mut self, time: SimTime, event: E) {
        self.outer.schedule_at(time, (self.wrap)(event))
    }
    #[inline]
    fn schedule_daemon_at(&mut self, time: SimTime, event: E) {
        self.outer.schedule_daemon_at(time, (self.wrap)(event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion() {
        let mut q = EventQueue::new();
        q.schedule_at(5, "b");
        q.schedule_at(3, "a");
        q.schedule_at(5, "c");
        q.schedule_at(1, "z");
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!["z", "a", "b", "c"]);
        assert_eq!(q.now(), 5);
    }

    #[test]
    fn pops_in_key_order_through_random_pushes_and_pops() {
        // Against a sorted reference: every pop is the smallest (time, seq).
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut seq = 0u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if !x.is_multiple_of(3) || reference.is_empty() {
                let time = q.now() + x % 1000;
                seq += 1;
                q.schedule_at(time, seq);
                reference.insert((time, seq));
            } else {
                let expected = reference.pop_first().expect("not empty");
                assert_eq!(q.pop(), Some(expected));
            }
        }
        while let Some(expected) = reference.pop_first() {
            assert_eq!(q.pop(), Some(expected));
        }
        assert!(q.is_empty());
    }
}
