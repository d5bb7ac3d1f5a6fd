//! An ECS or EKS cluster of EC2 instances: its spec, the placement of tasks
//! on instances, and the model that launches, bills and retires instances.

pub mod autoscale;
pub mod constraints;
pub mod heads;
pub mod model;
pub mod placement;
pub mod spec;
pub mod stats;
pub mod waiting;

pub use model::Ec2Model;
pub use spec::{
    Autoscaler, Ec2Spec, EksNode, NetworkMode, Orchestrator, PodDisruption, Reservations,
};
pub use stats::ClusterStats;
