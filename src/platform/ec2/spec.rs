//! A validated EC2 cluster: what a scenario's `kind = "ec2"` entry becomes
//! after checking (instance types, autoscaler, fleet limits, Spot,
//! reservations).

use super::placement::Strategy;
use crate::pricing::catalog::InstanceType;
use crate::time::SimTime;
use crate::workload::SpanDist;

/// Why a task larger than every type the cluster may launch never runs.
pub const TOO_LARGE_FOR_EVERY_TYPE: &str =
    "larger than every allowed instance type (after the OS reservation)";

/// Which orchestrator runs the cluster (EKS adds its control-plane fee).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Orchestrator {
    Ecs,
    Eks,
}

/// How the cluster changes size.
#[derive(Clone, Debug, PartialEq)]
pub enum Autoscaler {
    /// A fixed fleet (an interrupted Spot instance is still replaced).
    None,
    /// ECS capacity-provider managed scaling.
    EcsManaged {
        target_percent: u32,
        min_step: u32,
        max_step: u32,
        warmup: SimTime,
        scale_in_after: SimTime,
        metric_period: SimTime,
    },
    /// Karpenter: batch pending tasks, launch the cheapest fitting type,
    /// remove empty nodes.
    Karpenter {
        batch_idle: SimTime,
        batch_max: SimTime,
        consolidate_after: SimTime,
    },
}

impl Autoscaler {
    pub fn name(&self) -> &'static str {
        match self {
            Autoscaler::None => "none",
            Autoscaler::EcsManaged { .. } => "ecs_managed",
            Autoscaler::Karpenter { .. } => "karpenter",
        }
    }
}

/// A validated EC2 cluster platform.
#[derive(Clone, Debug, PartialEq)]
pub struct Ec2Spec {
    pub name: String,
    pub region: String,
    pub orchestrator: Orchestrator,
    /// Allowed instance types, in the scenario's order.
    pub instance_types: Vec<InstanceType>,
    /// Instances running at time 0 (cycling through the types).
    pub initial: u32,
    pub min: u32,
    pub max: u32,
    /// Weights of on-demand and Spot capacity among launched instances.
    pub on_demand_weight: f64,
    pub spot_weight: f64,
    pub spot_discount: f64,
    pub spot_interruptions_per_hour: f64,
    pub spot_notice: SimTime,
    pub retry_interrupted: bool,
    pub placement: Vec<Strategy>,
    pub autoscaler: Autoscaler,
    pub instance_launch: SpanDist,
    pub image_pull: SpanDist,
    pub cached_start: SpanDist,
    pub reserved_cpu_milli: u32,
    pub reserved_memory_percent: f64,
    /// Reserved instances of the first instance type, paid for the whole
    /// run whether used or not.
    pub reservations: Option<Reservations>,
}

impl Ec2Spec {
    /// Whether a task of this size fits some type the cluster may launch
    /// (ECS managed scaling launches only the first type).
    pub fn fits_some_type(&self, cpu_milli: u32, memory_mib: u32) -> bool {
        let types = match self.autoscaler {
            Autoscaler::EcsManaged { .. } => &self.instance_types[..1],
            _ => &self.instance_types[..],
        };
        types.iter().any(|t| {
            let (c, m) = self.schedulable(t);
            c >= cpu_milli && m >= memory_mib
        })
    }

    /// Schedulable (cpu, memory) of a type after the OS and agent reservation.
    pub fn schedulable(&self, t: &InstanceType) -> (u32, u32) {
        let reserved_mem =
            (t.memory_mib as f64 * self.reserved_memory_percent / 100.0).ceil() as u32;
        (
            t.cpu_milli.saturating_sub(self.reserved_cpu_milli),
            t.memory_mib.saturating_sub(reserved_mem),
        )
    }
}

/// A reserved baseline: `count` instances of the cluster's first type at
/// `discount` off on-demand, paid for the whole run. At any moment up to
/// `count` running on-demand instances of that type are covered (as AWS
/// applies reservations to any matching usage), so they cost nothing more.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reservations {
    pub count: u32,
    pub discount: f64,
}
