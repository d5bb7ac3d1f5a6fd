//! `fargate-sim breakeven`: find where two platforms' costs cross along one
//! axis, by bisection, and chart both costs against it.

use crate::Error;
use crate::experiment::{Base, breakeven};
use crate::io::files::{prepare_dir, remove_stale, safe_file_name};
use crate::scenario::{self, LoadOptions, ScenarioError};
use std::path::PathBuf;

/// A search's arguments.
#[derive(Clone, Debug)]
pub struct Args {
    pub scenario: PathBuf,
    pub load: LoadOptions,
    /// The scenario key to vary, such as `workload.load_scale`.
    pub axis: String,
    /// The range to search.
    pub between: (f64, f64),
    /// The two platforms to compare (default: the first two).
    pub platforms: Option<(String, String)>,
    /// Stop when the bracket is narrower than this share of the range.
    pub tolerance: f64,
    /// Folder for the chart (default: `output/<scenario name>-breakeven`).
    pub out: Option<PathBuf>,
    pub force: bool,
    /// The evaluations and the crossing as text, or `breakeven.json`.
    pub format: super::Format,
}

/// Whether `name` is a file `breakeven` writes into its folder: what
/// `--force` may remove when the new search does not write it again.
pub fn is_breakeven_file(name: &str) -> bool {
    matches!(name, "breakeven.png" | "breakeven.svg" | "breakeven.json")
}

/// Searches, writes `breakeven.json` (the crossing, its span and every
/// evaluation), draws `breakeven.png`/`.svg` and returns the text to print
/// (with `--format json`, the document written to `breakeven.json`).
pub fn breakeven(args: Args) -> Result<String, Error> {
    let (lo, hi) = args.between;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::BadInput(format!(
            "--between {lo} {hi}: need two finite numbers, the first smaller, such as --between 0.5 4"
        )));
    }
    if !(args.tolerance > 0.0 && args.tolerance < 1.0) {
        return Err(Error::BadInput(format!(
            "--tolerance {}: need a share of the range above 0 and below 1, such as 0.001",
            args.tolerance
        )));
    }
    if let Some((a, b)) = &args.platforms
        && a == b
    {
        return Err(Error::BadInput(format!(
            "--platforms {a} {b}: name two different platforms of the scenario"
        )));
    }
    let base = Base::read(&args.scenario, args.load)?;
    let name = scenario::load_str(&base.text, &base.path, &base.options)?
        .0
        .name;
    let dir = args.out.unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-breakeven", safe_file_name(&name)))
    });
    // Before the search, so a folder it cannot use fails in a second.
    prepare_dir(&dir, "breakeven.svg", args.force)?;
    let axis = args.axis.clone();
    let b = breakeven::find(&base, &args.axis, lo, hi, args.platforms, args.tolerance).map_err(
        |e| match e {
            Error::Scenario(ScenarioError::Override { message, .. })
                if message.contains("expected a string") =>
            {
                Error::BadInput(format!(
                    "--axis {axis}: breakeven varies a number, and `{axis}` takes text (a duration, size or name); choose a numeric key, such as workload.load_scale, workload.duration_scale or platforms.NAME.max"
                ))
            }
            // The search sets the axis as an override: name the option the
            // user gave, not a `--set` they never typed.
            Error::Scenario(ScenarioError::Override {
                assignment,
                message,
            }) if assignment.contains(&format!("{axis}=")) => Error::BadInput(format!(
                "--axis {axis}: {message}; name a numeric scenario key, such as workload.load_scale, workload.duration_scale or platforms.NAME.max"
            )),
            e => e,
        },
    )?;
    b.chart(&dir)?;
    let json = super::output::json(&b.to_json())?;
    let data = dir.join("breakeven.json");
    crate::io::files::write_atomic(&data, json.as_bytes())?;
    let files = ["breakeven.png", "breakeven.svg", "breakeven.json"].map(String::from);
    let removed = remove_stale(&dir, &files, is_breakeven_file)?;
    if args.format == super::Format::Json {
        return Ok(json);
    }
    let mut text = b.describe(lo, hi);
    text.push_str(&super::sweep::removed_line(&removed));
    text.push_str(&format!(
        "wrote {}/breakeven.json, breakeven.png and breakeven.svg\n",
        dir.display()
    ));
    Ok(text)
}
