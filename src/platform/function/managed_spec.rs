//! A validated Lambda Managed Instances platform: the EC2 instance type its
//! capacity provider runs, the rates it is billed at and how it scales.

use crate::pricing::Rate;
use crate::time::SimTime;

/// What a `kind = "function"` platform on a `managed_instances` profile
/// becomes after checking.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedSpec {
    /// The EC2 instance type, with its size.
    pub instance_type: String,
    pub cpu_milli: u32,
    pub memory_mib: u32,
    /// Its on-demand price in the profile's region.
    pub price: Rate,
    /// The compute management fee, percent of that price.
    pub fee_pct: u32,
    /// EC2's billing: per `granularity`, at least `minimum` per instance.
    pub granularity: SimTime,
    pub minimum: SimTime,
    /// Instances kept at all times, and at most.
    pub min_instances: u32,
    pub max_instances: u32,
    /// The fleet's CPU utilisation the scaler aims at, percent.
    pub target_cpu_pct: u32,
    /// How often the scaler looks.
    pub evaluation: SimTime,
    /// Requests one vCPU serves at once.
    pub per_vcpu_concurrency: u32,
}

impl ManagedSpec {
    /// Requests one instance serves at once: its vCPUs times the per-vCPU
    /// concurrency (at least one).
    pub fn slots(&self) -> u32 {
        (self.cpu_milli / 1000)
            .max(1)
            .saturating_mul(self.per_vcpu_concurrency)
    }

    /// Why a task can never run on this fleet, or None.
    pub fn never_runs(
        &self,
        cpu_milli: u32,
        memory_mib: u32,
        max: Option<SimTime>,
        duration: SimTime,
    ) -> Option<String> {
        if cpu_milli > self.cpu_milli || memory_mib > self.memory_mib {
            return Some(format!(
                "larger than one {} instance ({} vCPU, {} MiB)",
                self.instance_type,
                self.cpu_milli as f64 / 1000.0,
                self.memory_mib
            ));
        }
        match max {
            Some(m) if duration > m => Some(format!(
                "runs longer than Lambda's {} s timeout",
                m / crate::time::SECOND
            )),
            _ => None,
        }
    }
}
