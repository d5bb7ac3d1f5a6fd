//! The native CSV trace parsed in blocks on worker threads (issue 24).
//!
//! One thread reads the file (or its gzip stream) in blocks of whole lines;
//! block `k` goes to worker `k % W`, which parses it into tasks with the
//! same row code as the adapter ([`super::native_csv::native_row`]); the stream
//! takes block `k` back from worker `k % W`. The tasks therefore come out in
//! file order whatever the threads' timing, and the run is the same to the
//! bit.
//!
//! Everything that depends on what came before a block is settled when the
//! stream takes the block, not by the worker: line numbers (a worker counts
//! lines from the block's start; the stream adds the lines of the blocks
//! before), the submit order across the block's first task, and the counts
//! of skipped rows (a worker notes each skip beside the task it precedes;
//! the stream adds it to the counter when it hands that task over, as the
//! adapter's stream does). Errors carry the file, line, column and value,
//! word for word as the adapter gives them; after an error nothing follows.
//!
//! A trace whose header is not its first line (blank lines first) is read
//! through the adapter, as before.

use super::adapter::{BadRow, OnBadRow, SkipCounter};
use super::native_csv::{bad_row_error, native_row};
use super::native_fast::FastRow;
use crate::io::csv::{split_csv, split_csv_ranges};
use crate::time::sim_to_seconds;
use crate::workload::native::{ColumnMap, RowChecker};
use crate::workload::text::{TextLines, is_gzip};
use crate::workload::{Task, TaskStream, WorkloadError};
use std::collections::VecDeque;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

/// Bytes per block (a block is extended to the end of its last line): about
/// 4,000 tasks of a native trace, handed to the platforms whole, so a block
/// is also what a platform takes at a time (issue 24: 512 KB blocks of
/// 16,000 tasks, 32 deep, left the simulation reading tasks written out of
/// its caches long before).
const BLOCK: usize = 128 * 1024;
/// Fields of a line kept on the stack, as the adapter's stream does.
const STACK_FIELDS: usize = 32;

/// How the blocks are cut and parsed (tests use small blocks).
#[derive(Clone, Copy, Debug)]
pub struct Blocks {
    /// Bytes per block, at least 1.
    pub bytes: usize,
    /// Worker threads, at least 1.
    pub workers: usize,
}

impl Default for Blocks {
    fn default() -> Blocks {
        // Two workers on a two-core machine: one core is the simulation's,
        // but the reader may have both while the simulation waits.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Blocks {
            bytes: BLOCK,
            workers: cores.clamp(2, 4),
        }
    }
}

/// A stream of tasks and the notes about the trace's header.
pub type Opened = (TaskStream, Vec<String>);

/// Opens a native CSV trace, parsed in blocks on worker threads; `None`
/// when its header is not its first line (read it through the adapter).
pub fn open(
    path: &Path,
    on_bad_row: OnBadRow,
    check_order: bool,
    skipped: &SkipCounter,
) -> Result<Option<Opened>, WorkloadError> {
    open_with(path, on_bad_row, check_order, skipped, Blocks::default())
}

/// [`open`] with the block size and worker count given.
pub fn open_with(
    path: &Path,
    on_bad_row: OnBadRow,
    check_order: bool,
    skipped: &SkipCounter,
    blocks: Blocks,
) -> Result<Option<Opened>, WorkloadError> {
    // The header, read as the adapter reads it.
    let mut peek = TextLines::open(path)?;
    let map = match peek.next_line() {
        Some(r) => {
            let (n, text) = r?;
            if n == 1 && !text.trim().is_empty() {
                Some(ColumnMap::from_header(path, &split_csv(text))?)
            } else {
                None
            }
        }
        None => None,
    };
    drop(peek);
    let Some(map) = map else {
        // An empty file, or blank lines before the header: the adapter.
        return Ok(None);
    };
    let notes = map.notes.clone();
    let io = |source| WorkloadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let gz = is_gzip(path)?;
    let file = std::fs::File::open(path).map_err(io)?;
    let source: Box<dyn Read + Send> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let workers = blocks.workers.max(1);
    let mut inputs = Vec::with_capacity(workers);
    let mut results = Vec::with_capacity(workers);
    let mut recycle = Vec::with_capacity(workers);
    // Parsed blocks' bytes go back to the splitter, emptied task queues
    // back to their worker: the buffers are reused, not allocated (and
    // their pages faulted in) for every block.
    let (spare_tx, spare_rx) = channel::<Vec<u8>>();
    for w in 0..workers {
        let (in_tx, in_rx) = sync_channel::<Input>(1);
        let (out_tx, out_rx) = sync_channel::<Output>(2);
        let (back_tx, back_rx) = channel::<VecDeque<Task>>();
        let map = map.clone();
        let path = path.to_path_buf();
        let channels = WorkerChannels {
            input: in_rx,
            output: out_tx,
            spare: spare_tx.clone(),
            queues: back_rx,
        };
        std::thread::Builder::new()
            .name(format!("trace parser {w}"))
            .spawn(move || parse_blocks(channels, map, &path, on_bad_row, check_order))
            .map_err(io)?;
        inputs.push(in_tx);
        results.push(out_rx);
        recycle.push(back_tx);
    }
    drop(spare_tx);
    let bytes = blocks.bytes.max(1);
    std::thread::Builder::new()
        .name("trace splitter".into())
        .spawn(move || split(source, bytes, inputs, spare_rx))
        .map_err(io)?;
    Ok(Some((
        Box::new(Ordered {
            path: path.to_path_buf(),
            results,
            recycle,
            next: 0,
            block: None,
            lines_before: 1,
            previous: 0,
            check_order,
            skipped: skipped.clone(),
            finished: false,
        }),
        notes,
    )))
}

/// What the splitter sends a worker.
enum Input {
    /// Whole lines (the last block may end without a newline).
    Block(Vec<u8>),
    /// Reading failed after the blocks before.
    Failed(std::io::Error),
    /// The file ended.
    End,
}

/// What a worker sends back, in the order of its inputs.
enum Output {
    Parsed(Parsed),
    Failed(std::io::Error),
    End,
}

/// Why a block stopped early (the stream turns it into the adapter's error).
enum Stop {
    /// A bad row when bad rows stop the run.
    Bad(BadRow),
    /// A task earlier than the one before it in the block.
    Order { submit: u64, previous: u64 },
    /// A line that is not UTF-8.
    NotUtf8,
}

/// One block's tasks.
struct Parsed {
    tasks: VecDeque<Task>,
    /// The submit time of the block's last task (when it has one).
    last_submit: u64,
    /// Skipped rows' reasons, each with the number of the block's tasks
    /// before it.
    skips: Vec<(usize, String)>,
    /// Lines in the block (up to the stopping line, when it stopped).
    lines: u64,
    /// The line of the block's first task, counted from the block's start.
    first_task_line: u64,
    /// Why it stopped, at line `lines`.
    stop: Option<Stop>,
}

/// The splitter thread: cuts the stream after its first line into blocks of
/// whole lines and deals them out to the workers in turn.
fn split(
    mut source: Box<dyn Read + Send>,
    bytes: usize,
    inputs: Vec<SyncSender<Input>>,
    spare: Receiver<Vec<u8>>,
) {
    crate::io::priority::lower_this_thread();
    let mut k = 0usize;
    let mut send = |msg: Input| -> bool {
        let ok = inputs[k % inputs.len()].send(msg).is_ok();
        k += 1;
        ok
    };
    let mut buf: Vec<u8> = Vec::with_capacity(bytes + 1024);
    let mut header_done = false;
    let mut eof = false;
    loop {
        // Fill the buffer with a block more (`read_to_end` reads into the
        // spare capacity without zeroing it first; it retries interrupted
        // reads and keeps what it read before a failure).
        let mut failure = None;
        if !eof {
            buf.reserve(bytes);
            match (&mut source).take(bytes as u64).read_to_end(&mut buf) {
                Ok(n) if n < bytes => eof = true,
                Ok(_) => {}
                Err(e) => failure = Some(e),
            }
        }
        if !header_done {
            // Drop the header line (read by `open_with`).
            match memchr::memchr(b'\n', &buf) {
                Some(i) => {
                    buf.drain(..=i);
                    header_done = true;
                }
                None if eof => {
                    buf.clear();
                    header_done = true;
                }
                None => {}
            }
        }
        // Whole lines go out now; at the end, the rest too.
        let cut = if !header_done {
            None
        } else if eof {
            (!buf.is_empty()).then_some(buf.len())
        } else {
            memchr::memrchr(b'\n', &buf).map(|i| i + 1)
        };
        if let Some(cut) = cut {
            let mut rest = match spare.try_recv() {
                Ok(mut v) => {
                    v.clear();
                    v
                }
                Err(_) => Vec::with_capacity(bytes + 1024 + (buf.len() - cut)),
            };
            rest.extend_from_slice(&buf[cut..]);
            buf.truncate(cut);
            let block = std::mem::replace(&mut buf, rest);
            if !send(Input::Block(block)) {
                return;
            }
        }
        if let Some(e) = failure {
            send(Input::Failed(e));
            return;
        }
        if eof && buf.is_empty() {
            send(Input::End);
            return;
        }
    }
}

/// How a worker reads a row: the header's columns for the general path,
/// and the fast path's plan of them.
struct Rows {
    map: ColumnMap,
    fast: FastRow,
}

/// A worker's channels: blocks in, parsed blocks out, the blocks' bytes
/// back to the splitter, emptied task queues back from the stream.
struct WorkerChannels {
    input: Receiver<Input>,
    output: SyncSender<Output>,
    spare: Sender<Vec<u8>>,
    queues: Receiver<VecDeque<Task>>,
}

/// A worker thread: parses each block it is given, in turn.
fn parse_blocks(
    ch: WorkerChannels,
    map: ColumnMap,
    path: &Path,
    on_bad_row: OnBadRow,
    check_order: bool,
) {
    crate::io::priority::lower_this_thread();
    let mut checker = RowChecker::new(path);
    checker.check_order = false;
    let mut ranges = Vec::with_capacity(16);
    let rows = Rows {
        fast: FastRow::new(&map),
        map,
    };
    for msg in ch.input {
        let out = match msg {
            Input::Block(b) => {
                let tasks = ch.queues.try_recv().unwrap_or_default();
                let parsed = parse_block(
                    &b,
                    &rows,
                    &mut checker,
                    &mut ranges,
                    tasks,
                    on_bad_row,
                    check_order,
                );
                // The splitter may have finished: then the bytes just go.
                let _ = ch.spare.send(b);
                Output::Parsed(parsed)
            }
            Input::Failed(e) => Output::Failed(e),
            Input::End => Output::End,
        };
        if ch.output.send(out).is_err() {
            return;
        }
    }
}

/// Parses one block of lines as the adapter's stream does: blank lines
/// skipped, each row through the fast path ([`FastRow`]) or, when it
/// declines, fields split and unquoted alike and the row through
/// [`native_row`]; the order checked within the block.
fn parse_block(
    bytes: &[u8],
    rows: &Rows,
    checker: &mut RowChecker,
    ranges: &mut Vec<(usize, usize)>,
    mut tasks: VecDeque<Task>,
    on_bad_row: OnBadRow,
    check_order: bool,
) -> Parsed {
    tasks.clear();
    // Room for the block's rows (of 24 bytes or more). An emptied queue
    // too small for it (the reader's first chunks hold 4,096 tasks) is
    // replaced, not grown: growing copies its old bytes, which the block
    // does not need (issue 24: 360 KB a time, and their pages' faults).
    let room = bytes.len() / 24 + 1;
    if tasks.capacity() < room {
        tasks = VecDeque::with_capacity(room);
    }
    let mut out = Parsed {
        tasks,
        last_submit: 0,
        skips: Vec::new(),
        lines: 0,
        first_task_line: 0,
        stop: None,
    };
    // UTF-8 is checked once for the block; a block that fails is read up
    // to the line that holds the first bad byte, which is then the error.
    let (text, bad_utf8) = match std::str::from_utf8(bytes) {
        Ok(t) => (t, false),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let start = memchr::memrchr(b'\n', valid).map_or(0, |i| i + 1);
            (
                std::str::from_utf8(&bytes[..start]).unwrap_or_default(),
                true,
            )
        }
    };
    // The submit time of the task before, for the order check (0 before
    // the block's first task: nothing is earlier).
    let mut previous: u64 = 0;
    let mut at = 0;
    while at < text.len() {
        let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
        let line = text[at..end].trim_end_matches(['\r', '\n']);
        at = end + 1;
        out.lines += 1;
        if is_blank(line) {
            continue;
        }
        let t = match rows.fast.row(checker, line) {
            Some(t) => t,
            None => match general_row(line, &rows.map, checker, ranges) {
                Ok(t) => t,
                Err(b) => match on_bad_row {
                    OnBadRow::Skip => {
                        out.skips.push((out.tasks.len(), b.reason));
                        continue;
                    }
                    OnBadRow::Error => {
                        out.stop = Some(Stop::Bad(b));
                        return out;
                    }
                },
            },
        };
        if check_order {
            if t.submit < previous {
                out.stop = Some(Stop::Order {
                    submit: t.submit,
                    previous,
                });
                return out;
            }
            previous = t.submit;
        }
        if out.tasks.is_empty() {
            out.first_task_line = out.lines;
        }
        out.last_submit = t.submit;
        out.tasks.push_back(t);
    }
    if bad_utf8 {
        out.lines += 1;
        out.stop = Some(Stop::NotUtf8);
    }
    out
}

/// A row through the general path: fields split and unquoted as the
/// adapter's stream does, then [`native_row`].
#[cold]
#[inline(never)]
fn general_row(
    line: &str,
    map: &ColumnMap,
    checker: &mut RowChecker,
    ranges: &mut Vec<(usize, usize)>,
) -> Result<Task, BadRow> {
    split_csv_ranges(line, ranges);
    let mut stack = [""; STACK_FIELDS];
    let heap: Vec<&str>;
    let fields: &[&str] = if ranges.len() <= STACK_FIELDS {
        for (slot, &(s, e)) in stack.iter_mut().zip(ranges.iter()) {
            *slot = &line[s..e];
        }
        &stack[..ranges.len()]
    } else {
        heap = ranges.iter().map(|&(s, e)| &line[s..e]).collect();
        &heap
    };
    native_row(map, checker, fields)
}

/// Whether a line is only whitespace (`str::trim` is empty), without
/// trimming a line that starts with a visible ASCII character.
#[inline]
fn is_blank(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => line.trim().is_empty(),
    }
}

/// The stream: takes the blocks back in order and hands over their tasks.
struct Ordered {
    path: PathBuf,
    results: Vec<Receiver<Output>>,
    /// Where each worker takes emptied task queues back.
    recycle: Vec<Sender<VecDeque<Task>>>,
    /// The next block's number.
    next: usize,
    /// The block being handed over.
    block: Option<Current>,
    /// Lines before the current block (the header's included).
    lines_before: u64,
    /// The last task's submit time.
    previous: u64,
    check_order: bool,
    skipped: SkipCounter,
    finished: bool,
}

/// The block being handed over, and how far.
struct Current {
    parsed: Parsed,
    /// The worker it came from.
    worker: usize,
    /// Its tasks handed over so far.
    taken: usize,
    /// Its skips counted so far.
    skip_at: usize,
    /// The tasks before the next skip to count (`usize::MAX`: none left).
    next_skip: usize,
}

impl Ordered {
    fn fail(&mut self, e: WorkloadError) -> Option<Result<Task, WorkloadError>> {
        self.finished = true;
        self.block = None;
        Some(Err(e))
    }

    /// A read error as the adapter's line reader words it.
    fn io_error(&self, source: std::io::Error) -> WorkloadError {
        WorkloadError::Io {
            path: self.path.clone(),
            source: if source.kind() == ErrorKind::InvalidData {
                not_utf8(self.lines_before + 1, &source)
            } else {
                source
            },
        }
    }
}

/// The adapter's words for a line that is not UTF-8.
fn not_utf8(line: u64, source: &dyn std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!(
        "line {line}: not UTF-8 text ({source}); is this the right file and format?"
    ))
}

impl Current {
    /// Counts the rows skipped before the block's next task (before its
    /// end, once every task is taken).
    fn count_skips(&mut self, skipped: &SkipCounter) {
        while self.next_skip <= self.taken {
            if let Some((_, reason)) = self.parsed.skips.get(self.skip_at) {
                skipped.add(reason);
            }
            self.skip_at += 1;
            self.next_skip = self
                .parsed
                .skips
                .get(self.skip_at)
                .map_or(usize::MAX, |s| s.0);
        }
    }
}

impl Ordered {
    /// Ends the block in hand, all of its tasks taken: its emptied queue
    /// goes back to its worker, and why it stopped, if it stopped early, is
    /// the stream's error.
    fn close_block(&mut self) -> Option<WorkloadError> {
        let cur = self.block.as_mut()?;
        if self.check_order && cur.taken > 0 {
            self.previous = cur.parsed.last_submit;
        }
        // The worker may have finished: then the queue just goes.
        let _ = self.recycle[cur.worker].send(std::mem::take(&mut cur.parsed.tasks));
        let line = self.lines_before + cur.parsed.lines;
        let stop = cur.parsed.stop.take();
        self.lines_before = line;
        self.block = None;
        Some(match stop? {
            Stop::Bad(b) => bad_row_error(&self.path, line, b),
            Stop::Order { submit, previous } => WorkloadError::OutOfOrder {
                path: self.path.clone(),
                line,
                submit_s: sim_to_seconds(submit),
                previous_s: sim_to_seconds(previous),
            },
            Stop::NotUtf8 => {
                let source = std::io::Error::new(
                    ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                );
                WorkloadError::Io {
                    path: self.path.clone(),
                    source: not_utf8(line, &source),
                }
            }
        })
    }

    /// Takes the next block from its worker: Ok(true) when one is in hand,
    /// Ok(false) at the end of the trace.
    fn receive(&mut self) -> Result<bool, WorkloadError> {
        let slot = self.next % self.results.len();
        self.next += 1;
        match self.results[slot].recv() {
            Ok(Output::Parsed(parsed)) => {
                let next_skip = parsed.skips.first().map_or(usize::MAX, |s| s.0);
                self.block = Some(Current {
                    parsed,
                    worker: slot,
                    taken: 0,
                    skip_at: 0,
                    next_skip,
                });
                Ok(true)
            }
            Ok(Output::Failed(source)) => Err(self.io_error(source)),
            Ok(Output::End) => Ok(false),
            Err(_) => Err(WorkloadError::Io {
                path: self.path.clone(),
                source: std::io::Error::other("the trace reader stopped unexpectedly"),
            }),
        }
    }

    /// The error that ends the stream; nothing follows it.
    fn end_with(&mut self, e: WorkloadError) -> WorkloadError {
        self.finished = true;
        self.block = None;
        e
    }
}

impl Iterator for Ordered {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.finished {
                return None;
            }
            if let Some(cur) = &mut self.block {
                cur.count_skips(&self.skipped);
                if let Some(t) = cur.parsed.tasks.pop_front() {
                    // The worker checked the order within the block; the
                    // block's first task is checked against the last one's.
                    if self.check_order && cur.taken == 0 && t.submit < self.previous {
                        let e = WorkloadError::OutOfOrder {
                            path: self.path.clone(),
                            line: self.lines_before + cur.parsed.first_task_line,
                            submit_s: sim_to_seconds(t.submit),
                            previous_s: sim_to_seconds(self.previous),
                        };
                        return self.fail(e);
                    }
                    cur.taken += 1;
                    return Some(Ok(t));
                }
                match self.close_block() {
                    None => continue,
                    Some(e) => return self.fail(e),
                }
            }
            match self.receive() {
                Ok(true) => {}
                Ok(false) => {
                    self.finished = true;
                    return None;
                }
                Err(e) => return self.fail(e),
            }
        }
    }
}

impl crate::workload::TaskSource for Ordered {
    /// Hands over a parsed block whole: the worker's vector of tasks becomes
    /// `run`, and `run`'s empty one goes back to the worker for a later
    /// block, so no task is moved on this thread (issue 24). The block's
    /// skipped rows are counted as it is handed over. A block begun one task
    /// at a time, or whose first task is out of order, goes on one by one.
    fn next_run(&mut self, run: &mut Vec<Task>, _max: usize) -> Result<bool, WorkloadError> {
        loop {
            if self.finished {
                return Ok(false);
            }
            let Some(cur) = &mut self.block else {
                match self.receive() {
                    Ok(true) => continue,
                    Ok(false) => {
                        self.finished = true;
                        return Ok(false);
                    }
                    Err(e) => return Err(self.end_with(e)),
                }
            };
            let left = cur.parsed.tasks.len();
            if left == 0 {
                cur.count_skips(&self.skipped);
                match self.close_block() {
                    None => continue,
                    Some(e) => return Err(self.end_with(e)),
                }
            }
            let first_out_of_order = self.check_order
                && cur.taken == 0
                && cur
                    .parsed
                    .tasks
                    .front()
                    .is_some_and(|t| t.submit < self.previous);
            if cur.taken > 0 || first_out_of_order || !run.is_empty() {
                return crate::workload::fill_run(self, run, run.len() + left);
            }
            let spare = std::collections::VecDeque::from(std::mem::take(run));
            *run = Vec::from(std::mem::replace(&mut cur.parsed.tasks, spare));
            cur.taken = run.len();
            cur.count_skips(&self.skipped);
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::native_csv::NativeCsv;
    use super::super::open::{OpenedTrace, open_adapter};
    use super::*;
    use std::io::Write;

    /// A task's fields as the comparisons below show them.
    fn task_line(t: &Task) -> String {
        format!(
            "{:?} {} {} {} {} {} {:?} {}",
            t.label.as_ref().map(|l| l.as_str().to_string()),
            t.submit,
            t.duration,
            t.cpu_milli,
            t.memory_mib,
            t.storage_gib,
            t.group,
            t.usage.is_some(),
        )
    }

    /// Every task, error and skip count, read both ways.
    fn both(content: &[u8], name: &str, on_bad_row: OnBadRow) -> (Vec<String>, Vec<Vec<String>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content)
            .unwrap();
        let show = |opened: Result<OpenedTrace, WorkloadError>, counter: &SkipCounter| {
            let mut out = Vec::new();
            match opened {
                Err(e) => out.push(format!("open: {e}")),
                Ok(o) => {
                    out.push(format!("notes {:?}", o.notes));
                    for r in o.stream {
                        match r {
                            Ok(t) => out.push(format!(
                                "{} skipped {:?}",
                                task_line(&t),
                                counter.counts()
                            )),
                            Err(e) => out.push(format!("error: {e}")),
                        }
                    }
                    out.push(format!("end, skipped {:?}", counter.counts()));
                }
            }
            out
        };
        let counter = SkipCounter::default();
        let adapter = open_adapter(
            &path,
            Box::new(NativeCsv::default()),
            on_bad_row,
            true,
            &counter,
        );
        let want = show(adapter, &counter);
        let mut got = Vec::new();
        for bytes in [1, 7, 64, 1 << 20] {
            for workers in [1, 2, 3] {
                let counter = SkipCounter::default();
                let blocks = Blocks { bytes, workers };
                let opened = match open_with(&path, on_bad_row, true, &counter, blocks) {
                    Ok(Some((stream, notes))) => Ok(OpenedTrace { stream, notes }),
                    // Read through the adapter: the same by construction.
                    Ok(None) => open_adapter(
                        &path,
                        Box::new(NativeCsv::default()),
                        on_bad_row,
                        true,
                        &counter,
                    ),
                    Err(e) => Err(e),
                };
                got.push(show(opened, &counter));
            }
        }
        (want, got)
    }

    fn same(content: &[u8], name: &str, on_bad_row: OnBadRow) -> Vec<String> {
        let (want, got) = both(content, name, on_bad_row);
        for g in got {
            assert_eq!(g, want);
        }
        runs_as_tasks(content, name, on_bad_row, &want);
        want
    }

    /// Read a run at a time (whole blocks handed over), or one task and then
    /// runs in turn, the stream gives the same tasks, error and final skip
    /// counts as the adapter (`want`, from [`both`]); the skip counts it
    /// shows along the way are only as of each run's end.
    fn runs_as_tasks(content: &[u8], name: &str, on_bad_row: OnBadRow, want: &[String]) {
        use crate::workload::TaskSource;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        // Each side wrote its own temporary file: errors and notes name the
        // file without its folder here.
        let unrooted = |line: &str| match line.find(&format!("/{name}")) {
            Some(b) => {
                let a = line[..b].rfind([' ', '"']).map_or(0, |i| i + 1);
                format!("{}{}", &line[..a], &line[b + 1..])
            }
            None => line.to_string(),
        };
        let strip = |line: &String| match line.find(" skipped ") {
            Some(i) if !line.starts_with("end") => line[..i].to_string(),
            _ => unrooted(line),
        };
        let want: Vec<String> = want.iter().map(strip).collect();
        for bytes in [1, 7, 64, 1 << 20] {
            for workers in [1, 2] {
                for one_by_one_first in [false, true] {
                    let counter = SkipCounter::default();
                    let blocks = Blocks { bytes, workers };
                    let Some((mut stream, notes)) =
                        open_with(&path, on_bad_row, true, &counter, blocks).unwrap_or(None)
                    else {
                        continue;
                    };
                    let mut got = vec![unrooted(&format!("notes {notes:?}"))];
                    let mut turn = 0;
                    loop {
                        turn += 1;
                        if one_by_one_first && turn % 2 == 1 {
                            match stream.next() {
                                Some(Ok(t)) => got.push(task_line(&t)),
                                Some(Err(e)) => got.push(unrooted(&format!("error: {e}"))),
                                None => {}
                            }
                            if got.last().is_some_and(|l| l.starts_with("error")) {
                                break;
                            }
                            continue;
                        }
                        let mut run = Vec::new();
                        let more = stream.next_run(&mut run, 5);
                        got.extend(run.iter().map(task_line));
                        match more {
                            Ok(true) => {}
                            Ok(false) => break,
                            Err(e) => {
                                got.push(unrooted(&format!("error: {e}")));
                                break;
                            }
                        }
                    }
                    got.push(format!("end, skipped {:?}", counter.counts()));
                    assert_eq!(got, want, "blocks of {bytes} bytes, {workers} workers");
                }
            }
        }
    }

    const HEAD: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group\n";

    #[test]
    fn reads_as_the_adapter_whatever_the_blocks() {
        let mut text = String::from(HEAD);
        for i in 0..200 {
            text.push_str(&format!("t{i},{}.5,{},0.25,512,g{}\n", i, 60 + i, i % 3));
            if i % 17 == 0 {
                text.push_str("\r\n   \n");
            }
        }
        text.push_str("\"quoted, id\", 300 ,1,1,2048,\"g1\"\r\nlast,301,1,1,2048,");
        let got = same(text.as_bytes(), "t.csv", OnBadRow::Error);
        assert_eq!(got.len(), 1 + 202 + 1);
        assert!(got[202].starts_with("Some(\"last\") 301000000 1000000 1000 2048 0 None"));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        assert_eq!(
            same(&gz.finish().unwrap(), "t.csv.gz", OnBadRow::Error),
            got
        );
    }

    #[test]
    fn fast_and_general_rows_mix_as_the_adapter_reads_them() {
        // Every column, a BOM before the header, CRLF, groups, usage,
        // empty optional columns, quoted and spaced fields (the general
        // path) between plain ones (the fast path), an extra column.
        let mut text = String::from(
            "\u{feff}task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib,note\r\n",
        );
        for i in 0..300 {
            let row = match i % 7 {
                0 => format!("t{i},{i}.25,60,0.25,512,,web,,,,,x\r\n"),
                1 => format!("\"t{i}\",{i}.5,61.5,1,2048,20,\"batch, nightly\",,,,,\r\n"),
                2 => format!("t{i}, {i}.5 ,1,1,2048,0,,0.5,0.75,1000,1500,\"a\"\"b\"\r\n"),
                3 => format!("t{i},{i}.75,0.000001,0.3333,2048.5,0.5,web,0.1,,,,\n"),
                4 => format!("t{i},{i}.9,1e2,4,16384,0,g{},,,900,,\n", i % 3),
                5 => format!("a-task-id-longer-than-22-bytes-{i},{i}.95,7,2,4096,0,,,,,,\n"),
                _ => format!("t{i},{i}.99,7,2,4096,0,web ,,,,,\n"),
            };
            text.push_str(&row);
        }
        let got = same(text.as_bytes(), "t.csv", OnBadRow::Error);
        assert_eq!(got.len(), 1 + 300 + 1);
        assert!(got[1].starts_with("Some(\"t0\") 250000 60000000 250 512 0 Some(\"web\") false"));
        assert!(got[2].starts_with(
            "Some(\"t1\") 1500000 61500000 1000 2048 20 Some(\"batch, nightly\") false"
        ));
        assert!(got[4].starts_with("Some(\"t3\") 3750000 1 334 2049 1 Some(\"web\") true"));
        // Bad rows among them, skipped and counted alike.
        let bad = text
            .replace("t10,10.75,0.000001", "t10,10.75,-1")
            .replace("t20,", "t20,x");
        let got = same(bad.as_bytes(), "t.csv", OnBadRow::Skip);
        assert!(got.last().unwrap().contains("duration_s"), "{got:?}");
        let got = same(bad.as_bytes(), "t.csv", OnBadRow::Error);
        let err = &got[got.len() - 2];
        assert!(err.contains("line 12") && err.contains("`-1`"), "{err}");
    }

    #[test]
    fn errors_name_the_same_line_and_value() {
        let rows = |bad: &str| {
            let mut t = String::from(HEAD);
            for i in 0..50 {
                t.push_str(&format!("t{i},{i},1,1,2048,\n"));
                if i == 5 {
                    t.push('\n');
                }
            }
            t.push_str(bad);
            t.push_str("after,99,1,1,2048,\n");
            t
        };
        // A bad value (line 53: the header, 50 rows and one blank line first).
        let got = same(
            rows("x,60,-5,1,2048,\n").as_bytes(),
            "t.csv",
            OnBadRow::Error,
        );
        let last = got.last().unwrap();
        assert!(last.contains("end"), "{last}");
        let err = &got[got.len() - 2];
        assert!(
            err.contains("line 53") && err.contains("duration_s") && err.contains("-5"),
            "{err}"
        );
        // A short row, and out of order (after 49 s, at the first task of a
        // block too, with blocks of one line).
        let got = same(rows("x,60\n").as_bytes(), "t.csv", OnBadRow::Error);
        assert!(got[got.len() - 2].contains("2 fields where the header has 6"));
        let got = same(rows("x,3,1,1,2048,\n").as_bytes(), "t.csv", OnBadRow::Error);
        let err = &got[got.len() - 2];
        assert!(err.contains("line 53") && err.contains("sort"), "{err}");
        // Not UTF-8.
        let mut bytes = rows("x,60,1,1,2048,\n").into_bytes();
        let at = bytes.len() - 10;
        bytes[at] = 0xff;
        let got = same(&bytes, "t.csv", OnBadRow::Error);
        let err = &got[got.len() - 2];
        assert!(err.contains("line 54: not UTF-8"), "{err}");
        // Skipped rows count when the stream passes them.
        let got = same(
            rows("x,60,-5,1,2048,\ny,61,1,0,2048,\n").as_bytes(),
            "t.csv",
            OnBadRow::Skip,
        );
        assert!(got.last().unwrap().contains("duration_s"));
        // A header alone, an empty file, blank lines before the header.
        same(HEAD.as_bytes(), "t.csv", OnBadRow::Error);
        same(b"", "t.csv", OnBadRow::Error);
        same(
            format!("\n{HEAD}a,1,1,1,512,\n").as_bytes(),
            "t.csv",
            OnBadRow::Error,
        );
        same(b"task_id,submit_s\n", "t.csv", OnBadRow::Error);
    }
}
