//! The native trace format, read as a stream.
//!
//! Columns (header required, any order, extra columns ignored with a note):
//! `task_id, submit_s, duration_s, cpu_vcpu, memory_mib`, optional
//! `storage_gib`, `group` and the task's usage (`cpu_avg`, `cpu_max` in
//! vCPU, `memory_avg_mib`, `memory_max_mib`). CSV (optionally `.gz`) or Parquet. Rows must be
//! in submit order; the reader checks it as it goes and never loads the whole
//! file (Parquet is read in chunks of rows). The writers of the format
//! (`trace convert`, tests, benchmarks) are here too.

pub(crate) use super::native_rows::{RawRow, RowChecker, Values};
use super::native_rows::{null_number, show_number};
use super::task::{Task, TaskStream, WorkloadError};
use crate::io::csv::{quote, split_csv, split_csv_ranges};
use crate::io::lines::ByteLines;
use crate::io::table::{self, Compression, ParquetBatches, ParquetFile, Table};
use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Columns the native format requires, in the order they are documented.
pub const REQUIRED: [&str; 5] = [
    "task_id",
    "submit_s",
    "duration_s",
    "cpu_vcpu",
    "memory_mib",
];
/// Columns it also understands.
pub const OPTIONAL: [&str; 6] = [
    "storage_gib",
    "group",
    "cpu_avg",
    "cpu_max",
    "memory_avg_mib",
    "memory_max_mib",
];
/// Known columns: required, then optional.
const KNOWN: usize = 11;
/// The usage columns' positions among the known ones.
const USAGE: std::ops::RangeInclusive<usize> = 7..=10;

/// What was learnt from a trace's header.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceInfo {
    /// Things the user should know (ignored columns).
    pub notes: Vec<String>,
}

/// Opens a native trace, CSV or Parquet by its extension.
pub fn open(path: &Path) -> Result<(TraceInfo, TaskStream), WorkloadError> {
    if super::text::is_parquet(path)? {
        open_parquet(
            path,
            super::formats::adapter::OnBadRow::Error,
            true,
            super::formats::adapter::SkipCounter::default(),
        )
    } else {
        open_csv(path)
    }
}

/// Where each known column sits in a header, and the notes about the rest.
#[derive(Clone)]
pub(crate) struct ColumnMap {
    pub index: [Option<usize>; KNOWN],
    pub width: usize,
    pub notes: Vec<String>,
}

impl ColumnMap {
    pub fn from_header(path: &Path, header: &[&str]) -> Result<ColumnMap, WorkloadError> {
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let find = |col: &str| names.iter().position(|n| n == col);
        let mut index = [None; KNOWN];
        for (i, col) in REQUIRED.iter().enumerate() {
            index[i] = Some(find(col).ok_or_else(|| WorkloadError::MissingColumn {
                path: path.to_path_buf(),
                column: col,
                found: names.join(", "),
            })?);
        }
        for (i, col) in OPTIONAL.iter().enumerate() {
            index[REQUIRED.len() + i] = find(col);
        }
        let extra: Vec<&str> = names
            .iter()
            .filter(|n| !REQUIRED.contains(&n.as_str()) && !OPTIONAL.contains(&n.as_str()))
            .map(|s| s.as_str())
            .collect();
        let mut notes = Vec::new();
        if !extra.is_empty() {
            notes.push(format!(
                "{}: ignored column(s) not in the native format: {}",
                path.display(),
                extra.join(", ")
            ));
        }
        Ok(ColumnMap {
            index,
            width: names.len(),
            notes,
        })
    }
}

/// A line that is not UTF-8, reported as `BufRead::read_line` reports it.
fn not_utf8() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

fn open_csv(path: &Path) -> Result<(TraceInfo, TaskStream), WorkloadError> {
    let io = |source| WorkloadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let raw: Box<dyn Read + Send> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut lines = ByteLines::new(raw);
    let header = match lines.next_line().map_err(io)? {
        Some(h) => std::str::from_utf8(h).map_err(|_| io(not_utf8()))?,
        None => "",
    };
    let header_line = header.trim_end_matches(['\r', '\n']);
    let fields = split_csv(header_line);
    let map = ColumnMap::from_header(path, &fields)?;
    let info = TraceInfo {
        notes: map.notes.clone(),
    };
    Ok((
        info,
        Box::new(CsvRows {
            lines,
            map,
            checker: RowChecker::new(path),
            line: 1,
            fields: Vec::with_capacity(8),
            failed: false,
        }),
    ))
}

/// The rows of a native CSV trace: lines borrowed from a block of bytes,
/// fields as ranges of the line, plain numbers parsed without the general
/// parser; nothing is allocated per row (a task id of up to 22 bytes is
/// kept in the task).
struct CsvRows {
    lines: ByteLines,
    map: ColumnMap,
    checker: RowChecker,
    line: u64,
    /// The fields of the current line, as byte ranges of it.
    fields: Vec<(usize, usize)>,
    failed: bool,
}

impl crate::workload::TaskSource for CsvRows {}

impl Iterator for CsvRows {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            self.line += 1;
            let bytes = match self.lines.next_line() {
                Ok(None) => return None,
                Ok(Some(b)) => b,
                Err(source) => {
                    self.failed = true;
                    return Some(Err(WorkloadError::Io {
                        path: self.checker.path.clone(),
                        source,
                    }));
                }
            };
            let Ok(text) = std::str::from_utf8(bytes) else {
                self.failed = true;
                return Some(Err(WorkloadError::Io {
                    path: self.checker.path.clone(),
                    source: not_utf8(),
                }));
            };
            let text = text.trim_end_matches(['\r', '\n']);
            if text.trim().is_empty() {
                continue;
            }
            split_csv_ranges(text, &mut self.fields);
            if self.fields.len() < self.map.width {
                self.failed = true;
                return Some(Err(WorkloadError::ShortRow {
                    path: self.checker.path.clone(),
                    line: self.line,
                    found: self.fields.len(),
                    expected: self.map.width,
                }));
            }
            let fields = &self.fields;
            let get = |i: usize| {
                self.map.index[i].map_or("", |c| {
                    let (s, e) = fields[c];
                    &text[s..e]
                })
            };
            let row = RawRow {
                task_id: get(0),
                submit_s: get(1),
                duration_s: get(2),
                cpu_vcpu: get(3),
                memory_mib: get(4),
                storage_gib: get(5),
                group: get(6),
                usage: [get(7), get(8), get(9), get(10)],
            };
            let result = self.checker.check(self.line, &row);
            self.failed = result.is_err();
            return Some(result);
        }
    }
}

/// Rows read (and written) per chunk of a Parquet trace: bounded memory
/// whatever the file's size.
const CHUNK_ROWS: usize = 64 * 1024;

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> WorkloadError {
    WorkloadError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn read_err(path: &Path, e: table::ReadError) -> WorkloadError {
    match e {
        table::ReadError::Open(source) => WorkloadError::Io {
            path: path.to_path_buf(),
            source,
        },
        table::ReadError::Table(e) => parquet_err(path, e),
    }
}

/// Opens a native Parquet trace and streams it chunk by chunk.
pub fn open_parquet(
    path: &Path,
    on_bad_row: super::formats::adapter::OnBadRow,
    check_order: bool,
    skipped: super::formats::adapter::SkipCounter,
) -> Result<(TraceInfo, TaskStream), WorkloadError> {
    let file = ParquetFile::open(path).map_err(|e| read_err(path, e))?;
    let names = file.names().to_vec();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let map = ColumnMap::from_header(path, &name_refs)?;
    let wanted: Vec<String> = map
        .index
        .iter()
        .flatten()
        .map(|i| names[*i].clone())
        .collect();
    // The optional columns a chunk may skip where they are all null: the
    // group, and storage and usage when they hold numbers (a column of
    // text there decides how the chunk is read, so it is always read).
    let skippable: Vec<String> = (5..KNOWN)
        .filter_map(|k| map.index[k].map(|i| (k, &names[i])))
        .filter(|(k, n)| *k == 6 || file.is_numeric(n))
        .map(|(_, n)| n.clone())
        .collect();
    let info = TraceInfo {
        notes: map.notes.clone(),
    };
    let stream = ParquetRows {
        path: path.to_path_buf(),
        rows: file.rows(),
        source: Chunks::Idle(file, wanted, skippable),
        present: map.index.map(|i| i.map(|c| names[c].clone())),
        offset: 0,
        tasks: VecDeque::new(),
        error: None,
        chunk: Vec::new().into_iter(),
        checker: {
            let mut c = RowChecker::new(path);
            c.check_order = check_order;
            c
        },
        failed: false,
        skip: (on_bad_row == super::formats::adapter::OnBadRow::Skip).then_some(skipped),
    };
    Ok((info, Box::new(stream)))
}

/// Where a Parquet trace's decoded chunks come from: nothing yet (the
/// decoder starts at the first row asked for, so a stream opened and
/// dropped decodes nothing), then a thread that decodes the next chunk
/// while the rows of this one are read (issue 24).
enum Chunks {
    /// The file, the columns to read, and those that may be skipped where
    /// they are all null.
    Idle(ParquetFile, Vec<String>, Vec<String>),
    Decoder(Receiver<Result<(Table, usize), WorkloadError>>),
    Gone,
}

/// Chunks decoded ahead of the one being read: with one in the channel and
/// one being decoded, at most three chunks' columns are in memory.
const DECODED_AHEAD: usize = 1;

/// The chunks to read, in order: (first row, rows, the row group holding
/// them). Chunks of at most `CHUNK_ROWS` rows within each row group; when
/// the row groups do not add up to the file's rows, plain slices with no
/// group.
fn chunk_plan(file: &ParquetFile) -> Vec<(usize, usize, Option<usize>)> {
    let rows = file.rows();
    let groups = file.row_group_rows();
    let mut plan = Vec::new();
    if groups.iter().sum::<usize>() == rows {
        let mut start = 0;
        for (g, n) in groups.into_iter().enumerate() {
            let mut at = 0;
            while at < n {
                let len = CHUNK_ROWS.min(n - at);
                plan.push((start + at, len, Some(g)));
                at += len;
            }
            start += n;
        }
    } else {
        let mut at = 0;
        while at < rows {
            let len = CHUNK_ROWS.min(rows - at);
            plan.push((at, len, None));
            at += len;
        }
    }
    plan
}

/// The decoder thread: reads the file's chunks in order (decoding them
/// here, not on polars' threads: this thread is the one that runs ahead of
/// the rows) and sends each one with its number of rows (or the error that stops it); ends at the end,
/// at an error, or when the stream is dropped. A column of `skippable`
/// that the file's statistics say is all null in a chunk's row group is
/// not read there: the rows read it as absent, which for those columns (an
/// optional number, the group) is what a null gives.
fn decode_chunks(
    file: ParquetFile,
    wanted: Vec<String>,
    skippable: Vec<String>,
    path: PathBuf,
    tx: SyncSender<Result<(Table, usize), WorkloadError>>,
) {
    crate::io::priority::lower_this_thread();
    for (offset, len, group) in chunk_plan(&file) {
        let columns: Vec<String> = wanted
            .iter()
            .filter(|n| !group.is_some_and(|g| skippable.contains(n) && file.all_null(g, n)))
            .cloned()
            .collect();
        let chunk = file
            .read_on_this_thread(&columns, offset, len)
            .map(|t| (t, len))
            .map_err(|e| read_err(&path, e));
        let failed = chunk.is_err();
        if tx.send(chunk).is_err() || failed {
            return;
        }
    }
}

struct ParquetRows {
    path: PathBuf,
    source: Chunks,
    /// Column names for the known fields, in `ColumnMap` order.
    present: [Option<String>; KNOWN],
    rows: usize,
    offset: usize,
    /// The chunk's tasks not yet handed over (the queue is reused).
    tasks: VecDeque<Task>,
    /// The error that stopped the chunk, after its tasks.
    error: Option<WorkloadError>,
    /// A chunk read by the general path (numbers stored as text, ids of
    /// numbers).
    chunk: std::vec::IntoIter<Result<Task, WorkloadError>>,
    checker: RowChecker,
    failed: bool,
    /// Skip bad rows and count them here (else stop at the first).
    skip: Option<super::formats::adapter::SkipCounter>,
}

impl ParquetRows {
    /// The next decoded chunk, from the decoder thread (started here the
    /// first time).
    fn next_table(&mut self) -> Result<(Table, usize), WorkloadError> {
        if let Chunks::Idle(..) = self.source
            && let Chunks::Idle(file, wanted, skippable) =
                std::mem::replace(&mut self.source, Chunks::Gone)
        {
            let (tx, rx) = sync_channel(DECODED_AHEAD);
            let path = self.path.clone();
            std::thread::Builder::new()
                .name("parquet decoder".into())
                .spawn(move || decode_chunks(file, wanted, skippable, path, tx))
                .map_err(|source| WorkloadError::Io {
                    path: self.path.clone(),
                    source,
                })?;
            self.source = Chunks::Decoder(rx);
        }
        match &self.source {
            Chunks::Decoder(rx) => rx.recv().map_err(|_| {
                parquet_err(
                    &self.path,
                    "the decoder thread stopped before the file's end",
                )
            })?,
            _ => Err(parquet_err(
                &self.path,
                "the decoder thread could not be started",
            )),
        }
    }

    /// Reads the next chunk: its tasks into `tasks` (and the error that
    /// stopped it into `error`) when its columns are typed, else into
    /// `chunk` through the general path.
    fn read_next(&mut self) -> Result<(), WorkloadError> {
        let (df, len) = self.next_table()?;
        let typed = super::native_parquet::TypedChunk::new(&df, &self.present)
            .map_err(|e| parquet_err(&self.path, e))?;
        if let Some(typed) = typed {
            self.error = super::native_parquet::read_rows(
                &typed,
                len,
                self.offset,
                &mut self.checker,
                super::native_parquet::Sink {
                    tasks: &mut self.tasks,
                    skip: self.skip.as_ref(),
                },
            );
            self.offset += len;
            return Ok(());
        }
        self.chunk = self.read_chunk(&df, len)?.into_iter();
        Ok(())
    }

    fn read_chunk(
        &mut self,
        df: &Table,
        len: usize,
    ) -> Result<Vec<Result<Task, WorkloadError>>, WorkloadError> {
        // Numeric columns are read as numbers; text columns (and numbers
        // stored as text) as text, borrowed from the table, parsed and
        // checked per row.
        enum Col<'a> {
            Absent,
            Text(Vec<Option<&'a str>>),
            Number(&'a [Option<f64>]),
        }
        enum Read {
            Text(table::Text),
            Number(Vec<Option<f64>>),
        }
        let read: Vec<Option<Read>> = self
            .present
            .iter()
            .enumerate()
            .map(|(idx, name)| -> Result<_, WorkloadError> {
                // A column not read in this chunk (all null) is absent.
                let Some(n) = name.as_ref().filter(|n| df.has(n)) else {
                    return Ok(None);
                };
                let perr = |e| parquet_err(&self.path, e);
                let numeric = ((1..=5).contains(&idx) || USAGE.contains(&idx))
                    && df.is_numeric(n).map_err(perr)?;
                Ok(Some(if numeric {
                    Read::Number(df.f64s(n).map_err(perr)?)
                } else {
                    Read::Text(df.text(n).map_err(perr)?)
                }))
            })
            .collect::<Result<_, _>>()?;
        let cols: Vec<Col> = read
            .iter()
            .map(|c| match c {
                None => Col::Absent,
                Some(Read::Number(v)) => Col::Number(v),
                Some(Read::Text(t)) => Col::Text(t.values()),
            })
            .collect();
        let text = |c: usize, r: usize| -> &str {
            match &cols[c] {
                Col::Text(v) => v[r].unwrap_or(""),
                _ => "",
            }
        };
        let mut out = Vec::with_capacity(len);
        // Whether the four numbers are typed columns (and storage and usage
        // are not text): the same for every row of the chunk.
        let all_numeric = (1..=4).all(|c| matches!(cols[c], Col::Number(_)))
            && !matches!(cols[5], Col::Text(_))
            && !USAGE.clone().any(|c| matches!(cols[c], Col::Text(_)));
        for r in 0..len {
            let row = RawRow {
                task_id: text(0, r),
                submit_s: text(1, r),
                duration_s: text(2, r),
                cpu_vcpu: text(3, r),
                memory_mib: text(4, r),
                storage_gib: text(5, r),
                group: text(6, r),
                usage: [text(7, r), text(8, r), text(9, r), text(10, r)],
            };
            let line = (self.offset + r + 1) as u64;
            let t = if all_numeric {
                let num = |c: usize| match &cols[c] {
                    Col::Number(v) => v[r],
                    _ => None,
                };
                match (num(1), num(2), num(3), num(4)) {
                    (Some(submit_s), Some(duration_s), Some(cpu_vcpu), Some(memory_mib)) => {
                        let values = Values {
                            submit_s,
                            duration_s,
                            cpu_vcpu,
                            memory_mib,
                            storage_gib: num(5),
                            usage: [num(7), num(8), num(9), num(10)],
                        };
                        self.checker
                            .check_values(line, &row, &values)
                            .map_err(|e| show_number(e, num))
                    }
                    _ => Err(null_number(self.path.clone(), line, num)),
                }
            } else {
                let owned: Vec<String> = (1..=5)
                    .chain(USAGE)
                    .map(|c| match &cols[c] {
                        Col::Number(v) => v[r].map_or_else(String::new, |x| x.to_string()),
                        Col::Text(v) => v[r].unwrap_or_default().to_string(),
                        Col::Absent => String::new(),
                    })
                    .collect();
                let row = RawRow {
                    submit_s: &owned[0],
                    duration_s: &owned[1],
                    cpu_vcpu: &owned[2],
                    memory_mib: &owned[3],
                    storage_gib: &owned[4],
                    usage: [&owned[5], &owned[6], &owned[7], &owned[8]],
                    ..row
                };
                self.checker.check(line, &row)
            };
            match (t, &self.skip) {
                (
                    Err(WorkloadError::BadValue {
                        column, expected, ..
                    }),
                    Some(skip),
                ) => {
                    skip.add(&format!("{column}: {expected}"));
                }
                (Err(e), _) => {
                    out.push(Err(e));
                    break;
                }
                (ok, _) => out.push(ok),
            }
        }
        self.offset += len;
        Ok(out)
    }
}

impl crate::workload::TaskSource for ParquetRows {}

impl Iterator for ParquetRows {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            if let Some(t) = self.tasks.pop_front() {
                return Some(Ok(t));
            }
            if let Some(e) = self.error.take() {
                self.failed = true;
                return Some(Err(e));
            }
            if let Some(t) = self.chunk.next() {
                self.failed = t.is_err();
                return Some(t);
            }
            if self.offset >= self.rows {
                return None;
            }
            if let Err(e) = self.read_next() {
                self.failed = true;
                return Some(Err(e));
            }
        }
    }
}

/// A task's id in a native trace: its label, or its number.
fn native_id(t: &Task) -> String {
    t.label
        .as_deref()
        .map_or_else(|| t.id.to_string(), str::to_string)
}

/// Writes tasks as a native Parquet trace (for tests, benchmarks and
/// `trace convert`).
pub fn write_native_parquet(path: &Path, tasks: &[Task]) -> Result<(), String> {
    let ids: Vec<String> = tasks.iter().map(native_id).collect();
    let mut t = Table::new(vec![
        ("task_id", ids.into()),
        (
            "submit_s",
            tasks
                .iter()
                .map(|t| t.submit as f64 / 1e6)
                .collect::<Vec<f64>>()
                .into(),
        ),
        (
            "duration_s",
            tasks
                .iter()
                .map(|t| t.duration as f64 / 1e6)
                .collect::<Vec<f64>>()
                .into(),
        ),
        (
            "cpu_vcpu",
            tasks
                .iter()
                .map(|t| t.cpu_milli as f64 / 1e3)
                .collect::<Vec<f64>>()
                .into(),
        ),
        (
            "memory_mib",
            tasks
                .iter()
                .map(|t| t.memory_mib as i64)
                .collect::<Vec<i64>>()
                .into(),
        ),
    ])
    .map_err(|e| e.to_string())?;
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    t.write_parquet(file, Compression::Zstd)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Columns of a batch of native rows.
#[derive(Default)]
struct NativeBatch {
    id: Vec<String>,
    submit: Vec<f64>,
    duration: Vec<f64>,
    cpu: Vec<f64>,
    memory: Vec<i64>,
    storage: Vec<i64>,
    group: Vec<Option<String>>,
    /// The usage columns (null for a task without usage), issue 27.
    cpu_avg: Vec<Option<f64>>,
    cpu_max: Vec<Option<f64>>,
    memory_avg: Vec<Option<u32>>,
    memory_max: Vec<Option<u32>>,
}

impl NativeBatch {
    fn push(&mut self, t: &Task) {
        self.id.push(native_id(t));
        self.submit.push(t.submit as f64 / 1e6);
        self.duration.push(t.duration as f64 / 1e6);
        self.cpu.push(t.cpu_milli as f64 / 1e3);
        self.memory.push(t.memory_mib as i64);
        self.storage.push(t.storage_gib as i64);
        self.group.push(t.group.as_deref().map(str::to_string));
        let u = t.usage.as_deref();
        self.cpu_avg.push(u.map(|u| u.cpu_avg_milli as f64 / 1e3));
        self.cpu_max.push(u.map(|u| u.cpu_max_milli as f64 / 1e3));
        self.memory_avg.push(u.map(|u| u.memory_avg_mib));
        self.memory_max.push(u.map(|u| u.memory_max_mib));
    }

    fn table(&mut self) -> Result<Table, table::TableError> {
        let b = std::mem::take(self);
        Table::new(vec![
            ("task_id", b.id.into()),
            ("submit_s", b.submit.into()),
            ("duration_s", b.duration.into()),
            ("cpu_vcpu", b.cpu.into()),
            ("memory_mib", b.memory.into()),
            ("storage_gib", b.storage.into()),
            ("group", b.group.into()),
            ("cpu_avg", b.cpu_avg.into()),
            ("cpu_max", b.cpu_max.into()),
            ("memory_avg_mib", b.memory_avg.into()),
            ("memory_max_mib", b.memory_max.into()),
        ])
    }
}

/// Writes a task stream as a native Parquet trace, in row groups of
/// `CHUNK_ROWS` rows, so memory stays bounded. Returns the rows written.
pub fn write_native_parquet_stream(
    out: &mut std::fs::File,
    stream: &mut dyn Iterator<Item = Result<Task, WorkloadError>>,
) -> Result<u64, ConvertError> {
    let like = NativeBatch::default()
        .table()
        .map_err(ConvertError::other)?;
    let mut writer =
        ParquetBatches::new(out, &like, Compression::Zstd).map_err(ConvertError::other)?;
    let mut batch = NativeBatch::default();
    let mut rows = 0u64;
    for r in stream {
        let t = r.map_err(ConvertError::Workload)?;
        batch.push(&t);
        rows += 1;
        if batch.id.len() >= CHUNK_ROWS {
            let t = batch.table().map_err(ConvertError::other)?;
            writer.write(&t).map_err(ConvertError::other)?;
        }
    }
    if !batch.id.is_empty() {
        let t = batch.table().map_err(ConvertError::other)?;
        writer.write(&t).map_err(ConvertError::other)?;
    }
    writer.finish().map_err(ConvertError::other)?;
    Ok(rows)
}

/// Why a conversion stopped: the trace, or the writing.
#[derive(Debug)]
pub enum ConvertError {
    Workload(WorkloadError),
    Other(String),
}

impl ConvertError {
    fn other(e: impl std::fmt::Display) -> ConvertError {
        ConvertError::Other(e.to_string())
    }
}

/// Writes a task stream as a native CSV trace. Returns the rows written.
pub fn write_native_csv(
    out: &mut std::fs::File,
    stream: &mut dyn Iterator<Item = Result<Task, WorkloadError>>,
) -> Result<u64, ConvertError> {
    use std::io::Write;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    let io = |e: std::io::Error| ConvertError::Other(e.to_string());
    w.write_all(
        b"task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n",
    )
    .map_err(io)?;
    let mut rows = 0u64;
    for r in stream {
        let t = r.map_err(ConvertError::Workload)?;
        let id = t.label.as_deref().map_or_else(|| t.id.to_string(), quote);
        // The usage columns are empty for a task without usage (issue 27).
        let usage = t.usage.as_deref().map_or_else(
            || ",,,".to_string(),
            |u| {
                format!(
                    "{},{},{},{}",
                    u.cpu_avg_milli as f64 / 1e3,
                    u.cpu_max_milli as f64 / 1e3,
                    u.memory_avg_mib,
                    u.memory_max_mib
                )
            },
        );
        writeln!(
            w,
            "{id},{},{},{},{},{},{},{usage}",
            t.submit as f64 / 1e6,
            t.duration as f64 / 1e6,
            t.cpu_milli as f64 / 1e3,
            t.memory_mib,
            t.storage_gib,
            t.group.as_deref().map(quote).unwrap_or_default()
        )
        .map_err(io)?;
        rows += 1;
    }
    w.flush().map_err(io)?;
    Ok(rows)
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(content: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content)
            .unwrap();
        (dir, path)
    }

    #[test]
    fn reads_any_column_order_crlf_and_no_final_newline() {
        let (_d, p) = write(
            b"memory_mib,task_id,submit_s,cpu_vcpu,duration_s,extra\r\n512,a,0,0.25,60,x\r\n1024,b,1.5,1,30,y",
            "t.csv",
        );
        let (info, stream) = open(&p).unwrap();
        assert_eq!(info.notes.len(), 1);
        assert!(info.notes[0].contains("extra"));
        let tasks: Vec<Task> = stream.collect::<Result<_, _>>().unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[1].label.as_deref(), Some("b"));
        assert_eq!(tasks[1].submit, 1_500_000);
        assert_eq!(tasks[1].cpu_milli, 1000);
        assert_eq!(tasks[1].duration, 30_000_000);
    }

    #[test]
    fn reads_gzip() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,0,1,1,2048\n")
            .unwrap();
        let (_d, p) = write(&gz.finish().unwrap(), "t.csv.gz");
        let (_, stream) = open(&p).unwrap();
        assert_eq!(stream.count(), 1);
    }

    #[test]
    fn names_line_and_column_of_a_bad_value() {
        let (_d, p) = write(
            b"task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,0,1,1,2048\n2,1,-5,1,2048\n",
            "t.csv",
        );
        let (_, stream) = open(&p).unwrap();
        let err = stream
            .collect::<Result<Vec<_>, _>>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("duration_s") && err.contains("-5"),
            "{err}"
        );
    }

    #[test]
    fn rejects_out_of_order_and_missing_columns() {
        let (_d, p) = write(
            b"task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,10,1,1,2048\n2,5,1,1,2048\n",
            "t.csv",
        );
        let err = open(&p)
            .unwrap()
            .1
            .collect::<Result<Vec<_>, _>>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && err.contains("sort"), "{err}");
        let (_d, p) = write(b"task_id,submit_s,cpu_vcpu,memory_mib\n", "t.csv");
        let err = open(&p).err().unwrap().to_string();
        assert!(err.contains("duration_s"), "{err}");
    }
}
