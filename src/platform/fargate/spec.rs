//! A validated Fargate platform: what a scenario's `kind = "fargate"` entry
//! becomes after checking.

use crate::pricing::{Arch, Capacity, Os};
use crate::time::SimTime;
use crate::workload::SpanDist;
use serde::{Deserialize, Serialize};

/// Whether the task runs as an ECS task or an EKS pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaunchType {
    Ecs,
    Eks,
}

/// What to do with a request that is not exactly a valid size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sizing {
    /// Round up to the smallest valid size that covers it (what AWS does for EKS pods).
    RoundUp,
    /// Refuse it, naming the nearest valid sizes.
    Exact,
}

/// What happens to a task stopped by a Spot interruption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnInterruption {
    /// Launch it again from the start.
    Retry,
    /// Count it as failed.
    Fail,
}

/// A validated Fargate platform from a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct FargateSpec {
    pub name: String,
    pub region: String,
    pub launch_type: LaunchType,
    pub os: Os,
    pub arch: Arch,
    pub capacity: Capacity,
    pub sizing: Sizing,
    /// Token bucket: tasks launched at once.
    pub launch_burst: u32,
    /// Token bucket refill, in tokens per second.
    pub launch_refill_per_s: f64,
    /// Launch to start of image pull (not billed).
    pub provisioning: SpanDist,
    /// Image pull to running (billed).
    pub image_pull: SpanDist,
    /// Spot interruptions per task-hour (0 for on-demand).
    pub interruptions_per_hour: f64,
    /// Warning between an interruption notice and the stop.
    pub interruption_notice: SimTime,
    pub on_interruption: OnInterruption,
}
