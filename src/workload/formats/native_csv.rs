//! The native CSV format's rows: the adapter, and the row code it shares
//! with the parallel block reader (`native_blocks`).

use super::adapter::{Adapter, BadRow};
use crate::workload::native::{ColumnMap, RawRow, RowChecker};
use crate::workload::{Task, WorkloadError};
use std::path::Path;

/// The error for a bad row when bad rows stop the run.
pub(super) fn bad_row_error(path: &Path, line: u64, b: BadRow) -> WorkloadError {
    WorkloadError::BadValue {
        path: path.to_path_buf(),
        line,
        column: b.column,
        value: b.value,
        expected: format!(
            "{} (set workload.on_bad_row = \"skip\" to skip such rows and count them)",
            b.reason
        ),
    }
}

/// The native CSV format as an adapter (header required, any column order).
#[derive(Default)]
pub(super) struct NativeCsv {
    map: Option<ColumnMap>,
    checker: Option<RowChecker>,
    notes: Vec<String>,
}

impl Adapter for NativeCsv {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let map = ColumnMap::from_header(path, fields)?;
        self.notes = map.notes.clone();
        self.map = Some(map);
        let mut checker = RowChecker::new(path);
        checker.check_order = false;
        self.checker = Some(checker);
        Ok(true)
    }

    fn row(&mut self, fields: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        let map = self.map.as_ref().expect("header read first");
        let checker = self.checker.as_mut().expect("header read first");
        out.push(native_row(map, checker, fields)?);
        Ok(())
    }

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
}

/// One native CSV row's fields into a task, or why the row is bad (shared
/// by the adapter and the parallel block reader, so both read a row alike).
pub(super) fn native_row(
    map: &ColumnMap,
    checker: &mut RowChecker,
    fields: &[&str],
) -> Result<Task, BadRow> {
    if fields.len() < map.width {
        return Err(BadRow::new(
            "(row)",
            &fields.join(","),
            format!("{} fields where the header has {}", fields.len(), map.width),
        ));
    }
    let get = |i: usize| map.index[i].map_or("", |c| fields[c]);
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
    match checker.check(0, &row) {
        Ok(t) => Ok(t),
        Err(WorkloadError::BadValue {
            column,
            value,
            expected,
            ..
        }) => Err(BadRow {
            column,
            value,
            reason: format!("{column}: {expected}"),
        }),
        Err(e) => Err(BadRow::new("(row)", "", e.to_string())),
    }
}
