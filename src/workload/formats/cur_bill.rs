//! Opening an AWS cost export (`aws-cur`) with a handle on the real bill its
//! lines add up to, and reading that bill alone (for the report).

use super::adapter::{OnBadRow, SkipCounter};
use super::cur::{RealBill, SplitCost, open_parquet};
use super::open::{OpenedTrace, open_adapter};
use crate::workload::WorkloadError;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Opens an `aws-cur` export (CSV or Parquet) as a task stream, adding the
/// real bill up into `bill` as it is read.
pub fn open_with_bill(
    path: &Path,
    bill: Arc<Mutex<RealBill>>,
    on_bad_row: OnBadRow,
    check_order: bool,
    skipped: &SkipCounter,
) -> Result<OpenedTrace, WorkloadError> {
    if crate::workload::text::is_parquet(path)? {
        let (stream, notes) = open_parquet(path, bill, on_bad_row, skipped)?;
        return Ok(OpenedTrace { stream, notes });
    }
    let adapter = Box::new(SplitCost::with_bill(bill));
    open_adapter(path, adapter, on_bad_row, check_order, skipped)
}

/// Reads the whole export for its real bill (the tasks are dropped).
pub fn read_bill(path: &Path, on_bad_row: OnBadRow) -> Result<RealBill, WorkloadError> {
    let bill = Arc::new(Mutex::new(RealBill::default()));
    let opened = open_with_bill(
        path,
        bill.clone(),
        on_bad_row,
        false,
        &SkipCounter::default(),
    )?;
    for t in opened.stream {
        t?;
    }
    let b = match bill.lock() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    };
    Ok(b)
}
