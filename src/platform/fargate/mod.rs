//! AWS Fargate (ECS tasks and EKS pods, on demand or Spot): its spec, size
//! grid, launch rate, billing and the model that runs tasks on it.

pub mod billing;
pub mod launch;
pub mod meters;
pub mod model;
pub mod queue;
pub mod sizing;
pub mod spec;
pub mod stats;
pub mod strategy;

pub use billing::FargateBilling;
pub use model::FargateModel;
pub use sizing::{FargateSize, SizeMiss, fit, nearest_sizes};
pub use spec::{FargateSpec, LaunchType, OnInterruption, Sizing};
pub use strategy::{CapacityStrategy, Provider};
