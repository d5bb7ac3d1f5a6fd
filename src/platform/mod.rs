//! Deployment models, a folder each: `fargate`, `ec2` (an ECS or EKS
//! cluster) and `function` (Lambda, Cloud Run, ACI). Each turns the workload
//! into billed usage, task outcomes and latencies, behind one face
//! ([`Platform`], `model.rs`) with the same books (`books.rs`).

pub mod backlog;
pub mod books;
pub mod ec2;
pub mod fargate;
pub mod function;
pub mod model;
pub mod rightsize;
pub mod series;
pub mod series_row;
pub mod series_spool;
pub mod service_launch;
pub mod spec;
pub mod spill;
pub mod spot_rate;

pub use books::{Books, Outcome, RecordSink, Tally, TaskRecord};
pub use fargate::FargateSpec;
pub use model::{Detail, Platform};
pub use spec::PlatformSpec;
