//! Writing a run's files into its folder (summary, tables, time series, task
//! records, charts, report.html) and re-drawing them from a finished run.

use super::summary::Summary;
use crate::Error;
use crate::io::staged::Staged;
use crate::io::table::Table;
use crate::platform::series::SeriesRecorder;
use std::path::Path;
use std::sync::OnceLock;

/// The marker of a run's folder: a folder holding it holds a run.
pub const RUN_MARKER: &str = "summary.json";

/// Whether `name` is a file that `fargate-sim run` (or `commit`, on the
/// run's folder) writes into a run's folder: what `--force` may remove when
/// the new run does not write it again. Keep it in step with
/// [`write_all`], the charts and `commit`; a test checks every file a run
/// writes against it.
pub fn is_run_file(name: &str) -> bool {
    const FILES: &[&str] = &[
        "summary.json",
        "summary.csv",
        "timeseries.parquet",
        "timeseries.csv",
        "tasks.parquet",
        "service_minutes.parquet",
        "service_minutes.csv",
        "report.html",
        "commit.csv",
        "focus.csv",
        "usage.csv",
        "rightsizing.csv",
    ];
    const CHARTS: &[&str] = &[
        "cost",
        "capacity",
        "time_to_start",
        "cost_breakdown",
        "commit",
    ];
    if FILES.contains(&name) {
        return true;
    }
    let Some(stem) = name
        .strip_suffix(".png")
        .or_else(|| name.strip_suffix(".svg"))
    else {
        return false;
    };
    // Service charts: service_<name>_latency and service_<name>_scale_out.
    let service = stem.strip_prefix("service_").is_some_and(|rest| {
        ["_latency", "_scale_out"]
            .iter()
            .any(|end| rest.strip_suffix(end).is_some_and(|n| !n.is_empty()))
    });
    CHARTS.contains(&stem) || service
}

/// Writes every file of a run into `out`, files of `dir`: the summary,
/// the time series, `tasks.parquet` from the task records' writer (none
/// when task records are off), the charts and the HTML report. Returns the
/// summary, its JSON text and the file names written.
///
/// The time series is written on a second thread while `summarize` builds
/// the summary from the run on this one (issue 24: neither reads what the
/// other writes); the charts' lines are taken from the recorders on a third.
/// The two charts drawn from the summary alone start as soon as it is
/// built, the two drawn from the series once their lines are ready too,
/// each on threads of its own, while the files are still being written.
pub fn write_all(
    out: &Staged,
    dir: &Path,
    result: &mut crate::simulate::RunOutput,
    summarize: impl FnOnce(&mut crate::simulate::RunOutput) -> Result<Summary, Error>,
    tasks: Option<&super::tasks::TaskRecords>,
) -> Result<(Summary, String, Vec<String>), Error> {
    let mut phases = crate::io::timings::Phases::start();
    // Streamed from each platform's recorder (issue 24: a run of 440
    // simulated days has 638,000 rows a platform, most of them in the
    // recorder's spool file); the charts keep a few thousand points a line.
    let recorders: Vec<(String, Option<SeriesRecorder>)> = result
        .platforms
        .iter_mut()
        .map(|p| (p.spec.name().to_string(), p.series.take()))
        .collect();
    // The summary, set once built, for the charts' threads to read.
    let built: OnceLock<(Summary, String)> = OnceLock::new();
    let refs: Vec<(&str, Option<&SeriesRecorder>)> = recorders
        .iter()
        .map(|(name, r)| (name.as_str(), r.as_ref()))
        .collect();
    let charts = std::thread::scope(|s| -> Result<Vec<super::plot::Chart>, Error> {
        // The charts' lines first, apart from the files, so the two charts
        // drawn from them need not wait for the files (issue 24).
        let lines = s.spawn(|| super::timeseries::chart_series(&refs));
        let files = s.spawn(|| {
            // Nothing waits on the files but the end: they take the cores
            // the charts leave (the Parquet writer's thread inherits this).
            crate::io::priority::lower_this_thread();
            let written = super::timeseries::write_streamed(out, dir, &refs);
            crate::io::timings::event("  time series files written");
            written
        });
        let summarized = summarize(result).and_then(|summary| {
            let json = serde_json::to_string_pretty(&summary)
                .map_err(|e| Error::Internal(format!("the summary as JSON: {e}")))?
                + "\n";
            out.write(&dir.join("summary.json"), json.as_bytes())?;
            out.write(
                &dir.join("summary.csv"),
                super::csv::render(&summary).as_bytes(),
            )?;
            Ok((summary, json))
        });
        phases.mark("  summarize, summary.json, .csv");
        // The charts of the summary alone beside those of the series.
        let by_summary = summarized.map(|done| {
            let summary = &built.get_or_init(|| done).0;
            (
                summary,
                s.spawn(move || {
                    // Behind the capacity chart, the longest to draw: these
                    // take the cores it leaves (their threads inherit this).
                    crate::io::priority::lower_this_thread();
                    super::charts::summary_charts(out, dir, summary)
                }),
            )
        });
        let per_platform = join(lines);
        let (summary, by_summary) = by_summary?;
        let by_series = super::charts::series_charts(out, dir, summary, &per_platform?);
        let by_summary = join(by_summary);
        join(files)?;
        phases.mark("  time series files");
        Ok(by_series?.into_iter().chain(by_summary?).collect())
    });
    // The recorders go back to the run (the FOCUS export reads them).
    for (p, (_, r)) in result.platforms.iter_mut().zip(recorders) {
        p.series = r;
    }
    let charts = charts?;
    phases.mark("  charts");
    let (summary, json) = built
        .into_inner()
        .ok_or_else(|| Error::Internal("the summary was not built".into()))?;
    let mut files = vec!["summary.json".to_string(), "summary.csv".to_string()];
    let mut minutes = None;
    if let Some(text) = super::rightsizing_groups::csv(&summary.platforms) {
        out.write(&dir.join("rightsizing.csv"), text.as_bytes())?;
        files.push("rightsizing.csv".into());
    }
    files.push("timeseries.parquet".into());
    files.push("timeseries.csv".into());
    if let Some(tasks) = tasks {
        tasks.finish()?;
        files.push("tasks.parquet".into());
        phases.mark("  tasks.parquet");
    }
    let service_runs: Vec<(&str, &[crate::service::ServiceReport])> = result
        .platforms
        .iter()
        .filter(|p| !p.services.is_empty())
        .map(|p| (p.spec.name(), p.services.as_slice()))
        .collect();
    if !service_runs.is_empty() {
        let mut df = super::services::frame(&service_runs)?;
        super::services::write(dir, &mut df)?;
        files.push("service_minutes.parquet".into());
        files.push("service_minutes.csv".into());
        minutes = Some(df);
    }
    files.extend(finish_report(out, dir, &summary, charts, minutes.as_ref())?);
    phases.mark("  service charts, report.html");
    Ok((summary, json, files))
}

/// The result of a thread.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Draws the charts and writes `report.html` in `dir` from a run's summary
/// and time series (just computed, or read back by `fargate-sim report`).
/// Returns the file names written.
pub fn render(
    dir: &Path,
    summary: &Summary,
    series: &Table,
    service_minutes: Option<&Table>,
) -> Result<Vec<String>, Error> {
    let per_platform = super::timeseries::charts_from_table(series)?;
    render_series(dir, summary, &per_platform, service_minutes)
}

/// [`render`] from the time series already split by platform.
fn render_series(
    dir: &Path,
    summary: &Summary,
    per_platform: &[super::chart_series::ChartSeries],
    service_minutes: Option<&Table>,
) -> Result<Vec<String>, Error> {
    let out = Staged::new();
    let charts = super::charts::render_all(&out, dir, summary, per_platform)?;
    let files = finish_report(&out, dir, summary, charts, service_minutes)?;
    out.commit(None)?;
    Ok(files)
}

/// Adds the service charts to the platform `charts` already drawn and
/// writes `report.html` into `out`; returns the file names of all of them.
fn finish_report(
    out: &Staged,
    dir: &Path,
    summary: &Summary,
    mut charts: Vec<super::plot::Chart>,
    service_minutes: Option<&Table>,
) -> Result<Vec<String>, Error> {
    if let Some(m) = service_minutes {
        charts.extend(super::service_charts::render_all(
            dir,
            &super::services::split(m)?,
            summary,
        )?);
    }
    out.write(
        &dir.join("report.html"),
        super::html::render(summary, &charts).as_bytes(),
    )?;
    let mut files: Vec<String> = charts
        .iter()
        .flat_map(|c| [format!("{}.png", c.name), format!("{}.svg", c.name)])
        .collect();
    files.push("report.html".into());
    Ok(files)
}

/// What another command left in `dir`, when it is not a run's folder: a
/// sweep, a break-even search, a batch or merge, or `calibrate`'s fits.
fn other_results(dir: &Path) -> Option<&'static str> {
    [
        (
            "experiment.json",
            "a sweep's results (open its experiment.html)",
        ),
        ("breakeven.json", "a break-even search (breakeven.json)"),
        ("results.csv", "a batch's or merge's table (results.csv)"),
        ("startup.toml", "the fits of `calibrate` (startup.toml)"),
    ]
    .into_iter()
    .find(|(marker, _)| dir.join(marker).is_file())
    .map(|(_, what)| what)
}

/// Reads a finished run's `summary.json`.
pub fn read_summary(dir: &Path) -> Result<Summary, Error> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let what = other_results(dir).map_or(String::new(), |w| {
            format!(
                "; {} holds {w}, not the results of one run",
                dir.display()
            )
        });
        Error::BadInput(format!(
            "{}: cannot read it ({e}){what}; give the folder of a finished run, such as output/quickstart",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::BadInput(format!(
            "{}: not a fargate-sim summary ({e}); was it written by fargate-sim run?",
            path.display()
        ))
    })
}

/// Re-renders charts and HTML of a finished run in `dir` from its
/// `summary.json` and `timeseries.parquet`, without simulating again.
pub fn rerender(dir: &Path) -> Result<Vec<String>, Error> {
    let summary = read_summary(dir)?;
    // Read in slices: a long run's series is not held whole.
    let per_platform = super::timeseries::charts_from_parquet(&dir.join("timeseries.parquet"))?;
    let minutes_path = dir.join("service_minutes.parquet");
    let minutes = if summary.platforms.iter().any(|p| !p.services.is_empty()) {
        Some(super::timeseries::read(&minutes_path)?)
    } else {
        None
    };
    render_series(dir, &summary, &per_platform, minutes.as_ref())
}
