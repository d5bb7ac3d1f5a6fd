//! A task, its trace label, the workload's errors, and the merge and scaling
//! of task streams.

use crate::time::SimTime;
use std::path::PathBuf;
use std::sync::Arc;

/// One unit of work: a container task as the workload asks for it.
///
/// Laid out in this order (`repr(C)`), the label last: an empty
/// `Option<Task>` is marked in the label's first byte, and a move of a task
/// in or out of an `Option` copies around that byte. With the label first
/// (where the compiler put it), every such copy was offset by a byte, and
/// the next read of the task's times waited for the copy to reach the cache;
/// with it last, the fields before it move in aligned 16-byte words (issue
/// 24: 5 ms of simulation thread on the peers' 1 M-task 20/s replay).
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct Task {
    /// Position in the merged workload stream, from 0.
    pub id: u64,
    /// When the task is submitted.
    pub submit: SimTime,
    /// How long it runs once started.
    pub duration: SimTime,
    /// Requested CPU in milli-vCPU.
    pub cpu_milli: u32,
    /// Requested memory in MiB.
    pub memory_mib: u32,
    /// Requested ephemeral storage in GiB (0: the platform default).
    pub storage_gib: u32,
    /// The job or service the task belongs to (its image, for caching).
    pub group: Option<Arc<str>>,
    /// What it used, when the workload says (for right-sizing); boxed so a
    /// task without usage costs one pointer.
    pub usage: Option<Box<super::usage::Usage>>,
    /// The trace's own task id, when it has one.
    pub label: Option<Label>,
}

impl crate::engine::Timed for Task {
    #[inline]
    fn at(&self) -> SimTime {
        self.submit
    }
}

/// A task's own id from its trace. Ids of up to 22 bytes (nearly every
/// trace's) are kept inline, so reading a trace of a million tasks does not
/// allocate, and later free, a million strings.
#[derive(Clone, PartialEq, Eq)]
pub struct Label(LabelRepr);

#[derive(Clone, PartialEq, Eq)]
enum LabelRepr {
    Inline { len: u8, bytes: [u8; LABEL_INLINE] },
    Heap(Box<str>),
}

/// Bytes of a label kept inline.
const LABEL_INLINE: usize = 22;

/// Copies `src` (at most [`LABEL_INLINE`] bytes) to the start of `dst` by
/// overlapping fixed-size moves: a copy of a length known only when
/// running is a call to `memcpy`, about a twentieth of the trace parser's time on a
/// trace of short ids (issue 24).
#[inline]
fn copy_short(src: &[u8], dst: &mut [u8; LABEL_INLINE]) {
    let n = src.len();
    debug_assert!(n <= LABEL_INLINE);
    if n >= 8 {
        // [0, 8), [8, 16) when more than 16, and the last 8: all of it.
        dst[..8].copy_from_slice(&src[..8]);
        if n > 16 {
            dst[8..16].copy_from_slice(&src[8..16]);
        }
        dst[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..n].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        // One to three bytes: the first, the middle and the last.
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

impl Label {
    pub fn new(text: &str) -> Label {
        if text.len() <= LABEL_INLINE {
            let mut bytes = [0u8; LABEL_INLINE];
            copy_short(text.as_bytes(), &mut bytes);
            Label(LabelRepr::Inline {
                len: text.len() as u8,
                bytes,
            })
        } else {
            Label(LabelRepr::Heap(text.into()))
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Built from a whole &str, so the bytes are UTF-8.
            LabelRepr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default()
            }
            LabelRepr::Heap(s) => s,
        }
    }
}

impl std::ops::Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Label {
    fn from(s: &str) -> Label {
        Label::new(s)
    }
}

impl From<String> for Label {
    fn from(s: String) -> Label {
        if s.len() <= LABEL_INLINE {
            Label::new(&s)
        } else {
            Label(LabelRepr::Heap(s.into_boxed_str()))
        }
    }
}

impl std::fmt::Debug for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a workload could not be read. Each names the file and place.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// The file could not be opened or read.
    #[error("cannot read trace {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A required column is not in the header.
    #[error(
        "trace {path}: no column `{column}` in the header (found: {found}); the native format needs task_id, submit_s, duration_s, cpu_vcpu, memory_mib"
    )]
    MissingColumn {
        path: PathBuf,
        column: &'static str,
        found: String,
    },
    /// A value could not be used.
    #[error("trace {path}, line {line}, column `{column}`: `{value}` is not valid: {expected}")]
    BadValue {
        path: PathBuf,
        /// 1-based line in a CSV file, or 1-based row in a Parquet file.
        line: u64,
        column: &'static str,
        value: String,
        expected: String,
    },
    /// A row has fewer fields than the header.
    #[error("trace {path}, line {line}: {found} fields where the header has {expected}")]
    ShortRow {
        path: PathBuf,
        line: u64,
        found: usize,
        expected: usize,
    },
    /// Submit times go backwards.
    #[error(
        "trace {path}, line {line}: submitted at {submit_s} s, earlier than the task before ({previous_s} s); set workload.order = \"sort\" to sort the trace as it is read, or sort it once with `fargate-sim trace convert`"
    )]
    OutOfOrder {
        path: PathBuf,
        line: u64,
        submit_s: f64,
        previous_s: f64,
    },
    /// The Parquet reader failed.
    #[error("trace {path}: {message}")]
    Parquet { path: PathBuf, message: String },
    /// The run was stopped (Ctrl-C or SIGTERM).
    #[error("interrupted")]
    Interrupted,
    /// The file is not in the format it was read as.
    #[error("trace {path}: {message}")]
    Format { path: PathBuf, message: String },
}

impl From<crate::engine::Stopped> for WorkloadError {
    fn from(_: crate::engine::Stopped) -> Self {
        WorkloadError::Interrupted
    }
}

impl WorkloadError {
    /// A copy of the error, for handing one failure to several platforms.
    /// An I/O error keeps its kind and message.
    pub fn duplicate(&self) -> WorkloadError {
        use WorkloadError as E;
        match self {
            E::Io { path, source } => E::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            E::MissingColumn {
                path,
                column,
                found,
            } => E::MissingColumn {
                path: path.clone(),
                column,
                found: found.clone(),
            },
            E::BadValue {
                path,
                line,
                column,
                value,
                expected,
            } => E::BadValue {
                path: path.clone(),
                line: *line,
                column,
                value: value.clone(),
                expected: expected.clone(),
            },
            E::ShortRow {
                path,
                line,
                found,
                expected,
            } => E::ShortRow {
                path: path.clone(),
                line: *line,
                found: *found,
                expected: *expected,
            },
            E::OutOfOrder {
                path,
                line,
                submit_s,
                previous_s,
            } => E::OutOfOrder {
                path: path.clone(),
                line: *line,
                submit_s: *submit_s,
                previous_s: *previous_s,
            },
            E::Parquet { path, message } => E::Parquet {
                path: path.clone(),
                message: message.clone(),
            },
            E::Interrupted => E::Interrupted,
            E::Format { path, message } => E::Format {
                path: path.clone(),
                message: message.clone(),
            },
        }
    }
}

/// A stream of tasks in submit order.
pub type TaskStream = Box<dyn TaskSource>;

/// What a [`TaskStream`] is made of: an iterator of tasks that can also hand
/// over a run of them at once.
///
/// A reader that forwards tasks in bulk (the fan-out to the platforms)
/// calls [`TaskSource::next_run`]; a source that already holds its tasks in
/// a vector (a parsed block of a native CSV trace) gives that vector itself
/// instead of moving each task out of it and into another (issue 24). Every
/// other source keeps the default, which takes its tasks one by one.
pub trait TaskSource: Iterator<Item = Result<Task, WorkloadError>> + Send {
    /// Fills `run`, given empty (its allocation may be kept by the source
    /// for reuse), with the next tasks: up to `max` of them, or however many
    /// a whole block holds. Ok(true) when more may follow, Ok(false) when
    /// the stream ended with the tasks in `run` (do not ask again), Err when
    /// it failed after them.
    fn next_run(&mut self, run: &mut Vec<Task>, max: usize) -> Result<bool, WorkloadError> {
        fill_run(self, run, max)
    }
}

/// Moves tasks one by one from `source` into `run` until it holds `max` or
/// the source ends (the default [`TaskSource::next_run`]).
pub fn fill_run<S: Iterator<Item = Result<Task, WorkloadError>> + ?Sized>(
    source: &mut S,
    run: &mut Vec<Task>,
    max: usize,
) -> Result<bool, WorkloadError> {
    while run.len() < max {
        match source.next() {
            Some(Ok(t)) => run.push(t),
            Some(Err(e)) => return Err(e),
            None => return Ok(false),
        }
    }
    Ok(true)
}

impl TaskSource for TaskStream {
    #[inline]
    fn next_run(&mut self, run: &mut Vec<Task>, max: usize) -> Result<bool, WorkloadError> {
        (**self).next_run(run, max)
    }
}

/// The iterator adapters that task streams are built from take their tasks
/// one by one.
type TaskResult = Result<Task, WorkloadError>;
impl<I: Iterator + Send, F: FnMut(I::Item) -> TaskResult + Send> TaskSource
    for std::iter::Map<I, F>
{
}
impl<I: Iterator + Send, F: FnMut(I::Item) -> Option<TaskResult> + Send> TaskSource
    for std::iter::FilterMap<I, F>
{
}
impl<I: TaskSource, P: FnMut(&TaskResult) -> bool + Send> TaskSource for std::iter::Filter<I, P> {}
impl<F: FnMut() -> Option<TaskResult> + Send> TaskSource for std::iter::FromFn<F> {}
impl TaskSource for std::vec::IntoIter<TaskResult> {}

/// Interleaves time-ordered sources into one time-ordered stream, renumbering
/// task ids in merged order. Ties go to the source listed first.
pub fn merge(sources: Vec<TaskStream>) -> TaskStream {
    if sources.len() == 1 {
        return Box::new(Numbered {
            inner: sources.into_iter().next().expect("one"),
            next_id: 0,
        });
    }
    Box::new(Merge {
        heads: sources.into_iter().map(|s| (None, s)).collect(),
        primed: false,
        next_id: 0,
    })
}

/// One source, its tasks numbered in order; a run from the source is
/// numbered in place.
struct Numbered {
    inner: TaskStream,
    next_id: u64,
}

impl Iterator for Numbered {
    type Item = Result<Task, WorkloadError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|r| {
            r.map(|mut t| {
                t.id = self.next_id;
                self.next_id += 1;
                t
            })
        })
    }
}

impl TaskSource for Numbered {
    fn next_run(&mut self, run: &mut Vec<Task>, max: usize) -> Result<bool, WorkloadError> {
        let more = self.inner.next_run(run, max);
        for t in run.iter_mut() {
            t.id = self.next_id;
            self.next_id += 1;
        }
        more
    }
}

struct Merge {
    heads: Vec<(Option<Task>, TaskStream)>,
    primed: bool,
    next_id: u64,
}

impl TaskSource for Merge {}

impl Iterator for Merge {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.primed {
            self.primed = true;
            for (head, src) in &mut self.heads {
                match src.next() {
                    Some(Ok(t)) => *head = Some(t),
                    Some(Err(e)) => return Some(Err(e)),
                    None => {}
                }
            }
        }
        let (idx, _) = self
            .heads
            .iter()
            .enumerate()
            .filter_map(|(i, (h, _))| h.as_ref().map(|t| (i, t.submit)))
            .min_by_key(|&(i, submit)| (submit, i))?;
        let (head, src) = &mut self.heads[idx];
        let mut task = head.take().expect("chosen head exists");
        match src.next() {
            Some(Ok(t)) => *head = Some(t),
            Some(Err(e)) => return Some(Err(e)),
            None => {}
        }
        task.id = self.next_id;
        self.next_id += 1;
        Some(Ok(task))
    }
}

/// Multiplies every task's duration by `factor` (a what-if on task length).
pub fn scale_durations(stream: TaskStream, factor: f64) -> TaskStream {
    if factor == 1.0 {
        return stream;
    }
    Box::new(stream.map(move |r| {
        r.map(|mut t| {
            t.duration = ((t.duration as f64) * factor)
                .round()
                .min(crate::time::MAX_SPAN as f64) as SimTime;
            t
        })
    }))
}

/// Scales the number of tasks of a trace by `factor` while keeping its shape
/// in time: each task is repeated ⌊factor⌋ times, plus once more with
/// probability frac(factor) (so 0.5 keeps about half the tasks). Copies share
/// the submit time of the original. Seeded, so runs repeat exactly.
pub fn scale_load(stream: TaskStream, factor: f64, mut rng: rand_pcg::Pcg64Mcg) -> TaskStream {
    use rand::RngExt;
    if factor == 1.0 {
        return stream;
    }
    let whole = factor.floor() as u64;
    let frac = factor - factor.floor();
    let mut pending: Option<(Task, u64)> = None;
    let mut inner = stream;
    Box::new(std::iter::from_fn(move || {
        loop {
            if let Some((task, left)) = pending.take() {
                if left > 1 {
                    pending = Some((task.clone(), left - 1));
                }
                return Some(Ok(task));
            }
            let task = match inner.next()? {
                Ok(t) => t,
                Err(e) => return Some(Err(e)),
            };
            let copies = whole + u64::from(frac > 0.0 && rng.random::<f64>() < frac);
            if copies > 0 {
                pending = Some((task, copies));
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(submit: SimTime) -> Task {
        Task {
            id: 0,
            label: None,
            submit,
            duration: 1,
            cpu_milli: 250,
            memory_mib: 512,
            storage_gib: 0,
            group: None,
            usage: None,
        }
    }

    fn stream(times: Vec<SimTime>) -> TaskStream {
        Box::new(times.into_iter().map(|t| Ok(task(t))))
    }

    #[test]
    fn labels_keep_their_text_inline_or_not() {
        for text in [
            "",
            "a",
            "job-1#3",
            "exactly-22-bytes-long.",
            "é",
            "longer than twenty-two bytes, on the heap",
        ] {
            let l = Label::from(text);
            assert_eq!(l.as_str(), text);
            assert_eq!(Label::from(text.to_string()), l);
            assert_eq!(format!("{l}"), text);
        }
        assert!(matches!(
            Label::from("exactly-22-bytes-long.").0,
            LabelRepr::Inline { .. }
        ));
        assert!(matches!(Label::from("x".repeat(23)).0, LabelRepr::Heap(_)));
        assert_eq!(std::mem::size_of::<Option<Label>>(), 24);
        // Every inline length, each byte in its place and the rest zero
        // (labels compare by their bytes).
        let all: String = ('a'..='z').collect();
        for n in 0..=LABEL_INLINE {
            let l = Label::new(&all[..n]);
            assert_eq!(l.as_str(), &all[..n]);
            let LabelRepr::Inline { bytes, .. } = l.0 else {
                panic!("{n} bytes are kept inline")
            };
            assert!(bytes[n..].iter().all(|&b| b == 0), "{n}: {bytes:?}");
        }
    }

    #[test]
    fn merge_interleaves_in_time_order_and_renumbers() {
        let merged: Vec<Task> = merge(vec![stream(vec![1, 5, 9]), stream(vec![2, 5, 6])])
            .collect::<Result<_, _>>()
            .unwrap();
        let times: Vec<SimTime> = merged.iter().map(|t| t.submit).collect();
        assert_eq!(times, vec![1, 2, 5, 5, 6, 9]);
        let ids: Vec<u64> = merged.iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn load_scale_replicates_and_thins() {
        use rand::SeedableRng;
        let rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let n = scale_load(stream(vec![1, 2, 3]), 2.0, rng.clone()).count();
        assert_eq!(n, 6);
        let n = scale_load(stream((0..10_000).collect()), 0.25, rng).count();
        assert!((2300..2700).contains(&n), "{n}");
    }
}
