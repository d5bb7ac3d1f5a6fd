//! `usage.csv`: what each task group used, for `fargate-sim rightsize`.
//! Written by a run with a right-sizing platform, from a second pass over
//! the workload (the same tasks, from the same seed): per group, the
//! request and percentiles of the tasks' average CPU, peak CPU and peak
//! memory. Tasks whose usage has no measured peak (averages only) count in
//! the averages and in `tasks_with_usage`, not among the peaks.

use crate::io::csv::quote;
use crate::workload::TaskStream;
use std::collections::BTreeMap;

/// The columns of `usage.csv`, in order (docs/outputs.md repeats them).
pub const COLUMNS: [&str; 14] = [
    "group",
    "tasks",
    "tasks_with_usage",
    "cpu_vcpu_requested",
    "memory_mib_requested",
    "cpu_avg_p50_vcpu",
    "cpu_avg_p90_vcpu",
    "cpu_max_p90_vcpu",
    "cpu_max_vcpu",
    "memory_max_p50_mib",
    "memory_max_p90_mib",
    "memory_max_mib",
    "tasks_with_peak",
    "memory_avg_p90_mib",
];

#[derive(Default)]
struct Group {
    tasks: u64,
    cpu_requested: u32,
    memory_requested: u32,
    cpu_avg: Vec<u32>,
    cpu_max: Vec<u32>,
    memory_max: Vec<u32>,
    memory_avg: Vec<u32>,
}

/// The nearest-rank percentile `p` (0 to 1) of sorted values.
fn pct(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The text of `usage.csv` for a workload, or None when no task carries
/// usage. Tasks without a group count under `(none)`.
pub fn usage_csv(stream: TaskStream) -> Result<Option<String>, crate::workload::WorkloadError> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut any = false;
    for t in stream {
        let t = t?;
        let g = groups
            .entry(t.group.as_deref().unwrap_or("(none)").to_string())
            .or_default();
        g.tasks += 1;
        g.cpu_requested = g.cpu_requested.max(t.cpu_milli);
        g.memory_requested = g.memory_requested.max(t.memory_mib);
        if let Some(u) = t.usage.as_deref() {
            any = true;
            g.cpu_avg.push(u.cpu_avg_milli);
            g.memory_avg.push(u.memory_avg_mib);
            // Averages only (no measured peak): not among the peaks.
            if u.peak_known {
                g.cpu_max.push(u.cpu_max_milli);
                g.memory_max.push(u.memory_max_mib);
            }
        }
    }
    if !any {
        return Ok(None);
    }
    let mut out = COLUMNS.join(",") + "\n";
    let vcpu = |m: u32| format!("{}", m as f64 / 1000.0);
    for (name, mut g) in groups {
        g.cpu_avg.sort_unstable();
        g.cpu_max.sort_unstable();
        g.memory_max.sort_unstable();
        g.memory_avg.sort_unstable();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            quote(&name),
            g.tasks,
            g.cpu_avg.len(),
            vcpu(g.cpu_requested),
            g.memory_requested,
            vcpu(pct(&g.cpu_avg, 0.5)),
            vcpu(pct(&g.cpu_avg, 0.9)),
            vcpu(pct(&g.cpu_max, 0.9)),
            vcpu(pct(&g.cpu_max, 1.0)),
            pct(&g.memory_max, 0.5),
            pct(&g.memory_max, 0.9),
            pct(&g.memory_max, 1.0),
            g.cpu_max.len(),
            pct(&g.memory_avg, 0.9),
        ));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::pct;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=10).collect();
        assert_eq!((pct(&v, 0.5), pct(&v, 0.9), pct(&v, 1.0)), (5, 9, 10));
        assert_eq!(pct(&[], 0.9), 0);
    }
}
