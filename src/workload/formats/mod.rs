//! Trace formats: each public trace's rows become native tasks.
//!
//! A format is an [`Adapter`]: it reads the header (or knows there is none)
//! and turns one row's fields into zero or more tasks, or says why the row
//! cannot be used ([`BadRow`]). [`open`] wraps any adapter into a task stream
//! that applies the scenario's bad-row policy (`on_bad_row`: stop with the
//! file, line, column and reason, or skip and count by reason). Ordering,
//! windows and sampling are applied after, the same for every format
//! (`workload::shape`).

pub mod adapter;
pub mod alibaba;
pub mod azure;
pub mod container_insights;
pub mod cur;
pub mod cur_bill;
pub mod ecs_tasks;
pub mod google;
pub mod google_usage;
pub mod json_export;
pub mod kube_pods;
pub mod lifecycle;
pub mod native_blocks;
mod native_csv;
mod native_fast;
pub mod open;
pub mod requests;
pub mod swf;

pub use adapter::*;
pub use open::*;
