//! `fargate-sim run`: load a scenario, replay its workload on every platform,
//! write the run's files (summary, time series, task records, charts, HTML)
//! and say what was written.

use crate::Error;
use crate::engine::Progress;
use crate::io::files::{prepare_dir, remove_stale, safe_file_name};
use crate::io::staged::Staged;
use crate::platform::{PlatformSpec, RecordSink};
use crate::report::progress::ProgressLine;
use crate::report::replications::Replications;
use crate::report::tasks::TaskRecords;
use crate::report::{assumptions, summary, table};
use crate::scenario::{self, LoadOptions};
use crate::simulate;
use std::path::PathBuf;
use std::sync::Arc;

/// What a finished run prints: the comparison table and the files written
/// ([`Print::Table`]), or `summary.json` ([`Print::Json`]).
pub use super::output::Format as Print;

/// A run's arguments.
#[derive(Clone, Debug)]
pub struct Args {
    /// The scenario file.
    pub scenario: PathBuf,
    pub load: LoadOptions,
    /// The results folder (default: `output/<scenario name>`).
    pub out: Option<PathBuf>,
    pub print: Print,
    /// Print nothing (no table, no JSON, no progress line).
    pub quiet: bool,
    /// Do not write `tasks.parquet`.
    pub no_task_records: bool,
    /// Run even when the estimate of the work looks absurd.
    pub allow_huge: bool,
    /// Replace the results already in the folder.
    pub force: bool,
    /// Also write `focus.csv`, the bill as FOCUS rows.
    pub focus: bool,
    /// Runs in all (at least 1): the others repeat the scenario with the
    /// seeds of a sweep's replications, to measure its noise.
    pub replications: u32,
}

/// Runs the scenario and writes its files; returns the text to print
/// (empty with `quiet`). The progress line goes to standard error.
pub fn run(args: &Args) -> Result<String, Error> {
    let path = &args.scenario;
    let mut phases = crate::io::timings::Phases::start();
    let (scenario, catalog) = scenario::load(path, &args.load)?;
    // A [sweep] this run ignores must still be valid.
    if let Ok(text) = std::fs::read_to_string(path) {
        crate::experiment::Sweep::parse(&text, path)?;
    }
    scenario
        .check_size(args.allow_huge)
        .map_err(|m| Error::BadInput(format!("{}: {m}", path.display())))?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(safe_file_name(&scenario.name)));
    prepare_dir(&dir, crate::report::RUN_MARKER, args.force)?;
    phases.mark("load the scenario");
    let started = std::time::Instant::now();
    let task_records = scenario.report.task_records && !args.no_task_records;
    // Written on a thread of its own as the platforms record (dropped
    // unfinished, on an error, it removes what it wrote).
    let records = if task_records {
        let names: Vec<&str> = scenario.platforms.iter().map(|p| p.name()).collect();
        Some(TaskRecords::start_with(
            &dir,
            &names,
            scenario.report.task_records_compression,
        )?)
    } else {
        None
    };
    let sink_for = |spec: &PlatformSpec| -> Option<Box<dyn RecordSink>> {
        let i = scenario
            .platforms
            .iter()
            .position(|p| p.name() == spec.name())?;
        let sink = records.as_ref()?.sink(i)?;
        Some(Box::new(sink))
    };
    let progress: Arc<Vec<Progress>> = Arc::new(
        scenario
            .platforms
            .iter()
            .map(|_| Progress::default())
            .collect(),
    );
    let line = ProgressLine::start(
        progress.clone(),
        scenario.horizon,
        workload_span(scenario.workload.clone(), scenario.seed),
        !args.quiet,
    );
    let result = simulate::run_with(
        &scenario,
        &catalog,
        task_records.then_some(&sink_for as simulate::SinkFactory<'_>),
        simulate::RunOptions {
            series_every: Some(scenario.report.interval),
            progress: Some(&progress),
        },
    );
    line.finish();
    let mut result = result?;
    let simulated = started.elapsed().as_secs_f64();
    phases.mark("simulate (trace read beside)");
    // Every run's seed, this run's first (a sweep's replications').
    let seeds: Vec<u64> = (0..args.replications)
        .map(|r| crate::experiment::plan::replication_seed(scenario.seed, r))
        .collect();
    let others = other_replications(args, &seeds[1..])?;
    // Every file goes in place at the end, once all are written (issue 24:
    // their flushes to disk overlap the work instead of following it).
    let out = Staged::new();
    let (summary, json, mut files) = crate::report::write_all(
        &out,
        &dir,
        &mut result,
        |result| {
            let mut summary = summary::summarize(&scenario, result);
            summary.assumptions = assumptions::list(&scenario, &catalog);
            summary.real_bill = crate::report::real_bill::compare(&scenario, result)?;
            if !others.is_empty() {
                let mut runs: Vec<&[summary::PlatformSummary]> = vec![&summary.platforms];
                runs.extend(others.iter().map(Vec::as_slice));
                let record = Replications::from_runs(seeds.clone(), &runs);
                summary.replications = Some(record);
            }
            Ok(summary)
        },
        records.as_ref(),
    )?;
    phases.mark("summarize, draw, write (staged)");
    if args.focus {
        let rows: Vec<_> = result
            .platforms
            .iter()
            .flat_map(|p| crate::report::focus::rows(p, &scenario.name))
            .collect();
        let text = crate::report::focus::csv(&rows);
        crate::report::focus::validate(&text)
            .map_err(|m| Error::Internal(format!("the FOCUS export broke its own rules: {m}")))?;
        out.write(&dir.join("focus.csv"), text.as_bytes())?;
        files.push("focus.csv".to_string());
    }
    // A right-sizing run also writes what each group used, for
    // `fargate-sim rightsize` (a second pass over the same workload).
    let rightsizes = scenario
        .platforms
        .iter()
        .any(|p| crate::report::rightsizing::policy(p).is_some_and(|r| !r.is_requested()));
    if rightsizes {
        let (_, stream) = scenario.workload.open(scenario.seed)?;
        // The group percentiles the policies name get columns of their own.
        let percentiles: Vec<u8> = scenario
            .platforms
            .iter()
            .filter_map(crate::report::rightsizing::policy)
            .flat_map(|r| r.percentiles())
            .collect();
        if let Some(text) = crate::report::usage::usage_csv(stream, &percentiles)? {
            out.write(&dir.join("usage.csv"), text.as_bytes())?;
            files.push("usage.csv".to_string());
        }
    }
    out.commit(Some(&dir.join(crate::report::RUN_MARKER)))?;
    phases.mark("write the files: flush, rename");
    // With --force: what the earlier run wrote and this one did not (its
    // service charts, tasks.parquet) would read as this run's.
    let removed = remove_stale(&dir, &files, crate::report::is_run_file)?;
    phases.mark("the rest");
    let mut text = String::new();
    match args.print {
        _ if args.quiet => {}
        Print::Json => text = json,
        Print::Table => {
            let events: u64 = result.platforms.iter().map(|p| p.end.events).sum();
            if let Some(r) = &summary.real_bill {
                text.push_str(&crate::report::real_bill::render_text(r));
            }
            text.push_str(&table::render(&summary));
            if let Some(r) = &summary.replications {
                text.push_str(&crate::report::replications::render_text(
                    r,
                    &summary.platforms,
                ));
            }
            if let Ok(source) = std::fs::read_to_string(path)
                && let Ok(Some(sweep)) = crate::experiment::Sweep::parse(&source, path)
            {
                text.push_str(&format!(
                    "note: this scenario has a [sweep] of {} point(s); this run ignored it, `fargate-sim sweep {}` runs them\n",
                    sweep.points().len(),
                    path.display()
                ));
            }
            if !removed.is_empty() {
                text.push_str(&format!(
                    "removed the earlier run's {}, which this run does not write\n",
                    removed.join(", ")
                ));
            }
            text.push_str(&format!(
                "wrote {}: {}\n({} events; {:.2}s simulating, {:.2}s in all)\n",
                dir.display(),
                files.join(", "),
                events,
                simulated,
                started.elapsed().as_secs_f64()
            ));
        }
    }
    Ok(text)
}

/// The platform summaries of the other runs of `run --replications N`,
/// one for each of `seeds` (none for one run), run as a sweep runs its
/// replications ([`crate::experiment::plan::Base::run`]): they write no
/// file, and only their totals and start times are kept, for the verdicts
/// to tell a real gap from noise.
fn other_replications(
    args: &Args,
    seeds: &[u64],
) -> Result<Vec<Vec<crate::report::PlatformSummary>>, Error> {
    if seeds.is_empty() {
        return Ok(Vec::new());
    }
    let base = crate::experiment::plan::Base::read(&args.scenario, args.load.clone())?;
    seeds
        .iter()
        .enumerate()
        .map(|(i, &seed)| {
            if !args.quiet {
                eprintln!("replication {} of {}", i + 2, args.replications);
            }
            Ok(base.run(&[], Some(seed))?.platforms)
        })
        .collect()
}

/// The simulated time the workload's tasks span (up to the last submit),
/// for the progress line of a run without a horizon: read on the display's
/// own thread, from a fresh copy of the same stream.
fn workload_span(
    workload: crate::scenario::WorkloadSpec,
    seed: u64,
) -> impl FnOnce() -> Option<crate::time::SimTime> + Send + 'static {
    move || {
        let (_, stream) = workload.open(seed).ok()?;
        stream.map_while(Result::ok).map(|t| t.submit).max()
    }
}
