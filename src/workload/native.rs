//! The native trace format, read as a stream.
//!
//! Columns (header required, any order, extra columns ignored with a note):
//! `task_id, submit_s, duration_s, cpu_vcpu, memory_mib`, optional
//! `storage_gib` and `group`. CSV (optionally `.gz`) or Parquet. Rows must be
//! in submit order; the reader checks it as it goes and never loads the whole
//! file.

use super::{Task, TaskStream, WorkloadError};
use crate::time::{SimTime, seconds_to_sim};
use crate::units::vcpu_to_milli;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Columns the native format requires, in the order they are documented.
pub const REQUIRED: [&str; 5] = [
    "task_id",
    "submit_s",
    "duration_s",
    "cpu_vcpu",
    "memory_mib",
];
/// Columns it also understands.
pub const OPTIONAL: [&str; 2] = ["storage_gib", "group"];

/// What was learnt from a trace's header.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceInfo {
    /// Things the user should know (ignored columns).
    pub notes: Vec<String>,
}

/// Opens a native trace, CSV or Parquet by its extension.
pub fn open(path: &Path) -> Result<(TraceInfo, TaskStream), WorkloadError> {
    if super::text::is_parquet(path)? {
        crate::table_io::open_native_parquet(
            path,
            super::formats::OnBadRow::Error,
            true,
            super::formats::SkipCounter::default(),
        )
    } else {
        open_csv(path)
    }
}

/// One row's raw fields, shared by the CSV and Parquet readers.
pub(crate) struct RawRow<'a> {
    pub task_id: &'a str,
    pub submit_s: &'a str,
    pub duration_s: &'a str,
    pub cpu_vcpu: &'a str,
    pub memory_mib: &'a str,
    pub storage_gib: &'a str,
    pub group: &'a str,
}

fn finite(
    path: &Path,
    line: u64,
    column: &'static str,
    x: f64,
    text: &str,
) -> Result<f64, WorkloadError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(WorkloadError::BadValue {
            path: path.to_path_buf(),
            line,
            column,
            value: text.to_string(),
            expected: "expected a finite number".into(),
        })
    }
}

/// The numbers of one row.
pub(crate) struct Values {
    pub submit_s: f64,
    pub duration_s: f64,
    pub cpu_vcpu: f64,
    pub memory_mib: f64,
    pub storage_gib: Option<f64>,
}

/// Turns raw fields into a task, checking each value and the submit order.
pub(crate) struct RowChecker {
    pub path: PathBuf,
    /// Whether to stop at a row earlier than the one before (off when the
    /// stream is sorted or checked after).
    pub check_order: bool,
    previous_submit: SimTime,
    previous_submit_s: f64,
    groups: HashMap<Box<str>, Arc<str>>,
}

impl RowChecker {
    pub fn new(path: &Path) -> RowChecker {
        RowChecker {
            path: path.to_path_buf(),
            check_order: true,
            previous_submit: 0,
            previous_submit_s: 0.0,
            groups: HashMap::new(),
        }
    }

    fn bad(&self, line: u64, column: &'static str, value: &str, expected: &str) -> WorkloadError {
        WorkloadError::BadValue {
            path: self.path.clone(),
            line,
            column,
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    fn number(&self, line: u64, column: &'static str, value: &str) -> Result<f64, WorkloadError> {
        let v: f64 = value
            .trim()
            .parse()
            .map_err(|_| self.bad(line, column, value, "expected a number"))?;
        if !v.is_finite() {
            return Err(self.bad(line, column, value, "expected a finite number"));
        }
        Ok(v)
    }

    pub fn check(&mut self, line: u64, row: &RawRow<'_>) -> Result<Task, WorkloadError> {
        let values = Values {
            submit_s: self.number(line, "submit_s", row.submit_s)?,
            duration_s: self.number(line, "duration_s", row.duration_s)?,
            cpu_vcpu: self.number(line, "cpu_vcpu", row.cpu_vcpu)?,
            memory_mib: self.number(line, "memory_mib", row.memory_mib)?,
            storage_gib: if row.storage_gib.trim().is_empty() {
                None
            } else {
                Some(self.number(line, "storage_gib", row.storage_gib)?)
            },
        };
        self.check_values(line, row, &values)
    }

    /// Checks a row whose numbers are already parsed (typed Parquet columns);
    /// `row` still gives the text for messages, the id and the group.
    pub fn check_values(
        &mut self,
        line: u64,
        row: &RawRow<'_>,
        v: &Values,
    ) -> Result<Task, WorkloadError> {
        let task_id = row.task_id.trim();
        if task_id.is_empty() {
            return Err(self.bad(line, "task_id", row.task_id, "expected a non-empty id"));
        }
        let submit_s = finite(&self.path, line, "submit_s", v.submit_s, row.submit_s)?;
        let submit = seconds_to_sim(submit_s).ok_or_else(|| {
            self.bad(
                line,
                "submit_s",
                row.submit_s,
                "expected seconds from 0 to 100 years",
            )
        })?;
        if self.check_order && submit < self.previous_submit {
            return Err(WorkloadError::OutOfOrder {
                path: self.path.clone(),
                line,
                submit_s,
                previous_s: self.previous_submit_s,
            });
        }
        self.previous_submit = submit;
        self.previous_submit_s = submit_s;
        let duration_s = finite(&self.path, line, "duration_s", v.duration_s, row.duration_s)?;
        let duration = seconds_to_sim(duration_s).ok_or_else(|| {
            self.bad(
                line,
                "duration_s",
                row.duration_s,
                "expected seconds from 0 to 100 years",
            )
        })?;
        let cpu = finite(&self.path, line, "cpu_vcpu", v.cpu_vcpu, row.cpu_vcpu)?;
        let cpu_milli = vcpu_to_milli(cpu).ok_or_else(|| {
            self.bad(
                line,
                "cpu_vcpu",
                row.cpu_vcpu,
                "expected a vCPU count above 0",
            )
        })?;
        let mem = finite(&self.path, line, "memory_mib", v.memory_mib, row.memory_mib)?;
        if mem <= 0.0 || mem > u32::MAX as f64 {
            return Err(self.bad(line, "memory_mib", row.memory_mib, "expected MiB above 0"));
        }
        let storage_gib = if let Some(s) = v.storage_gib {
            let s = finite(&self.path, line, "storage_gib", s, row.storage_gib)?;
            if !(0.0..=1_000_000.0).contains(&s) {
                return Err(self.bad(
                    line,
                    "storage_gib",
                    row.storage_gib,
                    "expected GiB from 0 upwards",
                ));
            }
            s.ceil() as u32
        } else {
            0
        };
        let group = match row.group.trim() {
            "" => None,
            g => Some(match self.groups.get(g) {
                Some(a) => a.clone(),
                None => {
                    let a: Arc<str> = Arc::from(g);
                    self.groups.insert(g.into(), a.clone());
                    a
                }
            }),
        };
        Ok(Task {
            id: 0,
            label: Some(task_id.into()),
            submit,
            duration,
            cpu_milli,
            memory_mib: mem.ceil() as u32,
            storage_gib,
            group,
        })
    }
}

/// Where each known column sits in a header, and the notes about the rest.
pub(crate) struct ColumnMap {
    pub index: [Option<usize>; 7],
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
        let mut index = [None; 7];
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
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let mut header = String::new();
    reader.read_line(&mut header).map_err(io)?;
    let header_line = header.trim_end_matches(['\r', '\n']);
    let fields = split_csv(header_line);
    let map = ColumnMap::from_header(path, &fields)?;
    let info = TraceInfo {
        notes: map.notes.clone(),
    };
    Ok((
        info,
        Box::new(CsvRows {
            reader,
            map,
            checker: RowChecker::new(path),
            line: 1,
            buf: String::new(),
            failed: false,
        }),
    ))
}

struct CsvRows {
    reader: BufReader<Box<dyn Read + Send>>,
    map: ColumnMap,
    checker: RowChecker,
    line: u64,
    buf: String,
    failed: bool,
}

impl Iterator for CsvRows {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            self.buf.clear();
            self.line += 1;
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    self.failed = true;
                    return Some(Err(WorkloadError::Io {
                        path: self.checker.path.clone(),
                        source,
                    }));
                }
            }
            let text = self.buf.trim_end_matches(['\r', '\n']);
            if text.trim().is_empty() {
                continue;
            }
            let fields = split_csv(text);
            if fields.len() < self.map.width {
                self.failed = true;
                return Some(Err(WorkloadError::ShortRow {
                    path: self.checker.path.clone(),
                    line: self.line,
                    found: fields.len(),
                    expected: self.map.width,
                }));
            }
            let get = |i: usize| self.map.index[i].map_or("", |c| fields[c]);
            let row = RawRow {
                task_id: get(0),
                submit_s: get(1),
                duration_s: get(2),
                cpu_vcpu: get(3),
                memory_mib: get(4),
                storage_gib: get(5),
                group: get(6),
            };
            let result = self.checker.check(self.line, &row);
            self.failed = result.is_err();
            return Some(result);
        }
    }
}

/// Splits one CSV line into fields. Double-quoted fields may hold commas;
/// their quotes are removed (a doubled quote inside stays doubled, which no
/// native column needs).
pub(crate) fn split_csv(line: &str) -> Vec<&str> {
    let mut fields = Vec::with_capacity(8);
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut in_quotes = false;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => {
                fields.push(unquote(&line[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(unquote(&line[start..]));
    fields
}

fn unquote(field: &str) -> &str {
    let t = field.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        &t[1..t.len() - 1]
    } else {
        t
    }
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
