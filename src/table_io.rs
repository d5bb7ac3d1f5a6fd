//! Every call into polars lives here (its API changes between releases; an
//! upgrade should touch this file only): reading native Parquet traces in
//! chunks, and writing Parquet files.

use crate::workload::native::{ColumnMap, RawRow, RowChecker, TraceInfo};
use crate::workload::{Task, TaskStream, WorkloadError};
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// Rows read per chunk: bounded memory whatever the file's size.
const CHUNK_ROWS: usize = 256 * 1024;

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> WorkloadError {
    WorkloadError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Opens a native Parquet trace and streams it chunk by chunk.
pub fn open_native_parquet(path: &Path) -> Result<(TraceInfo, TaskStream), WorkloadError> {
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
        checker: RowChecker::new(path),
        failed: false,
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
        let text_col =
            |name: &Option<String>| -> Result<Option<Vec<Option<String>>>, WorkloadError> {
                let Some(n) = name else { return Ok(None) };
                let col = df
                    .column(n)
                    .and_then(|c| c.cast(&DataType::String))
                    .map_err(|e| parquet_err(&self.path, e))?;
                let ca = col.str().map_err(|e| parquet_err(&self.path, e))?;
                Ok(Some(ca.iter().map(|v| v.map(str::to_string)).collect()))
            };
        let cols: Vec<Option<Vec<Option<String>>>> = self
            .present
            .iter()
            .map(text_col)
            .collect::<Result<_, _>>()?;
        let get = |c: usize, r: usize| -> &str {
            cols[c].as_ref().and_then(|v| v[r].as_deref()).unwrap_or("")
        };
        let mut out = Vec::with_capacity(len);
        for r in 0..len {
            let row = RawRow {
                task_id: get(0, r),
                submit_s: get(1, r),
                duration_s: get(2, r),
                cpu_vcpu: get(3, r),
                memory_mib: get(4, r),
                storage_gib: get(5, r),
                group: get(6, r),
            };
            let t = self.checker.check((self.offset + r + 1) as u64, &row);
            let bad = t.is_err();
            out.push(t);
            if bad {
                break;
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
