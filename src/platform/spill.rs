//! A first-in, first-out queue whose middle waits on disk (issue 24), so a
//! backlog of millions of tasks (a trace that outruns Fargate's launch
//! rate) costs two chunks of memory, not the backlog. The queue keeps its
//! oldest chunk and its newest chunk in memory and writes whole chunks in
//! between to a spill file in the system's temporary folder, read back in
//! order as the front drains; the file is emptied whenever the reader
//! catches up with the writer and removed when the queue is dropped.
//!
//! The order of the items is exactly that of a `VecDeque`: what goes in
//! first comes out first, so a model using it gives the same results.

use crate::workload::Label;
use crate::workload::usage::Usage;
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Items per chunk kept in memory at each end.
pub const CHUNK: usize = 1 << 16;

/// How an item is written to, and read back from, the spill file.
pub trait Codec<T> {
    fn write(&mut self, item: &T, out: &mut Vec<u8>);
    fn read(&mut self, input: &mut impl Read) -> std::io::Result<T>;
}

/// The spill file: a writer appending chunks, a reader behind it.
struct Disk {
    path: PathBuf,
    writer: BufWriter<File>,
    reader: BufReader<File>,
    /// Items written and not read back yet.
    items: u64,
    /// Whether the writer holds bytes the reader cannot see yet.
    unflushed: bool,
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A FIFO queue of `T` that spills to disk past two chunks (see the module
/// docs).
pub struct SpillQueue<T, C: Codec<T>> {
    front: VecDeque<T>,
    back: Vec<T>,
    disk: Option<Disk>,
    codec: C,
    chunk: usize,
    /// The first I/O error, with its file: the queue then keeps everything
    /// in memory, and the model stops the run with it.
    error: Option<(PathBuf, std::io::Error)>,
    buf: Vec<u8>,
}

impl<T, C: Codec<T>> SpillQueue<T, C> {
    pub fn new(codec: C) -> SpillQueue<T, C> {
        SpillQueue::with_chunk(codec, CHUNK)
    }

    /// A queue that keeps `chunk` items in memory at each end.
    pub fn with_chunk(codec: C, chunk: usize) -> SpillQueue<T, C> {
        SpillQueue {
            front: VecDeque::new(),
            back: Vec::new(),
            disk: None,
            codec,
            chunk: chunk.max(1),
            error: None,
            buf: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.front.len() + self.on_disk() as usize + self.back.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn on_disk(&self) -> u64 {
        self.disk.as_ref().map_or(0, |d| d.items)
    }

    /// Takes the first I/O error met, if any.
    pub fn take_error(&mut self) -> Option<(PathBuf, std::io::Error)> {
        self.error.take()
    }

    pub fn push_back(&mut self, item: T) {
        if self.back.is_empty() && self.on_disk() == 0 && self.front.len() < self.chunk {
            self.front.push_back(item);
            return;
        }
        self.back.push(item);
        if self.back.len() >= self.chunk && self.error.is_none() {
            self.spill_back();
        }
    }

    pub fn pop_front(&mut self) -> Option<T> {
        if self.front.is_empty() {
            self.refill();
        }
        self.front.pop_front()
    }

    /// Writes the newest chunk to the spill file (made on first use).
    fn spill_back(&mut self) {
        if self.disk.is_none() {
            match open_spill() {
                Ok(d) => self.disk = Some(d),
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            }
        }
        let disk = self.disk.as_mut().expect("made above");
        self.buf.clear();
        for item in &self.back {
            self.codec.write(item, &mut self.buf);
        }
        if let Err(e) = disk.writer.write_all(&self.buf) {
            // What was written of this chunk is never read: the run stops.
            self.error = Some((disk.path.clone(), e));
            return;
        }
        disk.items += self.back.len() as u64;
        disk.unflushed = true;
        self.back.clear();
    }

    /// Fills the empty front: the oldest chunk on disk, or else the back.
    fn refill(&mut self) {
        let Some(disk) = self.disk.as_mut().filter(|d| d.items > 0) else {
            self.front.extend(self.back.drain(..));
            return;
        };
        let read = (|| -> std::io::Result<()> {
            if disk.unflushed {
                disk.writer.flush()?;
                disk.unflushed = false;
            }
            let n = (self.chunk as u64).min(disk.items);
            for _ in 0..n {
                self.front.push_back(self.codec.read(&mut disk.reader)?);
                disk.items -= 1;
            }
            if disk.items == 0 {
                // The reader caught up: start the file again.
                disk.writer.seek(SeekFrom::Start(0))?;
                disk.writer.get_ref().set_len(0)?;
                disk.reader.seek(SeekFrom::Start(0))?;
            }
            Ok(())
        })();
        if let Err(e) = read {
            self.error = Some((disk.path.clone(), e));
            disk.items = 0;
        }
    }
}

/// Creates a spill file, unique in the process, in the temporary folder.
fn open_spill() -> Result<Disk, (PathBuf, std::io::Error)> {
    static FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "fargate-sim-backlog-{}-{n}.bin",
        std::process::id()
    ));
    let writer = File::create(&path).map_err(|e| (path.clone(), e))?;
    let reader = File::open(&path).map_err(|e| {
        let _ = std::fs::remove_file(&path);
        (path.clone(), e)
    })?;
    Ok(Disk {
        writer: BufWriter::with_capacity(1 << 20, writer),
        reader: BufReader::with_capacity(1 << 16, reader),
        path,
        items: 0,
        unflushed: false,
    })
}

/// Little-endian helpers for codecs.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn get_u32(r: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

pub fn get_u64(r: &mut impl Read) -> std::io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Marks a missing label or group in a task's encoding.
const NONE: u32 = u32::MAX;

/// A task's fields every spill file carries the same way (the Fargate launch
/// queue and the cluster's waiting tasks): its label, its group (as an index
/// into the names the writer has met, `TaskGroups`) and its usage.
#[derive(Default)]
pub struct TaskGroups {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

impl TaskGroups {
    /// How many distinct groups have been written.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn put(&mut self, out: &mut Vec<u8>, group: Option<&Arc<str>>) {
        let n = match group {
            Some(g) => match self.ids.get(g) {
                Some(&n) => n,
                None => {
                    let n = self.names.len() as u32;
                    self.names.push(g.clone());
                    self.ids.insert(g.clone(), n);
                    n
                }
            },
            None => NONE,
        };
        put_u32(out, n);
    }

    pub fn get(&self, r: &mut impl Read) -> std::io::Result<Option<Arc<str>>> {
        match get_u32(r)? {
            NONE => Ok(None),
            n => self
                .names
                .get(n as usize)
                .cloned()
                .map(Some)
                .ok_or_else(|| std::io::Error::other("unknown group in the spill file")),
        }
    }
}

pub fn put_label(out: &mut Vec<u8>, label: Option<&Label>) {
    match label {
        Some(l) => {
            put_u32(out, l.len() as u32);
            out.extend_from_slice(l.as_bytes());
        }
        None => put_u32(out, NONE),
    }
}

/// Reads a label through `text`, a buffer kept by the reader.
pub fn get_label(r: &mut impl Read, text: &mut Vec<u8>) -> std::io::Result<Option<Label>> {
    match get_u32(r)? {
        NONE => Ok(None),
        n => {
            text.resize(n as usize, 0);
            r.read_exact(text)?;
            let s = std::str::from_utf8(text).map_err(|e| std::io::Error::other(e.to_string()))?;
            Ok(Some(Label::new(s)))
        }
    }
}

/// Usage as a flag (0: none, 1: peaks measured, 2: averages only) and its
/// four values.
pub fn put_usage(out: &mut Vec<u8>, usage: Option<&Usage>) {
    match usage {
        Some(u) => {
            put_u32(out, if u.peak_known { 1 } else { 2 });
            for v in [
                u.cpu_avg_milli,
                u.cpu_max_milli,
                u.memory_avg_mib,
                u.memory_max_mib,
            ] {
                put_u32(out, v);
            }
        }
        None => put_u32(out, 0),
    }
}

pub fn get_usage(r: &mut impl Read) -> std::io::Result<Option<Box<Usage>>> {
    Ok(match get_u32(r)? {
        0 => None,
        flag => Some(Box::new(Usage {
            cpu_avg_milli: get_u32(r)?,
            cpu_max_milli: get_u32(r)?,
            memory_avg_mib: get_u32(r)?,
            memory_max_mib: get_u32(r)?,
            peak_known: flag == 1,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct U64s;
    impl Codec<u64> for U64s {
        fn write(&mut self, item: &u64, out: &mut Vec<u8>) {
            put_u64(out, *item);
        }
        fn read(&mut self, input: &mut impl Read) -> std::io::Result<u64> {
            get_u64(input)
        }
    }

    /// Pushes and pops in an uneven pattern through chunks of 3: the same
    /// order as a VecDeque, whatever is on disk, memory or both.
    #[test]
    fn the_queue_keeps_a_vecdeque_order_through_the_spill_file() {
        let mut q = SpillQueue::with_chunk(U64s, 3);
        let mut model: VecDeque<u64> = VecDeque::new();
        let mut next = 0u64;
        for round in 0..200u64 {
            for _ in 0..(round * 7 % 11) {
                q.push_back(next);
                model.push_back(next);
                next += 1;
            }
            for _ in 0..(round * 5 % 9) {
                assert_eq!(q.pop_front(), model.pop_front());
            }
            assert_eq!(q.len(), model.len());
            assert!(q.front.len() <= 3 && q.back.len() < 3);
        }
        while let Some(v) = model.pop_front() {
            assert_eq!(q.pop_front(), Some(v));
        }
        assert_eq!(q.pop_front(), None);
        assert!(q.take_error().is_none());
        let path = q.disk.as_ref().map(|d| d.path.clone()).expect("spilled");
        drop(q);
        assert!(!path.exists(), "the spill file is removed with the queue");
    }
}
