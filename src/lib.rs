//! fargate-sim: what would a container workload cost, and how long would its
//! tasks wait, on AWS Fargate and its peers versus a cluster of EC2 instances?
//!
//! The library holds the whole simulator, each subcommand included
//! (`commands`); the `fargate-sim` binary only parses arguments, dispatches
//! and renders errors. Data flows
//! `scenario` → `workload` → `engine` (driving one `platform` model each) →
//! `pricing` → `report`.

pub mod commands;
pub mod engine;
pub mod experiment;
pub mod io;
pub mod platform;
pub mod pricing;
pub mod report;
pub mod scenario;
pub mod selfcheck;
pub mod service;
pub mod simulate;
pub mod stats;
pub mod time;
pub mod units;
pub mod workload;

/// The tool's version, written into every summary.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file or an override is wrong.
    #[error(transparent)]
    Scenario(#[from] scenario::ScenarioError),
    /// The trace is wrong or unreadable.
    #[error(transparent)]
    Workload(workload::WorkloadError),
    /// Input found to be wrong while running (an invalid size in exact mode).
    #[error("{0}")]
    BadInput(String),
    /// A bug: a platform's replay panicked.
    #[error("internal error: {0}; please report it with the scenario that caused it")]
    Internal(String),
    /// Stopped by Ctrl-C or SIGTERM before finishing.
    #[error(
        "interrupted: the run stopped before finishing; no new results were written (earlier results in the folder are untouched)"
    )]
    Interrupted,
    /// Results could not be written.
    #[error("cannot write {}: {source}{}", path.display(), io::files::write_hint(source))]
    Output {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<io::files::WriteError> for Error {
    fn from(e: io::files::WriteError) -> Error {
        Error::Output {
            path: e.path,
            source: e.source,
        }
    }
}

impl From<io::files::OutputDirError> for Error {
    /// Every refusal of an output folder is bad input: the user chose it.
    fn from(e: io::files::OutputDirError) -> Error {
        Error::BadInput(e.to_string())
    }
}

impl Error {
    /// The message for a person: `error: …`, then each cause not already
    /// said, one `caused by:` line each.
    pub fn render(&self) -> String {
        let mut msg = format!("error: {self}");
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            let text = s.to_string();
            if !msg.contains(&text) {
                msg.push_str(&format!("\n  caused by: {text}"));
            }
            source = s.source();
        }
        msg
    }

    /// [`Error::render`], with a write failure for want of permission (a
    /// read-only folder) advised as the subcommand that failed allows
    /// (`advice`, from [`commands::write_advice::advice`]) rather than
    /// generically.
    pub fn render_for(&self, advice: Option<&str>) -> String {
        use std::io::ErrorKind as K;
        match (self, advice) {
            (Error::Output { path, source }, Some(advice))
                if matches!(source.kind(), K::PermissionDenied | K::ReadOnlyFilesystem) =>
            {
                format!("error: cannot write {}: {source}; {advice}", path.display())
            }
            _ => self.render(),
        }
    }

    /// The process exit code: 2 for bad input, 1 for a failure while running.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Workload(_) | Error::BadInput(_) => 2,
            Error::Output { .. } | Error::Internal(_) => 1,
            // 128 + SIGINT, as shells report it.
            Error::Interrupted => 130,
        }
    }
}
