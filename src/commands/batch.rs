//! `fargate-sim batch`: run many scenario files once each and write one
//! combined table.

use super::output::{Format, json};
use crate::Error;
use crate::io::files::{prepare_dir, remove_stale};
use crate::report::progress::{ExperimentProgress, ProgressLine};
use crate::scenario::LoadOptions;
use std::path::PathBuf;
use std::sync::Arc;

/// A batch's arguments.
#[derive(Clone, Debug)]
pub struct Args {
    /// The scenario files.
    pub scenarios: Vec<PathBuf>,
    /// The results folder (default: `output/batch`).
    pub out: Option<PathBuf>,
    /// Files run at once (default: the machine's cores; 0 is refused).
    pub jobs: Option<usize>,
    pub force: bool,
    /// Print nothing (no progress line either).
    pub quiet: bool,
    /// The table of results and the files written, or one JSON document.
    pub format: Format,
}

/// Runs every file of `scenarios` with `jobs` at once and writes
/// `results.parquet`/`.csv` to `out`; returns the text to print (empty with
/// `quiet`): a table of the main figures per file × platform and the files
/// written, or one JSON document. Progress goes to standard error, weighted
/// by each file's expected work.
pub fn batch(args: Args) -> Result<String, Error> {
    let jobs = super::output::jobs(args.jobs)?;
    let dir = args.out.unwrap_or_else(|| PathBuf::from("output/batch"));
    prepare_dir(&dir, "results.csv", args.force)?;
    let started = std::time::Instant::now();
    let state = Arc::new(ExperimentProgress::default());
    state.set(0, args.scenarios.len(), 0.0);
    let line = ProgressLine::experiment("scenarios", state.clone(), !args.quiet);
    let outcome =
        crate::experiment::run_batch(&args.scenarios, &LoadOptions::default(), jobs, &dir, &state);
    line.finish();
    let outcome = outcome?;
    let removed = remove_stale(
        &dir,
        &outcome.files,
        crate::experiment::results::is_experiment_file,
    )?;
    if args.quiet {
        return Ok(String::new());
    }
    if args.format == Format::Json {
        return json(&serde_json::json!({
            "out": dir.display().to_string(),
            "files": outcome.files,
            "removed": removed,
            "scenarios": args.scenarios.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "rows": outcome.rows,
        }));
    }
    Ok(format!(
        "{}ran {} scenario(s) with -j {jobs} in {:.2}s\n{}wrote {}: {}\n",
        crate::experiment::overview::render(&["scenario".to_string()], &outcome.rows),
        args.scenarios.len(),
        started.elapsed().as_secs_f64(),
        super::sweep::removed_line(&removed),
        dir.display(),
        outcome.files.join(", ")
    ))
}
