//! The time series a platform records while it runs: at every interval
//! boundary, what was waiting, starting and running, the capacity paid for
//! and the capacity used, and the cost accrued so far.
//!
//! The engine asks a model when its next sample is due
//! ([`crate::engine::Model::next_sample_at`]) and calls
//! [`crate::engine::Model::sample`] before it handles anything at or after
//! that time, so a row describes the state at its end time, after every
//! event strictly before it. The cumulative cost of a row counts every
//! finished bill plus the usage accrued by what is still running; the last
//! row, taken after the run is settled, equals the platform's total cost.

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

/// Collects rows at a fixed interval.
#[derive(Clone, Debug)]
pub struct SeriesRecorder {
    every: SimTime,
    next: SimTime,
    last_end: SimTime,
    last_submitted: u64,
    last_completed: u64,
    pub rows: Vec<SeriesRow>,
}

impl SeriesRecorder {
    /// A recorder taking a row every `every` µs (at least 1 µs).
    pub fn new(every: SimTime) -> SeriesRecorder {
        let every = every.max(1);
        SeriesRecorder {
            every,
            next: every,
            last_end: 0,
            last_submitted: 0,
            last_completed: 0,
            rows: Vec::new(),
        }
    }

    /// When the next row is due.
    #[inline]
    pub fn next_at(&self) -> SimTime {
        self.next
    }

    /// Records the state at `at` (a boundary, or the end of the run). A
    /// second row at the same instant replaces the first.
    pub fn push(
        &mut self,
        at: SimTime,
        submitted: u64,
        completed: u64,
        gauges: Gauges,
        cost_cumulative: Money,
    ) {
        if let Some(last) = self.rows.last_mut()
            && last.end == at
        {
            last.tasks_submitted += submitted - self.last_submitted;
            last.tasks_completed += completed - self.last_completed;
            last.gauges = gauges;
            last.cost_cumulative = last.cost_cumulative.max(cost_cumulative);
        } else {
            self.rows.push(SeriesRow {
                start: self.last_end,
                end: at,
                tasks_submitted: submitted - self.last_submitted,
                tasks_completed: completed - self.last_completed,
                gauges,
                cost_cumulative,
            });
        }
        self.last_end = at;
        self.last_submitted = submitted;
        self.last_completed = completed;
        while self.next <= at {
            self.next = self.next.saturating_add(self.every);
        }
    }

    /// Sets the final cumulative cost after the run is settled (bills of
    /// tasks and instances still running are closed then).
    pub fn settle(&mut self, total: Money, completed: u64) {
        if let Some(last) = self.rows.last_mut() {
            last.cost_cumulative = last.cost_cumulative.max(total);
            last.tasks_completed += completed - self.last_completed;
            self.last_completed = completed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cover_time_without_gaps_and_merge_at_equal_instants() {
        let mut r = SeriesRecorder::new(60);
        r.push(60, 3, 1, Gauges::default(), Money(10));
        assert_eq!(r.next_at(), 120);
        r.push(90, 5, 2, Gauges::default(), Money(15));
        r.push(90, 6, 2, Gauges::default(), Money(12));
        r.settle(Money(20), 4);
        assert_eq!(r.rows.len(), 2);
        assert_eq!((r.rows[1].start, r.rows[1].end), (60, 90));
        assert_eq!(r.rows[1].tasks_submitted, 3);
        assert_eq!(r.rows[1].tasks_completed, 3);
        assert_eq!(r.rows[1].cost_cumulative, Money(20));
        assert_eq!(r.rows[1].cost_since(r.rows[0].cost_cumulative), Money(10));
    }
}
