//! The cluster's waiting tasks, kept in bounded memory (issue 24): a
//! cluster pinned at its `max` under a trace that outruns it (the Alibaba
//! 2017 sample, 10.5 M tasks on at most 50 instances) used to hold its
//! whole backlog in memory, about 150 bytes a task.
//!
//! The queue is not one FIFO: `place_waiting` takes the oldest head among
//! the size classes that fit, ECS managed scaling counts the first
//! `provisioning_limit` waiting tasks in submit order, Karpenter reads each
//! class's oldest tasks, and a retried task comes back at its old place.
//! But each class, ordered by task id, is nearly a FIFO: new tasks arrive
//! with ever larger ids. So each class keeps
//!
//! - `early`: tasks that came back with an id below the class's newest
//!   (a retry, a task its service's launch rate held), by id, in memory;
//! - a FIFO of increasing ids: its oldest tasks in memory (`front`), whole
//!   chunks of [`CHUNK`] in a spill file shared by every class, and its
//!   newest in memory (`back`). Chunks are written only while more than
//!   [`SPILL_AFTER`] tasks wait in the whole cluster, so a run that never
//!   builds a large backlog never touches the disk.
//!
//! A chunk on disk starts with its tasks' ids, so walking a class in order
//! (the ECS count, Karpenter's pending pods) reads a few kilobytes, not the
//! tasks. The order every question sees is exactly that of the ordered map
//! by id the model used before, so the results do not change.

use crate::platform::rightsize::Attempt;
use crate::platform::spill::{
    TaskGroups, get_label, get_u32, get_u64, get_usage, put_label, put_u32, put_u64, put_usage,
};
use crate::workload::Task;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// Tasks per chunk a class writes to the spill file (and, at most, keeps
/// in memory at each end): small, as a trace has hundreds of classes.
pub const CHUNK: usize = 256;

/// Chunks go to disk only while more tasks than this wait in the cluster
/// (two of the Fargate queue's chunks, `platform::spill::CHUNK`).
pub const SPILL_AFTER: usize = 2 * crate::platform::spill::CHUNK;

/// A size class: (cpu_milli, memory_mib).
pub type Class = (u32, u32);

/// A right-sized task's request and run in the workload, and what its
/// current attempt at the new request does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resized {
    pub cpu_milli: u32,
    pub memory_mib: u32,
    pub duration: crate::time::SimTime,
    pub plan: Attempt,
}

/// A task waiting for room, with its attempt and, for a right-sized task,
/// what it asked for (kept with it while it waits, not in a map by id).
pub struct Waiting {
    pub task: Task,
    pub attempt: u32,
    pub resized: Option<Resized>,
}

/// A chunk of a class's FIFO in the spill file.
struct Chunk {
    offset: u64,
    bytes: usize,
    count: usize,
}

#[derive(Default)]
struct ClassQueue {
    key: Class,
    early: BTreeMap<u64, Waiting>,
    front: VecDeque<Waiting>,
    chunks: VecDeque<Chunk>,
    back: Vec<Waiting>,
    /// Tasks in `front`, `chunks` and `back`.
    fifo: usize,
    /// The newest id in the FIFO (when `fifo > 0`).
    last: u64,
}

impl ClassQueue {
    fn len(&self) -> usize {
        self.early.len() + self.fifo
    }

    /// The oldest task id (the front is never empty while the FIFO is not).
    fn head(&self) -> Option<u64> {
        let e = self.early.keys().next().copied();
        let f = self.front.front().map(|w| w.task.id);
        match (e, f) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The spill file shared by every class, removed when dropped.
struct Store {
    path: PathBuf,
    file: File,
    end: u64,
    /// Chunks written and not read back yet: at 0 the file starts again.
    live: usize,
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Marks a missing label, group, usage or right-sizing.
const NONE: u32 = u32::MAX;

/// Where one source of a walk in id order stands.
struct Cursor {
    slot: usize,
    /// The last id taken from `early`.
    early_after: Option<u64>,
    /// Position in the FIFO: 0 = front, 1 + i = chunk i, then back.
    part: usize,
    index: usize,
    /// The ids of the chunk being read.
    ids: Vec<u64>,
}

/// Every waiting task of a cluster (see the module docs).
pub struct WaitingTasks {
    queues: Vec<ClassQueue>,
    slots: BTreeMap<Class, usize>,
    /// (head id, slot) of every class with a task waiting.
    heads: BTreeSet<(u64, usize)>,
    /// Tasks under a placement constraint or host port (issue 21), by id.
    constrained: BTreeMap<u64, Waiting>,
    len: usize,
    store: Option<Store>,
    /// Groups (images) written as numbers, kept once in memory: there are
    /// as many as the trace's jobs, not its tasks.
    groups: TaskGroups,
    /// The reader's buffer for labels.
    text: Vec<u8>,
    buf: Vec<u8>,
    chunk: usize,
    spill_after: usize,
    /// The first I/O error met; the model stops the run with it.
    error: Option<(PathBuf, std::io::Error)>,
}

impl Default for WaitingTasks {
    fn default() -> WaitingTasks {
        WaitingTasks::with_limits(CHUNK, SPILL_AFTER)
    }
}

impl WaitingTasks {
    /// Chunks of `chunk` tasks, written while more than `spill_after` wait.
    pub fn with_limits(chunk: usize, spill_after: usize) -> WaitingTasks {
        WaitingTasks {
            queues: Vec::new(),
            slots: BTreeMap::new(),
            heads: BTreeSet::new(),
            constrained: BTreeMap::new(),
            len: 0,
            store: None,
            groups: TaskGroups::default(),
            text: Vec::new(),
            buf: Vec::new(),
            chunk: chunk.max(1),
            spill_after,
            error: None,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Takes the first I/O error met, if any.
    pub fn take_error(&mut self) -> Option<(PathBuf, std::io::Error)> {
        self.error.take()
    }

    /// Tasks waiting on disk now (for tests and the docs' figures).
    pub fn on_disk(&self) -> usize {
        self.queues
            .iter()
            .map(|q| q.chunks.iter().map(|c| c.count).sum::<usize>())
            .sum()
    }

    /// Adds a task to its size class. Returns whether the class was empty
    /// and whether the task is its new head (oldest).
    pub fn push(&mut self, w: Waiting) -> (bool, bool) {
        let key = (w.task.cpu_milli, w.task.memory_mib);
        let slot = match self.slots.get(&key) {
            Some(&s) => s,
            None => {
                self.queues.push(ClassQueue {
                    key,
                    ..ClassQueue::default()
                });
                self.slots.insert(key, self.queues.len() - 1);
                self.queues.len() - 1
            }
        };
        self.len += 1;
        let spill = self.len > self.spill_after && self.error.is_none();
        let id = w.task.id;
        let q = &mut self.queues[slot];
        let old = q.head();
        if q.fifo > 0 && id <= q.last {
            q.early.insert(id, w);
        } else {
            q.fifo += 1;
            q.last = id;
            if q.chunks.is_empty() && q.back.is_empty() && (q.front.len() < self.chunk || !spill) {
                q.front.push_back(w);
            } else {
                q.back.push(w);
                if spill && q.back.len() >= self.chunk {
                    self.spill(slot);
                }
            }
        }
        let new_head = old.is_none_or(|h| id < h);
        if new_head {
            if let Some(h) = old {
                self.heads.remove(&(h, slot));
            }
            self.heads.insert((id, slot));
        }
        (old.is_none(), new_head)
    }

    /// Writes class `slot`'s back to the spill file as one chunk.
    fn spill(&mut self, slot: usize) {
        if self.store.is_none() {
            match open_store() {
                Ok(s) => self.store = Some(s),
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            }
        }
        let q = &mut self.queues[slot];
        let store = self.store.as_mut().expect("opened above");
        self.buf.clear();
        for w in &q.back {
            put_u64(&mut self.buf, w.task.id);
        }
        for w in &q.back {
            encode(w, &mut self.groups, &mut self.buf);
        }
        if let Err(e) = store.file.write_all_at(&self.buf, store.end) {
            // The tasks stay in memory; the run stops with the error.
            self.error = Some((store.path.clone(), e));
            return;
        }
        q.chunks.push_back(Chunk {
            offset: store.end,
            bytes: self.buf.len(),
            count: q.back.len(),
        });
        store.end += self.buf.len() as u64;
        store.live += 1;
        q.back.clear();
    }

    /// The oldest task id of class `key`.
    pub fn head(&self, key: Class) -> Option<u64> {
        self.slots.get(&key).and_then(|&s| self.queues[s].head())
    }

    /// Takes the oldest task of class `key`, with the class's next head.
    pub fn pop_head(&mut self, key: Class) -> Option<(Waiting, Option<u64>)> {
        let slot = *self.slots.get(&key)?;
        let old = self.queues[slot].head()?;
        let q = &mut self.queues[slot];
        let w = if q.early.keys().next() == Some(&old) {
            q.early.pop_first().map(|(_, w)| w)
        } else {
            let w = q.front.pop_front();
            q.fifo -= 1;
            if q.front.is_empty() {
                self.refill(slot);
            }
            w
        }?;
        self.len -= 1;
        let next = self.queues[slot].head();
        self.heads.remove(&(old, slot));
        if let Some(h) = next {
            self.heads.insert((h, slot));
        }
        Some((w, next))
    }

    /// Fills class `slot`'s empty front: its oldest chunk on disk, or else
    /// its back. A chunk that cannot be read is lost (the run stops).
    fn refill(&mut self, slot: usize) {
        loop {
            let q = &mut self.queues[slot];
            if !q.front.is_empty() || q.fifo == 0 {
                return;
            }
            let Some(chunk) = q.chunks.pop_front() else {
                q.front.extend(q.back.drain(..));
                return;
            };
            let store = self.store.as_mut().expect("a chunk was written");
            store.live -= 1;
            let read = read_chunk(store, &chunk, &mut self.buf).and_then(|()| {
                let mut r: &[u8] = &self.buf[chunk.count * 8..];
                for _ in 0..chunk.count {
                    q.front
                        .push_back(decode(&mut r, &self.groups, &mut self.text)?);
                }
                Ok(())
            });
            if store.live == 0 {
                store.end = 0;
                if let Err(e) = store.file.set_len(0)
                    && self.error.is_none()
                {
                    self.error = Some((store.path.clone(), e));
                }
            }
            if let Err(e) = read {
                q.front.clear();
                q.fifo -= chunk.count;
                self.len -= chunk.count;
                if self.error.is_none() {
                    self.error = Some((store.path.clone(), e));
                }
            }
        }
    }

    /// Adds a task under a placement constraint.
    pub fn push_constrained(&mut self, w: Waiting) {
        self.len += 1;
        self.constrained.insert(w.task.id, w);
    }

    pub fn has_constrained(&self) -> bool {
        !self.constrained.is_empty()
    }

    /// The constrained tasks' ids, oldest first.
    pub fn constrained_ids(&self) -> Vec<u64> {
        self.constrained.keys().copied().collect()
    }

    pub fn constrained_task(&self, id: u64) -> Option<&Task> {
        self.constrained.get(&id).map(|w| &w.task)
    }

    pub fn take_constrained(&mut self, id: u64) -> Option<Waiting> {
        let w = self.constrained.remove(&id)?;
        self.len -= 1;
        Some(w)
    }

    /// Tasks waiting per class (constrained ones not counted), by class.
    pub fn class_counts(&self) -> Vec<(Class, u64)> {
        self.slots
            .iter()
            .map(|(&k, &s)| (k, self.queues[s].len() as u64))
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// The first `limit` waiting tasks in id order, constrained ones
    /// included, counted by size class (in class order).
    pub fn first_counts(&mut self, limit: usize) -> Vec<(Class, u64)> {
        self.first_counts_with(limit, |_| true)
    }

    /// As `first_counts`, but a constrained task among the first `limit`
    /// is counted by its class only where `count` says so (ECS managed
    /// scaling takes the tasks under `distinctInstance` or a host port
    /// apart, issue 21); it takes its place among the first `limit` either
    /// way.
    pub fn first_counts_with(
        &mut self,
        limit: usize,
        mut count: impl FnMut(&Task) -> bool,
    ) -> Vec<(Class, u64)> {
        let mut counts: BTreeMap<Class, u64> = BTreeMap::new();
        let mut taken = 0;
        let mut heap: BinaryHeap<std::cmp::Reverse<(u64, usize)>> = BinaryHeap::new();
        let mut cursors: Vec<Cursor> = Vec::new();
        let mut heads = self.heads.iter().copied().peekable();
        let mut constrained = self.constrained.values().peekable();
        let mut failed = None;
        'walk: while taken < limit {
            // The classes whose head comes before the oldest id in hand.
            while let Some(&(h, slot)) = heads.peek()
                && heap.peek().is_none_or(|r| h < r.0.0)
            {
                heads.next();
                let mut c = Cursor {
                    slot,
                    early_after: None,
                    part: 0,
                    index: 0,
                    ids: Vec::new(),
                };
                match next_id(
                    &self.queues[slot],
                    &mut c,
                    self.store.as_ref(),
                    &mut self.buf,
                ) {
                    Ok(Some(id)) => {
                        heap.push(std::cmp::Reverse((id, cursors.len())));
                        cursors.push(c);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        failed = Some(e);
                        break 'walk;
                    }
                }
            }
            let class_next = heap.peek().map(|r| r.0.0);
            let con_next = constrained.peek().map(|w| w.task.id);
            match (class_next, con_next) {
                (None, None) => break,
                (Some(a), Some(b)) if b < a => {
                    let w = constrained.next().expect("peeked");
                    if count(&w.task) {
                        *counts
                            .entry((w.task.cpu_milli, w.task.memory_mib))
                            .or_default() += 1;
                    }
                    taken += 1;
                }
                (None, Some(_)) => {
                    let w = constrained.next().expect("peeked");
                    if count(&w.task) {
                        *counts
                            .entry((w.task.cpu_milli, w.task.memory_mib))
                            .or_default() += 1;
                    }
                    taken += 1;
                }
                (Some(_), _) => {
                    let std::cmp::Reverse((_, ci)) = heap.pop().expect("peeked");
                    // The class's ids count until one is not older than
                    // every other source's next: no heap step per id.
                    let bound = [
                        heap.peek().map(|r| r.0.0),
                        heads.peek().map(|h| h.0),
                        con_next,
                    ]
                    .into_iter()
                    .flatten()
                    .min();
                    let c = &mut cursors[ci];
                    let mut n = 0u64;
                    loop {
                        n += 1;
                        taken += 1;
                        if taken >= limit {
                            break;
                        }
                        match next_id(&self.queues[c.slot], c, self.store.as_ref(), &mut self.buf) {
                            Ok(Some(id)) if bound.is_none_or(|b| id < b) => {}
                            Ok(Some(id)) => {
                                heap.push(std::cmp::Reverse((id, ci)));
                                break;
                            }
                            Ok(None) => break,
                            Err(e) => {
                                failed = Some(e);
                                break;
                            }
                        }
                    }
                    *counts.entry(self.queues[c.slot].key).or_default() += n;
                    if failed.is_some() {
                        break 'walk;
                    }
                }
            }
        }
        if let Some(e) = failed
            && self.error.is_none()
            && let Some(s) = &self.store
        {
            self.error = Some((s.path.clone(), e));
        }
        counts.into_iter().collect()
    }

    /// Per class with a task waiting, in class order: its oldest ids for
    /// which `skip` is false, at most `keep(class)` of them.
    pub fn oldest_ids(
        &mut self,
        keep: impl Fn(Class) -> usize,
        skip: impl Fn(u64) -> bool,
    ) -> Vec<(Class, Vec<u64>)> {
        let mut out = Vec::new();
        for (&key, &slot) in &self.slots {
            let q = &self.queues[slot];
            if q.len() == 0 {
                continue;
            }
            let keep = keep(key);
            let mut ids = Vec::new();
            let mut c = Cursor {
                slot,
                early_after: None,
                part: 0,
                index: 0,
                ids: Vec::new(),
            };
            while ids.len() < keep {
                match next_id(q, &mut c, self.store.as_ref(), &mut self.buf) {
                    Ok(Some(id)) => {
                        if !skip(id) {
                            ids.push(id);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        if self.error.is_none()
                            && let Some(s) = &self.store
                        {
                            self.error = Some((s.path.clone(), e));
                        }
                        break;
                    }
                }
            }
            out.push((key, ids));
        }
        out
    }

    /// Takes every waiting task out, oldest (lowest id) first.
    pub fn drain_in_order(&mut self, mut f: impl FnMut(Waiting)) {
        loop {
            let class = self.heads.first().copied();
            let con = self.constrained.keys().next().copied();
            match (class, con) {
                (Some((h, _)), Some(c)) if c < h => {
                    let w = self.take_constrained(c).expect("exists");
                    f(w);
                }
                (None, Some(c)) => {
                    let w = self.take_constrained(c).expect("exists");
                    f(w);
                }
                (Some((_, slot)), _) => {
                    let key = self.queues[slot].key;
                    match self.pop_head(key) {
                        Some((w, _)) => f(w),
                        // A chunk could not be read back: the run stops.
                        None => break,
                    }
                }
                (None, None) => break,
            }
        }
        self.len = 0;
        self.heads.clear();
        self.constrained.clear();
        for q in &mut self.queues {
            *q = ClassQueue {
                key: q.key,
                ..ClassQueue::default()
            };
        }
    }
}

/// The next id of a class in order, merging its early tasks with its FIFO.
fn next_id(
    q: &ClassQueue,
    c: &mut Cursor,
    store: Option<&Store>,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<u64>> {
    let early = match c.early_after {
        None => q.early.keys().next().copied(),
        Some(a) => q
            .early
            .range((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded))
            .next()
            .map(|(&k, _)| k),
    };
    // The FIFO's next id, moving to the next part when one is done.
    let fifo = loop {
        let n_chunks = q.chunks.len();
        if c.part == 0 {
            if let Some(w) = q.front.get(c.index) {
                break Some(w.task.id);
            }
        } else if c.part <= n_chunks {
            if c.index == 0 && c.ids.is_empty() {
                let chunk = &q.chunks[c.part - 1];
                let store = store.expect("a chunk was written");
                read_chunk_ids(store, chunk, buf)?;
                c.ids.extend(
                    buf.chunks_exact(8)
                        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))),
                );
            }
            if let Some(&id) = c.ids.get(c.index) {
                break Some(id);
            }
            c.ids.clear();
        } else {
            break q.back.get(c.index).map(|w| w.task.id);
        }
        c.part += 1;
        c.index = 0;
    };
    Ok(match (early, fifo) {
        (Some(e), Some(f)) if e < f => {
            c.early_after = Some(e);
            Some(e)
        }
        (Some(e), None) => {
            c.early_after = Some(e);
            Some(e)
        }
        (_, Some(f)) => {
            c.index += 1;
            Some(f)
        }
        (None, None) => None,
    })
}

fn read_chunk(store: &Store, chunk: &Chunk, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.resize(chunk.bytes, 0);
    store.file.read_exact_at(buf, chunk.offset)
}

fn read_chunk_ids(store: &Store, chunk: &Chunk, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.resize(chunk.count * 8, 0);
    store.file.read_exact_at(buf, chunk.offset)
}

/// Creates the spill file, unique in the process, in the temporary folder.
fn open_store() -> Result<Store, (PathBuf, std::io::Error)> {
    static FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "fargate-sim-cluster-backlog-{}-{n}.bin",
        std::process::id()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(|e| (path.clone(), e))?;
    Ok(Store {
        path,
        file,
        end: 0,
        live: 0,
    })
}

/// Writes a waiting task: the task's fields as the Fargate spill file has
/// them (`fargate::queue`), its attempt and its right-sizing.
fn encode(w: &Waiting, groups: &mut TaskGroups, out: &mut Vec<u8>) {
    let t = &w.task;
    put_u64(out, t.id);
    put_u64(out, t.submit);
    put_u64(out, t.duration);
    put_u32(out, t.cpu_milli);
    put_u32(out, t.memory_mib);
    put_u32(out, t.storage_gib);
    put_u32(out, w.attempt);
    put_label(out, t.label.as_ref());
    groups.put(out, t.group.as_ref());
    put_usage(out, t.usage.as_deref());
    match &w.resized {
        Some(r) => {
            put_u32(out, 1);
            put_u32(out, r.cpu_milli);
            put_u32(out, r.memory_mib);
            put_u64(out, r.duration);
            put_u64(out, r.plan.run);
            put_u32(out, u32::from(r.plan.oom));
            put_u64(out, r.plan.extra);
        }
        None => put_u32(out, NONE),
    }
}

fn decode(r: &mut &[u8], groups: &TaskGroups, text: &mut Vec<u8>) -> std::io::Result<Waiting> {
    let id = get_u64(r)?;
    let submit = get_u64(r)?;
    let duration = get_u64(r)?;
    let cpu_milli = get_u32(r)?;
    let memory_mib = get_u32(r)?;
    let storage_gib = get_u32(r)?;
    let attempt = get_u32(r)?;
    let label = get_label(r, text)?;
    let group = groups.get(r)?;
    let usage = get_usage(r)?;
    let resized = match get_u32(r)? {
        NONE => None,
        _ => Some(Resized {
            cpu_milli: get_u32(r)?,
            memory_mib: get_u32(r)?,
            duration: get_u64(r)?,
            plan: Attempt {
                run: get_u64(r)?,
                oom: get_u32(r)? != 0,
                extra: get_u64(r)?,
            },
        }),
    };
    Ok(Waiting {
        task: Task {
            id,
            label,
            submit,
            duration,
            cpu_milli,
            memory_mib,
            storage_gib,
            group,
            usage,
        },
        attempt,
        resized,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Label;
    use crate::workload::usage::Usage;
    use std::sync::Arc;

    fn task(id: u64, class: Class) -> Waiting {
        Waiting {
            task: Task {
                id,
                label: id.is_multiple_of(3).then(|| Label::new(&format!("t-{id}"))),
                submit: id * 1000,
                duration: 7 + id,
                cpu_milli: class.0,
                memory_mib: class.1,
                storage_gib: 0,
                group: id
                    .is_multiple_of(2)
                    .then(|| Arc::from(format!("job-{}", id % 5).as_str())),
                usage: id.is_multiple_of(7).then(|| {
                    Box::new(Usage {
                        cpu_avg_milli: 1,
                        cpu_max_milli: 2,
                        memory_avg_mib: 3,
                        memory_max_mib: 4,
                        peak_known: id.is_multiple_of(14),
                    })
                }),
            },
            attempt: (id % 4) as u32,
            resized: id.is_multiple_of(5).then_some(Resized {
                cpu_milli: 9,
                memory_mib: 10,
                duration: 11,
                plan: Attempt {
                    run: 12,
                    oom: id.is_multiple_of(2),
                    extra: 13,
                },
            }),
        }
    }

    /// The queue against an ordered map by id (what the model used
    /// before), through chunks of 4 spilled past 20 waiting tasks: pushes
    /// in and out of order, placements of class heads, the first tasks in
    /// submit order, each class's oldest ids and the drain at the end give
    /// the same answers, and every field comes back from disk.
    #[test]
    fn the_queue_answers_as_an_ordered_map_by_id_whatever_is_on_disk() {
        let classes: [Class; 4] = [(250, 512), (500, 1024), (1000, 512), (2000, 4096)];
        let mut q = WaitingTasks::with_limits(4, 20);
        let mut model: BTreeMap<u64, Class> = BTreeMap::new();
        let mut x: u64 = 99;
        let mut rand = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut next_id = 1000u64;
        let mut popped: Vec<Waiting> = Vec::new();
        let mut spilled = 0;
        for round in 0..400 {
            for _ in 0..rand() % 6 {
                let class = classes[(rand() % 4) as usize];
                // One in eight comes back below the newest id (a retry).
                let id = if rand() % 8 == 0 && !popped.is_empty() {
                    popped.swap_remove((rand() as usize) % popped.len()).task.id
                } else {
                    next_id += 1 + rand() % 3;
                    next_id
                };
                let head = model
                    .iter()
                    .filter(|(_, c)| **c == class)
                    .map(|(i, _)| *i)
                    .next();
                let (was_empty, new_head) = q.push(task(id, class));
                assert_eq!(was_empty, head.is_none());
                assert_eq!(new_head, head.is_none_or(|h| id < h));
                model.insert(id, class);
            }
            for _ in 0..rand() % 5 {
                let class = classes[(rand() % 4) as usize];
                let head = model.iter().find(|(_, c)| **c == class).map(|(i, _)| *i);
                assert_eq!(q.head(class), head);
                if let Some(h) = head {
                    let (w, next) = q.pop_head(class).expect("a head");
                    assert_eq!(w.task.id, h);
                    let want = task(h, class);
                    assert_eq!(w.task, want.task);
                    assert_eq!((w.attempt, w.resized), (want.attempt, want.resized));
                    model.remove(&h);
                    let next_model = model.iter().find(|(_, c)| **c == class).map(|(i, _)| *i);
                    assert_eq!(next, next_model);
                    popped.push(w);
                }
            }
            assert_eq!(q.len(), model.len());
            spilled = spilled.max(q.on_disk());
            let limit = (round % 30) + 1;
            let mut first: BTreeMap<Class, u64> = BTreeMap::new();
            for c in model.values().take(limit) {
                *first.entry(*c).or_default() += 1;
            }
            assert_eq!(
                q.first_counts(limit),
                first.into_iter().collect::<Vec<_>>(),
                "round {round}"
            );
            let oldest = q.oldest_ids(|c| (c.0 / 250) as usize, |id| id % 10 == 3);
            for (class, ids) in oldest {
                let want: Vec<u64> = model
                    .iter()
                    .filter(|(i, c)| **c == class && **i % 10 != 3)
                    .map(|(i, _)| *i)
                    .take((class.0 / 250) as usize)
                    .collect();
                assert_eq!(ids, want, "round {round} class {class:?}");
            }
        }
        assert!(spilled > 20, "the test spilled ({spilled} on disk at most)");
        let mut order = Vec::new();
        q.drain_in_order(|w| order.push(w.task.id));
        assert_eq!(order, model.keys().copied().collect::<Vec<_>>());
        assert!(q.is_empty() && q.take_error().is_none());
    }

    /// Constrained tasks are counted among the first in submit order and
    /// drained in their place.
    #[test]
    fn constrained_tasks_take_their_place_in_submit_order() {
        let mut q = WaitingTasks::with_limits(2, 0);
        for id in [1u64, 4, 5, 8] {
            q.push(task(id, (250, 512)));
        }
        q.push_constrained(task(3, (1000, 2048)));
        q.push_constrained(task(6, (1000, 2048)));
        assert!(q.on_disk() > 0);
        assert_eq!(q.len(), 6);
        assert_eq!(q.first_counts(3), vec![((250, 512), 2), ((1000, 2048), 1)]);
        assert_eq!(q.class_counts(), vec![((250, 512), 4)]);
        assert_eq!(q.constrained_ids(), vec![3, 6]);
        assert_eq!(q.take_constrained(3).map(|w| w.task.id), Some(3));
        let mut order = Vec::new();
        q.drain_in_order(|w| order.push(w.task.id));
        assert_eq!(order, vec![1, 4, 5, 6, 8]);
    }
}
