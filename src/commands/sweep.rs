//! `fargate-sim sweep` and `merge`: run a scenario's [sweep] (every point of
//! its axes, each for its replications, in parallel, or one shard of them),
//! and merge the folders of a sharded sweep into the table one machine
//! writes.

use super::output::{Format, json};
use crate::Error;
use crate::experiment::{self, Base, Shard, Sweep};
use crate::io::files::{prepare_dir, remove_stale, safe_file_name};
use crate::report::progress::{ExperimentProgress, ProgressLine};
use crate::scenario::{self, LoadOptions};
use std::path::PathBuf;
use std::sync::Arc;

/// A sweep's arguments.
#[derive(Clone, Debug)]
pub struct Args {
    /// The scenario file, with a [sweep] section.
    pub scenario: PathBuf,
    pub load: LoadOptions,
    /// The results folder (default: `output/<scenario name>-sweep`).
    pub out: Option<PathBuf>,
    /// Points run at once (default: the machine's cores).
    pub jobs: Option<usize>,
    /// Only this slice of the points, as `I/N`.
    pub shard: Option<String>,
    /// The number of shards when the index comes from an array job.
    pub shards: Option<usize>,
    /// Metrics to chart (default: cost and p95 time to start).
    pub metrics: Vec<String>,
    pub force: bool,
    /// Print nothing (no progress line either).
    pub quiet: bool,
    /// The table of results and the files written, or one JSON document.
    pub format: Format,
}

/// Runs the sweep and writes its results; returns the text to print (empty
/// with `quiet`): a table of the main figures per point × platform and the
/// files written, or one JSON document. Progress goes to standard error
/// (see [`ProgressLine`]).
pub fn sweep(args: Args) -> Result<String, Error> {
    let path = &args.scenario;
    let jobs = super::output::jobs(args.jobs)?;
    let metrics = experiment::report::metrics_or_default(args.metrics);
    let base = Base::read(path, args.load)?;
    let sweep = Sweep::parse(&base.text, path)?.ok_or_else(|| {
        Error::BadInput(format!(
            "{} has no [sweep] section; add one (see docs/experiments.md) or use `fargate-sim run`",
            path.display()
        ))
    })?;
    let shard = match (args.shard, args.shards) {
        (Some(s), _) => Shard::parse(&s).map_err(|m| Error::BadInput(format!("--shard {m}")))?,
        (None, Some(n)) if n > 0 => Shard::from_env(n)
            .map_err(Error::BadInput)?
            .ok_or_else(|| Error::BadInput(format!("--shards {n} but no shard index: give --shard I/{n} or run as an array job (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID)")))?,
        (None, Some(_)) => return Err(Error::BadInput("--shards must be at least 1".into())),
        (None, None) => Shard::ALL,
    };
    let name = scenario::load_str(&base.text, &base.path, &base.options)?
        .0
        .name;
    let dir = args.out.unwrap_or_else(|| {
        let mut d = PathBuf::from("output").join(format!("{}-sweep", safe_file_name(&name)));
        if shard.count > 1 {
            d = d.join(format!("shard-{}-of-{}", shard.index, shard.count));
        }
        d
    });
    prepare_dir(&dir, "experiment.json", args.force)?;
    let started = std::time::Instant::now();
    let state = Arc::new(ExperimentProgress::default());
    let mine = sweep
        .points()
        .iter()
        .filter(|p| shard.owns(p.index))
        .count();
    state.set(0, mine, 0.0);
    let line = ProgressLine::experiment("points", state.clone(), !args.quiet);
    let outcome = experiment::run_sweep(&base, &sweep, shard, jobs, &dir, &metrics, &state);
    line.finish();
    let outcome = outcome?;
    let removed = remove_stale(
        &dir,
        &outcome.files,
        experiment::results::is_experiment_file,
    )?;
    if args.quiet {
        return Ok(String::new());
    }
    if args.format == Format::Json {
        return json(&serde_json::json!({
            "scenario": outcome.scenario,
            "experiment": outcome.experiment,
            "out": dir.display().to_string(),
            "files": outcome.files,
            "removed": removed,
            "axes": sweep.keys(),
            "points_run": outcome.points_run,
            "points_total": outcome.points_total,
            "replications": sweep.replications,
            "shard": { "index": shard.index, "count": shard.count },
            "rows": outcome.rows,
        }));
    }
    Ok(format!(
        "{}ran {} of {} point(s) × {} replication(s) with -j {jobs} in {:.2}s\n{}wrote {}: {}\n",
        crate::experiment::overview::render(&sweep.keys(), &outcome.rows),
        outcome.points_run,
        outcome.points_total,
        sweep.replications,
        started.elapsed().as_secs_f64(),
        removed_line(&removed),
        dir.display(),
        outcome.files.join(", ")
    ))
}

/// Merges the shard folders `dirs` into `out` and draws the charts of
/// `metrics` (as for a sweep); returns what was merged and written, as text
/// or as one JSON document.
pub fn merge(
    dirs: &[PathBuf],
    out: &std::path::Path,
    metrics: Vec<String>,
    force: bool,
    format: Format,
) -> Result<String, Error> {
    prepare_dir(out, "results.csv", force)?;
    let metrics = experiment::report::metrics_or_default(metrics);
    let (manifest, mut table) = experiment::results::gather(dirs)?;
    experiment::report::check_metrics(&table, &metrics)?;
    experiment::results::write_merged(out, &manifest, &mut table)?;
    let df = experiment::results::read(out)?;
    let mut files: Vec<String> = ["results.parquet", "results.csv", "experiment.json"]
        .map(String::from)
        .to_vec();
    files.extend(experiment::report::render(
        out,
        &df,
        &manifest.axes,
        &metrics,
        &manifest,
    )?);
    let removed = remove_stale(out, &files, experiment::results::is_experiment_file)?;
    if format == Format::Json {
        return json(&serde_json::json!({
            "experiment": manifest.experiment,
            "scenario": manifest.scenario,
            "out": out.display().to_string(),
            "shards": dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
            "files": files,
            "removed": removed,
            "axes": manifest.axes,
            "points_total": manifest.points,
            "replications": manifest.replications,
            "rows": df.height(),
        }));
    }
    Ok(format!(
        "merged {} shard(s) of experiment {} into {}: {}\n{}",
        dirs.len(),
        manifest.experiment,
        out.display(),
        files.join(", "),
        removed_line(&removed)
    ))
}

/// The line that says which files of earlier results `--force` removed.
pub fn removed_line(removed: &[String]) -> String {
    if removed.is_empty() {
        String::new()
    } else {
        format!(
            "removed the earlier results' {}, which these results do not write\n",
            removed.join(", ")
        )
    }
}
