//! Usage for the Google traces (issue 27): the measurement windows of the
//! 2019 `instance_usage` table and the 2011 `task_usage` table, read from
//! the file `workload.usage` names, and a task's average and
//! peak over the windows of its run.
//!
//! - 2019 (ClusterData2019, `clusterdata_trace_format_v3.proto`, message
//!   `InstanceUsage`): one row per instance per window (normally 300 s,
//!   shorter where the instance started or ended inside it), exported as
//!   CSV with a header: `start_time`, `end_time` (µs), `collection_id`,
//!   `instance_index`, `average_usage.cpus`, `average_usage.memory`,
//!   `maximum_usage.cpus`, `maximum_usage.memory` (dotted or underscored;
//!   other columns ignored). The proto says the maximum "may be fully or
//!   partially missing": an empty maximum takes the window's average.
//! - 2011 (clusterdata-2011-2 `task_usage`, no header): start time, end
//!   time, job id, task index, machine id, mean CPU usage rate (5),
//!   canonical memory usage (6), …, maximum memory usage (10), …, maximum
//!   CPU rate (13), … (20 fields).
//!
//! Values are normalised like the requests (CPU in NCU, memory in bytes
//! scaled to the largest machine), so they become vCPU and MiB with the
//! same `machine_cpu` and `machine_memory`. A task's average is the
//! window averages weighted by the windows' lengths; its peak is the
//! largest window maximum. The windows of a run are those overlapping its
//! SCHEDULE-to-end span, so a task evicted and run again gets each run's
//! own usage.

use crate::time::SimTime;
use crate::workload::WorkloadError;
use crate::workload::text::TextLines;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One measurement window of one instance, normalised units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub start: SimTime,
    pub end: SimTime,
    pub cpu_avg: f64,
    pub mem_avg: f64,
    pub cpu_max: f64,
    pub mem_max: f64,
}

/// Which table a usage file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// 2019 `instance_usage`, CSV with a header.
    InstanceUsage2019,
    /// 2011 `task_usage`, CSV without a header.
    TaskUsage2011,
}

/// The windows of every instance in a usage file, by (collection or job
/// id, instance or task index), each list in file order.
#[derive(Debug, Default)]
pub struct UsageWindows {
    by_key: HashMap<(u64, u64), Vec<Window>>,
    /// Rows read.
    pub rows: u64,
}

impl UsageWindows {
    /// Reads a whole usage file; a bad row is an error naming the file,
    /// line, column and what was expected.
    pub fn read(path: &Path, table: Table) -> Result<UsageWindows, WorkloadError> {
        let mut lines = TextLines::open(path)?;
        let mut cols: [usize; 8] = [0, 1, 2, 3, 5, 6, 13, 10];
        let mut out = UsageWindows::default();
        let mut first = true;
        while let Some(r) = lines.next_line() {
            let (line, text) = r?;
            if text.trim().is_empty() {
                continue;
            }
            let f = crate::io::csv::split_csv(text);
            if first && table == Table::InstanceUsage2019 {
                first = false;
                cols = header_2019(path, &f)?;
                continue;
            }
            first = false;
            let bad = |column: &'static str, value: &str, expected: &str| WorkloadError::BadValue {
                path: path.to_path_buf(),
                line,
                column,
                value: value.to_string(),
                expected: expected.to_string(),
            };
            if table == Table::TaskUsage2011 && f.len() < 14 {
                return Err(bad(
                    "(row)",
                    text,
                    "a task_usage row of 20 fields (at least 14: up to maximum CPU rate)",
                ));
            }
            let get = |i: usize, c: &'static str| -> Result<&str, WorkloadError> {
                f.get(i)
                    .map(|v| v.trim())
                    .ok_or_else(|| bad(c, "", "a field here (the row is too short)"))
            };
            let time = |i: usize, c: &'static str| -> Result<SimTime, WorkloadError> {
                let v = get(i, c)?;
                v.parse::<f64>()
                    .ok()
                    .filter(|t| t.is_finite() && *t >= 0.0 && *t < 9.2e18)
                    .map(|t| t as SimTime)
                    .ok_or_else(|| bad(c, v, "microseconds from the trace's start, 0 or more"))
            };
            let id = |i: usize, c: &'static str| -> Result<u64, WorkloadError> {
                let v = get(i, c)?;
                v.parse::<u64>()
                    .map_err(|_| bad(c, v, "a whole number 0 or more"))
            };
            // A normalised amount: 0 to 1 (a little above 1 is tolerated,
            // usage may exceed the largest machine's share briefly).
            let amount = |i: usize, c: &'static str| -> Result<Option<f64>, WorkloadError> {
                let v = get(i, c).unwrap_or("");
                if v.is_empty() {
                    return Ok(None);
                }
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && (0.0..=4.0).contains(x))
                    .map(Some)
                    .ok_or_else(|| {
                        bad(
                            c,
                            v,
                            "a normalised amount from 0 to 4 (1 is the largest machine), or empty",
                        )
                    })
            };
            let [s, e, job, idx, ca, ma, cm, mm] = cols;
            let (start, end) = (time(s, "start_time")?, time(e, "end_time")?);
            if end < start {
                return Err(bad(
                    "end_time",
                    get(e, "end_time")?,
                    "an end_time at or after start_time",
                ));
            }
            let key = (id(job, "collection_id")?, id(idx, "instance_index")?);
            let (cpu_avg, mem_avg) = (
                amount(ca, "average_usage.cpus")?,
                amount(ma, "average_usage.memory")?,
            );
            let (cpu_max, mem_max) = (
                amount(cm, "maximum_usage.cpus")?,
                amount(mm, "maximum_usage.memory")?,
            );
            let cpu_avg = cpu_avg.or(cpu_max).unwrap_or(0.0);
            let mem_avg = mem_avg.or(mem_max).unwrap_or(0.0);
            out.by_key.entry(key).or_default().push(Window {
                start,
                end,
                cpu_avg,
                mem_avg,
                cpu_max: cpu_max.unwrap_or(cpu_avg).max(cpu_avg),
                mem_max: mem_max.unwrap_or(mem_avg).max(mem_avg),
            });
            out.rows += 1;
        }
        Ok(out)
    }

    /// The usage of `key`'s run from `start` to `end`, normalised: (CPU
    /// average, CPU peak, memory average, memory peak), or None when no
    /// window overlaps the run. Windows of zero length weigh as one µs.
    pub fn of_run(&self, key: (u64, u64), start: SimTime, end: SimTime) -> Option<[f64; 4]> {
        let windows = self.by_key.get(&key)?;
        let (mut w_sum, mut cpu, mut mem) = (0u128, 0.0f64, 0.0f64);
        let (mut cpu_max, mut mem_max) = (0.0f64, 0.0f64);
        let mut any = false;
        for w in windows {
            let overlaps =
                w.start < end.max(start.saturating_add(1)) && w.end.max(w.start + 1) > start;
            if !overlaps {
                continue;
            }
            any = true;
            let weight = (w.end - w.start).max(1) as u128;
            w_sum += weight;
            cpu += w.cpu_avg * weight as f64;
            mem += w.mem_avg * weight as f64;
            cpu_max = cpu_max.max(w.cpu_max);
            mem_max = mem_max.max(w.mem_max);
        }
        if !any {
            return None;
        }
        let w = w_sum as f64;
        Some([cpu / w, cpu_max, mem / w, mem_max])
    }
}

/// The 2019 columns' positions: start, end, collection, index, CPU average,
/// memory average, CPU maximum, memory maximum.
fn header_2019(path: &Path, fields: &[&str]) -> Result<[usize; 8], WorkloadError> {
    let names: Vec<String> = fields
        .iter()
        .map(|f| {
            f.trim()
                .trim_start_matches('\u{feff}')
                .trim_matches('"')
                .replace('.', "_")
        })
        .collect();
    let find = |want: &str| {
        names
            .iter()
            .position(|n| n == want)
            .ok_or_else(|| WorkloadError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "a google-2019 usage file (`workload.usage`) is the instance_usage table with a header; it needs a `{}` column (dots or underscores); found: {}",
                    want.replacen("_usage_", "_usage.", 1),
                    names.join(", ")
                ),
            })
    };
    Ok([
        find("start_time")?,
        find("end_time")?,
        find("collection_id")?,
        find("instance_index")?,
        find("average_usage_cpus")?,
        find("average_usage_memory")?,
        find("maximum_usage_cpus")?,
        find("maximum_usage_memory")?,
    ])
}

/// The usage file of a Google format, if one is set.
pub fn load(path: Option<&PathBuf>, table: Table) -> Result<Option<UsageWindows>, WorkloadError> {
    path.map(|p| UsageWindows::read(p, table)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_is_time_weighted_and_peak_the_largest_maximum() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("u.csv");
        std::fs::write(
            &p,
            "start_time,end_time,collection_id,instance_index,average_usage.cpus,average_usage.memory,maximum_usage.cpus,maximum_usage.memory\n\
             0,300000000,7,0,0.1,0.2,0.3,0.25\n\
             300000000,400000000,7,0,0.4,0.1,0.5,\n\
             0,300000000,8,1,0.05,0.05,0.06,0.06\n",
        )
        .unwrap();
        let u = UsageWindows::read(&p, Table::InstanceUsage2019).unwrap();
        let [ca, cm, ma, mm] = u.of_run((7, 0), 0, 400_000_000).unwrap();
        // (0.1 × 300 + 0.4 × 100) / 400 = 0.175; memory (0.2 × 300 + 0.1 × 100) / 400 = 0.175.
        assert!((ca - 0.175).abs() < 1e-12 && (ma - 0.175).abs() < 1e-12);
        // Peaks: 0.5; memory max(0.25, the second window's average 0.1).
        assert_eq!((cm, mm), (0.5, 0.25));
        // A run over the second window only.
        let [ca, ..] = u.of_run((7, 0), 300_000_000, 400_000_000).unwrap();
        assert!((ca - 0.4).abs() < 1e-12);
        assert_eq!(u.of_run((9, 0), 0, 1), None);
    }
}
