//! `fargate-sim breakeven`: find where two platforms' costs cross along one
//! axis, by bisection, and chart both costs against it.

use crate::Error;
use crate::experiment::{Base, breakeven};
use crate::io::files::{check_fresh, safe_file_name};
use crate::scenario::{self, LoadOptions};
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
}

/// Searches, writes `breakeven.json` (the crossing, its span and every
/// evaluation), draws `breakeven.png`/`.svg` and returns the text to print.
pub fn breakeven(args: Args) -> Result<String, Error> {
    let base = Base::read(&args.scenario, args.load)?;
    let (lo, hi) = args.between;
    let b = breakeven::find(&base, &args.axis, lo, hi, args.platforms, args.tolerance)?;
    let name = scenario::load_str(&base.text, &base.path, &base.options)?
        .0
        .name;
    let dir = args.out.unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-breakeven", safe_file_name(&name)))
    });
    check_fresh(&dir, "breakeven.svg", args.force)?;
    std::fs::create_dir_all(&dir).map_err(|source| Error::Output {
        path: dir.clone(),
        source,
    })?;
    b.chart(&dir)?;
    let json = serde_json::to_string_pretty(&b.to_json()).expect("breakeven serialises") + "\n";
    let data = dir.join("breakeven.json");
    crate::io::files::write_atomic(&data, json.as_bytes())?;
    let mut text = b.describe(lo, hi);
    text.push_str(&format!(
        "wrote {}/breakeven.json, breakeven.png and breakeven.svg\n",
        dir.display()
    ));
    Ok(text)
}
