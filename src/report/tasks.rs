//! `tasks.parquet`: one row per attempt of each task on each platform.
//!
//! Each platform's sink ([`TaskSink`], on the platform's thread) gathers its
//! records in batches of [`BATCH`] rows and hands each full batch to one
//! writer thread ([`TaskRecords`]), which turns it into columns and writes it
//! as a Parquet row group while the simulation goes on: on two cores the
//! file is encoded on the core the trace reader leaves free, not after the
//! run. Rows are in scenario order of the platforms, each platform's in the
//! order it recorded them: the writer streams the platform whose turn it is
//! (the first one not yet finished) and keeps the batches of later platforms
//! in a spool file of fixed-size binary records until their turn comes, so
//! memory stays flat however many tasks there are. Row groups are cut every
//! [`BATCH`] rows of each platform, whatever the thread timing, so the file
//! is the same bytes for the same seed. It is written to a temporary name
//! and renamed when the run's other files are written. The columns go to
//! the Parquet encoders as they were gathered, each with its encoding and
//! compression chosen ([`file_options`], `[report] task_records_compression`).

use crate::Error;
use crate::io::files::temp_name;
use crate::io::table::{
    Column, ColumnsOptions, Compression, Encode, ParquetColumns, Table, Validity, Values,
};
use crate::io::writeback::Writeback;
use crate::platform::{Outcome, RecordSink, TaskRecord};
use crate::scenario::TaskRecordsCompression;
use crate::time::SimTime;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The columns, in file order, with their meaning (docs/outputs.md repeats this).
pub const COLUMNS: &[(&str, &str)] = &[
    ("platform", "platform name"),
    ("task_id", "the task's id in the workload (its row order)"),
    ("attempt", "0, then 1 after an interruption, …"),
    (
        "outcome",
        "completed, interrupted, oom_killed (right-sizing), unschedulable, running_at_end or waiting_at_end",
    ),
    ("submit_s", "submitted, seconds from the start of the run"),
    (
        "launch_s",
        "launched (serverless) or placed on an instance (EC2); null if never",
    ),
    ("running_s", "container running; null if it never got there"),
    (
        "end_s",
        "stopped, interrupted or cut by the end of the run; null if never launched",
    ),
    ("cpu_vcpu_requested", "vCPU the task asked for"),
    ("memory_mib_requested", "memory the task asked for, MiB"),
    (
        "cpu_vcpu_billed",
        "vCPU of the size billed (serverless rounds up to a valid size)",
    ),
    ("memory_mib_billed", "memory of the size billed, MiB"),
    (
        "instance",
        "EC2 instance id within the platform; null for serverless",
    ),
    (
        "billed_s",
        "time billed (serverless: after rounding and minimum; EC2: time placed)",
    ),
    ("run_s", "time the container ran"),
    (
        "cost_usd",
        "serverless: the attempt's bill; EC2: its share of its instance's cost; null if never launched",
    ),
];

const NONE64: u64 = u64::MAX;
const NONE32: u32 = u32::MAX;
/// Bytes per spooled record.
const RECORD: usize = 8 + 4 + 1 + 8 * 4 + 4 * 4 + 4 + 8 * 2 + 16 + 1;
/// Records per Parquet row group (of one platform).
pub const BATCH: usize = 64 * 1024;
/// Records per chunk a sink hands over: small, so the chunks in flight take
/// little memory (the writer gathers a row group's columns itself).
const CHUNK: usize = 4096;
/// Chunks waiting for the writer: more than a row group's worth, so the
/// simulation goes on while the writer encodes one (about 9 ms for 65,536
/// rows, in which a 1 M-task replay fills 12 to 13 chunks). With 2, the
/// simulation thread waited out every row group: the peers' 1 M-task runs
/// with `tasks.parquet` took 0.325 and 0.406 s instead of 0.276 and 0.338
/// (docs/performance.md, issue 24 tenth round). A chunk is 0.6 MB (4,096
/// records of 144 bytes): the queue holds at most 12 MB, and the pool as
/// much again; the 5/s run's peak grew from 64 to 78 MB.
const QUEUE: usize = 20;
/// Emptied chunks kept for the sinks to fill again (fresh memory for each
/// chunk would cost the simulation thread its page faults).
const POOL: usize = QUEUE + 2;

fn opt64(v: Option<SimTime>) -> u64 {
    v.unwrap_or(NONE64)
}

fn encode(r: &TaskRecord, b: &mut [u8; RECORD]) {
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        b[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&r.task_id.to_le_bytes());
    put(&r.attempt.to_le_bytes());
    put(&[r.outcome as u8]);
    put(&r.submit.to_le_bytes());
    put(&opt64(r.launch).to_le_bytes());
    put(&opt64(r.running).to_le_bytes());
    put(&opt64(r.end).to_le_bytes());
    put(&r.cpu_milli_requested.to_le_bytes());
    put(&r.memory_mib_requested.to_le_bytes());
    put(&r.cpu_milli_billed.to_le_bytes());
    put(&r.memory_mib_billed.to_le_bytes());
    put(&r.instance.unwrap_or(NONE32).to_le_bytes());
    put(&r.billed_span.to_le_bytes());
    put(&r.run_span.to_le_bytes());
    put(&r.cost.map_or(u128::MAX, |m| m.0).to_le_bytes());
    put(&[0]);
}

/// The record [`encode`] wrote.
fn decode(b: &[u8; RECORD]) -> Result<TaskRecord, String> {
    let mut at = 0;
    let mut take = |n: usize| {
        let s = &b[at..at + n];
        at += n;
        s
    };
    let mut u64_ = |n| {
        let mut v = [0u8; 8];
        v[..n].copy_from_slice(take(n));
        u64::from_le_bytes(v)
    };
    let task_id = u64_(8);
    let attempt = u64_(4) as u32;
    let o = u64_(1) as usize;
    let outcome = *OUTCOMES
        .get(o)
        .ok_or_else(|| format!("corrupt spool record (outcome {o})"))?;
    let some = |v: u64| (v != NONE64).then_some(v);
    let submit = u64_(8);
    let launch = some(u64_(8));
    let running = some(u64_(8));
    let end = some(u64_(8));
    let cpu_milli_requested = u64_(4) as u32;
    let memory_mib_requested = u64_(4) as u32;
    let cpu_milli_billed = u64_(4) as u32;
    let memory_mib_billed = u64_(4) as u32;
    let instance = u64_(4) as u32;
    let billed_span = u64_(8);
    let run_span = u64_(8);
    let low = u64_(8) as u128;
    let cost = low | ((u64_(8) as u128) << 64);
    Ok(TaskRecord {
        task_id,
        attempt,
        submit,
        launch,
        instance: (instance != NONE32).then_some(instance),
        running,
        end,
        cpu_milli_requested,
        memory_mib_requested,
        cpu_milli_billed,
        memory_mib_billed,
        billed_span,
        run_span,
        cost: (cost != u128::MAX).then_some(crate::pricing::Money(cost)),
        outcome,
    })
}

const OUTCOMES: [Outcome; 6] = [
    Outcome::Completed,
    Outcome::Interrupted,
    Outcome::Unschedulable,
    Outcome::RunningAtEnd,
    Outcome::WaitingAtEnd,
    Outcome::OomKilled,
];

/// What a sink sends the writer thread.
enum Msg {
    /// A chunk of one platform's records (full, or its last).
    Rows(usize, Vec<TaskRecord>),
    /// The platform's sink is gone: it records nothing more.
    Done(usize),
    /// The run failed: stop and write nothing.
    Abort,
}

type Pool = Arc<Mutex<Vec<Vec<TaskRecord>>>>;

/// A [`RecordSink`] for one platform: gathers records in chunks of
/// [`CHUNK`] and hands them to the writer thread.
pub struct TaskSink {
    index: usize,
    rows: Vec<TaskRecord>,
    tx: SyncSender<Msg>,
    pool: Pool,
    /// The writer is gone (it failed, or the run is being abandoned): its
    /// error is reported by [`TaskRecords::finish`].
    closed: bool,
}

impl TaskSink {
    fn hand_over(&mut self) {
        // The streaming stores of `push_streamed` before the chunk leaves.
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a store fence has no other effect.
        unsafe {
            std::arch::x86_64::_mm_sfence()
        };
        let fresh = self
            .pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.rows, fresh);
        if !self.closed && self.tx.send(Msg::Rows(self.index, full)).is_err() {
            self.closed = true;
        }
    }
}

impl RecordSink for TaskSink {
    #[inline]
    fn record(&mut self, record: &TaskRecord) {
        push_streamed(&mut self.rows, record);
        if self.rows.len() >= CHUNK {
            self.hand_over();
        }
    }
}

/// Appends a copy of `r` to `rows`. On x86-64, into room already there,
/// with streaming stores: the simulation thread never reads a record
/// again and the writer's core reads it next, so the copy skips this
/// core's cache instead of fetching each line first.
#[inline]
fn push_streamed(rows: &mut Vec<TaskRecord>, r: &TaskRecord) {
    #[cfg(target_arch = "x86_64")]
    if rows.len() < rows.capacity() {
        const LANES: usize = std::mem::size_of::<TaskRecord>() / 16;
        const {
            assert!(std::mem::size_of::<TaskRecord>().is_multiple_of(16));
            assert!(std::mem::align_of::<TaskRecord>() >= 16);
        }
        // SAFETY: the slot at `len` is inside the vector's room and
        // aligned to 16 bytes (the record's alignment); the assembly copies
        // the record's bytes into it, padding included, as `memcpy` would,
        // and the length grows only after the slot holds a whole record.
        // The stores are made visible to the writer by `hand_over`'s fence.
        unsafe {
            let dst = rows.as_mut_ptr().add(rows.len()).cast::<u8>();
            let src = (r as *const TaskRecord).cast::<u8>();
            for i in 0..LANES {
                std::arch::asm!(
                    "movdqu {x}, [{src}]",
                    "movntdq [{dst}], {x}",
                    src = in(reg) src.add(16 * i),
                    dst = in(reg) dst.add(16 * i),
                    x = out(xmm_reg) _,
                    options(nostack, preserves_flags),
                );
            }
            rows.set_len(rows.len() + 1);
        }
        return;
    }
    rows.push(r.clone());
}

impl Drop for TaskSink {
    fn drop(&mut self) {
        if !self.rows.is_empty() {
            self.hand_over();
        }
        if !self.closed {
            let _ = self.tx.send(Msg::Done(self.index));
        }
    }
}

/// The task records of one run: a sink per platform ([`TaskRecords::sink`])
/// and the thread writing `tasks.parquet`. [`TaskRecords::finish`] waits for
/// the file and gives it its name; dropped unfinished (a failed run), it
/// stops the writer and removes what it wrote.
pub struct TaskRecords {
    path: PathBuf,
    tmp: PathBuf,
    spools: Vec<PathBuf>,
    tx: Mutex<Option<SyncSender<Msg>>>,
    taken: Mutex<Vec<bool>>,
    pool: Pool,
    thread: Mutex<Option<JoinHandle<Result<u64, String>>>>,
}

impl TaskRecords {
    /// Starts the writer of `dir/tasks.parquet` for these platforms (names
    /// in scenario order), with the default compression.
    pub fn start(dir: &Path, platforms: &[&str]) -> Result<TaskRecords, Error> {
        Self::start_with(dir, platforms, TaskRecordsCompression::default())
    }

    /// [`TaskRecords::start`] with the compression chosen.
    pub fn start_with(
        dir: &Path,
        platforms: &[&str],
        compression: TaskRecordsCompression,
    ) -> Result<TaskRecords, Error> {
        let path = dir.join("tasks.parquet");
        let tmp = temp_name(&path);
        let spools: Vec<PathBuf> = (0..platforms.len())
            .map(|i| dir.join(format!(".tasks-{i}.spool-{}", std::process::id())))
            .collect();
        let file = std::fs::File::create(&tmp).map_err(|source| Error::Output {
            path: tmp.clone(),
            source,
        })?;
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let pool: Pool = Arc::default();
        let writer = Writer {
            platforms: platforms.iter().map(|p| p.to_string()).collect(),
            spool_paths: spools.clone(),
            spools: platforms.iter().map(|_| None).collect(),
            spooled: vec![0; platforms.len()],
            done: vec![false; platforms.len()],
            current: 0,
            cols: Cols::new(),
            rows: 0,
            pool: pool.clone(),
            compression,
        };
        let thread = std::thread::Builder::new()
            .name("task records".into())
            .spawn(move || writer.run(rx, file))
            .map_err(|source| Error::Output {
                path: path.clone(),
                source,
            })?;
        Ok(TaskRecords {
            path,
            tmp,
            spools,
            tx: Mutex::new(Some(tx)),
            taken: Mutex::new(vec![false; platforms.len()]),
            pool,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The sink of platform `index` (once; None after, or out of range).
    pub fn sink(&self, index: usize) -> Option<TaskSink> {
        let mut taken = self.taken.lock().ok()?;
        let t = taken.get_mut(index)?;
        if *t {
            return None;
        }
        *t = true;
        let tx = self.tx.lock().ok()?.as_ref()?.clone();
        Some(TaskSink {
            index,
            rows: Vec::with_capacity(CHUNK),
            tx,
            pool: self.pool.clone(),
            closed: false,
        })
    }

    /// Waits for the writer (every sink must be gone) and renames the file
    /// `tasks.parquet`. Returns the number of rows.
    pub fn finish(&self) -> Result<u64, Error> {
        self.tx.lock().map(|mut t| t.take()).ok();
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        let result = match thread {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err("the task record writer stopped".into())),
            None => Err("tasks.parquet was already written".into()),
        };
        let result = result.and_then(|rows| {
            std::fs::rename(&self.tmp, &self.path)
                .map(|_| rows)
                .map_err(|e| e.to_string())
        });
        self.remove_temporary();
        result.map_err(|e| Error::Output {
            path: self.path.clone(),
            source: std::io::Error::other(format!("writing task records: {e}")),
        })
    }

    fn remove_temporary(&self) {
        let _ = std::fs::remove_file(&self.tmp);
        for s in &self.spools {
            let _ = std::fs::remove_file(s);
        }
    }
}

impl Drop for TaskRecords {
    fn drop(&mut self) {
        let thread = self.thread.get_mut().ok().and_then(|t| t.take());
        if let Some(thread) = thread {
            if let Some(tx) = self.tx.get_mut().ok().and_then(|t| t.take()) {
                let _ = tx.send(Msg::Abort);
            }
            let _ = thread.join();
            self.remove_temporary();
        }
    }
}

/// The writer thread's state.
struct Writer {
    platforms: Vec<String>,
    spool_paths: Vec<PathBuf>,
    /// Batches of platforms whose turn has not come.
    spools: Vec<Option<BufWriter<std::fs::File>>>,
    spooled: Vec<u64>,
    done: Vec<bool>,
    /// The platform being written: the first one not done.
    current: usize,
    /// Its row group being gathered.
    cols: Cols,
    rows: u64,
    pool: Pool,
    compression: TaskRecordsCompression,
}

type Out<'a> = ParquetColumns<&'a mut BufWriter<Writeback>>;

impl Writer {
    fn run(mut self, rx: Receiver<Msg>, file: std::fs::File) -> Result<u64, String> {
        // Each 8 MiB starts going to disk once written: the flush below
        // then has little left to wait for.
        let mut out = BufWriter::with_capacity(1 << 20, Writeback::new(file));
        let mut parquet = ParquetColumns::new(&mut out, &like()?, file_options(self.compression))
            .map_err(|e| e.0)?;
        loop {
            match rx.recv() {
                Ok(Msg::Rows(p, rows)) => self.take(&mut parquet, p, rows)?,
                Ok(Msg::Done(p)) => {
                    if let Some(d) = self.done.get_mut(p) {
                        *d = true;
                    }
                    self.advance(&mut parquet)?;
                    // Every platform's sink is gone, so nothing more can
                    // come: the file is finished and flushed to disk now,
                    // beside the run's charts, not after them (issue 24:
                    // the flush of the 1 M-task file took 22 to 25 ms).
                    if self.done.iter().all(|&d| d) {
                        break;
                    }
                }
                Ok(Msg::Abort) => return Err("abandoned".into()),
                // Every sink and the run's own sender are gone (a platform
                // that took no sink is done then too).
                Err(_) => break,
            }
        }
        crate::io::timings::event("task records: the last rows received");
        self.done.fill(true);
        self.advance(&mut parquet)?;
        parquet.finish().map_err(|e| e.0)?;
        out.flush().map_err(|e| e.to_string())?;
        crate::io::timings::event("task records: written, to be flushed to disk");
        out.get_ref().file().sync_all().map_err(|e| e.to_string())?;
        crate::io::timings::event("task records written");
        Ok(self.rows)
    }

    fn take(&mut self, out: &mut Out<'_>, p: usize, rows: Vec<TaskRecord>) -> Result<(), String> {
        if p == self.current {
            return self.write(out, p, rows);
        }
        if p < self.current || p >= self.platforms.len() {
            // A platform already written (or none) sent more: cannot happen,
            // as a sink's last message is its `Done`.
            return Err(format!("task records of platform {p} after its turn"));
        }
        let path = &self.spool_paths[p];
        let io = |e: std::io::Error| format!("{}: {e}", path.display());
        let spool = match &mut self.spools[p] {
            Some(s) => s,
            s @ None => s.insert(BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(path).map_err(io)?,
            )),
        };
        let mut b = [0u8; RECORD];
        for r in &rows {
            encode(r, &mut b);
            spool.write_all(&b).map_err(io)?;
        }
        self.spooled[p] += rows.len() as u64;
        self.recycle(rows);
        Ok(())
    }

    /// Moves on past the platforms that are done (writing the last row
    /// group of each), then writes the spooled chunks of the one whose turn
    /// comes.
    fn advance(&mut self, out: &mut Out<'_>) -> Result<(), String> {
        while self.current < self.platforms.len() && self.done[self.current] {
            self.flush(out)?;
            self.current += 1;
            let p = self.current;
            let Some(spool) = self.spools.get_mut(p).and_then(Option::take) else {
                continue;
            };
            let path = self.spool_paths[p].clone();
            let io = |e: std::io::Error| format!("{}: {e}", path.display());
            let file = spool.into_inner().map_err(|e| io(e.into_error()))?;
            drop(file);
            let mut reader =
                BufReader::with_capacity(1 << 20, std::fs::File::open(&path).map_err(io)?);
            let mut left = std::mem::take(&mut self.spooled[p]);
            let mut b = [0u8; RECORD];
            while left > 0 {
                let n = (left as usize).min(CHUNK);
                let mut rows = self.fresh();
                for _ in 0..n {
                    reader.read_exact(&mut b).map_err(io)?;
                    rows.push(decode(&b)?);
                }
                left -= n as u64;
                self.write(out, p, rows)?;
            }
            drop(reader);
            let _ = std::fs::remove_file(&path);
        }
        Ok(())
    }

    /// Adds the rows of the current platform `p`, writing each full row group.
    fn write(&mut self, out: &mut Out<'_>, p: usize, rows: Vec<TaskRecord>) -> Result<(), String> {
        debug_assert_eq!(p, self.current);
        let mut left = &rows[..];
        while !left.is_empty() {
            let (now, later) = left.split_at(left.len().min(BATCH - self.cols.len()));
            self.cols.extend(now);
            if self.cols.len() == BATCH {
                self.flush(out)?;
            }
            left = later;
        }
        self.recycle(rows);
        Ok(())
    }

    /// Writes the row group gathered so far, if any.
    fn flush(&mut self, out: &mut Out<'_>) -> Result<(), String> {
        let n = self.cols.len();
        if n > 0 {
            let cols = std::mem::take(&mut self.cols);
            let platform = self.platforms.get(self.current).map_or("", String::as_str);
            // `snappy` keeps the file polars' own writer made.
            let code_sizes = self.compression != TaskRecordsCompression::Snappy;
            out.write(cols.values(platform, code_sizes))
                .map_err(|e| e.0)?;
            self.rows += n as u64;
            // The next row group's room, once this one's memory is free.
            self.cols = Cols::new();
        }
        Ok(())
    }

    fn fresh(&self) -> Vec<TaskRecord> {
        self.pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| Vec::with_capacity(CHUNK))
    }

    fn recycle(&self, mut rows: Vec<TaskRecord>) {
        rows.clear();
        if let Ok(mut p) = self.pool.lock()
            && p.len() < POOL
        {
            p.push(rows);
        }
    }
}

/// The columns of one row group, gathered a chunk at a time: values as
/// they go into the file, nulls as a [`Validity`] beside them.
#[derive(Default)]
struct Cols {
    task_id: Vec<u64>,
    attempt: Vec<u32>,
    outcome: Vec<u8>,
    submit: Vec<f64>,
    launch: Vec<f64>,
    launch_ok: Validity,
    running: Vec<f64>,
    running_ok: Validity,
    end: Vec<f64>,
    end_ok: Validity,
    /// Milli-vCPU (the file holds vCPU).
    cpu_req: Vec<u32>,
    mem_req: Vec<u32>,
    cpu_billed: Vec<u32>,
    mem_billed: Vec<u32>,
    instance: Vec<u32>,
    instance_ok: Validity,
    billed: Vec<f64>,
    run: Vec<f64>,
    cost: Vec<f64>,
    cost_ok: Validity,
}

fn secs(v: SimTime) -> f64 {
    v as f64 / 1e6
}

fn vcpu(milli: u32) -> f64 {
    milli as f64 / 1000.0
}

/// Distinct sizes a row group's column may hold as a dictionary.
const SIZES: usize = 256;

/// A row group's column of sizes (milli-vCPU, MiB) as codes into its
/// distinct values, in the order first seen; None past [`SIZES`] values.
/// A task's size is one of a few (Fargate's grid, a fleet's requests), so
/// the dictionary and its bit-packed codes replace 8-byte floats that
/// Snappy had to squeeze, and polars' own choice for the memory columns
/// (a pass for their range, then a bitmap of the values used and the
/// codes; issue 24, tenth round).
fn size_codes(values: &[u32]) -> Option<(Vec<u32>, Vec<u32>)> {
    const SLOTS: usize = 4 * SIZES;
    // (value, code + 1); a code of 0 marks an empty slot.
    let mut table = [(0u32, 0u32); SLOTS];
    let mut sizes = Vec::new();
    let mut keys = Vec::with_capacity(values.len());
    let mut last = None;
    for &v in values {
        let code = match last {
            Some((lv, c)) if lv == v => c,
            _ => {
                let mut slot = (v.wrapping_mul(0x9E37_79B9) >> 22) as usize % SLOTS;
                let c = loop {
                    match table[slot] {
                        (k, c) if c != 0 && k == v => break c - 1,
                        (_, 0) => {
                            if sizes.len() == SIZES {
                                return None;
                            }
                            sizes.push(v);
                            table[slot] = (v, sizes.len() as u32);
                            break sizes.len() as u32 - 1;
                        }
                        _ => slot = (slot + 1) % SLOTS,
                    }
                };
                last = Some((v, c));
                c
            }
        };
        keys.push(code);
    }
    Some((keys, sizes))
}

/// [`crate::pricing::Money::usd`], the same value to the bit, without its
/// 128-bit division when the amount fits in 64 bits (under 18.4 USD): the
/// integer parts are the same, and an integer below 2^64 converts to the
/// same float from either width.
fn usd(m: crate::pricing::Money) -> f64 {
    const ATTO: u64 = crate::pricing::money::ATTO_PER_USD as u64;
    match u64::try_from(m.0) {
        Ok(v) => (v / ATTO) as f64 + (v % ATTO) as f64 / ATTO as f64,
        Err(_) => m.usd(),
    }
}

/// The outcomes' names, indexed by `Outcome as u8` (the order of [`OUTCOMES`]).
static OUTCOME_NAMES: std::sync::LazyLock<[&'static str; 6]> =
    std::sync::LazyLock::new(|| OUTCOMES.map(Outcome::as_str));

impl Cols {
    fn new() -> Cols {
        macro_rules! cols {
            ($($f:ident),*; $($v:ident),*) => {
                Cols {
                    $($f: Vec::with_capacity(BATCH),)*
                    $($v: Validity::with_capacity(BATCH),)*
                }
            };
        }
        cols!(
            task_id, attempt, outcome, submit, launch, running, end, cpu_req, mem_req, cpu_billed,
            mem_billed, instance, billed, run, cost;
            launch_ok, running_ok, end_ok, instance_ok, cost_ok
        )
    }

    fn len(&self) -> usize {
        self.task_id.len()
    }

    /// Adds the rows, column by column (each column's loop has no
    /// per-row capacity check, and the compiler can unroll it).
    fn extend(&mut self, rs: &[TaskRecord]) {
        fn opt<T: Copy + Default>(
            rs: &[TaskRecord],
            get: impl Fn(&TaskRecord) -> Option<T>,
            values: &mut Vec<T>,
            ok: &mut Validity,
        ) {
            values.extend(rs.iter().map(|r| get(r).unwrap_or_default()));
            ok.extend(rs.iter().map(|r| get(r).is_some()));
        }
        self.task_id.extend(rs.iter().map(|r| r.task_id));
        self.attempt.extend(rs.iter().map(|r| r.attempt));
        self.outcome.extend(rs.iter().map(|r| r.outcome as u8));
        self.submit.extend(rs.iter().map(|r| secs(r.submit)));
        opt(
            rs,
            |r| r.launch.map(secs),
            &mut self.launch,
            &mut self.launch_ok,
        );
        opt(
            rs,
            |r| r.running.map(secs),
            &mut self.running,
            &mut self.running_ok,
        );
        opt(rs, |r| r.end.map(secs), &mut self.end, &mut self.end_ok);
        self.cpu_req
            .extend(rs.iter().map(|r| r.cpu_milli_requested));
        self.mem_req
            .extend(rs.iter().map(|r| r.memory_mib_requested));
        self.cpu_billed
            .extend(rs.iter().map(|r| r.cpu_milli_billed));
        self.mem_billed
            .extend(rs.iter().map(|r| r.memory_mib_billed));
        opt(
            rs,
            |r| r.instance,
            &mut self.instance,
            &mut self.instance_ok,
        );
        self.billed.extend(rs.iter().map(|r| secs(r.billed_span)));
        self.run.extend(rs.iter().map(|r| secs(r.run_span)));
        opt(rs, |r| r.cost.map(usd), &mut self.cost, &mut self.cost_ok);
    }

    /// The file's columns (in [`COLUMNS`] order), for rows of `platform`;
    /// with `code_sizes`, the vCPU and memory columns as dictionaries of
    /// their sizes (see [`size_codes`]) where they have few enough.
    fn values(self, platform: &str, code_sizes: bool) -> Vec<Values> {
        let n = self.len();
        let codes = |v: &[u32]| code_sizes.then(|| size_codes(v)).flatten();
        let vcpus = |milli: Vec<u32>| match codes(&milli) {
            Some((keys, sizes)) => Values::F64Coded(keys, sizes.into_iter().map(vcpu).collect()),
            None => Values::F64(milli.into_iter().map(vcpu).collect(), None),
        };
        let mibs = |mib: Vec<u32>| match codes(&mib) {
            Some((keys, sizes)) => Values::U32Coded(keys, sizes),
            None => Values::U32(mib, None),
        };
        vec![
            Values::Repeat(platform.to_string(), n),
            Values::U64(self.task_id),
            Values::U32(self.attempt, None),
            Values::Coded(self.outcome, &*OUTCOME_NAMES),
            Values::F64(self.submit, None),
            Values::F64(self.launch, Some(self.launch_ok)),
            Values::F64(self.running, Some(self.running_ok)),
            Values::F64(self.end, Some(self.end_ok)),
            vcpus(self.cpu_req),
            mibs(self.mem_req),
            vcpus(self.cpu_billed),
            mibs(self.mem_billed),
            Values::U32(self.instance, Some(self.instance_ok)),
            Values::F64(self.billed, None),
            Values::F64(self.run, None),
            Values::F64(self.cost, Some(self.cost_ok)),
        ]
    }
}

/// An empty table with the file's columns and types (its schema).
fn like() -> Result<Table, String> {
    let f = || Column::F64(vec![]);
    let u = || Column::U32(vec![]);
    Table::new(vec![
        ("platform", Column::Repeat(String::new(), 0)),
        ("task_id", Column::U64(vec![])),
        ("attempt", u()),
        ("outcome", Column::StaticStr(vec![])),
        ("submit_s", f()),
        ("launch_s", Column::OptF64(vec![])),
        ("running_s", Column::OptF64(vec![])),
        ("end_s", Column::OptF64(vec![])),
        ("cpu_vcpu_requested", f()),
        ("memory_mib_requested", u()),
        ("cpu_vcpu_billed", f()),
        ("memory_mib_billed", u()),
        ("instance", Column::OptU32(vec![])),
        ("billed_s", f()),
        ("run_s", f()),
        ("cost_usd", Column::OptF64(vec![])),
    ])
    .map_err(|e| e.to_string())
}

/// How `tasks.parquet` is written: integers and texts that repeat
/// (attempts, memory sizes, instances, outcomes, the platform) as
/// dictionaries, wherever they pay (the vCPU and memory sizes coded by
/// `Cols::values`, except with Snappy), times and amounts as they are; then
/// each column compressed as `compression` says. With
/// [`TaskRecordsCompression::Snappy`] the file is the same bytes polars'
/// own writer made before (`ParquetBatches`, Snappy).
fn file_options(compression: TaskRecordsCompression) -> ColumnsOptions {
    use Compression as Z;
    use Encode::{Delta, Dictionary as D, Plain as P};
    use TaskRecordsCompression as C;
    // COLUMNS' order.
    let encodings = [D, P, D, D, P, P, P, P, P, D, P, D, D, P, P, P];
    let all = |z| encodings.iter().map(|e| (*e, z)).collect();
    let columns = match compression {
        C::Snappy => all(Z::Snappy),
        C::Lz4 => all(Z::Lz4Raw),
        C::Zstd => all(Z::ZstdLevel(1)),
        C::None => all(Z::Uncompressed),
        // Snappy gains a third or less on the times and amounts (their
        // low digits do not repeat) for most of its CPU time; the billed
        // seconds and the small columns shrink three to five times. The
        // vCPU and memory columns are dictionaries here (`Cols::values`).
        C::Light => encodings
            .iter()
            .enumerate()
            .map(|(i, e)| match COLUMNS[i].0 {
                // Snappy made the differences larger (2,093,833 bytes
                // against 2,093,650 for the peers' 1 M rows).
                "task_id" => (Delta, Z::Uncompressed),
                "submit_s" | "launch_s" | "running_s" | "end_s" | "run_s" | "cost_usd" => {
                    (*e, Z::Uncompressed)
                }
                _ => (*e, Z::Snappy),
            })
            .collect(),
    };
    ColumnsOptions {
        statistics: true,
        columns,
    }
}

/// Reads `tasks.parquet` (for tests and `report`).
pub fn read(path: &Path) -> Result<Table, Error> {
    Table::read_parquet(path).map_err(|e| Error::BadInput(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::Money;

    fn interrupted() -> TaskRecord {
        TaskRecord {
            task_id: 7,
            attempt: 1,
            submit: 1_500_000,
            launch: Some(2_000_000),
            instance: None,
            running: Some(30_000_000),
            end: Some(90_000_000),
            cpu_milli_requested: 250,
            memory_mib_requested: 300,
            cpu_milli_billed: 250,
            memory_mib_billed: 512,
            billed_span: 61_000_000,
            run_span: 60_000_000,
            cost: Some(Money(1_234_000_000_000_000)),
            outcome: Outcome::Interrupted,
        }
    }

    fn unschedulable(id: u64) -> TaskRecord {
        TaskRecord::not_launched(
            &crate::workload::Task {
                id,
                submit: 5,
                duration: 1,
                cpu_milli: 64_000,
                memory_mib: 1,
                storage_gib: 0,
                label: None,
                group: None,
                usage: None,
            },
            0,
            (0, 0),
            Outcome::Unschedulable,
        )
    }

    #[test]
    fn records_are_written_as_the_run_goes() {
        let dir = tempfile::tempdir().unwrap();
        let records = TaskRecords::start(dir.path(), &["fg"]).unwrap();
        let mut sink = records.sink(0).unwrap();
        // One sink a platform.
        assert!(records.sink(0).is_none());
        assert!(records.sink(1).is_none());
        sink.record(&interrupted());
        sink.record(&unschedulable(8));
        drop(sink);
        assert_eq!(records.finish().unwrap(), 2);
        let t = read(&dir.path().join("tasks.parquet")).unwrap();
        assert_eq!(t.height(), 2);
        let outcome = t.strs("outcome").unwrap();
        assert_eq!(outcome[0].as_deref(), Some("interrupted"));
        assert_eq!(t.strs("platform").unwrap()[1].as_deref(), Some("fg"));
        let cost = t.f64s("cost_usd").unwrap();
        assert_eq!(cost, vec![Some(0.001234), None]);
        let billed = t.f64s("billed_s").unwrap();
        assert_eq!(billed[0], Some(61.0));
        assert_eq!(t.f64s("launch_s").unwrap(), vec![Some(2.0), None]);
        assert_eq!(t.f64s("cpu_vcpu_requested").unwrap()[0], Some(0.25));
        drop(records);
        // Only tasks.parquet remains: no temporary file, no spool.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Once every platform's sink is gone the writer finishes the file on
    /// its own (its flush to disk beside the rest of the run), before
    /// `finish` asks; under its temporary name until then. The second
    /// platform's rows, spooled while the first wrote, follow the first's.
    #[test]
    fn the_file_is_finished_once_every_sink_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let records = TaskRecords::start(dir.path(), &["a", "b"]).unwrap();
        let (mut a, mut b) = (records.sink(0).unwrap(), records.sink(1).unwrap());
        b.record(&unschedulable(3));
        drop(b);
        a.record(&interrupted());
        drop(a);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let finished = || {
            records
                .thread
                .lock()
                .unwrap()
                .as_ref()
                .is_some_and(|t| t.is_finished())
        };
        while !finished() {
            assert!(
                std::time::Instant::now() < deadline,
                "the writer waits for `finish` though every sink is gone"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!dir.path().join("tasks.parquet").exists());
        assert_eq!(records.finish().unwrap(), 2);
        let t = read(&dir.path().join("tasks.parquet")).unwrap();
        let platforms = t.strs("platform").unwrap();
        assert_eq!(platforms, vec![Some("a".into()), Some("b".into())]);
        assert_eq!(t.u64s("task_id").unwrap(), vec![7, 3]);
    }

    #[test]
    fn a_spooled_record_reads_back_the_same() {
        let mut b = [0u8; RECORD];
        for r in [
            interrupted(),
            unschedulable(u64::MAX - 1),
            TaskRecord {
                instance: Some(41),
                launch: None,
                // More than 2^64 atto-dollars: both halves of the u128.
                cost: Some(Money(123_456_789_012_345_678_901_234)),
                outcome: Outcome::OomKilled,
                ..interrupted()
            },
        ] {
            encode(&r, &mut b);
            assert_eq!(decode(&b).unwrap(), r);
        }
        b[12] = 6;
        assert_eq!(decode(&b).unwrap_err(), "corrupt spool record (outcome 6)");
    }

    /// Records copied with streaming stores read back as they were, into
    /// room and past it.
    #[test]
    fn streamed_records_read_back_the_same() {
        let mut big = interrupted();
        big.cost = Some(crate::pricing::Money(u128::MAX - 7));
        big.task_id = u64::MAX;
        let records = [
            interrupted(),
            unschedulable(3),
            big,
            unschedulable(u64::MAX),
        ];
        let mut rows = Vec::with_capacity(3);
        for r in &records {
            push_streamed(&mut rows, r);
        }
        assert_eq!(rows, records);
    }

    #[test]
    fn sizes_are_coded_in_the_order_first_seen() {
        let (keys, sizes) = size_codes(&[500, 500, 250, 4_000, 250, 500, 16_000]).unwrap();
        assert_eq!(keys, vec![0, 0, 1, 2, 1, 0, 3]);
        assert_eq!(sizes, vec![500, 250, 4_000, 16_000]);
        assert_eq!(size_codes(&[]), Some((vec![], vec![])));
        // Sizes that share a slot of the table keep their own codes; one
        // size past SIZES leaves the column plain.
        let many: Vec<u32> = (0..SIZES as u32).map(|i| i * 1_024).collect();
        let (keys, sizes) = size_codes(&many).unwrap();
        assert_eq!(keys, (0..SIZES as u32).collect::<Vec<_>>());
        assert_eq!(sizes, many);
        let again: Vec<u32> = many.iter().rev().copied().collect();
        let (keys, _) = size_codes(&[many.clone(), again].concat()).unwrap();
        assert_eq!(keys[SIZES], SIZES as u32 - 1);
        assert_eq!(size_codes(&[many, vec![7]].concat()), None);
    }

    #[test]
    fn usd_is_money_usd_to_the_bit() {
        let mut v: u128 = 1;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for m in [
                v,
                x as u128,
                (x >> (x % 64)) as u128,
                u64::MAX as u128,
                (u64::MAX as u128) + 1,
            ] {
                assert_eq!(usd(Money(m)).to_bits(), Money(m).usd().to_bits(), "{m}");
            }
            v = v.wrapping_mul(3).wrapping_add(x as u128);
        }
        assert_eq!(usd(Money(1_234_000_000_000_000)), 0.001234);
    }

    /// Platforms finish in any order; the file holds them in scenario order,
    /// each platform's rows in the order recorded, also across batches that
    /// waited in a spool.
    #[test]
    fn platforms_keep_scenario_order_whatever_finishes_first() {
        let dir = tempfile::tempdir().unwrap();
        let records = TaskRecords::start(dir.path(), &["a", "b", "c"]).unwrap();
        let (mut a, mut b, mut c) = (
            records.sink(0).unwrap(),
            records.sink(1).unwrap(),
            records.sink(2).unwrap(),
        );
        let n = BATCH as u64 + 10;
        for i in 0..n {
            c.record(&unschedulable(2_000_000 + i));
            b.record(&unschedulable(1_000_000 + i));
            if i % 10_000 == 0 {
                a.record(&unschedulable(i));
            }
        }
        drop(c);
        drop(b);
        drop(a);
        assert_eq!(records.finish().unwrap(), 2 * n + 7);
        let t = read(&dir.path().join("tasks.parquet")).unwrap();
        let ids = t.u64s("task_id").unwrap();
        let platforms: Vec<String> = t
            .strs("platform")
            .unwrap()
            .into_iter()
            .map(Option::unwrap)
            .collect();
        let want: Vec<u64> = (0..7)
            .map(|i| i * 10_000)
            .chain((0..n).map(|i| 1_000_000 + i))
            .chain((0..n).map(|i| 2_000_000 + i))
            .collect();
        assert_eq!(ids, want);
        assert_eq!(platforms[6], "a");
        assert_eq!(platforms[7], "b");
        assert_eq!(platforms[7 + n as usize], "c");
        drop(records);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn no_records_still_write_the_columns() {
        let dir = tempfile::tempdir().unwrap();
        let records = TaskRecords::start(dir.path(), &["a", "b"]).unwrap();
        drop(records.sink(1));
        assert_eq!(records.finish().unwrap(), 0);
        let t = read(&dir.path().join("tasks.parquet")).unwrap();
        assert_eq!(t.height(), 0);
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(t.names(), names);
    }

    /// The columns as polars' own writer took them before issue 24's fourth
    /// round (a frame of `Option` columns, `ParquetBatches`, Snappy).
    fn old_table(platform: &str, rs: &[TaskRecord]) -> Table {
        let f = |g: fn(&TaskRecord) -> f64| Column::from(rs.iter().map(g).collect::<Vec<f64>>());
        let o = |g: fn(&TaskRecord) -> Option<f64>| {
            Column::from(rs.iter().map(g).collect::<Vec<Option<f64>>>())
        };
        let u = |g: fn(&TaskRecord) -> u32| Column::from(rs.iter().map(g).collect::<Vec<u32>>());
        Table::new(vec![
            ("platform", Column::Repeat(platform.into(), rs.len())),
            (
                "task_id",
                rs.iter().map(|r| r.task_id).collect::<Vec<u64>>().into(),
            ),
            ("attempt", u(|r| r.attempt)),
            (
                "outcome",
                rs.iter()
                    .map(|r| r.outcome.as_str())
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ("submit_s", f(|r| secs(r.submit))),
            ("launch_s", o(|r| r.launch.map(secs))),
            ("running_s", o(|r| r.running.map(secs))),
            ("end_s", o(|r| r.end.map(secs))),
            (
                "cpu_vcpu_requested",
                f(|r| r.cpu_milli_requested as f64 / 1000.0),
            ),
            ("memory_mib_requested", u(|r| r.memory_mib_requested)),
            ("cpu_vcpu_billed", f(|r| r.cpu_milli_billed as f64 / 1000.0)),
            ("memory_mib_billed", u(|r| r.memory_mib_billed)),
            (
                "instance",
                rs.iter().map(|r| r.instance).collect::<Vec<_>>().into(),
            ),
            ("billed_s", f(|r| secs(r.billed_span))),
            ("run_s", f(|r| secs(r.run_span))),
            ("cost_usd", o(|r| r.cost.map(usd))),
        ])
        .unwrap()
    }

    /// Rows of every kind, in a row group and a half.
    fn mixed(n: u64) -> Vec<TaskRecord> {
        (0..n)
            .map(|i| match i % 5 {
                0 => unschedulable(i),
                1 => TaskRecord {
                    task_id: i,
                    instance: Some((i % 97) as u32),
                    cost: Some(Money(i as u128 * 7_919_000_000_000)),
                    submit: i * 1_000_003,
                    run_span: i * 333,
                    outcome: Outcome::Completed,
                    ..interrupted()
                },
                _ => TaskRecord {
                    task_id: i,
                    submit: i * 999_983,
                    end: Some(i * 1_000_000 + 17),
                    cpu_milli_requested: 250 << (i % 4),
                    ..interrupted()
                },
            })
            .collect()
    }

    /// With `task_records_compression = "snappy"` the file is the same
    /// bytes as polars' writer made from the same rows.
    #[test]
    fn snappy_writes_the_bytes_polars_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let rows = mixed(BATCH as u64 + 4_464);
        let records =
            TaskRecords::start_with(dir.path(), &["a", "b"], TaskRecordsCompression::Snappy)
                .unwrap();
        let (mut a, mut b) = (records.sink(0).unwrap(), records.sink(1).unwrap());
        for r in &rows {
            a.record(r);
            b.record(r);
        }
        drop((a, b));
        assert_eq!(records.finish().unwrap(), 2 * rows.len() as u64);
        let old = dir.path().join("old.parquet");
        let mut out = std::fs::File::create(&old).unwrap();
        let mut w = crate::io::table::ParquetBatches::on_this_thread(
            &mut out,
            &like().unwrap(),
            Compression::Snappy,
        )
        .unwrap();
        for p in ["a", "b"] {
            for chunk in rows.chunks(BATCH) {
                w.write(&old_table(p, chunk)).unwrap();
            }
        }
        w.finish().unwrap();
        drop(out);
        let new = std::fs::read(dir.path().join("tasks.parquet")).unwrap();
        assert_eq!(new.len(), std::fs::metadata(&old).unwrap().len() as usize);
        assert!(new == std::fs::read(&old).unwrap());
    }

    /// A failed run drops its records unfinished: the writer stops (a sink
    /// still alive finds it gone) and nothing is left behind.
    #[test]
    fn an_abandoned_run_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let records = TaskRecords::start(dir.path(), &["a", "b"]).unwrap();
        let mut a = records.sink(0).unwrap();
        let mut b = records.sink(1).unwrap();
        for i in 0..(BATCH as u64 + 5) {
            b.record(&unschedulable(i));
        }
        drop(b);
        drop(records);
        for i in 0..(2 * BATCH as u64) {
            a.record(&unschedulable(i));
        }
        drop(a);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
