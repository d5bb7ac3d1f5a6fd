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
        /// From a metric period's end to the Auto Scaling group asking for
        /// the instances (CloudWatch publishing and the high alarm).
        alarm_delay: SimTime,
        /// Scale in a part each minute (the Auto Scaling group's ramp), or,
        /// when false, every surplus empty instance at once.
        scale_in_ramp: bool,
        /// Tasks in PROVISIONING that scale-out counts, at most (the
        /// cluster's quota); later ones wait unseen.
        provisioning_limit: u32,
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
    /// ECS only: tasks the service scheduler launches per service per
    /// minute (0: no limit, as on EKS).
    pub service_launch_per_minute: u32,
    /// Reserved instances of the first instance type, paid for the whole
    /// run whether used or not.
    pub reservations: Option<Reservations>,
    /// On an EKS cluster, what each node keeps for the kubelet, eviction and
    /// DaemonSets (replaces `reserved_*`); None on ECS or when the scenario
    /// sets `reserved` itself.
    pub eks_node: Option<EksNode>,
}

/// What an EKS node keeps for itself on the EKS-optimised AMI: kube-reserved
/// memory and CPU, the eviction threshold, and the DaemonSets every node runs
/// (aws-node, kube-proxy and the scenario's own). Values from
/// data/defaults.toml `[ec2.eks_node]`, with their sources.
#[derive(Clone, Debug, PartialEq)]
pub struct EksNode {
    pub memory_mib: u32,
    pub memory_mib_per_pod: u32,
    pub eviction_memory_mib: u32,
    /// Percent of each of the first cores reserved, then of every other core.
    pub cpu_percent_of_cores: Vec<f64>,
    pub cpu_percent_of_other_cores: f64,
    /// The DaemonSets' requests on every node.
    pub daemonset_cpu_milli: u32,
    pub daemonset_memory_mib: u32,
    /// Pods per node when a type's ENI limits are unknown.
    pub max_pods_unknown: u32,
}

impl EksNode {
    /// kube-reserved CPU of a node with `cpu_milli`, in milli-vCPU (rounded
    /// up: the kubelet reserves whole millicores).
    pub fn reserved_cpu_milli(&self, cpu_milli: u32) -> u32 {
        let cores = cpu_milli as f64 / 1000.0;
        let mut left = cores;
        let mut milli = 0.0;
        for pct in &self.cpu_percent_of_cores {
            let take = left.min(1.0);
            milli += take * pct * 10.0;
            left -= take;
        }
        milli += left.max(0.0) * self.cpu_percent_of_other_cores * 10.0;
        (milli - 1e-9).ceil().max(0.0) as u32
    }

    /// kube-reserved memory plus the eviction threshold of a node that may
    /// run `max_pods` pods, in MiB.
    pub fn reserved_memory_mib(&self, max_pods: u32) -> u32 {
        self.memory_mib + self.memory_mib_per_pod * max_pods + self.eviction_memory_mib
    }

    /// What pods can request on a node of type `t`: its size less the
    /// kubelet's reservation, the eviction threshold and the DaemonSets.
    pub fn allocatable(&self, t: &InstanceType) -> (u32, u32) {
        let pods = t.max_pods().unwrap_or(self.max_pods_unknown);
        (
            t.cpu_milli
                .saturating_sub(self.reserved_cpu_milli(t.cpu_milli))
                .saturating_sub(self.daemonset_cpu_milli),
            t.memory_mib
                .saturating_sub(self.reserved_memory_mib(pods))
                .saturating_sub(self.daemonset_memory_mib),
        )
    }
}

impl Ec2Spec {
    /// Whether a task of this size fits some type the cluster may launch.
    /// (Under ECS managed scaling a task that fits only some of the types
    /// waits without ever causing a scale-out; see `autoscale.rs`.)
    pub fn fits_some_type(&self, cpu_milli: u32, memory_mib: u32) -> bool {
        self.instance_types.iter().any(|t| {
            let (c, m) = self.schedulable(t);
            c >= cpu_milli && m >= memory_mib
        })
    }

    /// Schedulable (cpu, memory) of a type after the OS and agent
    /// reservation (ECS), or the kubelet's and the DaemonSets' (EKS).
    pub fn schedulable(&self, t: &InstanceType) -> (u32, u32) {
        if let Some(node) = &self.eks_node {
            return node.allocatable(t);
        }
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
