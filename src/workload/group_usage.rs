//! What each task group used, as the distributions a recommender sizes a
//! whole group from (issue 27): per group, how many tasks carried each
//! average CPU and each memory peak. A count per distinct value keeps the
//! percentiles exact (nearest rank) while memory grows with the distinct
//! values of a group, not with its tasks.
//!
//! `rightsizing = { policy = "usage", cpu = "p90", ... }` reads it from a
//! pass over the workload before the run (`simulate.rs`), and `usage.csv`
//! (`report/usage.rs`) from the same counts, so `fargate-sim rightsize`
//! prints the sizes the run used.

use super::Task;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many times each value was seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    by_value: BTreeMap<u32, u64>,
    total: u64,
}

impl Counts {
    pub fn add(&mut self, value: u32) {
        *self.by_value.entry(value).or_default() += 1;
        self.total += 1;
    }

    /// How many values were added.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The `percent`-th percentile by nearest rank: the value at rank
    /// ⌈percent × n / 100⌉ (at least 1) of the n values in ascending order,
    /// so p90 of ten values is the ninth and p100 the largest. 0 when empty.
    pub fn percentile(&self, percent: u8) -> u32 {
        if self.total == 0 {
            return 0;
        }
        let rank = (u128::from(percent) * u128::from(self.total))
            .div_ceil(100)
            .clamp(1, u128::from(self.total));
        let mut seen = 0u128;
        for (&value, &n) in &self.by_value {
            seen += u128::from(n);
            if seen >= rank {
                return value;
            }
        }
        // Unreachable: the counts sum to `total`, and rank ≤ total.
        self.by_value.keys().next_back().copied().unwrap_or(0)
    }
}

/// One group's usage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupCounts {
    /// Each task's average CPU (milli-vCPU), tasks with usage.
    pub cpu_avg: Counts,
    /// Each task's memory peak (MiB), tasks whose peak was measured.
    pub memory_max: Counts,
}

/// Every group's usage; tasks without a group make the group `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupUsage {
    pub groups: BTreeMap<Option<Arc<str>>, GroupCounts>,
}

impl GroupUsage {
    /// Counts one task (a task without usage counts nowhere).
    pub fn add(&mut self, task: &Task) {
        let Some(u) = task.usage.as_deref() else {
            return;
        };
        let g = self.groups.entry(task.group.clone()).or_default();
        g.cpu_avg.add(u.cpu_avg_milli);
        // Averages only: no peak to size a limit from.
        if u.peak_known {
            g.memory_max.add(u.memory_max_mib);
        }
    }

    /// The usage of every task of a stream.
    pub fn of<I>(tasks: I) -> Result<GroupUsage, super::WorkloadError>
    where
        I: IntoIterator<Item = Result<Task, super::WorkloadError>>,
    {
        let mut usage = GroupUsage::default();
        for t in tasks {
            usage.add(&t?);
        }
        Ok(usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_of_ten_values() {
        let mut c = Counts::default();
        for v in [700, 100, 300, 200, 1000, 400, 900, 500, 800, 600] {
            c.add(v);
        }
        // Ranks ⌈0.5·10⌉ = 5, ⌈0.9·10⌉ = 9, ⌈0.95·10⌉ = 10, ⌈0.01·10⌉ = 1.
        assert_eq!(c.percentile(50), 500);
        assert_eq!(c.percentile(90), 900);
        assert_eq!(c.percentile(95), 1000);
        assert_eq!(c.percentile(100), 1000);
        assert_eq!(c.percentile(1), 100);
        assert_eq!(Counts::default().percentile(90), 0);
    }

    #[test]
    fn repeated_values_count_each_time() {
        let mut c = Counts::default();
        for v in [5, 5, 5, 7] {
            c.add(v);
        }
        // p75: rank 3 of 4 → 5; p76: rank ⌈3.04⌉ = 4 → 7.
        assert_eq!((c.percentile(75), c.percentile(76)), (5, 7));
        assert_eq!(c.len(), 4);
    }
}
