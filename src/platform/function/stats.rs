//! What a function platform reports beyond the common books: invocations,
//! cold starts, throttles, and the usage billed at each rate.

use crate::pricing::Money;
use crate::stats::SpanStats;

/// Counters a function platform reports besides the common tally.
#[derive(Clone, Debug, Default)]
pub struct FunctionStats {
    /// Tasks started (each an invocation or request, each billed the
    /// request fee).
    pub invocations: u64,
    /// Instances started on demand, each paying a cold start.
    pub cold_starts: u64,
    /// Tasks that waited for an instance's cold start.
    pub cold_invocations: u64,
    /// Tasks that found a warm instance ready.
    pub warm_invocations: u64,
    /// Tasks that found every allowed instance busy.
    pub throttles: u64,
    /// The most instances alive at once.
    pub peak_instances: u64,
    /// Submit to start, for tasks that waited for a cold start and for the rest.
    pub cold_start_latency: SpanStats,
    pub warm_start_latency: SpanStats,
    /// Billed usage on demand: milli-vCPU·µs and tenth-MiB·µs (memory is
    /// counted in tenths of a MiB so that 0.1 GiB steps are exact).
    pub active_cpu: u128,
    pub active_memory: u128,
    /// Work done on minimum instances, at their active rates.
    pub warm_active_cpu: u128,
    pub warm_active_memory: u128,
    /// Minimum instances kept warm, their whole life.
    pub warm_cpu: u128,
    pub warm_memory: u128,
    /// Ephemeral storage billed above the free amount, MiB·µs.
    pub storage_mib_us: u128,
    /// What keeping minimum instances warm cost, and what the free tier
    /// saved (set when the run is settled).
    pub kept_warm: Money,
    pub free_tier_saving: Money,
}
