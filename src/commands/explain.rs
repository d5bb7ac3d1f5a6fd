//! `fargate-sim explain`: a finished run in plain language, from its
//! folder.

use crate::Error;
use crate::pricing::Catalog;
use std::path::Path;

/// Reads `run_dir/summary.json` and explains where each platform's money
/// went, what made tasks wait, how services held their objective, and the
/// single change that would save the most.
pub fn explain(run_dir: &Path) -> Result<String, Error> {
    let summary = crate::report::read_summary(run_dir)?;
    Ok(crate::report::explain::explain(
        &summary,
        &Catalog::builtin(),
    ))
}
