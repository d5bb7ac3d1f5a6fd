//! What a Fargate platform reports beyond the common books: each capacity
//! provider's share of the launches, the bill and the interruptions.

use super::strategy::CapacityStrategy;
use crate::pricing::Money;

/// One capacity provider's tasks and bill (service replicas included).
#[derive(Clone, Debug, Default)]
pub struct ProviderStats {
    /// Attempts launched here (a retry after an interruption counts again).
    pub launches: u64,
    pub completed: u64,
    pub interrupted: u64,
    /// Run time lost to interruptions.
    pub wasted_us: u128,
    /// Billed quantities: milli-vCPU·µs, MiB·µs, extra storage GiB·µs, and
    /// billed task time.
    pub cpu_milli_us: u128,
    pub memory_mib_us: u128,
    pub storage_gib_us: u128,
    pub billed_task_us: u128,
    /// The bill of those quantities at this provider's rates.
    pub cost: Money,
}

/// The Fargate model's own report: the strategy and each provider's part,
/// `FARGATE` first.
#[derive(Clone, Debug)]
pub struct FargateStats {
    pub strategy: CapacityStrategy,
    pub providers: [ProviderStats; 2],
}
