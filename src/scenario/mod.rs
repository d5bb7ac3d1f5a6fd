//! Scenario files: parse (`raw`), apply `--set` overrides (`overrides`),
//! validate into typed values (`validate`), and point errors at the line
//! (`locate`).

pub mod artifacts;
pub mod bill;
pub mod check;
pub mod defaults;
pub mod function_keys;
pub mod hints;
pub mod lambda_managed;
pub mod load;
pub mod locate;
pub mod overrides;
pub mod placement_constraints;
pub mod pod_disruption;
pub mod raw;
pub mod raw_bill;
pub mod rightsizing;
pub mod services;
pub mod spec;
pub mod starter;
pub mod validate;
pub mod workload;

pub use crate::workload::trace::TraceSpec;
pub use load::*;
pub use spec::*;
