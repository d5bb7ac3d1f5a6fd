//! Loading a scenario: read the file, apply `--set` overrides, validate,
//! and point an error at its line.

use super::spec::Scenario;
use crate::pricing::Catalog;
use crate::scenario::defaults::Defaults;
use std::path::{Path, PathBuf};

/// A scenario that could not be loaded: the file, the place, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax or shape (toml's message carries line, column and caret).
    #[error("scenario {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A `--set` override that could not be applied.
    #[error("--set {assignment}: {message}")]
    Override { assignment: String, message: String },
    /// A value that is well-formed but not acceptable.
    #[error("scenario {}{}: `{key}` {message}{}", path.display(), location.as_ref().map(|l| format!(":{}:{}", l.line, l.column)).unwrap_or_default(), location.as_ref().map(|l| format!("\n{}", l.snippet)).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
        location: Option<super::locate::Location>,
    },
    /// The pricing catalog named by the scenario or `--pricing`.
    #[error(transparent)]
    Catalog(#[from] crate::pricing::catalog::CatalogError),
}

/// How to load a scenario.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `KEY=VALUE` overrides, applied in order.
    pub overrides: Vec<String>,
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Replaces the pricing catalog.
    pub pricing: Option<PathBuf>,
}

/// Reads, overrides and validates a scenario file; also returns the catalog
/// it prices with.
pub fn load(path: &Path, options: &LoadOptions) -> Result<(Scenario, Catalog), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(&text, path, options)
}

/// As [`load`], from text already read; `path` names it and anchors relative paths.
pub fn load_str(
    text: &str,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Scenario, Catalog), ScenarioError> {
    let parse_err = |message: String| ScenarioError::Parse {
        path: path.to_path_buf(),
        message,
    };
    // Parse once as written, so shape errors carry toml's line and caret.
    let mut raw: super::raw::RawScenario =
        toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
    if !options.overrides.is_empty() {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
        for assignment in &options.overrides {
            super::overrides::apply(&mut table, assignment).map_err(|message| {
                ScenarioError::Override {
                    assignment: assignment.clone(),
                    message,
                }
            })?;
        }
        raw = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ScenarioError::Override {
                assignment: options.overrides.join(" "),
                message: e.message().to_string(),
            })?;
    }
    let seed_set = options
        .overrides
        .iter()
        .rev()
        .find(|a| a.split('=').next().is_some_and(|k| k.trim() == "seed"));
    if let Some(seed) = options.seed {
        raw.seed = Some(seed.min(i64::MAX as u64) as i64);
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let catalog = match (&options.pricing, &raw.pricing) {
        (Some(p), _) => Catalog::load(p)?,
        (None, Some(p)) => Catalog::load(&base_dir.join(p))?,
        (None, None) => Catalog::builtin(),
    };
    let defaults = Defaults::builtin();
    let mut scenario =
        super::validate::scenario(&raw, &base_dir, &catalog, &defaults).map_err(|inv| {
            ScenarioError::Invalid {
                path: path.to_path_buf(),
                // After --set the file no longer holds the value that failed,
                // so pointing into it would mislead.
                location: if options.overrides.is_empty() {
                    super::locate::locate(text, &inv.key)
                } else {
                    None
                },
                key: inv.key,
                message: if options.overrides.is_empty() {
                    inv.message
                } else {
                    format!(
                        "{} (after --set {})",
                        inv.message,
                        options.overrides.join(" --set ")
                    )
                },
            }
        })?;
    scenario.overrides = options.overrides.clone();
    if options.seed.is_some() {
        scenario.seed_source =
            "--seed (given to the command, or an experiment's replication)".into();
    } else if let Some(a) = seed_set {
        scenario.seed_source = format!("--set {}", a.trim());
    }
    Ok((scenario, catalog))
}
