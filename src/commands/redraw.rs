//! `fargate-sim report`: re-draw the charts and `report.html` of a finished
//! run from its files, without simulating again.

use crate::Error;
use std::path::Path;

/// Re-draws the run in `run_dir`; returns the text to print (empty with
/// `quiet`).
pub fn redraw(run_dir: &Path, quiet: bool) -> Result<String, Error> {
    let files = crate::report::rerender(run_dir)?;
    if quiet {
        return Ok(String::new());
    }
    Ok(format!(
        "re-drew {}: {}\n",
        run_dir.display(),
        files.join(", ")
    ))
}
