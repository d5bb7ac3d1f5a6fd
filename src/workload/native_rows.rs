//! The native trace's row checks, shared by its CSV and Parquet readers:
//! a row's raw fields or typed values become a task, each value checked and
//! the submit order kept (issue 24: in a file of their own, so the Parquet
//! reader's module and `native` both use them without importing each
//! other).

use super::task::{Task, WorkloadError};
use crate::time::{SimTime, seconds_to_sim};
use crate::units::vcpu_to_milli;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One row's raw fields, shared by the CSV and Parquet readers.
pub(crate) struct RawRow<'a> {
    pub task_id: &'a str,
    pub submit_s: &'a str,
    pub duration_s: &'a str,
    pub cpu_vcpu: &'a str,
    pub memory_mib: &'a str,
    pub storage_gib: &'a str,
    pub group: &'a str,
    /// `cpu_avg`, `cpu_max`, `memory_avg_mib`, `memory_max_mib` ("" if absent).
    pub usage: [&'a str; 4],
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
    pub usage: [Option<f64>; 4],
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
    /// The last group handed out (rows of one group come in runs).
    last_group: Option<Arc<str>>,
}

impl RowChecker {
    pub fn new(path: &Path) -> RowChecker {
        RowChecker {
            path: path.to_path_buf(),
            check_order: true,
            previous_submit: 0,
            previous_submit_s: 0.0,
            groups: HashMap::new(),
            last_group: None,
        }
    }

    /// The one shared `Arc<str>` of a group name (one allocation per
    /// distinct group, not per row; the last one is checked first).
    pub fn group(&mut self, g: &str) -> Arc<str> {
        if let Some(a) = &self.last_group
            && **a == *g
        {
            return a.clone();
        }
        let a = match self.groups.get(g) {
            Some(a) => a.clone(),
            None => {
                let a: Arc<str> = Arc::from(g);
                self.groups.insert(g.into(), a.clone());
                a
            }
        };
        self.last_group = Some(a.clone());
        a
    }

    /// The order check of [`RowChecker::check_values`] for a row that
    /// passes every other check: records `submit` and returns true when it
    /// is not earlier than the row before (or the order is not checked);
    /// false, recording nothing, when it is (the general path then words
    /// the error).
    #[inline]
    pub(crate) fn in_order(&mut self, submit: SimTime, submit_s: f64) -> bool {
        if self.check_order && submit < self.previous_submit {
            return false;
        }
        self.previous_submit = submit;
        self.previous_submit_s = submit_s;
        true
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
        // The plain decimals traces are made of, without the general parser
        // (the same value to the bit).
        if let Some(v) = crate::io::csv::parse_decimal(value) {
            return Ok(v);
        }
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
            usage: {
                let mut u = [None; 4];
                for (i, text) in row.usage.iter().enumerate() {
                    if !text.trim().is_empty() {
                        u[i] = Some(self.number(line, USAGE_COLUMNS[i], text)?);
                    }
                }
                u
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
                "expected a vCPU count above 0 and at most 1,000,000",
            )
        })?;
        let mem = finite(&self.path, line, "memory_mib", v.memory_mib, row.memory_mib)?;
        if mem <= 0.0 || mem > u32::MAX as f64 {
            return Err(self.bad(
                line,
                "memory_mib",
                row.memory_mib,
                "expected MiB above 0 and at most 4,294,967,295",
            ));
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
            g => Some(self.group(g)),
        };
        let memory_mib = mem.ceil() as u32;
        let usage = self.usage(line, row, v, (cpu_milli, memory_mib))?;
        Ok(Task {
            id: 0,
            label: Some(task_id.into()),
            submit,
            duration,
            cpu_milli,
            memory_mib,
            storage_gib,
            group,
            usage,
        })
    }

    /// The row's usage columns, checked: vCPU for CPU, MiB for memory, each
    /// finite and from 0 up.
    pub(crate) fn usage(
        &self,
        line: u64,
        row: &RawRow<'_>,
        v: &Values,
        request: (u32, u32),
    ) -> Result<Option<Box<super::usage::Usage>>, WorkloadError> {
        if v.usage.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut out = [None; 4];
        for (i, x) in v.usage.iter().enumerate() {
            let Some(x) = *x else { continue };
            let column = USAGE_COLUMNS[i];
            let x = finite(&self.path, line, column, x, row.usage[i])?;
            // vCPU to milli tolerating float noise (0.333 × 1000), as
            // `cpu_vcpu` is read, so a converted trace reads back exactly.
            let scaled = if i < 2 { x * 1000.0 } else { x };
            if !(0.0..=u32::MAX as f64).contains(&scaled) {
                let unit = if i < 2 { "vCPU" } else { "MiB" };
                return Err(self.bad(
                    line,
                    column,
                    row.usage[i],
                    &format!("expected {unit} from 0 upwards"),
                ));
            }
            let noise = if i < 2 { 1e-6 } else { 0.0 };
            out[i] = Some(((scaled - noise).ceil() as u32).max(1));
        }
        Ok(
            super::usage::Usage::from_parts((out[0], out[1]), (out[2], out[3]), request)
                .map(Box::new),
        )
    }
}

/// The usage columns, in `RawRow::usage` order.
const USAGE_COLUMNS: [&str; 4] = ["cpu_avg", "cpu_max", "memory_avg_mib", "memory_max_mib"];

/// The number columns, by index in the native trace's column order.
const NUMBER_COLUMNS: [&str; 6] = [
    "",
    "submit_s",
    "duration_s",
    "cpu_vcpu",
    "memory_mib",
    "storage_gib",
];

/// A value error of a row read from typed number columns: such a column
/// has no text to show, so the error shows the number (`num` gives the
/// row's value of a column by index).
pub fn show_number(mut e: WorkloadError, num: impl Fn(usize) -> Option<f64>) -> WorkloadError {
    if let WorkloadError::BadValue { column, value, .. } = &mut e
        && value.is_empty()
    {
        *value = NUMBER_COLUMNS
            .iter()
            .position(|c| c == column)
            .and_then(num)
            .map_or_else(String::new, |v| v.to_string());
    }
    e
}

/// The error of a row whose required number is null: the first of the four
/// required columns (`num` gives the row's value by index) that has none.
pub fn null_number(path: PathBuf, line: u64, num: impl Fn(usize) -> Option<f64>) -> WorkloadError {
    let missing = (1..=4).find(|c| num(*c).is_none()).unwrap_or(1);
    WorkloadError::BadValue {
        path,
        line,
        column: NUMBER_COLUMNS[missing],
        value: "null".into(),
        expected: "expected a number".into(),
    }
}
