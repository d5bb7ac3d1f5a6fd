//! A validated Fargate platform: what a scenario's `kind = "fargate"` entry
//! becomes after checking.

use super::strategy::CapacityStrategy;
use crate::pricing::{Arch, Os};
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
    /// EKS: standard or extended support (the cluster fee).
    pub eks_support: crate::pricing::catalog::EksSupport,
    pub name: String,
    pub region: String,
    pub launch_type: LaunchType,
    pub os: Os,
    pub arch: Arch,
    /// How tasks are spread over `FARGATE` and `FARGATE_SPOT` (a single
    /// provider for `capacity = "on_demand"` or `"spot"`).
    pub strategy: CapacityStrategy,
    pub sizing: Sizing,
    /// Token bucket: tasks launched at once. On-demand and Spot tasks each
    /// have a bucket of this size (the ECS throttling quotas list one for
    /// each).
    pub launch_burst: u32,
    /// Token bucket refill, in tokens per second.
    pub launch_refill_per_s: f64,
    /// Launch to start of image pull (not billed).
    pub provisioning: SpanDist,
    /// Image pull to running (billed).
    pub image_pull: SpanDist,
    /// Spot interruptions per task-hour on `FARGATE_SPOT` (0 when the
    /// strategy has no Spot).
    pub interruptions_per_hour: f64,
    /// The share of capacity reclaimed a month it was derived from, when
    /// given in the Spot Instance Advisor's unit (`interruption_frequency`).
    pub interruption_monthly_share: Option<f64>,
    /// Warning between an interruption notice and the stop.
    pub interruption_notice: SimTime,
    pub on_interruption: OnInterruption,
    /// Tasks each service may launch a minute (the ECS service scheduler's
    /// quota); 0 for EKS pods, which no ECS service launches.
    pub service_launch_per_minute: u32,
    /// Pods EKS binds to Fargate a second, all pods in one queue ahead of
    /// the launch bucket; 0 for ECS tasks.
    pub pod_binding_per_s: f64,
}
