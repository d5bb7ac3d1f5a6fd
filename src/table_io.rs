//! Every call into polars lives here (its API changes between releases; an
//! upgrade should touch this file only): reading native Parquet traces in
//! chunks, and writing Parquet files.

use crate::workload::native::{ColumnMap, RawRow, RowChecker, TraceInfo};
use crate::workload::{Task, TaskStream, WorkloadError};
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// Rows read per chunk: bounded memory whatever the file's size.
const CHUNK_ROWS: usize = 64 * 1024;

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> WorkloadError {
    WorkloadError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Opens a native Parquet trace and streams it chunk by chunk.
pub fn open_native_parquet(
    path: &Path,
    on_bad_row: crate::workload::formats::OnBadRow,
    check_order: bool,
    skipped: crate::workload::formats::SkipCounter,
) -> Result<(TraceInfo, TaskStream), WorkloadError> {
    let file = std::fs::File::open(path).map_err(|source| WorkloadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(|e| parquet_err(path, e))?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let map = ColumnMap::from_header(path, &name_refs)?;
    let rows = reader.num_rows().map_err(|e| parquet_err(path, e))?;
    let metadata = reader
        .get_metadata()
        .map_err(|e| parquet_err(path, e))?
        .clone();
    let wanted: Vec<String> = map
        .index
        .iter()
        .flatten()
        .map(|i| names[*i].clone())
        .collect();
    let info = TraceInfo {
        notes: map.notes.clone(),
    };
    let stream = ParquetRows {
        path: path.to_path_buf(),
        metadata,
        wanted,
        present: map.index.map(|i| i.map(|c| names[c].clone())),
        rows,
        offset: 0,
        chunk: Vec::new().into_iter(),
        checker: {
            let mut c = RowChecker::new(path);
            c.check_order = check_order;
            c
        },
        failed: false,
        skip: (on_bad_row == crate::workload::formats::OnBadRow::Skip).then_some(skipped),
    };
    Ok((info, Box::new(stream)))
}

struct ParquetRows {
    path: PathBuf,
    metadata: std::sync::Arc<polars::io::parquet::read::FileMetadata>,
    wanted: Vec<String>,
    /// Column names for the seven known fields, in `ColumnMap` order.
    present: [Option<String>; 7],
    rows: usize,
    offset: usize,
    chunk: std::vec::IntoIter<Result<Task, WorkloadError>>,
    checker: RowChecker,
    failed: bool,
    /// Skip bad rows and count them here (else stop at the first).
    skip: Option<crate::workload::formats::SkipCounter>,
}

impl ParquetRows {
    fn read_chunk(&mut self) -> Result<Vec<Result<Task, WorkloadError>>, WorkloadError> {
        let file = std::fs::File::open(&self.path).map_err(|source| WorkloadError::Io {
            path: self.path.clone(),
            source,
        })?;
        let mut reader = ParquetReader::new(file);
        reader.set_metadata(self.metadata.clone());
        let len = CHUNK_ROWS.min(self.rows - self.offset);
        let df = reader
            .with_columns(Some(self.wanted.clone()))
            .with_slice(Some((self.offset, len)))
            .finish()
            .map_err(|e| parquet_err(&self.path, e))?;
        // Numeric columns are read as numbers; text columns (and numbers
        // stored as text) as text, borrowed from the frame, parsed and
        // checked per row.
        enum Col<'a> {
            Absent,
            Text(Vec<Option<&'a str>>),
            Number(Vec<Option<f64>>),
        }
        let casted: Vec<Option<(bool, Column)>> = self
            .present
            .iter()
            .enumerate()
            .map(|(idx, name)| -> Result<_, WorkloadError> {
                let Some(n) = name else {
                    return Ok(None);
                };
                let c = df.column(n).map_err(|e| parquet_err(&self.path, e))?;
                let numeric = (1..=5).contains(&idx) && c.dtype().is_primitive_numeric();
                let to = if numeric {
                    DataType::Float64
                } else {
                    DataType::String
                };
                let c = c.cast(&to).map_err(|e| parquet_err(&self.path, e))?;
                Ok(Some((numeric, c)))
            })
            .collect::<Result<_, _>>()?;
        let cols: Vec<Col> = casted
            .iter()
            .map(|c| -> Result<Col, WorkloadError> {
                Ok(match c {
                    None => Col::Absent,
                    Some((true, c)) => Col::Number(
                        c.f64()
                            .map_err(|e| parquet_err(&self.path, e))?
                            .iter()
                            .collect(),
                    ),
                    Some((false, c)) => Col::Text(
                        c.str()
                            .map_err(|e| parquet_err(&self.path, e))?
                            .iter()
                            .collect(),
                    ),
                })
            })
            .collect::<Result<_, _>>()?;
        let text = |c: usize, r: usize| -> &str {
            match &cols[c] {
                Col::Text(v) => v[r].unwrap_or(""),
                _ => "",
            }
        };
        let mut out = Vec::with_capacity(len);
        for r in 0..len {
            let row = RawRow {
                task_id: text(0, r),
                submit_s: text(1, r),
                duration_s: text(2, r),
                cpu_vcpu: text(3, r),
                memory_mib: text(4, r),
                storage_gib: text(5, r),
                group: text(6, r),
            };
            let line = (self.offset + r + 1) as u64;
            let all_numeric = (1..=4).all(|c| matches!(cols[c], Col::Number(_)))
                && !matches!(cols[5], Col::Text(_));
            let t = if all_numeric {
                let num = |c: usize| match &cols[c] {
                    Col::Number(v) => v[r],
                    _ => None,
                };
                match (num(1), num(2), num(3), num(4)) {
                    (Some(submit_s), Some(duration_s), Some(cpu_vcpu), Some(memory_mib)) => {
                        let values = crate::workload::native::Values {
                            submit_s,
                            duration_s,
                            cpu_vcpu,
                            memory_mib,
                            storage_gib: num(5),
                        };
                        self.checker
                            .check_values(line, &row, &values)
                            .map_err(|e| match e {
                                // Numbers carry no text: show the value.
                                WorkloadError::BadValue {
                                    path,
                                    line,
                                    column,
                                    value,
                                    expected,
                                } if value.is_empty() => {
                                    let idx = [
                                        "",
                                        "submit_s",
                                        "duration_s",
                                        "cpu_vcpu",
                                        "memory_mib",
                                        "storage_gib",
                                    ]
                                    .iter()
                                    .position(|c| *c == column);
                                    let value = idx
                                        .and_then(num)
                                        .map_or_else(String::new, |v| v.to_string());
                                    WorkloadError::BadValue {
                                        path,
                                        line,
                                        column,
                                        value,
                                        expected,
                                    }
                                }
                                other => other,
                            })
                    }
                    _ => {
                        let missing = (1..=4).find(|c| num(*c).is_none()).unwrap_or(1);
                        Err(WorkloadError::BadValue {
                            path: self.path.clone(),
                            line,
                            column: ["", "submit_s", "duration_s", "cpu_vcpu", "memory_mib"]
                                [missing],
                            value: "null".into(),
                            expected: "expected a number".into(),
                        })
                    }
                }
            } else {
                let owned: Vec<String> = (1..=5)
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

impl Iterator for ParquetRows {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            if let Some(t) = self.chunk.next() {
                self.failed = t.is_err();
                return Some(t);
            }
            if self.offset >= self.rows {
                return None;
            }
            match self.read_chunk() {
                Ok(c) => self.chunk = c.into_iter(),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Writes tasks as a native Parquet trace (for tests, benchmarks and
/// `trace convert`).
pub fn write_native_parquet(path: &Path, tasks: &[Task]) -> Result<(), String> {
    let ids: Vec<String> = tasks
        .iter()
        .map(|t| {
            t.label
                .as_deref()
                .map_or_else(|| t.id.to_string(), str::to_string)
        })
        .collect();
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("task_id".into(), ids),
        Column::new(
            "submit_s".into(),
            tasks
                .iter()
                .map(|t| t.submit as f64 / 1e6)
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "duration_s".into(),
            tasks
                .iter()
                .map(|t| t.duration as f64 / 1e6)
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "cpu_vcpu".into(),
            tasks
                .iter()
                .map(|t| t.cpu_milli as f64 / 1e3)
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "memory_mib".into(),
            tasks
                .iter()
                .map(|t| t.memory_mib as i64)
                .collect::<Vec<i64>>(),
        ),
    ])
    .map_err(|e| e.to_string())?;
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ParquetWriter::new(file)
        .finish(&mut df)
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
}

impl NativeBatch {
    fn push(&mut self, t: &Task) {
        self.id.push(
            t.label
                .as_deref()
                .map_or_else(|| t.id.to_string(), str::to_string),
        );
        self.submit.push(t.submit as f64 / 1e6);
        self.duration.push(t.duration as f64 / 1e6);
        self.cpu.push(t.cpu_milli as f64 / 1e3);
        self.memory.push(t.memory_mib as i64);
        self.storage.push(t.storage_gib as i64);
        self.group.push(t.group.as_deref().map(str::to_string));
    }

    fn frame(&mut self) -> PolarsResult<DataFrame> {
        let b = std::mem::take(self);
        DataFrame::new_infer_height(vec![
            Column::new("task_id".into(), b.id),
            Column::new("submit_s".into(), b.submit),
            Column::new("duration_s".into(), b.duration),
            Column::new("cpu_vcpu".into(), b.cpu),
            Column::new("memory_mib".into(), b.memory),
            Column::new("storage_gib".into(), b.storage),
            Column::new("group".into(), b.group),
        ])
    }
}

/// Writes a task stream as a native Parquet trace, in row groups of 256k
/// rows, so memory stays bounded. Returns the rows written.
pub fn write_native_parquet_stream(
    out: &mut std::fs::File,
    stream: &mut dyn Iterator<Item = Result<Task, WorkloadError>>,
) -> Result<u64, ConvertError> {
    let schema = NativeBatch::default()
        .frame()
        .map_err(ConvertError::other)?
        .schema()
        .as_ref()
        .clone();
    let mut writer = ParquetWriter::new(out)
        .batched(&schema)
        .map_err(ConvertError::other)?;
    let mut batch = NativeBatch::default();
    let mut rows = 0u64;
    for r in stream {
        let t = r.map_err(ConvertError::Workload)?;
        batch.push(&t);
        rows += 1;
        if batch.id.len() >= CHUNK_ROWS {
            let df = batch.frame().map_err(ConvertError::other)?;
            writer.write_batch(&df).map_err(ConvertError::other)?;
        }
    }
    if !batch.id.is_empty() {
        let df = batch.frame().map_err(ConvertError::other)?;
        writer.write_batch(&df).map_err(ConvertError::other)?;
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
    w.write_all(b"task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib,group\n")
        .map_err(io)?;
    let mut rows = 0u64;
    let quote = crate::report::csv::quote;
    for r in stream {
        let t = r.map_err(ConvertError::Workload)?;
        let id = t.label.as_deref().map_or_else(|| t.id.to_string(), &quote);
        writeln!(
            w,
            "{id},{},{},{},{},{},{}",
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
