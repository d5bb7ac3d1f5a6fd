//! Workloads: every source of tasks becomes one time-ordered stream.
//!
//! A trace file (`native`) and synthetic generators each yield tasks in
//! submit order; [`merge`] interleaves them lazily, so the engine never holds
//! more of the workload than the next task of each source. Scaling for
//! what-if questions (`load_scale`, `duration_scale`) is applied here, the same
//! way for every platform.

pub mod dist;
pub mod fanout;
pub mod formats;
pub mod group_usage;
pub mod native;
mod native_parquet;
mod native_rows;
pub mod shape;
pub mod synthetic;
pub mod task;
pub mod text;
pub mod trace;
pub mod usage;

pub use dist::SpanDist;
pub use task::*;
pub use usage::{Usage, UsageDraw};
