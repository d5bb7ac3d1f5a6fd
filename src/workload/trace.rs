//! A trace file and how to read it: format, bad-row policy, order, window,
//! sampling and time scale, as a scenario's `[workload.trace]` says.

use crate::time::SimTime;
use crate::workload::{TaskStream, WorkloadError};
use std::path::PathBuf;

/// A trace file and how to read it.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSpec {
    /// Resolved against the scenario's folder.
    pub path: PathBuf,
    pub format: crate::workload::formats::Format,
    pub on_bad_row: crate::workload::formats::OnBadRow,
    pub order: crate::workload::shape::Order,
    pub from: Option<SimTime>,
    pub until: Option<SimTime>,
    pub sample: Option<f64>,
    pub time_scale: f64,
    pub params: crate::workload::formats::FormatParams,
}

impl TraceSpec {
    /// Opens the trace, shaped as the scenario says: a stream in submit
    /// order, its notes, and the counter of skipped rows.
    pub fn open(
        &self,
        seed: u64,
    ) -> Result<
        (
            Vec<String>,
            TaskStream,
            crate::workload::formats::SkipCounter,
        ),
        WorkloadError,
    > {
        use crate::workload::{formats, shape};
        let skipped = formats::SkipCounter::default();
        let opened = formats::open(
            &self.path,
            self.format,
            &self.params,
            self.on_bad_row,
            self.order == shape::Order::Error,
            &skipped,
        )?;
        let mut stream = shape::window(opened.stream, self.from, self.until);
        if let Some(f) = self.sample {
            stream = shape::sample(
                stream,
                f,
                crate::engine::rng::stream(seed, "workload/trace/sample"),
            );
        }
        let stream = shape::order(stream, self.order, &self.path);
        let stream = shape::time_scale(stream, self.time_scale);
        Ok((opened.notes, stream, skipped))
    }
}
