//! One row of a platform's time series and the gauges it holds (the types
//! the recorder, `series.rs`, and its spool file, `series_spool.rs`, share).

use crate::pricing::Money;
use crate::time::SimTime;

/// The state of a platform at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Submitted, not yet launched or placed.
    pub tasks_waiting: u64,
    /// Launched or placed, container not yet running (provisioning, image pull).
    pub tasks_starting: u64,
    pub tasks_running: u64,
    /// Service replicas launched or placed and not yet stopped (apart from
    /// the workload's tasks above; they count in the capacity below).
    pub replicas_running: u64,
    /// EC2: instances requested and not yet ready (None for serverless).
    pub instances_launching: Option<u64>,
    /// EC2: instances ready or draining (None for serverless).
    pub instances_running: Option<u64>,
    /// Capacity being paid for: vCPU of every billed instance (EC2, launching
    /// ones included) or the billed size of every task past its billing start
    /// (serverless).
    pub cpu_milli_provisioned: u64,
    /// Capacity used: the requested size of placed (EC2) or billed (serverless) tasks.
    pub cpu_milli_allocated: u64,
    pub memory_mib_provisioned: u64,
    pub memory_mib_allocated: u64,
}

/// One row: the interval `[start, end)` and the state at `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesRow {
    pub start: SimTime,
    pub end: SimTime,
    /// Tasks submitted during the interval.
    pub tasks_submitted: u64,
    /// Tasks completed during the interval.
    pub tasks_completed: u64,
    pub gauges: Gauges,
    /// Cost accrued from time 0 to `end`.
    pub cost_cumulative: Money,
}

impl SeriesRow {
    /// Cost accrued during the interval, given the previous row's cumulative cost.
    pub fn cost_since(&self, previous: Money) -> Money {
        Money(self.cost_cumulative.0.saturating_sub(previous.0))
    }
}
