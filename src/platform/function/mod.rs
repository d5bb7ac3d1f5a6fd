//! Function platforms with warm instances (AWS Lambda, Google Cloud Run,
//! Azure Container Instances): the spec, the sizing of a task on a profile,
//! and the model. Profiles (rules and rates) live in `pricing::functions`.

pub mod managed;
pub mod managed_spec;
pub mod model;
pub mod sizing;
pub mod spec;
pub mod stats;

pub use managed::ManagedModel;
pub use managed_spec::ManagedSpec;
pub use model::FunctionModel;
pub use sizing::{FunctionSize, size_task};
pub use spec::{FunctionSpec, OnThrottle, ProvisionWindow};
pub use stats::FunctionStats;
