//! How a command prints its result: text and tables for people, or one JSON
//! document for scripts (`--format json`). With JSON, stdout holds that
//! document and nothing else; the lines a person reads (what was written,
//! how long it took) are left out, and progress stays on stderr. The shape
//! of each command's document is in docs/outputs.md.

use crate::Error;

/// What a command prints on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Text and tables, for people.
    #[default]
    Table,
    /// One JSON document, for scripts.
    Json,
}

/// `value` as one pretty-printed JSON document ending in a newline.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Internal(format!("results as JSON: {e}")))
}

/// Refuses `-j 0`: zero workers would run nothing (it used to mean one).
pub fn jobs(asked: Option<usize>) -> Result<usize, Error> {
    match asked {
        Some(0) => Err(Error::BadInput(
            "-j 0: need at least 1 run at once, such as -j 4; leave -j out to use every core"
                .into(),
        )),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}
