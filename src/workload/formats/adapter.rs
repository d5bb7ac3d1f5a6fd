//! The adapter a trace format implements, the bad-row policy and its
//! counter, format detection, and the native CSV format.

use crate::workload::native::{ColumnMap, RawRow, RowChecker};
use crate::workload::text::TextLines;
use crate::workload::{Task, TaskStream, WorkloadError};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The trace formats `workload.format` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Native,
    Alibaba2017,
    Alibaba2018Task,
    Alibaba2018Instance,
    AlibabaGpu2023,
    Google2011,
    Google2019,
    Swf,
    AzureFunctions2019,
    AzureFunctions2021,
    AzureLlm2023,
    /// A native request trace (`request_s`, optional `service_s`).
    Requests,
}

impl Format {
    pub const ALL: [Format; 12] = [
        Format::Native,
        Format::Alibaba2017,
        Format::Alibaba2018Task,
        Format::Alibaba2018Instance,
        Format::AlibabaGpu2023,
        Format::Google2011,
        Format::Google2019,
        Format::Swf,
        Format::AzureFunctions2019,
        Format::AzureFunctions2021,
        Format::AzureLlm2023,
        Format::Requests,
    ];

    /// The name used in scenarios and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Alibaba2017 => "alibaba-2017",
            Format::Alibaba2018Task => "alibaba-2018",
            Format::Alibaba2018Instance => "alibaba-2018-instances",
            Format::AlibabaGpu2023 => "alibaba-gpu-2023",
            Format::Google2011 => "google-2011",
            Format::Google2019 => "google-2019",
            Format::Swf => "swf",
            Format::AzureFunctions2019 => "azure-functions-2019",
            Format::AzureFunctions2021 => "azure-functions-2021",
            Format::AzureLlm2023 => "azure-llm-2023",
            Format::Requests => "requests",
        }
    }

    pub fn parse(text: &str) -> Result<Format, String> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == text.trim())
            .ok_or_else(|| {
                format!(
                    "unknown format `{text}`; supported: {}",
                    Format::ALL.map(|f| f.name()).join(", ")
                )
            })
    }

    /// Whether rows of this format usually come in submit order. Formats
    /// that do not are sorted by default (`order = "sort"`).
    pub fn usually_sorted(self) -> bool {
        matches!(
            self,
            Format::Native | Format::Swf | Format::AzureLlm2023 | Format::Requests
        )
    }

    /// Guesses the format from a file's first line, where that line is
    /// unambiguous (a header, or SWF's comments).
    pub fn detect(path: &Path) -> Result<Format, WorkloadError> {
        if crate::workload::text::is_parquet(path)? {
            return Ok(Format::Native);
        }
        let mut lines = TextLines::open(path)?;
        let first = match lines.next_line() {
            Some(r) => r?.1.to_string(),
            None => String::new(),
        };
        let cols: Vec<String> = first
            .split(',')
            .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
            .collect();
        let has = |c: &str| cols.iter().any(|x| x == c);
        let found = if has("task_create_time") && has("task_end_time") {
            Some(Format::Alibaba2017)
        } else if has("cpu_milli") && has("creation_time") && has("deletion_time") {
            Some(Format::AlibabaGpu2023)
        } else if has("timestamp") && has("contexttokens") && has("generatedtokens") {
            Some(Format::AzureLlm2023)
        } else if has("end_timestamp") && has("duration") && has("func") {
            Some(Format::AzureFunctions2021)
        } else if has("request_s") {
            Some(Format::Requests)
        } else if has("hashfunction") && has("trigger") {
            Some(Format::AzureFunctions2019)
        } else if ["submit_s", "duration_s", "cpu_vcpu"]
            .iter()
            .any(|c| has(c))
        {
            // A native header, perhaps with a column missing (reported then).
            Some(Format::Native)
        } else if first.trim_start().starts_with(';') {
            Some(Format::Swf)
        } else {
            None
        };
        found.ok_or_else(|| WorkloadError::Format {
            path: path.to_path_buf(),
            message: format!(
                "cannot tell the trace format from its first line (`{}`); name it with workload.format = one of {}",
                first.chars().take(80).collect::<String>(),
                Format::ALL.map(|f| f.name()).join(", ")
            ),
        })
    }
}

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

/// Reads a text trace through an adapter, applying the bad-row policy.
struct AdapterStream {
    lines: TextLines,
    adapter: Box<dyn Adapter>,
    on_bad_row: OnBadRow,
    skipped: SkipCounter,
    /// Stop at a task earlier than the one before (with its line).
    check_order: bool,
    previous: (u64, f64),
    pending: VecDeque<Task>,
    out: Vec<Task>,
    started: bool,
    /// The first non-comment line was a header (read by `open`).
    skip_first: bool,
    done: bool,
    failed: bool,
}

impl AdapterStream {
    /// With `check_order`, stops at a produced task earlier than the one before.
    fn check_out(&mut self, line: u64) -> Result<(), WorkloadError> {
        if !self.check_order {
            return Ok(());
        }
        for t in &self.out {
            if t.submit < self.previous.0 {
                self.failed = true;
                let e = WorkloadError::OutOfOrder {
                    path: self.lines.path().to_path_buf(),
                    line,
                    submit_s: t.submit as f64 / 1e6,
                    previous_s: self.previous.1,
                };
                self.out.clear();
                return Err(e);
            }
            self.previous = (t.submit, t.submit as f64 / 1e6);
        }
        Ok(())
    }

    fn bad(&self, line: u64, b: BadRow) -> WorkloadError {
        WorkloadError::BadValue {
            path: self.lines.path().to_path_buf(),
            line,
            column: b.column,
            value: b.value,
            expected: format!(
                "{} (set workload.on_bad_row = \"skip\" to skip such rows and count them)",
                b.reason
            ),
        }
    }
}

impl Iterator for AdapterStream {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(t) = self.pending.pop_front() {
                return Some(Ok(t));
            }
            if self.failed || self.done {
                return None;
            }
            let (line, text) = match self.lines.next_line() {
                None => {
                    self.done = true;
                    self.adapter.finish(&mut self.out);
                    let line = self.lines.line();
                    if let Err(e) = self.check_out(line) {
                        return Some(Err(e));
                    }
                    self.pending.extend(self.out.drain(..));
                    continue;
                }
                Some(Err(e)) => {
                    self.failed = true;
                    return Some(Err(e));
                }
                Some(Ok((n, t))) => (n, t.to_string()),
            };
            if text.trim().is_empty() || self.adapter.is_comment(&text) {
                continue;
            }
            let fields: Vec<&str> = match self.adapter.fields() {
                Fields::Comma => crate::io::csv::split_csv(&text),
                Fields::Whitespace => crate::workload::text::split_whitespace(&text),
            };
            if !self.started {
                // open() already read the header: skip it, or read this
                // first line as data.
                self.started = true;
                if self.skip_first {
                    continue;
                }
            }
            match self.adapter.row(&fields, &mut self.out) {
                Ok(()) => {
                    if let Err(e) = self.check_out(line) {
                        return Some(Err(e));
                    }
                    self.pending.extend(self.out.drain(..))
                }
                Err(b) => {
                    self.out.clear();
                    match self.on_bad_row {
                        OnBadRow::Skip => self.skipped.add(&b.reason),
                        OnBadRow::Error => {
                            self.failed = true;
                            return Some(Err(self.bad(line, b)));
                        }
                    }
                }
            }
        }
    }
}

/// What opening a trace gives.
pub struct OpenedTrace {
    pub stream: TaskStream,
    pub notes: Vec<String>,
}

/// Opens `path` as `format`, with the bad-row policy and counter; with
/// `check_order`, a task earlier than the one before stops the stream.
pub fn open(
    path: &Path,
    format: Format,
    params: &FormatParams,
    on_bad_row: OnBadRow,
    check_order: bool,
    skipped: &SkipCounter,
) -> Result<OpenedTrace, WorkloadError> {
    let adapter: Box<dyn Adapter> = match format {
        Format::Native => {
            if crate::workload::text::is_parquet(path)? {
                let (info, stream) = crate::workload::native::open_parquet(
                    path,
                    on_bad_row,
                    check_order,
                    skipped.clone(),
                )?;
                return Ok(OpenedTrace {
                    stream,
                    notes: info.notes,
                });
            }
            Box::new(NativeCsv::default())
        }
        Format::Alibaba2017 => Box::new(super::alibaba::Batch2017::new(params)),
        Format::Alibaba2018Task => Box::new(super::alibaba::Task2018::new(params)),
        Format::Alibaba2018Instance => Box::new(super::alibaba::Instance2018::new(params)),
        Format::AlibabaGpu2023 => Box::new(super::alibaba::Gpu2023::default()),
        Format::Google2011 => Box::new(super::google::TaskEvents2011::new(params)),
        Format::Google2019 => Box::new(super::google::InstanceEvents2019::new(params)),
        Format::Swf => Box::new(super::swf::Swf::new(params)),
        Format::AzureFunctions2019 => Box::new(super::azure::Functions2019::new(params)?),
        Format::AzureFunctions2021 => Box::new(super::azure::Functions2021::new(params)),
        Format::AzureLlm2023 => Box::new(super::azure::Llm2023::new(params)),
        Format::Requests => Box::new(super::requests::Requests::default()),
    };
    // Read the header now, so a wrong header is an error before the run and
    // the adapter's notes (ignored columns, …) are known.
    let mut adapter = adapter;
    let mut skip_first = false;
    let mut peek = TextLines::open(path)?;
    while let Some(r) = peek.next_line() {
        let (_, text) = r?;
        if text.trim().is_empty() || adapter.is_comment(text) {
            continue;
        }
        let fields: Vec<&str> = match adapter.fields() {
            Fields::Comma => crate::io::csv::split_csv(text),
            Fields::Whitespace => crate::workload::text::split_whitespace(text),
        };
        skip_first = adapter.header(path, &fields)?;
        break;
    }
    let lines = TextLines::open(path)?;
    let notes = adapter.notes();
    Ok(OpenedTrace {
        stream: Box::new(AdapterStream {
            lines,
            adapter,
            on_bad_row,
            skipped: skipped.clone(),
            check_order,
            previous: (0, 0.0),
            pending: VecDeque::new(),
            out: Vec::new(),
            started: false,
            skip_first,
            done: false,
            failed: false,
        }),
        notes,
    })
}

/// The native CSV format as an adapter (header required, any column order).
#[derive(Default)]
struct NativeCsv {
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
        };
        match self
            .checker
            .as_mut()
            .expect("header read first")
            .check(0, &row)
        {
            Ok(t) => {
                out.push(t);
                Ok(())
            }
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

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
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
