//! `fargate-sim batch`: run many scenario files once each and write one
//! combined table.

use crate::Error;
use crate::io::files::{prepare_dir, remove_stale};
use crate::scenario::LoadOptions;
use std::path::PathBuf;

/// Runs every file of `scenarios` with `jobs` at once (default: the
/// machine's cores) and writes `results.parquet`/`.csv` to `out` (default:
/// `output/batch`); returns the text to print (empty with `quiet`).
pub fn batch(
    scenarios: &[PathBuf],
    out: Option<PathBuf>,
    jobs: Option<usize>,
    force: bool,
    quiet: bool,
) -> Result<String, Error> {
    let dir = out.unwrap_or_else(|| PathBuf::from("output/batch"));
    prepare_dir(&dir, "results.csv", force)?;
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = std::time::Instant::now();
    let show = !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |done: usize, total: usize| {
        if show {
            eprint!("\r\x1b[2Kscenarios {done}/{total}");
            if done == total {
                eprint!("\r\x1b[2K");
            }
        }
    };
    let files =
        crate::experiment::run_batch(scenarios, &LoadOptions::default(), jobs, &dir, &progress)?;
    let removed = remove_stale(&dir, &files, crate::experiment::results::is_experiment_file)?;
    if quiet {
        return Ok(String::new());
    }
    Ok(format!(
        "ran {} scenario(s) in {:.2}s\n{}wrote {}: {}\n",
        scenarios.len(),
        started.elapsed().as_secs_f64(),
        super::sweep::removed_line(&removed),
        dir.display(),
        files.join(", ")
    ))
}
