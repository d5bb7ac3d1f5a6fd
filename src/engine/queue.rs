//! The pending-event queue: a radix heap keyed by `(time, sequence)`.
//!
//! Events are never scheduled before the clock, and the clock never goes
//! back, so each new key is above the last one popped: the keys only grow.
//! A radix heap uses that: an event sits in the bucket of the highest
//! byte where its key differs from the last key popped, and its value
//! there, so the lowest non-empty bucket holds the earliest
//! events, and a pop redistributes only that
//! bucket into lower ones (each event moves down a few times in all). On the
//! 1 M-task Fargate replay `BinaryHeap::pop` was a third of the simulation
//! thread's time (issue 24). Keys are unique (the sequence number), so the
//! order is exactly the binary heap's: earliest time, then first scheduled.

use crate::time::SimTime;

/// An event's key: its time, then its sequence number (scheduling order).
type Key = (SimTime, u64);

/// The top bit of an entry's sequence word marks a daemon event, so an
/// entry is its key and its event, nothing else (a service host's entry is
/// 32 bytes, moved as two 16-byte words when a bucket is redistributed).
const DAEMON: u64 = 1 << 63;

struct Entry<E> {
    time: SimTime,
    /// The sequence number, with [`DAEMON`] set for a daemon event.
    seq_flag: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn key(&self) -> Key {
        (self.time, self.seq_flag & !DAEMON)
    }
}

/// Bits in a digit of a key: a byte.
const DIGIT: u32 = 8;

/// Buckets at each digit: one per value of the digit.
const PER_DIGIT: usize = 1 << DIGIT;

/// Digits in a word of the key.
const DIGITS_PER_WORD: usize = 64 / DIGIT as usize;

/// Buckets: 0 for the key equal to the last popped, then 256 for each of
/// the 16 bytes of a key (bucket 256 × p + d holds the keys whose highest
/// byte that differs from the last popped is byte p, where they have d; d
/// is never 0 there, as the key is above the last popped).
const BUCKETS: usize = 2 * DIGITS_PER_WORD * PER_DIGIT;

/// Words of the occupied-bucket bitmap.
const WORDS: usize = BUCKETS / 64;

/// The largest room (in entries) an emptied bucket keeps for its next
/// events. Keeping every bucket's room made each of the 4,096 hold the
/// most events it ever held, for the whole run: on the Alibaba 2017
/// starter one Fargate platform's queue, never above about 66,000 events,
/// held room for 2.8 M entries (89 MB), and the three platforms peaked at
/// 355 MB against 263 MB before the byte buckets. Small buckets, emptied
/// and refilled all the time, still keep theirs.
const KEEP_ROOM: usize = 1024;

/// The bucket of `key` given the last key popped, reading the two keys as
/// one 128-bit number (time above sequence) in bytes: the highest byte
/// where they differ, and the key's value there; 0 when they are equal.
/// Buckets are in key order, so the lowest non-empty one holds the
/// smallest key. A wider digit moves an event down fewer times (issue 24:
/// redistribution was a fifth of the 1 M-task Fargate replay's simulation
/// thread with a bit per level; hexadecimal digits took it to a sixth, and
/// a Fargate stop, scheduled 35 s and more ahead, still moved down two or
/// three times; by bytes it moves about once). Kept as two u64s so an
/// entry is 8-byte aligned (a u128 would make it 16, and each move larger).
#[inline]
fn bucket_of(key: Key, last: Key) -> usize {
    let (word, x, base) = if key.0 != last.0 {
        (key.0, key.0 ^ last.0, DIGITS_PER_WORD)
    } else if key.1 != last.1 {
        (key.1, key.1 ^ last.1, 0)
    } else {
        return 0;
    };
    let digit = ((63 - x.leading_zeros()) / DIGIT) as usize;
    let value = (word >> (DIGIT as usize * digit)) as usize & (PER_DIGIT - 1);
    PER_DIGIT * (base + digit) + value
}

/// Events waiting to fire, and the simulated clock.
pub struct EventQueue<E> {
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit b set when bucket b (1 and up) holds events, in words of 64
    /// (a redistribution sets a bit for every event it moves).
    occupied: [u64; WORDS],
    /// Bit w set when word w of `occupied` is not 0: the lowest bucket is
    /// found in two steps, not by a scan of 64 words.
    words: u64,
    /// The last key popped (no pending key is below it).
    last: Key,
    /// The smallest pending key, when known (found by a peek, kept up to
    /// date by pushes, forgotten by a pop).
    min: Option<Key>,
    len: usize,
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
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: [0; WORDS],
            words: 0,
            last: (0, 0),
            min: None,
            len: 0,
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
    #[inline(always)]
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

    /// Takes the key an event scheduled at `time` now would get, without
    /// scheduling one: a model that keeps its next happening outside the
    /// queue (a service's next request, see [`crate::engine::Model::next_own`])
    /// is then ordered among the events exactly as if it were queued.
    #[inline]
    pub fn ticket(&mut self, time: SimTime) -> Key {
        self.seq += 1;
        (time.max(self.now), self.seq)
    }

    #[inline(always)]
    fn push(&mut self, time: SimTime, event: E, daemon: bool) {
        let time = time.max(self.now);
        self.seq += 1;
        // Sequence numbers stay far below 2^63 (one a nanosecond for
        // three centuries), leaving the top bit for the daemon flag.
        debug_assert!(self.seq < DAEMON);
        self.live += usize::from(!daemon);
        let key = (time, self.seq);
        // The clock is at or past the last event popped and the sequence
        // grows, so the key is above the last popped.
        debug_assert!(key > self.last);
        let b = bucket_of(key, self.last);
        self.buckets[b].push(Entry {
            time,
            seq_flag: self.seq | if daemon { DAEMON } else { 0 },
            event,
        });
        self.mark(b);
        self.len += 1;
        if let Some(m) = self.min
            && key < m
        {
            self.min = Some(key);
        }
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

    /// Notes that bucket `b` holds events (bucket 0 is not tracked).
    #[inline]
    fn mark(&mut self, b: usize) {
        if b > 0 {
            self.occupied[b >> 6] |= 1 << (b & 63);
            self.words |= 1 << (b >> 6);
        }
    }

    /// Notes that bucket `b` (not 0) is empty.
    #[inline]
    fn unmark(&mut self, b: usize) {
        let w = b >> 6;
        self.occupied[w] &= !(1 << (b & 63));
        if self.occupied[w] == 0 {
            self.words &= !(1 << w);
        }
    }

    /// The lowest non-empty bucket (the earliest events are there).
    #[inline]
    fn lowest(&self) -> Option<usize> {
        if !self.buckets[0].is_empty() {
            Some(0)
        } else {
            let i = self.words.trailing_zeros() as usize;
            (i < WORDS).then(|| 64 * i + self.occupied[i].trailing_zeros() as usize)
        }
    }

    /// The time of the earliest pending event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.peek_key().map(|k| k.0)
    }

    /// The key `(time, sequence)` of the earliest pending event.
    #[inline]
    pub fn peek_key(&mut self) -> Option<Key> {
        if self.min.is_none() {
            let b = self.lowest()?;
            self.min = self.buckets[b].iter().map(Entry::key).min();
        }
        self.min
    }

    /// Removes the earliest event and moves the clock to it.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = if !self.buckets[0].is_empty() {
            self.buckets[0].pop()?
        } else {
            let b = self.lowest()?;
            if self.buckets[b].len() == 1 {
                // The lowest bucket holds one event, the earliest:
                // redistributing would make its key the last popped and
                // move it alone to bucket 0, to be popped from there at
                // once. Taken directly (issue 24: a Fargate replay's stops
                // are far enough apart that nearly every pop finds its
                // event alone in its bucket, and the call and the move
                // were about 160 instructions an event).
                let e = self.buckets[b].pop()?;
                self.unmark(b);
                self.last = e.key();
                e
            } else {
                self.redistribute(b);
                self.buckets[0].pop()?
            }
        };
        self.len -= 1;
        self.min = None;
        let time = e.time;
        self.now = time;
        self.live -= usize::from(e.seq_flag & DAEMON == 0);
        Some((time, e.event))
    }

    /// Empties bucket `b`, the lowest non-empty one, into lower buckets:
    /// its smallest key becomes the last popped, and goes to bucket 0.
    /// Out of line (issue 24): inlined into a model's event loop, the loop
    /// that moves the entries ran short of registers and passed each event
    /// through the stack in overlapping pieces, a store-forwarding stall
    /// per entry (a quarter of the engine loop's samples on the 1 M-task
    /// Fargate replay). A call per bucket emptied costs nothing by
    /// comparison.
    #[inline(never)]
    fn redistribute(&mut self, b: usize) {
        let mut moving = std::mem::take(&mut self.buckets[b]);
        self.unmark(b);
        // The smallest pending key is in the lowest bucket: a peek
        // has usually found it already.
        let last = match self.min {
            Some(m) => m,
            None => moving.iter().map(Entry::key).min().unwrap_or(self.last),
        };
        self.last = last;
        for e in moving.drain(..) {
            let to = bucket_of(e.key(), last);
            self.buckets[to].push(e);
            self.mark(to);
        }
        // Keep the emptied vector's room for the next time, unless it is
        // large: then it is freed (see `KEEP_ROOM`).
        if moving.capacity() <= KEEP_ROOM {
            self.buckets[b] = moving;
        }
    }

    /// Moves the clock forward (never back).
    #[inline]
    pub fn advance_to(&mut self, time: SimTime) {
        self.now = self.now.max(time);
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
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
    /// Takes the key an event at `time` would get (see [`EventQueue::ticket`]).
    fn ticket(&mut self, time: SimTime) -> (SimTime, u64);
}

impl<E> Schedule<E> for EventQueue<E> {
    #[inline]
    fn now(&self) -> SimTime {
        EventQueue::now(self)
    }
    #[inline(always)]
    fn schedule_at(&mut self, time: SimTime, event: E) {
        EventQueue::schedule_at(self, time, event)
    }
    #[inline]
    fn schedule_daemon_at(&mut self, time: SimTime, event: E) {
        EventQueue::schedule_daemon_at(self, time, event)
    }
    #[inline]
    fn ticket(&mut self, time: SimTime) -> (SimTime, u64) {
        EventQueue::ticket(self, time)
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
    #[inline]
    fn ticket(&mut self, time: SimTime) -> (SimTime, u64) {
        self.outer.ticket(time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The room the buckets hold, in entries.
    fn room<E>(q: &EventQueue<E>) -> usize {
        q.buckets.iter().map(Vec::capacity).sum()
    }

    #[test]
    fn emptied_large_buckets_give_their_room_back() {
        // A hold model: 60,000 events pending, each popped event replaced
        // by one up to an hour later, a million times over. Every bucket
        // used to keep the room of the most events it ever held; now an
        // emptied bucket above KEEP_ROOM entries is freed, so the room
        // stays near what is pending.
        let mut q = EventQueue::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let next = |x: &mut u64| {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            *x % 3_600_000_000
        };
        for _ in 0..60_000 {
            let d = next(&mut x);
            q.schedule_at(d, ());
        }
        let mut high = 0;
        for _ in 0..1_000_000 {
            let (t, ()) = q.pop().unwrap();
            let d = next(&mut x);
            q.schedule_at(t + d, ());
            high = high.max(room(&q));
        }
        assert_eq!(q.len(), 60_000);
        // At most the pending events, the buckets' small kept rooms and the
        // growth slack of the buckets being filled.
        assert!(high < 4 * 60_000 + BUCKETS * 64, "room {high} entries");
    }

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
    fn pops_in_key_order_with_times_far_apart_and_many_ties() {
        // Times spread over 2^40 µs (digits high in the time word), and
        // many events at one time (the order then rests on the sequence
        // word's digits).
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut seq = 0u64;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if !x.is_multiple_of(3) || reference.is_empty() {
                let ahead = match x % 4 {
                    0 => 0,
                    1 => (x >> 8) % 16,
                    2 => (x >> 8) % (1 << 24),
                    _ => (x >> 8) % (1 << 40),
                };
                let time = q.now() + ahead;
                seq += 1;
                q.schedule_at(time, seq);
                reference.insert((time, seq));
            } else {
                let expected = reference.pop_first().expect("not empty");
                assert_eq!(q.peek_key(), Some(expected));
                assert_eq!(q.pop(), Some(expected));
            }
        }
        while let Some(expected) = reference.pop_first() {
            assert_eq!(q.pop(), Some(expected));
        }
        assert!(q.is_empty());
    }

    #[test]
    fn lone_events_and_byte_boundaries_pop_in_key_order() {
        // Times on both sides of byte boundaries of the time word (a lone
        // event in its bucket is popped without a redistribution; a full
        // bucket is redistributed), ties at each (the sequence word), and
        // the bitmap's last words (the top byte of the time).
        let mut times = Vec::new();
        for shift in [0u32, 8, 16, 24, 32, 40, 48, 56] {
            let b = 1u64 << shift;
            times.extend([b - 1, b, b + 1]);
        }
        times.extend([u64::MAX - 1, (1 << 63) + 5]);
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let mut seq = 0u64;
        for (i, &t) in times.iter().enumerate() {
            for _ in 0..1 + i % 3 {
                seq += 1;
                q.schedule_at(t, seq);
                reference.insert((t, seq));
            }
        }
        // Pop half, then push more behind the clock's new position.
        for _ in 0..reference.len() / 2 {
            let expected = reference.pop_first().expect("not empty");
            assert_eq!(q.pop(), Some(expected));
        }
        let now = q.now();
        for d in [0u64, 1, 255, 256, 65_536, 1 << 24] {
            seq += 1;
            q.schedule_at(now + d, seq);
            reference.insert((now + d, seq));
        }
        while let Some(expected) = reference.pop_first() {
            assert_eq!(q.peek_key(), Some(expected));
            assert_eq!(q.pop(), Some(expected));
        }
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
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
            if x.is_multiple_of(7) {
                // As the run loop does: peek, then an arrival moves the
                // clock, but not past the earliest event.
                let next = q.peek_time();
                assert_eq!(next, reference.first().map(|&(t, _)| t));
                let to = q.now() + (x >> 16) % 500;
                q.advance_to(next.map_or(to, |n| to.min(n)));
            }
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
