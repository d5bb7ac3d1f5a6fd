//! Reading a trace once for every platform, on its own thread.
//!
//! Parsing a trace costs about as much as simulating it. Each platform used
//! to open and parse the file itself, on the thread that also simulates, so a
//! run paid for the parsing once per platform and never overlapped it with
//! the simulation. [`fan_out`] moves the reading to one reader thread that
//! sends the tasks, in chunks, to every platform through bounded channels:
//! the trace is parsed once, and the platforms simulate while the next chunk
//! is being read. Memory stays bounded (the reader waits for the slowest
//! platform), and each platform sees exactly the stream it would have read
//! itself, so results do not change.

use super::formats::SkipCounter;
use super::task::{Task, TaskSource, TaskStream, WorkloadError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Tasks per message (a source that hands over whole blocks sends those).
const CHUNK: usize = 4096;
/// Messages a platform may fall behind the reader before the reader waits:
/// enough to ride out the reader's pauses, few enough that the tasks a
/// platform takes are still in the caches (8 measured as fast as 32 and 4 on
/// the peers' traces, issue 24).
const DEPTH: usize = 8;

/// What the reader sends.
enum Message {
    /// The next tasks, and the skipped-row counts as of the last of them
    /// when they changed since the previous chunk.
    Tasks(Arc<Vec<Task>>, Option<Arc<BTreeMap<String, u64>>>),
    /// The stream failed here; nothing follows.
    Failed(WorkloadError),
}

/// One platform's end of a [`fan_out`].
pub struct Fed {
    /// The tasks, in the source's order.
    pub stream: TaskStream,
    /// Rows skipped among the tasks this platform has taken so far.
    pub skipped: SkipCounter,
}

/// What [`fan_out`] returns: one feed per platform, and the reader thread.
pub struct FanOut {
    pub fed: Vec<Fed>,
    /// Ends once the stream is read, fails, or every feed is dropped.
    pub reader: std::thread::JoinHandle<()>,
}

/// Reads `stream` on a new thread and gives each of `consumers` platforms
/// the same tasks. `skipped` is the source's own counter of skipped rows;
/// each consumer gets a counter that follows it as far as that consumer has
/// read, so what a platform reports never depends on how far ahead the
/// reader happens to be. Fails only when no thread can be started.
pub fn fan_out(
    stream: TaskStream,
    skipped: SkipCounter,
    consumers: usize,
) -> std::io::Result<FanOut> {
    let mut senders = Vec::with_capacity(consumers);
    let mut fed = Vec::with_capacity(consumers);
    // Emptied chunks come back to the reader to be filled again.
    let (give_back, recycled) = sync_channel(DEPTH + 2);
    for _ in 0..consumers {
        let (tx, rx) = sync_channel(DEPTH);
        senders.push(Some(tx));
        let counter = SkipCounter::default();
        fed.push(Fed {
            stream: Box::new(Receiving {
                rx,
                chunk: Vec::new(),
                next: 0,
                shared: None,
                at: 0,
                counter: counter.clone(),
                done: false,
                give_back: give_back.clone(),
            }),
            skipped: counter,
        });
    }
    let reader = std::thread::Builder::new()
        .name("trace reader".into())
        .spawn(move || read(stream, skipped, senders, recycled))?;
    Ok(FanOut { fed, reader })
}

/// The reader thread: chunks the stream and sends each chunk to every
/// platform still listening; stops at the end, at the first error, or when
/// no platform listens any more. A chunk a platform emptied comes back
/// through `recycled` and is filled again: a fresh 360 KB chunk for every
/// 4,096 tasks cost page faults here and a `munmap` on the simulation
/// thread (issue 24).
fn read(
    mut stream: TaskStream,
    skipped: SkipCounter,
    mut senders: Vec<Option<SyncSender<Message>>>,
    recycled: Receiver<Vec<Task>>,
) {
    crate::io::priority::lower_this_thread();
    let mut last_counts = BTreeMap::new();
    loop {
        let mut tasks = recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        // A source holding parsed blocks hands one over whole (in place of
        // this emptied chunk, which it keeps for a later block).
        let (failure, at_end) = match stream.next_run(&mut tasks, CHUNK) {
            Ok(more) => (None, !more),
            Err(e) => (Some(e), true),
        };
        let counts = skipped.counts();
        let changed = (counts != last_counts).then(|| Arc::new(counts.clone()));
        last_counts = counts;
        // Rows skipped after the last task still count: an empty chunk
        // carries them.
        if !tasks.is_empty() || changed.is_some() {
            send_all(&mut senders, Arc::new(tasks), changed);
        }
        if let Some(e) = failure {
            for tx in senders.iter().flatten() {
                let _ = tx.send(Message::Failed(e.duplicate()));
            }
        }
        if at_end || senders.iter().all(Option::is_none) {
            crate::io::timings::event("the trace reader ended");
            return;
        }
    }
}

/// Sends a chunk to every platform still listening, forgetting those that
/// left. The last one gets the chunk itself, so a single platform takes the
/// tasks without copying them.
fn send_all(
    senders: &mut [Option<SyncSender<Message>>],
    tasks: Arc<Vec<Task>>,
    counts: Option<Arc<BTreeMap<String, u64>>>,
) {
    let live: Vec<usize> = (0..senders.len())
        .filter(|&i| senders[i].is_some())
        .collect();
    let mut tasks = Some(tasks);
    for (k, &i) in live.iter().enumerate() {
        let chunk = if k + 1 == live.len() {
            tasks.take().expect("sent once")
        } else {
            tasks.clone().expect("kept until the last")
        };
        let tx = senders[i].as_ref().expect("live");
        if tx.send(Message::Tasks(chunk, counts.clone())).is_err() {
            senders[i] = None;
        }
    }
}

/// A platform's side: yields the tasks of each chunk in turn.
struct Receiving {
    rx: Receiver<Message>,
    /// Tasks of a chunk this platform alone holds (moved, not cloned), and
    /// the next one to take: those before it were moved out, and the
    /// vector, once emptied, goes back to the reader with its length set
    /// to 0 (see [`Receiving::take`]).
    chunk: Vec<Task>,
    next: usize,
    /// A chunk shared with other platforms, and the next index in it.
    shared: Option<Arc<Vec<Task>>>,
    at: usize,
    counter: SkipCounter,
    done: bool,
    give_back: SyncSender<Vec<Task>>,
}

impl crate::workload::TaskSource for Receiving {}

impl Iterator for Receiving {
    type Item = Result<Task, WorkloadError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(t) = self.take() {
            return Some(Ok(t));
        }
        self.next_chunk()
    }
}

impl Receiving {
    /// Moves the next task of the chunk in hand out, if there is one.
    ///
    /// Read in place rather than popped from a deque: `VecDeque::pop_front`
    /// tested the task's label for the `Option`'s empty value and stored
    /// that byte apart from the rest, so the engine's copy of the task,
    /// moments later, read wide words across several narrower writes and
    /// waited for them to reach the cache (a sixth of the engine loop's
    /// time on the 1 M-task replays, issue 24).
    #[inline(always)]
    fn take(&mut self) -> Option<Task> {
        if self.next >= self.chunk.len() {
            return None;
        }
        // SAFETY: `next` is below the length, and the task there has not
        // been moved out: only those before `next` have, and they are never
        // read or dropped again (the length is set to 0 before the vector
        // is used or dropped, see `empty_chunk` and `Drop`).
        let t = unsafe { std::ptr::read(self.chunk.as_ptr().add(self.next)) };
        self.next += 1;
        Some(t)
    }

    /// The chunk in hand, all of its tasks moved out, as an empty vector
    /// that keeps its room.
    fn empty_chunk(&mut self) -> Vec<Task> {
        debug_assert_eq!(self.next, self.chunk.len(), "every task taken");
        // SAFETY: every task was moved out by `take` (`next` is the
        // length), so none is dropped or read again; the length shrinks.
        unsafe { self.chunk.set_len(0) };
        self.next = 0;
        std::mem::take(&mut self.chunk)
    }

    /// The first task of the next chunk (the one in hand is empty).
    #[inline(never)]
    fn next_chunk(&mut self) -> Option<Result<Task, WorkloadError>> {
        loop {
            if let Some(t) = self.take() {
                return Some(Ok(t));
            }
            let emptied = self.empty_chunk();
            if emptied.capacity() >= CHUNK {
                // Back to the reader; when it has enough (or has ended) the
                // chunk is simply freed.
                let _ = self.give_back.try_send(emptied);
            }
            if let Some(shared) = &self.shared {
                if let Some(t) = shared.get(self.at) {
                    self.at += 1;
                    return Some(Ok(t.clone()));
                }
                self.shared = None;
            }
            if self.done {
                return None;
            }
            match self.rx.recv() {
                Ok(Message::Tasks(tasks, counts)) => {
                    if let Some(c) = counts {
                        self.counter.replace((*c).clone());
                    }
                    match Arc::try_unwrap(tasks) {
                        Ok(own) => self.chunk = own,
                        Err(shared) => {
                            self.shared = Some(shared);
                            self.at = 0;
                        }
                    }
                }
                Ok(Message::Failed(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Err(_) => {
                    self.done = true;
                    return None;
                }
            }
        }
    }
}

impl Drop for Receiving {
    /// Drops the tasks not taken yet (a run stopped early), and not those
    /// already moved out.
    fn drop(&mut self) {
        let len = self.chunk.len();
        let next = self.next.min(len);
        // SAFETY: the tasks before `next` were moved out by `take` and those
        // from `next` on were not; the length is 0 before any is dropped, so
        // a panic in a drop leaks the rest rather than dropping one twice.
        unsafe {
            self.chunk.set_len(0);
            let rest =
                std::ptr::slice_from_raw_parts_mut(self.chunk.as_mut_ptr().add(next), len - next);
            std::ptr::drop_in_place(rest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(i: u64) -> Task {
        Task {
            id: i,
            label: Some(format!("t{i}").into()),
            submit: i * 10,
            duration: 5,
            cpu_milli: 250,
            memory_mib: 512,
            storage_gib: 0,
            group: None,
            usage: None,
        }
    }

    #[test]
    fn every_consumer_sees_the_whole_stream_in_order() {
        let n = (CHUNK * 3 + 17) as u64;
        let fed = fan_out(
            Box::new((0..n).map(|i| Ok(task(i)))),
            SkipCounter::default(),
            3,
        )
        .unwrap()
        .fed;
        assert_eq!(fed.len(), 3);
        let handles: Vec<_> = fed
            .into_iter()
            .map(|f| std::thread::spawn(move || f.stream.collect::<Result<Vec<_>, _>>()))
            .collect();
        for h in handles {
            let got = h.join().unwrap().unwrap();
            assert_eq!(got.len() as u64, n);
            assert!(got.iter().enumerate().all(|(i, t)| *t == task(i as u64)));
        }
    }

    #[test]
    fn one_consumer_gets_every_task_in_order_through_refilled_chunks() {
        // Forty chunks and a bit: the chunks the consumer empties go back
        // to the reader and are filled again.
        let n = (CHUNK * 40 + 5) as u64;
        let mut fed = fan_out(
            Box::new((0..n).map(|i| Ok(task(i)))),
            SkipCounter::default(),
            1,
        )
        .unwrap()
        .fed;
        let f = fed.pop().unwrap();
        let mut count = 0u64;
        for (i, t) in f.stream.enumerate() {
            assert_eq!(t.unwrap(), task(i as u64));
            count += 1;
        }
        assert_eq!(count, n);
    }

    #[test]
    fn an_error_reaches_every_consumer_after_the_tasks_before_it() {
        let stream = (0..10u64).map(|i| {
            if i == 7 {
                Err(WorkloadError::Format {
                    path: "t.csv".into(),
                    message: "bad".into(),
                })
            } else {
                Ok(task(i))
            }
        });
        for f in fan_out(Box::new(stream), SkipCounter::default(), 2)
            .unwrap()
            .fed
        {
            let items: Vec<_> = f.stream.collect();
            assert_eq!(items.len(), 8);
            assert!(items[..7].iter().all(Result::is_ok));
            assert_eq!(
                items[7].as_ref().unwrap_err().to_string(),
                "trace t.csv: bad"
            );
        }
    }

    #[test]
    fn skipped_counts_follow_the_consumer_not_the_reader() {
        // The source skips a row before task 0 and another after the last
        // chunk's tasks; a consumer that stops in the first chunk sees only
        // the first, one that reads to the end sees both.
        let source = SkipCounter::default();
        let s2 = source.clone();
        let n = (CHUNK * 2) as u64;
        let stream = (0..=n).filter_map(move |i| {
            if i == 0 || i == n {
                s2.add("negative duration");
            }
            (i < n).then(|| Ok(task(i)))
        });
        let mut fed = fan_out(Box::new(stream), source, 2).unwrap().fed;
        let mut whole = fed.pop().unwrap();
        let mut partial = fed.pop().unwrap();
        assert!(partial.stream.next().is_some());
        assert_eq!(whole.stream.by_ref().count() as u64, n);
        assert_eq!(whole.skipped.total(), 2);
        // The reader has long finished; the partial consumer still reports
        // what it had read.
        assert_eq!(partial.skipped.total(), 1);
        drop(partial);
    }

    #[test]
    fn a_feed_dropped_in_a_chunk_drops_each_task_it_kept_once() {
        // Tasks that own heap memory (a group, a label too long to keep
        // inline): the ones taken are dropped by the taker, the rest of the
        // chunk by the feed, none twice and none forgotten.
        let group: Arc<str> = Arc::from("web");
        let g = group.clone();
        let n = (CHUNK + 100) as u64;
        let stream = (0..n).map(move |i| {
            let mut t = task(i);
            t.group = Some(g.clone());
            t.label = Some(format!("a-label-longer-than-the-inline-room-{i}").into());
            Ok(t)
        });
        let out = fan_out(Box::new(stream), SkipCounter::default(), 1).unwrap();
        let mut fed = out.fed;
        let taken: Vec<Task> = fed[0]
            .stream
            .by_ref()
            .take(CHUNK / 2)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(taken.len(), CHUNK / 2);
        assert!(taken.iter().enumerate().all(|(i, t)| t.id == i as u64));
        drop(taken);
        drop(fed);
        out.reader.join().unwrap();
        assert_eq!(Arc::strong_count(&group), 1, "every task's group let go");
    }

    #[test]
    fn the_reader_stops_when_every_consumer_leaves() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let pulled = Arc::new(AtomicU64::new(0));
        let p = pulled.clone();
        let endless = (0..).map(move |i| {
            p.fetch_add(1, Ordering::Relaxed);
            Ok(task(i))
        });
        let out = fan_out(Box::new(endless), SkipCounter::default(), 2).unwrap();
        let mut fed = out.fed;
        assert_eq!(fed[0].stream.by_ref().take(10).count(), 10);
        drop(fed);
        // Joining returns (the test would hang otherwise), and the reader
        // read no further than the channels hold plus the chunk it was on.
        out.reader.join().unwrap();
        let n = pulled.load(Ordering::Relaxed);
        assert!(n <= ((DEPTH + 3) * CHUNK) as u64, "read {n} tasks");
    }
}
