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

/// Why a task is unschedulable when some type holds it but none of those
/// its placement rules allow (`memberOf`, `node_selector`) does (issue 21).
pub const TOO_LARGE_FOR_ITS_TYPES: &str = "larger than every instance type its placement rules allow (memberOf / node_selector; after the OS reservation)";

/// Which orchestrator runs the cluster (EKS adds its control-plane fee).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Orchestrator {
    Ecs,
    Eks,
}

/// How an ECS cluster's tasks are networked: `awsvpc` gives each task an
/// ENI of its own, so the instance's ENI limit caps its tasks; `bridge` and
/// `host` share the instance's interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkMode {
    Bridge,
    Host,
    Awsvpc,
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
    /// Karpenter: batch pending pods, launch the cheapest type that holds
    /// each node's pods within the NodePool limits, and consolidate.
    Karpenter {
        batch_idle: SimTime,
        batch_max: SimTime,
        /// The disruption loop; None when `consolidate_after = "Never"`.
        consolidation: Option<Consolidation>,
        limits: NodePoolLimits,
    },
}

/// Which nodes Karpenter's disruption loop may remove (NodePool
/// `disruption.consolidationPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsolidationPolicy {
    /// Only nodes with no pods.
    WhenEmpty,
    /// Empty nodes, and nodes whose pods fit elsewhere or on one cheaper node.
    WhenEmptyOrUnderutilized,
}

impl ConsolidationPolicy {
    /// Karpenter's spelling.
    pub fn name(self) -> &'static str {
        match self {
            ConsolidationPolicy::WhenEmpty => "WhenEmpty",
            ConsolidationPolicy::WhenEmptyOrUnderutilized => "WhenEmptyOrUnderutilized",
        }
    }
}

/// A NodePool disruption budget (`budgets: [{ nodes: ... }]`): how many of
/// its nodes may be disrupting at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    Nodes(u64),
    /// A percent of the NodePool's initialized nodes, rounded up (as
    /// Karpenter's `GetScaledValueFromIntOrPercent(.., true)` rounds).
    Percent(u64),
}

impl Budget {
    /// Disruptions allowed among `nodes` initialized nodes.
    pub fn allowed(self, nodes: u64) -> u64 {
        match self {
            Budget::Nodes(n) => n,
            Budget::Percent(p) => (nodes * p).div_ceil(100),
        }
    }
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Budget::Nodes(n) => write!(f, "{n} nodes"),
            Budget::Percent(p) => write!(f, "{p}% of nodes"),
        }
    }
}

/// Karpenter's disruption loop: consolidation policy, `consolidateAfter`,
/// the budget, and the loop's timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Consolidation {
    pub policy: ConsolidationPolicy,
    /// Time since a node's last pod event before it may be consolidated.
    pub consolidate_after: SimTime,
    pub budget: Budget,
    /// How often the loop looks when it found nothing to do.
    pub poll: SimTime,
    /// How long a command waits before it is checked again and carried out.
    pub validation_delay: SimTime,
}

/// NodePool `limits`: the total nominal capacity of the NodePool's nodes
/// (launching ones included) may not exceed these. None: no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodePoolLimits {
    pub cpu_milli: Option<u64>,
    pub memory_mib: Option<u64>,
    pub nodes: Option<u64>,
}

impl NodePoolLimits {
    /// What is left of the limits once nodes of total nominal capacity
    /// `used` (cpu, memory, nodes) exist.
    pub fn remaining(&self, used: (u64, u64, u64)) -> NodePoolLimits {
        NodePoolLimits {
            cpu_milli: self.cpu_milli.map(|l| l.saturating_sub(used.0)),
            memory_mib: self.memory_mib.map(|l| l.saturating_sub(used.1)),
            nodes: self.nodes.map(|l| l.saturating_sub(used.2)),
        }
    }

    /// Whether one more node of nominal capacity `cap` stays within these
    /// (remaining) limits.
    pub fn admits(&self, cap: (u32, u32)) -> bool {
        self.nodes.is_none_or(|n| n >= 1)
            && self.cpu_milli.is_none_or(|c| c >= cap.0 as u64)
            && self.memory_mib.is_none_or(|m| m >= cap.1 as u64)
    }

    /// These limits less one node of nominal capacity `cap`.
    pub fn less(&self, cap: (u32, u32)) -> NodePoolLimits {
        self.remaining((cap.0 as u64, cap.1 as u64, 1))
    }

    pub fn is_unlimited(&self) -> bool {
        *self == NodePoolLimits::default()
    }
}

impl std::fmt::Display for NodePoolLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(c) = self.cpu_milli {
            parts.push(format!("cpu = {}", c as f64 / 1000.0));
        }
        if let Some(m) = self.memory_mib {
            parts.push(if m % 1024 == 0 {
                format!("memory = {}GiB", m / 1024)
            } else {
                format!("memory = {m}MiB")
            });
        }
        if let Some(n) = self.nodes {
            parts.push(format!("nodes = {n}"));
        }
        if parts.is_empty() {
            write!(f, "none")
        } else {
            write!(f, "{}", parts.join(", "))
        }
    }
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
    /// EKS: standard or extended support (the cluster fee).
    pub eks_support: crate::pricing::catalog::EksSupport,
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
    /// Instances kept on demand before the weights apply (the ECS strategy's
    /// base on the on-demand provider, taken as instances: the Auto Scaling
    /// group's OnDemandBaseCapacity).
    pub on_demand_base: u32,
    pub spot_discount: f64,
    pub spot_interruptions_per_hour: f64,
    /// The Spot Advisor share a month the hazard came from, when given so.
    pub spot_interruption_monthly_share: Option<f64>,
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
    /// Karpenter: pods consolidation must not evict, or not beyond a budget.
    pub pod_disruption: PodDisruption,
    /// Reserved instances of the first instance type, paid for the whole
    /// run whether used or not.
    pub reservations: Option<Reservations>,
    /// On an EKS cluster, what each node keeps for the kubelet, eviction and
    /// DaemonSets (replaces `reserved_*`); None on ECS or when the scenario
    /// sets `reserved` itself.
    pub eks_node: Option<EksNode>,
    /// ECS: the tasks' network mode, and whether ENI trunking is on
    /// (`awsvpc` only). EKS pods follow the VPC CNI's max pods instead.
    pub network_mode: NetworkMode,
    pub eni_trunking: bool,
    /// Pods per EKS node taken by DaemonSets (aws-node, kube-proxy and the
    /// scenario's own), which count against max pods.
    pub daemonset_pods: u32,
    /// Max pods of an EKS node whose type's ENI limits are unknown.
    pub max_pods_unknown: u32,
    /// Availability zones the cluster's instances are spread over.
    pub zones: u32,
    /// How each task's request is chosen (`rightsizing`; as requested by default).
    pub rightsizing: crate::platform::rightsize::RightSizing,
    /// Placement rules per workload group (issue 21): ECS constraints and
    /// host ports, and on EKS the pods' node selectors, anti-affinity and
    /// host ports in the same shape; filled in once the workload is known.
    pub constraints: super::constraints::Constraints,
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
    /// DaemonSet pods on every node (aws-node and kube-proxy, plus the
    /// scenario's own): they count against the node's max pods.
    pub daemonset_pods: u32,
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
            c >= cpu_milli && m >= memory_mib && self.tasks_per_node(t) != Some(0)
        })
    }

    /// The most tasks (pods) a node of type `t` runs at once, None when
    /// only CPU and memory limit it. EKS: the VPC CNI's max pods less the
    /// DaemonSet pods, which count against it (the max-pods formula's "+2"
    /// is aws-node and kube-proxy). ECS in `awsvpc` mode: one ENI per task,
    /// ENIs − 1 (the primary interface counts), or the type's limit with
    /// ENI trunking. `bridge` and `host`: no limit. For the autoscalers,
    /// which must count pods per new node as placement does.
    pub fn tasks_per_node(&self, t: &InstanceType) -> Option<u32> {
        match self.orchestrator {
            Orchestrator::Eks => Some(
                t.max_pods()
                    .unwrap_or(self.max_pods_unknown)
                    .saturating_sub(self.daemonset_pods),
            ),
            Orchestrator::Ecs => match self.network_mode {
                NetworkMode::Awsvpc => t.awsvpc_tasks(self.eni_trunking),
                NetworkMode::Bridge | NetworkMode::Host => None,
            },
        }
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

/// What holds Karpenter's consolidation back from evicting a workload
/// group's pods (task `group`s: a generator's name, `service:NAME` for a
/// service's replicas, or a trace's group).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodDisruption {
    /// Groups whose pods carry `karpenter.sh/do-not-disrupt: "true"`: a node
    /// running one is never consolidated.
    pub do_not_disrupt: Vec<std::sync::Arc<str>>,
    /// A PodDisruptionBudget's `maxUnavailable` per group: consolidation
    /// never leaves more of the group's pods evicted and not yet running
    /// again.
    pub max_unavailable: Vec<(std::sync::Arc<str>, u64)>,
}
