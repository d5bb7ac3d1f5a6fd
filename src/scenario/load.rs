//! Loading a scenario: read the file, apply `--set` overrides, validate,
//! and point an error at its line.

use super::hints;
use super::spec::Scenario;
use crate::pricing::Catalog;
use crate::scenario::defaults::Defaults;
use std::path::{Path, PathBuf};

/// A scenario that could not be loaded: the file, the place, what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {}: {source}{}", path.display(), read_hint(path))]
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

/// What to do about a scenario file that could not be read.
fn read_hint(path: &Path) -> String {
    if path.is_dir() {
        "; that is a folder: give the scenario file (.toml) to read".into()
    } else if !path.exists() {
        "; check the path, or write a starter with `fargate-sim new FILE`".into()
    } else {
        not_a_scenario_hint(path).unwrap_or_default()
    }
}

/// What to do when the file given as a scenario is a trace or an export
/// (a user's first try is often `run trace.csv`): toml's own message says
/// only that a key has no value. The file is told by the same detection
/// `new --trace` uses, so the hint names a command that reads it.
fn not_a_scenario_hint(path: &Path) -> Option<String> {
    use crate::workload::formats::Format;
    let shown = path.display();
    match Format::detect(path).ok()? {
        Format::EcsTasks | Format::KubernetesPods => Some(format!(
            "\nhint: {shown} looks like an export, not a scenario: write a scenario from an ECS or Kubernetes export with `fargate-sim new --from {shown} scenario.toml`, then run `fargate-sim run scenario.toml`"
        )),
        _ => Some(format!(
            "\nhint: {shown} looks like a trace, not a scenario: write a scenario that replays it with `fargate-sim new --trace {shown} scenario.toml`, then run `fargate-sim run scenario.toml`"
        )),
    }
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
///
/// The built-in catalog, when `--pricing` does not replace it and it is not
/// parsed yet, is parsed on a second thread while this one reads the
/// scenario and the built-in defaults (issue 24: the two parses were most
/// of the time before a run's first event). A scenario that names its own
/// catalog leaves it parsed and unused.
pub fn load_str(
    text: &str,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Scenario, Catalog), ScenarioError> {
    std::thread::scope(|s| {
        if options.pricing.is_none() && !Catalog::builtin_parsed() {
            s.spawn(Catalog::builtin_ref);
        }
        load_text(text, path, options)
    })
}

fn load_text(
    text: &str,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Scenario, Catalog), ScenarioError> {
    // toml's message (line, column, caret) and, under it, what to write
    // instead when serde's words are Rust's.
    let parse_err = |e: toml::de::Error| {
        let key = e
            .span()
            .map(|s| hints::key_before(text, s.start))
            .unwrap_or_default();
        let mut message = e.to_string();
        if let Some(h) = hints::hint(e.message(), &key, hints::Form::File) {
            message = format!("{}\nhint: {h}", message.trim_end());
        } else if let Some(h) = not_a_scenario_hint(path) {
            message = format!("{}{h}", message.trim_end());
        }
        ScenarioError::Parse {
            path: path.to_path_buf(),
            message,
        }
    };
    // Parse once as written, so shape errors carry toml's line and caret.
    let mut raw: super::raw::RawScenario = toml::from_str(text).map_err(parse_err)?;
    if !options.overrides.is_empty() {
        let mut table: toml::Table = toml::from_str(text).map_err(parse_err)?;
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
                message: with_set_hint(e.message(), &options.overrides),
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
    // The defaults first: the built-in catalog is being parsed meanwhile.
    let defaults = Defaults::builtin();
    let catalog = match (&options.pricing, &raw.pricing) {
        (Some(p), _) => Catalog::load(p)?,
        (None, Some(p)) => Catalog::load(&base_dir.join(p))?,
        (None, None) => Catalog::builtin(),
    };
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

/// serde's `message` about the overrides `sets`, with a hint of what to
/// write instead, for the override it is about: the only one, or the one
/// whose value the message quotes.
fn with_set_hint(message: &str, sets: &[String]) -> String {
    let pairs: Vec<(&str, &str)> = sets.iter().filter_map(|s| s.split_once('=')).collect();
    let quoted = |v: &str| {
        let v = v.trim().trim_matches('"');
        message.contains(&format!("`{v}`")) || message.contains(&format!("\"{v}\""))
    };
    let about = match pairs.as_slice() {
        [one] => Some(*one),
        many => many.iter().rev().find(|(_, v)| quoted(v)).copied(),
    };
    let hint = match about {
        Some((path, _)) => {
            let path = path.trim();
            let key = path
                .rsplit(['.', '[', ']'])
                .find(|k| !k.is_empty())
                .unwrap_or("");
            hints::hint(message, key, hints::Form::Set { path })
        }
        None => hints::hint(message, "", hints::Form::Set { path: "KEY" }),
    };
    match hint {
        Some(h) => format!("{message}\nhint: {h}"),
        None => message.to_string(),
    }
}
