//! What a cluster reports beyond the common books: instances launched,
//! interrupted and billed, and what reservations covered.

use crate::pricing::Money;

/// What the cluster did, for the summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterStats {
    pub instances_launched: u64,
    pub spot_instances_launched: u64,
    /// Instances launched on demand to keep the on-demand base.
    pub base_instances_launched: u64,
    pub instance_interruptions: u64,
    /// Billed instance time, µs, over all instances.
    pub billed_instance_us: u128,
    pub peak_instances: u64,
    /// Instances launched in each availability zone.
    pub instances_by_zone: Vec<u64>,
    /// Time the cluster sat at its `max` instances (launching ones
    /// included) while tasks waited for room, µs (autoscaled clusters).
    pub pinned_at_max_us: u128,
    /// ∫ instances dt, µs (mean = this / run length).
    pub instance_us: u128,
    pub instances_cost: Money,
    /// Instance cost allocated to tasks (by the larger of cpu and memory share).
    pub allocated: Money,
    pub control_plane: Money,
    /// Spot instances' cost had they been on demand, minus what they cost.
    pub spot_savings: Money,
    /// ∫ min(on-demand instances of the reserved type, reservations) dt, µs.
    pub reserved_covered_us: u128,
    /// What the reservations cost (the whole run), and the on-demand cost
    /// of the instance time they covered (taken off `instances_cost`).
    pub reserved_fee: Money,
    pub reserved_credit: Money,
    /// Karpenter: nodes its disruption loop removed (empty, deleted or
    /// replaced), and the pods it evicted from them.
    pub nodes_consolidated: u64,
    pub pods_moved: u64,
    /// Karpenter: consolidations that launched a cheaper replacement node.
    pub consolidation_replacements: u64,
}
