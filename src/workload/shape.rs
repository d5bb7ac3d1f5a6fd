//! What a scenario does to a trace before the run, the same for every format:
//! keep a window of it (`from`, `until`), keep a seeded fraction of its tasks
//! (`sample`), put it in submit order (`order`), and stretch or compress its
//! timeline (`time_scale`).
//!
//! Ordering is either checked (`order = "error"`: a task earlier than the one
//! before stops the run, with advice) or done (`order = "sort"`): the trace
//! is read once in chunks that are sorted in memory; a trace that fits one
//! chunk is replayed from memory, a larger one is spilled chunk by chunk to
//! temporary files and merged back, so memory stays bounded by the chunk
//! size whatever the trace's length. The sort is stable: tasks with equal
//! submit times keep their order in the file.

use super::task::{Task, TaskStream, WorkloadError};
use crate::time::SimTime;
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Tasks sorted in memory at once; larger traces spill to disk.
pub const SORT_CHUNK: usize = 1 << 20;

/// How to get a trace into submit order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Sort it (in bounded memory).
    Sort,
    /// Stop at the first task earlier than the one before.
    Error,
}

/// Keeps tasks submitted in `[from, until)` and moves `from` to time 0.
pub fn window(stream: TaskStream, from: Option<SimTime>, until: Option<SimTime>) -> TaskStream {
    if from.is_none() && until.is_none() {
        return stream;
    }
    let from = from.unwrap_or(0);
    let until = until.unwrap_or(SimTime::MAX);
    Box::new(stream.filter_map(move |r| match r {
        Ok(mut t) if t.submit >= from && t.submit < until => {
            t.submit -= from;
            Some(Ok(t))
        }
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    }))
}

/// Keeps each task with probability `fraction`, from a seeded stream.
pub fn sample(stream: TaskStream, fraction: f64, mut rng: rand_pcg::Pcg64Mcg) -> TaskStream {
    if fraction >= 1.0 {
        return stream;
    }
    Box::new(stream.filter(move |r| r.is_err() || rng.random::<f64>() < fraction))
}

/// Multiplies submit times by `factor` (0.5 replays the trace twice as fast).
pub fn time_scale(stream: TaskStream, factor: f64) -> TaskStream {
    if factor == 1.0 {
        return stream;
    }
    Box::new(stream.map(move |r| {
        r.map(|mut t| {
            t.submit = ((t.submit as f64) * factor)
                .round()
                .min(crate::time::MAX_SPAN as f64) as SimTime;
            t
        })
    }))
}

/// Puts the stream in submit order. With `Order::Error` the stream is
/// returned as it is: the reader checks the order, where it knows the line.
pub fn order(stream: TaskStream, how: Order, path: &Path) -> TaskStream {
    match how {
        Order::Error => stream,
        Order::Sort => Box::new(Sorted::Pending(
            Some(stream),
            path.to_path_buf(),
            SORT_CHUNK,
        )),
    }
}

/// A temporary spill file, removed when dropped.
struct Spill {
    path: PathBuf,
    reader: BufReader<std::fs::File>,
    left: usize,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

enum Sorted {
    /// Not read yet (the sort happens at the first `next`).
    Pending(Option<TaskStream>, PathBuf, usize),
    Memory(std::vec::IntoIter<Task>),
    Merging {
        spills: Vec<Spill>,
        heap: BinaryHeap<Reverse<(SimTime, usize, u64)>>,
        heads: Vec<Option<Task>>,
        seq: u64,
        groups: HashMap<String, Arc<str>>,
    },
    Failed,
}

fn io_err(path: &Path, e: std::io::Error) -> WorkloadError {
    WorkloadError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("sorting the trace on disk: {e}")),
    }
}

fn write_str(w: &mut impl Write, s: Option<&str>) -> std::io::Result<()> {
    match s {
        None => w.write_all(&u32::MAX.to_le_bytes()),
        Some(s) => {
            w.write_all(&(s.len() as u32).to_le_bytes())?;
            w.write_all(s.as_bytes())
        }
    }
}

fn write_task(w: &mut impl Write, t: &Task) -> std::io::Result<()> {
    w.write_all(&t.submit.to_le_bytes())?;
    w.write_all(&t.duration.to_le_bytes())?;
    w.write_all(&t.cpu_milli.to_le_bytes())?;
    w.write_all(&t.memory_mib.to_le_bytes())?;
    w.write_all(&t.storage_gib.to_le_bytes())?;
    write_str(w, t.label.as_deref())?;
    write_str(w, t.group.as_deref())?;
    // Usage: a flag byte, then its four values when present.
    match &t.usage {
        None => w.write_all(&[0]),
        Some(u) => {
            // 1: peaks measured; 2: averages only.
            w.write_all(&[if u.peak_known { 1 } else { 2 }])?;
            for v in [
                u.cpu_avg_milli,
                u.cpu_max_milli,
                u.memory_avg_mib,
                u.memory_max_mib,
            ] {
                w.write_all(&v.to_le_bytes())?;
            }
            Ok(())
        }
    }
}

fn read_str(r: &mut impl Read) -> std::io::Result<Option<String>> {
    let mut n = [0u8; 4];
    r.read_exact(&mut n)?;
    let n = u32::from_le_bytes(n);
    if n == u32::MAX {
        return Ok(None);
    }
    let mut b = vec![0u8; n as usize];
    r.read_exact(&mut b)?;
    String::from_utf8(b)
        .map(Some)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

fn read_task(r: &mut impl Read, groups: &mut HashMap<String, Arc<str>>) -> std::io::Result<Task> {
    let mut b8 = [0u8; 8];
    let mut b4 = [0u8; 4];
    r.read_exact(&mut b8)?;
    let submit = u64::from_le_bytes(b8);
    r.read_exact(&mut b8)?;
    let duration = u64::from_le_bytes(b8);
    r.read_exact(&mut b4)?;
    let cpu_milli = u32::from_le_bytes(b4);
    r.read_exact(&mut b4)?;
    let memory_mib = u32::from_le_bytes(b4);
    r.read_exact(&mut b4)?;
    let storage_gib = u32::from_le_bytes(b4);
    let label = read_str(r)?.map(super::task::Label::from);
    let group = read_str(r)?.map(|g| {
        groups
            .entry(g.clone())
            .or_insert_with(|| Arc::from(g.as_str()))
            .clone()
    });
    Ok(Task {
        id: 0,
        label,
        submit,
        duration,
        cpu_milli,
        memory_mib,
        storage_gib,
        group,
        usage: read_usage(r)?,
    })
}

fn read_usage(r: &mut impl Read) -> std::io::Result<Option<Box<super::usage::Usage>>> {
    let mut flag = [0u8; 1];
    r.read_exact(&mut flag)?;
    if flag[0] == 0 {
        return Ok(None);
    }
    let mut v = [0u32; 4];
    for x in &mut v {
        let mut b4 = [0u8; 4];
        r.read_exact(&mut b4)?;
        *x = u32::from_le_bytes(b4);
    }
    Ok(Some(Box::new(super::usage::Usage {
        cpu_avg_milli: v[0],
        cpu_max_milli: v[1],
        memory_avg_mib: v[2],
        memory_max_mib: v[3],
        peak_known: flag[0] == 1,
    })))
}

/// Reads the whole stream in sorted chunks; returns the in-memory result or
/// the spills to merge.
fn sort_chunks(
    mut stream: TaskStream,
    path: &Path,
    chunk_size: usize,
) -> Result<Sorted, WorkloadError> {
    let mut spills: Vec<Spill> = Vec::new();
    let mut chunk: Vec<Task> = Vec::with_capacity(1024);
    let spill_dir = std::env::temp_dir();
    let flush = |chunk: &mut Vec<Task>, spills: &mut Vec<Spill>| -> Result<(), WorkloadError> {
        chunk.sort_by_key(|t| t.submit);
        // Unique in the process: platforms and sweep points sort at once.
        static SPILLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SPILLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = spill_dir.join(format!("fargate-sim-sort-{}-{n}.bin", std::process::id()));
        let file = std::fs::File::create(&name).map_err(|e| io_err(&name, e))?;
        // The guard exists from here on, so an error below removes the file.
        spills.push(Spill {
            path: name.clone(),
            reader: BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(&name).map_err(|e| io_err(&name, e))?,
            ),
            left: chunk.len(),
        });
        let mut w = BufWriter::with_capacity(1 << 20, file);
        for t in chunk.iter() {
            write_task(&mut w, t).map_err(|e| io_err(&name, e))?;
        }
        w.flush().map_err(|e| io_err(&name, e))?;
        chunk.clear();
        Ok(())
    };
    for r in stream.by_ref() {
        chunk.push(r?);
        if chunk.len().is_multiple_of(1 << 16)
            && crate::engine::STOP.load(std::sync::atomic::Ordering::Relaxed)
        {
            return Err(WorkloadError::Interrupted);
        }
        if chunk.len() >= chunk_size {
            flush(&mut chunk, &mut spills)?;
        }
    }
    if spills.is_empty() {
        chunk.sort_by_key(|t| t.submit);
        return Ok(Sorted::Memory(chunk.into_iter()));
    }
    if !chunk.is_empty() {
        flush(&mut chunk, &mut spills)?;
    }
    let mut groups = HashMap::new();
    let mut heads = Vec::with_capacity(spills.len());
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    for (i, s) in spills.iter_mut().enumerate() {
        let t = read_task(&mut s.reader, &mut groups).map_err(|e| io_err(path, e))?;
        s.left -= 1;
        heap.push(Reverse((t.submit, i, seq)));
        seq += 1;
        heads.push(Some(t));
    }
    Ok(Sorted::Merging {
        spills,
        heap,
        heads,
        seq,
        groups,
    })
}

impl crate::workload::TaskSource for Sorted {}

impl Iterator for Sorted {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self {
                Sorted::Pending(stream, path, chunk) => {
                    let s = stream.take().expect("pending stream");
                    let path = path.clone();
                    match sort_chunks(s, &path, *chunk) {
                        Ok(next) => *self = next,
                        Err(e) => {
                            *self = Sorted::Failed;
                            return Some(Err(e));
                        }
                    }
                }
                Sorted::Memory(it) => return it.next().map(Ok),
                Sorted::Merging {
                    spills,
                    heap,
                    heads,
                    seq,
                    groups,
                } => {
                    let Reverse((_, i, _)) = heap.pop()?;
                    let task = heads[i].take().expect("a head per heap entry");
                    if spills[i].left > 0 {
                        match read_task(&mut spills[i].reader, groups) {
                            Ok(t) => {
                                spills[i].left -= 1;
                                heap.push(Reverse((t.submit, i, *seq)));
                                *seq += 1;
                                heads[i] = Some(t);
                            }
                            Err(e) => {
                                let path = spills[i].path.clone();
                                *self = Sorted::Failed;
                                return Some(Err(io_err(&path, e)));
                            }
                        }
                    }
                    return Some(Ok(task));
                }
                Sorted::Failed => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(submit: SimTime, label: &str) -> Task {
        Task {
            id: 0,
            label: Some(label.into()),
            submit,
            duration: 5,
            cpu_milli: 250,
            memory_mib: 512,
            storage_gib: 0,
            group: Some(Arc::from("g")),
            usage: None,
        }
    }

    #[test]
    fn spilled_tasks_keep_their_usage_and_whether_its_peaks_were_measured() {
        let mut groups = HashMap::new();
        for usage in [
            None,
            super::super::usage::Usage::from_parts(
                (Some(100), Some(300)),
                (Some(200), Some(500)),
                (1000, 1024),
            ),
            Some(super::super::usage::Usage::averages_only(150, 600)),
        ] {
            let mut task = t(5, "a");
            task.usage = usage.map(Box::new);
            let mut bytes = Vec::new();
            write_task(&mut bytes, &task).unwrap();
            let back = read_task(&mut bytes.as_slice(), &mut groups).unwrap();
            assert_eq!(back.usage, task.usage);
        }
    }

    #[test]
    fn sorts_stably_in_memory() {
        let s: TaskStream = Box::new(
            vec![t(5, "a"), t(1, "b"), t(5, "c"), t(0, "d")]
                .into_iter()
                .map(Ok),
        );
        let out: Vec<String> = order(s, Order::Sort, Path::new("x"))
            .map(|r| r.unwrap().label.unwrap().to_string())
            .collect();
        assert_eq!(out, ["d", "b", "a", "c"]);
    }

    #[test]
    fn sorts_stably_through_spill_files_and_removes_them() {
        let labels = ["a", "b", "c", "d", "e", "f", "g", "h"];
        let times = [7, 3, 3, 9, 0, 3, 8, 1];
        let input: Vec<Task> = times.iter().zip(labels).map(|(s, l)| t(*s, l)).collect();
        let s: TaskStream = Box::new(input.into_iter().map(Ok));
        let mut sorted = Sorted::Pending(Some(s), PathBuf::from("x"), 3);
        let first = sorted.next().unwrap().unwrap();
        let spill_paths: Vec<PathBuf> = match &sorted {
            Sorted::Merging { spills, .. } => spills.iter().map(|s| s.path.clone()).collect(),
            _ => panic!("eight tasks in chunks of three must spill"),
        };
        assert_eq!(spill_paths.len(), 3);
        let mut out = vec![first];
        out.extend(sorted.by_ref().map(|r| r.unwrap()));
        let got: Vec<(SimTime, String)> = out
            .iter()
            .map(|t| (t.submit, t.label.as_deref().unwrap().to_string()))
            .collect();
        let want = [
            (0, "e"),
            (1, "h"),
            (3, "b"),
            (3, "c"),
            (3, "f"),
            (7, "a"),
            (8, "g"),
            (9, "d"),
        ];
        assert_eq!(got, want.map(|(s, l)| (s, l.to_string())));
        assert_eq!(out[0].group.as_deref(), Some("g"));
        drop(sorted);
        assert!(spill_paths.iter().all(|p| !p.exists()));
    }

    #[test]
    fn parallel_sorts_do_not_share_spill_files() {
        // Regression: spill names were pid + chunk number + first submit, so
        // two platforms sorting the same trace wrote the same files.
        let run = || {
            let input: Vec<Task> = (0..50u64).rev().map(|i| t(i, "x")).collect();
            let s: TaskStream = Box::new(input.into_iter().map(Ok));
            let sorted = Sorted::Pending(Some(s), PathBuf::from("x"), 4);
            sorted.map(|r| r.unwrap().submit).collect::<Vec<_>>()
        };
        let handles: Vec<_> = (0..4).map(|_| std::thread::spawn(run)).collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), (0..50).collect::<Vec<u64>>());
        }
    }

    #[test]
    fn window_sample_and_time_scale() {
        let s: TaskStream = Box::new((0..10).map(|i| Ok(t(i * 10, "x"))));
        let w: Vec<SimTime> = time_scale(window(s, Some(20), Some(60)), 0.5)
            .map(|r| r.unwrap().submit)
            .collect();
        assert_eq!(w, [0, 5, 10, 15]);
        use rand::SeedableRng;
        let s: TaskStream = Box::new((0..10_000).map(|i| Ok(t(i, "x"))));
        let n = sample(s, 0.1, rand_pcg::Pcg64Mcg::seed_from_u64(1)).count();
        assert!((850..1150).contains(&n), "{n}");
    }
}
