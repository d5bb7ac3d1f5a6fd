//! What a run writes and prints: `summary.json` (the contract later reports
//! extend) and `summary.csv`, the time series, per-task records, charts, the
//! HTML report, the terminal table and progress line, and atomic file writing.

pub mod around;
pub mod assumptions;
pub mod chart_series;
pub mod charts;
pub mod commit;
pub mod compare;
pub mod csv;
pub mod explain;
pub mod files;
pub mod focus;
pub mod format;
pub mod html;
pub mod kind;
pub mod lost_work;
pub mod plot;
pub mod progress;
pub mod real_bill;
pub mod replications;
pub mod rightsizing;
pub mod rightsizing_groups;
pub mod rightsizing_lines;
pub mod service_charts;
pub mod services;
pub mod summary;
pub mod table;
pub mod tasks;
pub mod timeseries;
pub mod usage;
pub mod xy_chart;

pub use files::*;
pub use summary::{PlatformSummary, Summary};
