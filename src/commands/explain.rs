//! `fargate-sim explain`: a finished run in plain language, from its
//! folder.

use super::output::{Format, json};
use crate::Error;
use crate::pricing::Catalog;
use std::path::Path;

/// Reads `run_dir/summary.json` and explains where each platform's money
/// went, what made tasks wait, how services held their objective, and the
/// single change that would save the most: as text, or as one JSON document
/// with the same sections.
pub fn explain(run_dir: &Path, format: Format) -> Result<String, Error> {
    let summary = crate::report::read_summary(run_dir)?;
    let e = crate::report::explain::explanation(&summary, &Catalog::builtin());
    match format {
        Format::Table => Ok(crate::report::explain::render(&e)),
        Format::Json => json(&e),
    }
}
