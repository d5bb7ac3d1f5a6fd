//! `usage.csv`: what each task group used, for `fargate-sim rightsize`.
//! Written by a run with a right-sizing platform, from a second pass over
//! the workload (the same tasks, from the same seed): per group, the
//! request and percentiles of the tasks' average CPU, peak CPU and peak
//! memory. Tasks whose usage has no measured peak (averages only) count in
//! the averages and in `tasks_with_usage`, not among the peaks.

use crate::io::csv::quote;
use crate::workload::TaskStream;
use crate::workload::group_usage::Counts;
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
    cpu_avg: Counts,
    cpu_max: Counts,
    memory_max: Counts,
    memory_avg: Counts,
}

/// The columns a run adds for the group percentiles its policies name
/// (`rightsizing = { cpu = "p95", ... }`) beyond the p50 and p90 every
/// usage.csv has: `cpu_avg_pNN_vcpu` and `memory_max_pNN_mib`, so
/// `fargate-sim rightsize --cpu p95` finds the figure the run sized from.
pub fn extra_columns(percentiles: &[u8]) -> Vec<u8> {
    let mut extra: Vec<u8> = percentiles
        .iter()
        .copied()
        .filter(|p| *p != 50 && *p != 90)
        .collect();
    extra.sort_unstable();
    extra.dedup();
    extra
}

/// The text of `usage.csv` for a workload, or None when no task carries
/// usage. Tasks without a group count under `(none)`. Percentiles are by
/// nearest rank ([`Counts::percentile`]), as the run's percentile forms.
pub fn usage_csv(
    stream: TaskStream,
    percentiles: &[u8],
) -> Result<Option<String>, crate::workload::WorkloadError> {
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
            g.cpu_avg.add(u.cpu_avg_milli);
            g.memory_avg.add(u.memory_avg_mib);
            // Averages only (no measured peak): not among the peaks.
            if u.peak_known {
                g.cpu_max.add(u.cpu_max_milli);
                g.memory_max.add(u.memory_max_mib);
            }
        }
    }
    if !any {
        return Ok(None);
    }
    let extra = extra_columns(percentiles);
    let mut out = COLUMNS.join(",");
    for p in &extra {
        out.push_str(&format!(",cpu_avg_p{p}_vcpu,memory_max_p{p}_mib"));
    }
    out.push('\n');
    let vcpu = |m: u32| format!("{}", m as f64 / 1000.0);
    for (name, g) in groups {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            quote(&name),
            g.tasks,
            g.cpu_avg.len(),
            vcpu(g.cpu_requested),
            g.memory_requested,
            vcpu(g.cpu_avg.percentile(50)),
            vcpu(g.cpu_avg.percentile(90)),
            vcpu(g.cpu_max.percentile(90)),
            vcpu(g.cpu_max.percentile(100)),
            g.memory_max.percentile(50),
            g.memory_max.percentile(90),
            g.memory_max.percentile(100),
            g.cpu_max.len(),
            g.memory_avg.percentile(90),
        ));
        for p in &extra {
            out.push_str(&format!(
                ",{},{}",
                vcpu(g.cpu_avg.percentile(*p)),
                g.memory_max.percentile(*p)
            ));
        }
        out.push('\n');
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::extra_columns;

    #[test]
    fn extra_columns_leave_out_the_ones_every_file_has() {
        assert_eq!(extra_columns(&[90, 95, 50, 95, 99]), vec![95, 99]);
        assert!(extra_columns(&[90, 90]).is_empty());
    }
}
