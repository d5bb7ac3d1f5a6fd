//! What a run writes and prints: `summary.json` (the contract later reports
//! extend), the terminal comparison table, and atomic file writing.

pub mod csv;
pub mod output;
pub mod summary;
pub mod table;

pub use summary::{PlatformSummary, Summary};
