//! The adapter a trace format implements (header, then each row's fields
//! into tasks or a [`BadRow`]), the bad-row policy and its counter, and the
//! field parsers every adapter shares.

use crate::workload::{Task, WorkloadError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What to do with a row that cannot be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnBadRow {
    /// Stop with the file, line, column and reason.
    #[default]
    Error,
    /// Skip it and count it by reason (the summary lists the counts).
    Skip,
}

/// Parameters of the adapters, each with a documented default.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatParams {
    /// The machine that normalised CPU requests refer to, milli-vCPU
    /// (Google traces: a request of 1.0 is the largest machine).
    pub machine_cpu_milli: u32,
    /// The machine that normalised memory requests refer to, MiB.
    pub machine_memory_mib: u32,
    /// Expand a task's instances into one task each (Alibaba batch tasks).
    pub expand_instances: bool,
    /// vCPU per SWF processor.
    pub vcpu_per_processor: f64,
    /// Memory per SWF processor when the log has none, MiB.
    pub memory_per_processor_mib: u32,
    /// Size of a task made from a request or an invocation (Azure traces).
    pub request_cpu_milli: u32,
    pub request_memory_mib: Option<u32>,
    /// Azure LLM service time: fixed overhead, per prompt token, per generated token (µs).
    pub llm_overhead_us: u64,
    pub llm_prefill_us_per_token: u64,
    pub llm_decode_us_per_token: u64,
    /// Azure Functions 2019: the durations and memory files of the same day.
    pub durations_file: Option<PathBuf>,
    pub memory_file: Option<PathBuf>,
    /// `workload.usage`: a Container Insights performance log joined to an
    /// `ecs-tasks` or `kubernetes-pods` export (issue 27).
    pub usage_file: Option<PathBuf>,
}

/// Counts of skipped rows by reason, shared between a stream and whoever
/// reports on it.
#[derive(Clone, Debug, Default)]
pub struct SkipCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl SkipCounter {
    pub fn add(&self, reason: &str) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(reason.to_string()).or_default() += 1;
        }
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn total(&self) -> u64 {
        self.counts().values().sum()
    }

    /// Sets the counts (a platform following a shared reader).
    pub fn replace(&self, counts: BTreeMap<String, u64>) {
        if let Ok(mut m) = self.0.lock() {
            *m = counts;
        }
    }
}

/// Why one row cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub struct BadRow {
    pub column: &'static str,
    pub value: String,
    /// A reason that does not depend on the value, for counting ("negative duration").
    pub reason: String,
}

impl BadRow {
    pub fn new(column: &'static str, value: &str, reason: impl Into<String>) -> BadRow {
        BadRow {
            column,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Interns group names (a job, an app) so the tasks of one group share one
/// `Arc<str>`, as the image cache compares them.
#[derive(Default)]
pub struct Groups(std::collections::HashMap<String, Arc<str>>);

impl Groups {
    pub fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(g) = self.0.get(name) {
            return g.clone();
        }
        let g: Arc<str> = Arc::from(name);
        self.0.insert(name.to_string(), g.clone());
        g
    }
}

/// A new task with the fields an adapter fills in (`id` is set when the
/// workload is merged).
pub fn task(
    label: Option<crate::workload::Label>,
    submit: u64,
    duration: u64,
    cpu_milli: u32,
    memory_mib: u32,
) -> Task {
    Task {
        id: 0,
        label,
        submit,
        duration,
        cpu_milli,
        memory_mib,
        storage_gib: 0,
        group: None,
        usage: None,
    }
}

/// How a line is split into fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fields {
    Comma,
    Whitespace,
}

/// One trace format's reading of rows.
pub trait Adapter: Send {
    fn fields(&self) -> Fields {
        Fields::Comma
    }

    /// Whether a line is a comment to pass over.
    fn is_comment(&self, _line: &str) -> bool {
        false
    }

    /// Reads the first non-comment line. Returns true if it was a header
    /// (consumed), false if it is data (then passed to [`Adapter::row`]).
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError>;

    /// Turns one row into tasks (appended to `out`).
    fn row(&mut self, fields: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow>;

    /// Called at the end of the file: tasks still open (paired formats).
    fn finish(&mut self, _out: &mut Vec<Task>) {}

    /// Notes for the user about what was read.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Parses a number field; `what` names the column for the reason.
pub fn num(column: &'static str, value: &str) -> Result<f64, BadRow> {
    let v: f64 = value
        .trim()
        .parse()
        .map_err(|_| BadRow::new(column, value, format!("{column}: not a number")))?;
    if !v.is_finite() {
        return Err(BadRow::new(
            column,
            value,
            format!("{column}: not a finite number"),
        ));
    }
    Ok(v)
}

/// A field by position, or a bad row naming the missing column.
pub fn field<'a>(fields: &[&'a str], i: usize, column: &'static str) -> Result<&'a str, BadRow> {
    fields.get(i).copied().ok_or_else(|| {
        BadRow::new(
            column,
            "",
            format!("row too short: no field {} (`{column}`)", i + 1),
        )
    })
}

/// Seconds (a float) to simulated time, or a bad row.
pub fn seconds(column: &'static str, value: &str, s: f64) -> Result<u64, BadRow> {
    if s < 0.0 {
        return Err(BadRow::new(column, value, format!("negative {column}")));
    }
    crate::time::seconds_to_sim(s)
        .ok_or_else(|| BadRow::new(column, value, format!("{column} beyond 100 years")))
}

/// A positive size (milli-vCPU or MiB) from a float, rounded up.
pub fn size(column: &'static str, value: &str, v: f64) -> Result<u32, BadRow> {
    if v <= 0.0 {
        return Err(BadRow::new(
            column,
            value,
            format!("{column} is zero or negative"),
        ));
    }
    if v > u32::MAX as f64 {
        return Err(BadRow::new(
            column,
            value,
            format!("{column} is absurdly large"),
        ));
    }
    Ok(v.ceil() as u32)
}
