//! A validated scenario (its workload, platforms and report settings), the
//! errors of loading one, and [`load`].

use crate::platform::PlatformSpec;
use crate::time::SimTime;
use crate::workload::synthetic::Generator;
use crate::workload::trace::TraceSpec;
use crate::workload::{TaskStream, WorkloadError, merge, scale_durations, scale_load};

/// A validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Where the seed came from: the scenario file, `--seed`, a `--set`, or
    /// the default.
    pub seed_source: String,
    /// The `--set KEY=VALUE` overrides applied to the file, in order.
    pub overrides: Vec<String>,
    /// Stop here; `None` runs until the workload drains.
    pub horizon: Option<SimTime>,
    pub workload: WorkloadSpec,
    pub platforms: Vec<PlatformSpec>,
    pub report: ReportSpec,
    /// Each platform's bill around compute, in platform order.
    pub bills: Vec<crate::pricing::around::Settings>,
}

/// What a run writes besides the summary (`[report]` in a scenario).
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSpec {
    /// One time-series row per this span, µs.
    pub interval: SimTime,
    /// Whether to write `tasks.parquet`.
    pub task_records: bool,
    /// How `tasks.parquet` is compressed.
    pub task_records_compression: TaskRecordsCompression,
}

/// How `tasks.parquet` is compressed (`[report] task_records_compression`):
/// the same rows and values whichever is chosen, in more or fewer bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskRecordsCompression {
    /// The vCPU and memory sizes as dictionaries, Snappy on the columns that shrink
    /// (sizes, counts, texts, billed seconds), ids as differences and the
    /// times and amounts as they are: about half the CPU of `Snappy` for a
    /// file about 30 % larger.
    #[default]
    Light,
    /// Snappy on every column, the sizes as polars chooses (the file before issue 24's
    /// fourth round, byte for byte).
    Snappy,
    /// LZ4 (Parquet's `LZ4_RAW`) on every column.
    Lz4,
    /// Zstandard level 1 on every column: the smallest file, the most CPU.
    Zstd,
    /// No compression: the largest file.
    None,
}

impl TaskRecordsCompression {
    /// The names a scenario file uses, with their values.
    pub const NAMES: [(&'static str, TaskRecordsCompression); 5] = [
        ("light", TaskRecordsCompression::Light),
        ("snappy", TaskRecordsCompression::Snappy),
        ("lz4", TaskRecordsCompression::Lz4),
        ("zstd", TaskRecordsCompression::Zstd),
        ("none", TaskRecordsCompression::None),
    ];
}

impl Default for ReportSpec {
    fn default() -> Self {
        ReportSpec {
            interval: crate::time::MINUTE,
            task_records: true,
            task_records_compression: TaskRecordsCompression::default(),
        }
    }
}

/// Where the tasks come from.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    pub trace: Option<TraceSpec>,
    pub generators: Vec<Generator>,
    /// Long-running services fed by requests.
    pub services: Vec<crate::service::ServiceSpec>,
    pub load_scale: f64,
    pub duration_scale: f64,
}

impl WorkloadSpec {
    /// Opens every source afresh and merges them, scaled. The same seed
    /// always yields the same stream, so each platform sees the same tasks.
    pub fn open(&self, seed: u64) -> Result<(Vec<String>, TaskStream), WorkloadError> {
        self.open_counted(seed).map(|(n, s, _)| (n, s))
    }

    /// [`WorkloadSpec::open`], with the counter of the trace's skipped rows
    /// (complete once the stream is exhausted).
    pub fn open_counted(
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
        let mut notes = Vec::new();
        let mut sources: Vec<TaskStream> = Vec::new();
        let mut skipped = crate::workload::formats::SkipCounter::default();
        if let Some(trace) = &self.trace {
            let (trace_notes, stream, counter) = trace.open(seed)?;
            skipped = counter;
            notes.extend(trace_notes);
            let stream = scale_load(
                stream,
                self.load_scale,
                crate::engine::rng::stream(seed, "workload/trace/load_scale"),
            );
            sources.push(stream);
        }
        for g in &self.generators {
            let g = if self.load_scale == 1.0 {
                g.clone()
            } else {
                Generator {
                    arrivals: g.arrivals.scaled(self.load_scale),
                    count: g
                        .count
                        .map(|c| (c as f64 * self.load_scale).round().max(1.0) as u64),
                    ..g.clone()
                }
            };
            sources.push(g.stream(crate::engine::rng::stream(
                seed,
                &format!("workload/generator:{}", g.name),
            )));
        }
        Ok((
            notes,
            scale_durations(merge(sources), self.duration_scale),
            skipped,
        ))
    }
}

/// Tasks a platform may simulate before a run is refused as absurd.
pub const MAX_TASKS: f64 = 2e9;
/// Time-series rows (all platforms) before a run is refused.
pub const MAX_SERIES_ROWS: f64 = 5e7;

impl Scenario {
    /// The tasks the generators submit and the requests the rate curves
    /// send, expected over the run (traces are not counted).
    pub fn expected_tasks_and_requests(&self) -> (f64, f64) {
        let end = self.horizon.unwrap_or(crate::time::MAX_SPAN);
        let tasks: f64 = self
            .workload
            .generators
            .iter()
            .map(|g| g.expected_tasks(end))
            .sum::<f64>()
            * self.workload.load_scale;
        let requests: f64 = self
            .workload
            .services
            .iter()
            .map(|s| match &s.requests {
                crate::service::RequestSource::Curve { curve, .. } => {
                    curve.mean_rate(end) * crate::time::sim_to_seconds(end)
                }
                crate::service::RequestSource::Trace(_) => 0.0,
            })
            .sum();
        (tasks, requests)
    }

    /// About how much work a run is, for progress estimates: the expected
    /// tasks and requests on every platform, a trace counted by its size
    /// (one task per 64 bytes, scaled by its sample).
    pub fn expected_work(&self) -> f64 {
        let (tasks, requests) = self.expected_tasks_and_requests();
        let trace = self.workload.trace.as_ref().map_or(0.0, |t| {
            std::fs::metadata(&t.path).map_or(0.0, |m| m.len() as f64 / 64.0)
                * t.sample.unwrap_or(1.0)
                * self.workload.load_scale
        });
        (tasks + requests + trace) * self.platforms.len().max(1) as f64
    }

    /// Refuses, before any work, a scenario whose size is absurd (a rate of
    /// 10^12 tasks a second, a million-year horizon at one-minute rows), with
    /// the estimate, unless `allow_huge`. Traces are bounded by their file.
    pub fn check_size(&self, allow_huge: bool) -> Result<(), String> {
        if allow_huge {
            return Ok(());
        }
        let (tasks, requests) = self.expected_tasks_and_requests();
        if requests > MAX_TASKS {
            return Err(format!(
                "this scenario's services would simulate about {requests:.3e} requests on each of {} platform(s), hours of work at a few million requests a second; lower the rates or the `horizon`, or add --allow-huge if you mean it",
                self.platforms.len()
            ));
        }
        if tasks > MAX_TASKS {
            return Err(format!(
                "this scenario would simulate about {tasks:.3e} tasks on each of {} platform(s), hours to days of work at a few million tasks a second; lower the rate, `count`, `until` or `horizon`, or add --allow-huge if you mean it",
                self.platforms.len()
            ));
        }
        if let Some(h) = self.horizon {
            let rows =
                (h as f64 / self.report.interval as f64).ceil() * self.platforms.len() as f64;
            if rows > MAX_SERIES_ROWS {
                return Err(format!(
                    "a horizon of {} at a time-series interval of {} makes about {rows:.3e} rows; set [report] interval longer (such as \"1h\") or add --allow-huge",
                    crate::time::format_span(h),
                    crate::time::format_span(self.report.interval)
                ));
            }
        }
        Ok(())
    }
}
