//! A validated scenario (its workload, platforms and report settings), the
//! errors of loading one, and [`load`].

use crate::platform::PlatformSpec;
use crate::pricing::Catalog;
use crate::scenario::defaults::Defaults;
use crate::time::SimTime;
use crate::workload::synthetic::Generator;
use crate::workload::trace::TraceSpec;
use crate::workload::{TaskStream, WorkloadError, merge, scale_durations, scale_load};
use std::path::{Path, PathBuf};

/// A validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Stop here; `None` runs until the workload drains.
    pub horizon: Option<SimTime>,
    pub workload: WorkloadSpec,
    pub platforms: Vec<PlatformSpec>,
    pub report: ReportSpec,
}

/// What a run writes besides the summary (`[report]` in a scenario).
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSpec {
    /// One time-series row per this span, µs.
    pub interval: SimTime,
    /// Whether to write `tasks.parquet`.
    pub task_records: bool,
}

impl Default for ReportSpec {
    fn default() -> Self {
        ReportSpec {
            interval: crate::time::MINUTE,
            task_records: true,
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
    /// Refuses, before any work, a scenario whose size is absurd (a rate of
    /// 10^12 tasks a second, a million-year horizon at one-minute rows), with
    /// the estimate, unless `allow_huge`. Traces are bounded by their file.
    pub fn check_size(&self, allow_huge: bool) -> Result<(), String> {
        if allow_huge {
            return Ok(());
        }
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

/// A scenario that could not be loaded: the file, the place, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax or shape (toml's message carries line, column and caret).
    #[error("scenario {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A `--set` override that could not be applied.
    #[error("--set {assignment}: {message}")]
    Override { assignment: String, message: String },
    /// A value that is well-formed but not acceptable.
    #[error("scenario {}{}: `{key}` {message}{}", path.display(), location.as_ref().map(|l| format!(":{}:{}", l.line, l.column)).unwrap_or_default(), location.as_ref().map(|l| format!("\n{}", l.snippet)).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
        location: Option<super::locate::Location>,
    },
    /// The pricing catalog named by the scenario or `--pricing`.
    #[error(transparent)]
    Catalog(#[from] crate::pricing::catalog::CatalogError),
}

/// How to load a scenario.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `KEY=VALUE` overrides, applied in order.
    pub overrides: Vec<String>,
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Replaces the pricing catalog.
    pub pricing: Option<PathBuf>,
}

/// Reads, overrides and validates a scenario file; also returns the catalog
/// it prices with.
pub fn load(path: &Path, options: &LoadOptions) -> Result<(Scenario, Catalog), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(&text, path, options)
}

/// As [`load`], from text already read; `path` names it and anchors relative paths.
pub fn load_str(
    text: &str,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Scenario, Catalog), ScenarioError> {
    let parse_err = |message: String| ScenarioError::Parse {
        path: path.to_path_buf(),
        message,
    };
    // Parse once as written, so shape errors carry toml's line and caret.
    let mut raw: super::raw::RawScenario =
        toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
    if !options.overrides.is_empty() {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
        for assignment in &options.overrides {
            super::overrides::apply(&mut table, assignment).map_err(|message| {
                ScenarioError::Override {
                    assignment: assignment.clone(),
                    message,
                }
            })?;
        }
        raw = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ScenarioError::Override {
                assignment: options.overrides.join(" "),
                message: e.message().to_string(),
            })?;
    }
    if let Some(seed) = options.seed {
        raw.seed = Some(seed.min(i64::MAX as u64) as i64);
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let catalog = match (&options.pricing, &raw.pricing) {
        (Some(p), _) => Catalog::load(p)?,
        (None, Some(p)) => Catalog::load(&base_dir.join(p))?,
        (None, None) => Catalog::builtin(),
    };
    let defaults = Defaults::builtin();
    let scenario =
        super::validate::scenario(&raw, &base_dir, &catalog, &defaults).map_err(|inv| {
            ScenarioError::Invalid {
                path: path.to_path_buf(),
                // After --set the file no longer holds the value that failed,
                // so pointing into it would mislead.
                location: if options.overrides.is_empty() {
                    super::locate::locate(text, &inv.key)
                } else {
                    None
                },
                key: inv.key,
                message: if options.overrides.is_empty() {
                    inv.message
                } else {
                    format!(
                        "{} (after --set {})",
                        inv.message,
                        options.overrides.join(" --set ")
                    )
                },
            }
        })?;
    Ok((scenario, catalog))
}
