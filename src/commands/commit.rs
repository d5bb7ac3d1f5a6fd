//! `fargate-sim commit`: a Savings Plan commitment for each platform of a
//! finished run, simulated hour by hour from its time series.

use super::output::{Format, json};
use crate::Error;
use crate::pricing::Catalog;
use crate::report::commit::Plan;
use std::path::Path;

/// Recommends a commitment of `plan` for the run in `run_dir` (writing
/// `commit.csv` and `commit.png` there) at `discount` (default: the
/// catalog's figure), also evaluating `commitment` dollars an hour if given;
/// returns the table, or the JSON document, to print.
pub fn commit(
    run_dir: &Path,
    plan: Plan,
    discount: Option<f64>,
    commitment: Option<f64>,
    format: Format,
) -> Result<String, Error> {
    let c =
        crate::report::commit::commit(run_dir, plan, discount, commitment, &Catalog::builtin())?;
    match format {
        Format::Table => Ok(c.render()),
        Format::Json => json(&c.to_json()),
    }
}
