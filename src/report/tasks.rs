//! `tasks.parquet`: one row per attempt of each task on each platform.
//!
//! Platforms run on their own threads, so each first writes its records to a
//! spool file of fixed-size binary records as it goes (memory stays flat
//! however many tasks there are). When the run is over, the spools are read
//! back in batches, platform by platform in scenario order, and written as
//! Parquet row groups to a temporary name that is renamed at the end. The
//! file is the same bytes for the same seed, whatever the thread timing.

use crate::Error;
use crate::io::files::write_atomic_with;
use crate::io::table::{Compression, ParquetBatches, Table};
use crate::platform::{Outcome, RecordSink, TaskRecord};
use crate::time::SimTime;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
/// Records per Parquet row group.
const BATCH: usize = 64 * 1024;

/// Shared state of one platform's spool: where it is, how many records, and
/// the first write error (a sink cannot return one).
#[derive(Debug)]
pub struct SpoolHandle {
    pub platform: String,
    pub path: PathBuf,
    state: Mutex<(u64, Option<String>)>,
}

impl SpoolHandle {
    pub fn records(&self) -> u64 {
        self.state.lock().map(|s| s.0).unwrap_or(0)
    }
}

/// A [`RecordSink`] that appends records to a spool file.
pub struct TaskSpool {
    out: BufWriter<std::fs::File>,
    handle: Arc<SpoolHandle>,
    count: u64,
    error: Option<String>,
}

impl TaskSpool {
    /// Creates the spool for `platform` (number `index` in the scenario) in `dir`.
    pub fn create(
        dir: &Path,
        index: usize,
        platform: &str,
    ) -> Result<(TaskSpool, Arc<SpoolHandle>), Error> {
        let path = dir.join(format!(".tasks-{index}.spool-{}", std::process::id()));
        let file = std::fs::File::create(&path).map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        let handle = Arc::new(SpoolHandle {
            platform: platform.to_string(),
            path,
            state: Mutex::new((0, None)),
        });
        Ok((
            TaskSpool {
                out: BufWriter::with_capacity(1 << 20, file),
                handle: handle.clone(),
                count: 0,
                error: None,
            },
            handle,
        ))
    }
}

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

const OUTCOMES: [Outcome; 6] = [
    Outcome::Completed,
    Outcome::Interrupted,
    Outcome::Unschedulable,
    Outcome::RunningAtEnd,
    Outcome::WaitingAtEnd,
    Outcome::OomKilled,
];

impl RecordSink for TaskSpool {
    fn record(&mut self, record: &TaskRecord) {
        if self.error.is_some() {
            return;
        }
        let mut b = [0u8; RECORD];
        encode(record, &mut b);
        match self.out.write_all(&b) {
            Ok(()) => self.count += 1,
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}

impl Drop for TaskSpool {
    fn drop(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e.to_string());
        }
        if let Ok(mut s) = self.handle.state.lock() {
            *s = (self.count, self.error.take());
        }
    }
}

/// Columns of one batch being decoded.
#[derive(Default)]
struct Batch {
    platform: Vec<String>,
    task_id: Vec<u64>,
    attempt: Vec<u32>,
    outcome: Vec<&'static str>,
    submit: Vec<f64>,
    launch: Vec<Option<f64>>,
    running: Vec<Option<f64>>,
    end: Vec<Option<f64>>,
    cpu_req: Vec<f64>,
    mem_req: Vec<u32>,
    cpu_billed: Vec<f64>,
    mem_billed: Vec<u32>,
    instance: Vec<Option<u32>>,
    billed: Vec<f64>,
    run: Vec<f64>,
    cost: Vec<Option<f64>>,
}

impl Batch {
    fn push(&mut self, platform: &str, b: &[u8]) -> Result<(), String> {
        let mut at = 0;
        let mut take = |n: usize| {
            let s = &b[at..at + n];
            at += n;
            s
        };
        let u64_ = |s: &[u8]| u64::from_le_bytes(s.try_into().expect("8 bytes"));
        let u32_ = |s: &[u8]| u32::from_le_bytes(s.try_into().expect("4 bytes"));
        let secs = |v: u64| (v != NONE64).then(|| v as f64 / 1e6);
        self.platform.push(platform.to_string());
        self.task_id.push(u64_(take(8)));
        self.attempt.push(u32_(take(4)));
        let o = take(1)[0] as usize;
        let outcome = OUTCOMES
            .get(o)
            .ok_or_else(|| format!("corrupt spool record (outcome {o})"))?;
        self.outcome.push(outcome.as_str());
        self.submit.push(u64_(take(8)) as f64 / 1e6);
        self.launch.push(secs(u64_(take(8))));
        self.running.push(secs(u64_(take(8))));
        self.end.push(secs(u64_(take(8))));
        self.cpu_req.push(u32_(take(4)) as f64 / 1000.0);
        self.mem_req.push(u32_(take(4)));
        self.cpu_billed.push(u32_(take(4)) as f64 / 1000.0);
        self.mem_billed.push(u32_(take(4)));
        let inst = u32_(take(4));
        self.instance.push((inst != NONE32).then_some(inst));
        self.billed.push(u64_(take(8)) as f64 / 1e6);
        self.run.push(u64_(take(8)) as f64 / 1e6);
        let cost = u128::from_le_bytes(take(16).try_into().expect("16 bytes"));
        self.cost
            .push((cost != u128::MAX).then(|| crate::pricing::Money(cost).usd()));
        Ok(())
    }

    fn table(self) -> Result<Table, String> {
        Table::new(vec![
            ("platform", self.platform.into()),
            ("task_id", self.task_id.into()),
            ("attempt", self.attempt.into()),
            ("outcome", self.outcome.into()),
            ("submit_s", self.submit.into()),
            ("launch_s", self.launch.into()),
            ("running_s", self.running.into()),
            ("end_s", self.end.into()),
            ("cpu_vcpu_requested", self.cpu_req.into()),
            ("memory_mib_requested", self.mem_req.into()),
            ("cpu_vcpu_billed", self.cpu_billed.into()),
            ("memory_mib_billed", self.mem_billed.into()),
            ("instance", self.instance.into()),
            ("billed_s", self.billed.into()),
            ("run_s", self.run.into()),
            ("cost_usd", self.cost.into()),
        ])
        .map_err(|e| e.to_string())
    }
}

/// Writes `tasks.parquet` in `dir` from the platforms' spools (in scenario
/// order) and removes the spools. Returns the number of rows.
pub fn assemble(dir: &Path, spools: &[Arc<SpoolHandle>]) -> Result<u64, Error> {
    for s in spools {
        let state = s
            .state
            .lock()
            .map_err(|_| Error::Internal("spool lock".into()))?;
        if let Some(e) = &state.1 {
            return Err(Error::Output {
                path: s.path.clone(),
                source: std::io::Error::other(format!("writing task records: {e}")),
            });
        }
    }
    let mut rows = 0u64;
    let result = write_atomic_with(&dir.join("tasks.parquet"), |f| {
        let mut writer: Option<ParquetBatches<&mut std::fs::File>> = None;
        let mut f = Some(f);
        for spool in spools {
            let file = std::fs::File::open(&spool.path)
                .map_err(|e| format!("{}: {e}", spool.path.display()))?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut left = spool.records();
            let mut buf = [0u8; RECORD];
            while left > 0 {
                let mut batch = Batch::default();
                let n = (left as usize).min(BATCH);
                for _ in 0..n {
                    reader
                        .read_exact(&mut buf)
                        .map_err(|e| format!("{}: {e}", spool.path.display()))?;
                    batch.push(&spool.platform, &buf)?;
                }
                left -= n as u64;
                rows += n as u64;
                let table = batch.table()?;
                if writer.is_none() {
                    let out = f.take().expect("one writer");
                    writer = Some(
                        ParquetBatches::new(out, &table, TASKS_COMPRESSION)
                            .map_err(|e| e.to_string())?,
                    );
                }
                writer
                    .as_mut()
                    .expect("created above")
                    .write(&table)
                    .map_err(|e| e.to_string())?;
            }
        }
        match writer {
            Some(w) => w.finish().map_err(|e| e.to_string()),
            None => {
                // No records at all: still write a file with the columns.
                let mut table = Batch::default().table()?;
                let out = f.take().expect("unused");
                table
                    .write_parquet(out, TASKS_COMPRESSION)
                    .map_err(|e| e.to_string())
            }
        }
    });
    remove_spools(spools);
    result.map(|_| rows).map_err(Error::from)
}

/// `tasks.parquet` is the largest file a run writes (a row per attempt).
/// Snappy, which every Parquet reader supports, writes it in 0.37 s instead
/// of zstd's 0.60 s for 1 M tasks, at 54 MB instead of 41 MB
/// (`cargo bench --bench reports`).
const TASKS_COMPRESSION: Compression = Compression::Snappy;

/// Deletes spool files (after assembly, or when a run fails).
pub fn remove_spools(spools: &[Arc<SpoolHandle>]) {
    for s in spools {
        let _ = std::fs::remove_file(&s.path);
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

    #[test]
    fn records_round_trip_through_a_spool() {
        let dir = tempfile::tempdir().unwrap();
        let (mut spool, handle) = TaskSpool::create(dir.path(), 0, "fg").unwrap();
        let r = TaskRecord {
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
        };
        spool.record(&r);
        spool.record(&TaskRecord::not_launched(
            &crate::workload::Task {
                id: 8,
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
        ));
        drop(spool);
        assert_eq!(handle.records(), 2);
        assert_eq!(assemble(dir.path(), &[handle]).unwrap(), 2);
        let t = read(&dir.path().join("tasks.parquet")).unwrap();
        assert_eq!(t.height(), 2);
        let outcome = t.strs("outcome").unwrap();
        assert_eq!(outcome[0].as_deref(), Some("interrupted"));
        let cost = t.f64s("cost_usd").unwrap();
        assert_eq!(cost, vec![Some(0.001234), None]);
        let billed = t.f64s("billed_s").unwrap();
        assert_eq!(billed[0], Some(61.0));
        // Only tasks.parquet remains: the spool is gone.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
