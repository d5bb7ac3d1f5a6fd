//! The trace formats `workload.format` accepts, their detection, and opening
//! a trace through its adapter with the bad-row policy (the native CSV
//! format included).

use super::adapter::{Adapter, BadRow, Fields, FormatParams, OnBadRow, SkipCounter};
use super::native_csv::{NativeCsv, bad_row_error};
use crate::workload::text::TextLines;
use crate::workload::{Task, TaskStream, WorkloadError};
use std::collections::VecDeque;
use std::path::Path;

/// The trace formats `workload.format` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Native,
    Alibaba2017,
    Alibaba2018Task,
    Alibaba2018Instance,
    /// cluster-trace-v2017 `batch_instance.csv`, with usage (issue 27).
    Alibaba2017Instance,
    AlibabaGpu2023,
    Google2011,
    Google2019,
    Swf,
    AzureFunctions2019,
    AzureFunctions2021,
    AzureLlm2023,
    /// A native request trace (`request_s`, optional `service_s`).
    Requests,
    /// AWS cost data with split cost allocation (Data Exports CUR 2.0).
    AwsCur,
    /// `aws ecs describe-tasks` JSON or "ECS Task State Change" events.
    EcsTasks,
    /// `kubectl get pods -A -o json`.
    KubernetesPods,
}

impl Format {
    pub const ALL: [Format; 16] = [
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
        Format::AwsCur,
        Format::EcsTasks,
        Format::KubernetesPods,
        Format::Alibaba2017Instance,
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
            Format::AwsCur => "aws-cur",
            Format::EcsTasks => "ecs-tasks",
            Format::KubernetesPods => "kubernetes-pods",
            Format::Alibaba2017Instance => "alibaba-2017-instances",
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
            Format::Native
                | Format::Swf
                | Format::AzureLlm2023
                | Format::Requests
                | Format::EcsTasks
                | Format::KubernetesPods
        )
    }

    /// Guesses the format from a file's first line, where that line is
    /// unambiguous (a header, or SWF's comments).
    pub fn detect(path: &Path) -> Result<Format, WorkloadError> {
        if crate::workload::text::is_parquet(path)? {
            if let Ok(file) = crate::io::table::ParquetFile::open(path)
                && super::cur::is_split_cost_header(file.names())
            {
                return Ok(Format::AwsCur);
            }
            return Ok(Format::Native);
        }
        if let Some(head) = super::json_export::sniff(path)? {
            let squeezed: String = head.split_whitespace().collect();
            if head.contains("\"taskArn\"") || head.contains("ECS Task State Change") {
                return Ok(Format::EcsTasks);
            }
            if squeezed.contains("\"kind\":\"Pod\"") || squeezed.contains("\"kind\":\"List\"") {
                return Ok(Format::KubernetesPods);
            }
            return Err(WorkloadError::Format {
                path: path.to_path_buf(),
                message: "a JSON file that is neither ECS tasks (`taskArn`, describe-tasks output or \"ECS Task State Change\" events) nor Kubernetes pods (`kind: Pod` or a `List`); name its format with workload.format".into(),
            });
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
        let raw: Vec<String> = crate::io::csv::split_csv(&first)
            .iter()
            .map(|c| c.to_string())
            .collect();
        let found = if super::cur::is_split_cost_header(&raw) {
            Some(Format::AwsCur)
        } else if has("task_create_time") && has("task_end_time") {
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

/// Fields of a line kept on the stack; a line with more is split into a
/// vector.
const STACK_FIELDS: usize = 32;

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
    /// The current line's fields as byte ranges of it (kept, so splitting
    /// a line allocates nothing).
    ranges: Vec<(usize, usize)>,
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
        bad_row_error(self.lines.path(), line, b)
    }
}

impl crate::workload::TaskSource for AdapterStream {}

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
                Some(Ok((n, t))) => (n, t),
            };
            if text.trim().is_empty() || self.adapter.is_comment(text) {
                continue;
            }
            // The fields as slices of the line, kept on the stack when
            // there are few (every format's rows): nothing is allocated
            // per row.
            let mut stack = [""; STACK_FIELDS];
            let heap: Vec<&str>;
            let fields: &[&str] = match self.adapter.fields() {
                Fields::Comma => {
                    crate::io::csv::split_csv_ranges(text, &mut self.ranges);
                    if self.ranges.len() <= STACK_FIELDS {
                        for (slot, &(s, e)) in stack.iter_mut().zip(&self.ranges) {
                            *slot = &text[s..e];
                        }
                        &stack[..self.ranges.len()]
                    } else {
                        heap = self.ranges.iter().map(|&(s, e)| &text[s..e]).collect();
                        &heap
                    }
                }
                Fields::Whitespace => {
                    let mut n = 0;
                    let mut parts = text.split_ascii_whitespace();
                    for (slot, part) in stack.iter_mut().zip(parts.by_ref()) {
                        *slot = part;
                        n += 1;
                    }
                    if n == STACK_FIELDS && parts.next().is_some() {
                        heap = crate::workload::text::split_whitespace(text);
                        &heap
                    } else {
                        &stack[..n]
                    }
                }
            };
            if !self.started {
                // open() already read the header: skip it, or read this
                // first line as data.
                self.started = true;
                if self.skip_first {
                    continue;
                }
            }
            match self.adapter.row(fields, &mut self.out) {
                Ok(()) => {
                    if let Err(e) = self.check_out(line) {
                        return Some(Err(e));
                    }
                    // One task from one row, nothing waiting: hand it over
                    // without the queue.
                    if self.out.len() == 1 && self.pending.is_empty() {
                        return self.out.pop().map(Ok);
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
        Format::EcsTasks | Format::KubernetesPods => {
            let export = if format == Format::EcsTasks {
                super::ecs_tasks::read(path, on_bad_row, skipped)?
            } else {
                super::kube_pods::read(path, &Default::default(), on_bad_row, skipped)?
            };
            let mut notes = export.notes.clone();
            let stream = match &params.usage_file {
                Some(u) => {
                    let perf =
                        super::container_insights::read(u, export.pods, on_bad_row, skipped)?;
                    let (stream, note) = super::container_insights::join(export, &perf, u);
                    notes.push(note);
                    stream
                }
                None => super::lifecycle::into_stream(export),
            };
            return Ok(OpenedTrace { stream, notes });
        }
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
            // Parsed in blocks on worker threads (the same rows, errors and
            // skips as the adapter), when the header is the first line.
            if let Some((stream, notes)) =
                super::native_blocks::open(path, on_bad_row, check_order, skipped)?
            {
                return Ok(OpenedTrace { stream, notes });
            }
            Box::new(NativeCsv::default())
        }
        Format::Alibaba2017 => Box::new(super::alibaba::Batch2017::new(params)),
        Format::Alibaba2018Task => Box::new(super::alibaba::Task2018::new(params)),
        Format::Alibaba2018Instance => Box::new(super::alibaba::Instance2018::new(params)),
        Format::Alibaba2017Instance => Box::new(super::alibaba::Instance2017::new(params)),
        Format::AlibabaGpu2023 => Box::new(super::alibaba::Gpu2023::default()),
        Format::Google2011 => Box::new(super::google::TaskEvents2011::new(params)?),
        Format::Google2019 => Box::new(super::google::InstanceEvents2019::new(params)?),
        Format::Swf => Box::new(super::swf::Swf::new(params)),
        Format::AzureFunctions2019 => Box::new(super::azure::Functions2019::new(params)?),
        Format::AzureFunctions2021 => Box::new(super::azure::Functions2021::new(params)),
        Format::AzureLlm2023 => Box::new(super::azure::Llm2023::new(params)),
        Format::Requests => Box::new(super::requests::Requests::default()),
        Format::AwsCur => {
            if crate::workload::text::is_parquet(path)? {
                let (stream, notes) =
                    super::cur::open_parquet(path, Default::default(), on_bad_row, skipped)?;
                return Ok(OpenedTrace { stream, notes });
            }
            Box::new(super::cur::SplitCost::new(params))
        }
    };
    open_adapter(path, adapter, on_bad_row, check_order, skipped)
}

/// Opens a text trace through `adapter`, with the bad-row policy and counter.
pub fn open_adapter(
    path: &Path,
    adapter: Box<dyn Adapter>,
    on_bad_row: OnBadRow,
    check_order: bool,
    skipped: &SkipCounter,
) -> Result<OpenedTrace, WorkloadError> {
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
            ranges: Vec::with_capacity(16),
            started: false,
            skip_first,
            done: false,
            failed: false,
        }),
        notes,
    })
}
