//! Google cluster traces (github.com/google/cluster-data).
//!
//! Both are event logs: a task (2011) or instance (2019) is submitted, later
//! scheduled on a machine, and ends when it finishes, fails, is killed,
//! evicted or lost. The adapters pair the events: a task is submitted at its
//! SUBMIT and runs from its SCHEDULE to its end event; a resubmission after
//! an eviction is a new task. Times are microseconds; 0 means "before the
//! trace window" (such tasks are submitted at 0) and 2^63−1 "after it" (the
//! end never happened within the trace). Resources are normalised to the
//! largest machine: `machine_cpu` and `machine_memory` turn them back into
//! vCPU and MiB. Tasks still running when the file ends are replayed until
//! the last timestamp seen, and a note counts them.
//!
//! - `google-2011`: clusterdata-2011-2 `task_events` (no header): time,
//!   missing info, job id, task index, machine id, event type (0 SUBMIT,
//!   1 SCHEDULE, 2 EVICT, 3 FAIL, 4 FINISH, 5 KILL, 6 LOST, 7/8 UPDATE),
//!   user, scheduling class, priority, CPU request, memory request, disk
//!   request, different-machines constraint.
//! - `google-2019`: ClusterData2019 `instance_events` exported as CSV with a
//!   header: `time`, `type` (0 SUBMIT, 1 QUEUE, 2 ENABLE, 3 SCHEDULE,
//!   4 EVICT, 5 FAIL, 6 FINISH, 7 KILL, 8 LOST, 9/10 UPDATE, or those names),
//!   `collection_id`, `instance_index`, `resource_request.cpus`,
//!   `resource_request.memory` (dotted or underscored).
//!
//! Either may take its usage table as `workload.usage`
//! (2019 `instance_usage`, 2011 `task_usage`; see `google_usage.rs`): each
//! task then carries the average and peak of the windows of its run, for
//! right-sizing.

use super::adapter::{Adapter, BadRow, FormatParams, field, num, size, task};
use super::google_usage::{Table, UsageWindows};
use crate::time::SimTime;
use crate::workload::{Task, WorkloadError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Microseconds meaning "after the end of the trace".
const AFTER_WINDOW: f64 = 9.223_372_036_854_776e18;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Submit,
    Schedule,
    End,
    Other,
}

struct Open {
    submit: SimTime,
    start: Option<SimTime>,
    cpu: f64,
    mem: f64,
}

/// The pairing shared by both versions.
struct Pairing {
    machine_cpu_milli: u32,
    machine_memory_mib: u32,
    open: HashMap<(u64, u64), Open>,
    last_time: SimTime,
    groups: HashMap<u64, Arc<str>>,
    ended_unopened: u64,
    /// The usage table's windows (`workload.usage`), if given.
    usage: Option<UsageWindows>,
}

impl Pairing {
    fn new(p: &FormatParams, table: Table) -> Result<Pairing, WorkloadError> {
        Ok(Pairing {
            machine_cpu_milli: p.machine_cpu_milli,
            machine_memory_mib: p.machine_memory_mib,
            open: HashMap::new(),
            last_time: 0,
            groups: HashMap::new(),
            ended_unopened: 0,
            usage: super::google_usage::load(p.usage_file.as_ref(), table)?,
        })
    }

    /// The task's usage over its run, in milli-vCPU and MiB (normalised
    /// like the requests), or None without a usage table or windows.
    fn usage_of(
        &self,
        key: (u64, u64),
        start: SimTime,
        end: SimTime,
        request: (u32, u32),
    ) -> Option<Box<crate::workload::Usage>> {
        let [ca, cm, ma, mm] = self.usage.as_ref()?.of_run(key, start, end)?;
        // Rounded up, tolerating float noise (0.05 × 32,000 is 1,600).
        let up = |x: f64, whole: u32| {
            ((x * whole as f64 - 1e-6).ceil().min(u32::MAX as f64) as u32).max(1)
        };
        let cpu = |x: f64| Some(up(x, self.machine_cpu_milli));
        let mem = |x: f64| Some(up(x, self.machine_memory_mib));
        crate::workload::Usage::from_parts((cpu(ca), cpu(cm)), (mem(ma), mem(mm)), request)
            .map(Box::new)
    }

    fn time(&mut self, v: &str) -> Result<Option<SimTime>, BadRow> {
        let t = num("time", v)?;
        if t < 0.0 {
            return Err(BadRow::new("time", v, "negative time"));
        }
        if t >= AFTER_WINDOW {
            return Ok(None);
        }
        let t = t as SimTime;
        self.last_time = self.last_time.max(t);
        Ok(Some(t))
    }

    fn emit(
        &mut self,
        key: (u64, u64),
        o: Open,
        end: SimTime,
        out: &mut Vec<Task>,
    ) -> Result<(), BadRow> {
        let Some(start) = o.start else {
            // Ended without running (killed while pending): not a task that ran.
            return Ok(());
        };
        let cpu = size("cpu_request", "", o.cpu * self.machine_cpu_milli as f64)?;
        let mem = size("memory_request", "", o.mem * self.machine_memory_mib as f64)?;
        let group = self
            .groups
            .entry(key.0)
            .or_insert_with(|| Arc::from(key.0.to_string()))
            .clone();
        let mut t = task(
            Some(format!("{}/{}", key.0, key.1).into()),
            o.submit,
            end.saturating_sub(start),
            cpu,
            mem,
        );
        t.group = Some(group);
        t.usage = self.usage_of(key, start, end, (cpu, mem));
        out.push(t);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        time: &str,
        kind: Kind,
        job: &str,
        index: &str,
        cpu: &str,
        mem: &str,
        out: &mut Vec<Task>,
    ) -> Result<(), BadRow> {
        let t = self.time(time)?;
        let key = (id("job", job)?, id("index", index)?);
        match kind {
            Kind::Submit => {
                let (c, m) = (num("cpu_request", cpu)?, num("memory_request", mem)?);
                if !(0.0..=1.0).contains(&c) {
                    return Err(BadRow::new(
                        "cpu_request",
                        cpu,
                        "cpu_request outside 0..1 (it is normalised)",
                    ));
                }
                if !(0.0..=1.0).contains(&m) {
                    return Err(BadRow::new(
                        "memory_request",
                        mem,
                        "memory_request outside 0..1 (it is normalised)",
                    ));
                }
                let submit =
                    t.ok_or_else(|| BadRow::new("time", time, "SUBMIT after the trace window"))?;
                self.open.insert(
                    key,
                    Open {
                        submit,
                        start: None,
                        cpu: c,
                        mem: m,
                    },
                );
            }
            Kind::Schedule => {
                let at =
                    t.ok_or_else(|| BadRow::new("time", time, "SCHEDULE after the trace window"))?;
                match self.open.get_mut(&key) {
                    Some(o) => o.start = Some(at),
                    None => {
                        // Submitted before the window: it arrives at time 0.
                        let (c, m) = (
                            num("cpu_request", cpu).unwrap_or(0.0),
                            num("memory_request", mem).unwrap_or(0.0),
                        );
                        self.open.insert(
                            key,
                            Open {
                                submit: 0,
                                start: Some(at),
                                cpu: c,
                                mem: m,
                            },
                        );
                    }
                }
            }
            Kind::End => match self.open.remove(&key) {
                Some(o) => {
                    let end = t.unwrap_or(self.last_time);
                    self.emit(key, o, end, out)?;
                }
                None => self.ended_unopened += 1,
            },
            Kind::Other => {}
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Task>) -> u64 {
        let mut open: Vec<((u64, u64), Open)> = self.open.drain().collect();
        open.sort_by_key(|(k, o)| (o.submit, *k));
        let mut running = 0;
        let last = self.last_time;
        for (k, o) in open {
            if o.start.is_some() {
                running += 1;
                let _ = self.emit(k, o, last, out);
            }
        }
        running
    }
}

fn id(column: &'static str, v: &str) -> Result<u64, BadRow> {
    v.trim()
        .parse()
        .map_err(|_| BadRow::new(column, v, format!("{column} is not a whole number")))
}

pub struct TaskEvents2011 {
    pairing: Pairing,
    running_at_end: u64,
}

impl TaskEvents2011 {
    pub fn new(p: &FormatParams) -> Result<TaskEvents2011, WorkloadError> {
        Ok(TaskEvents2011 {
            pairing: Pairing::new(p, Table::TaskUsage2011)?,
            running_at_end: 0,
        })
    }
}

impl Adapter for TaskEvents2011 {
    fn header(&mut self, _path: &Path, _fields: &[&str]) -> Result<bool, WorkloadError> {
        Ok(false)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        if f.len() < 13 {
            return Err(BadRow::new(
                "(row)",
                &f.join(","),
                format!("{} fields where task_events has 13", f.len()),
            ));
        }
        let kind = match field(f, 5, "event_type")?.trim() {
            "0" => Kind::Submit,
            "1" => Kind::Schedule,
            "2" | "3" | "4" | "5" | "6" => Kind::End,
            "7" | "8" => Kind::Other,
            v => return Err(BadRow::new("event_type", v, "event_type is not 0..8")),
        };
        self.pairing.event(f[0], kind, f[2], f[3], f[9], f[10], out)
    }

    fn finish(&mut self, out: &mut Vec<Task>) {
        self.running_at_end = self.pairing.finish(out);
    }
}

pub struct InstanceEvents2019 {
    pairing: Pairing,
    cols: [usize; 6],
}

impl InstanceEvents2019 {
    pub fn new(p: &FormatParams) -> Result<InstanceEvents2019, WorkloadError> {
        Ok(InstanceEvents2019 {
            pairing: Pairing::new(p, Table::InstanceUsage2019)?,
            cols: [0; 6],
        })
    }
}

impl Adapter for InstanceEvents2019 {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let names: Vec<String> = fields.iter().map(|f| f.trim().replace('.', "_")).collect();
        let find = |alts: &[&str]| {
            names
                .iter()
                .position(|n| alts.contains(&n.as_str()))
                .ok_or_else(|| WorkloadError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "google-2019 needs a `{}` column in its header; found: {}",
                        alts[0],
                        names.join(", ")
                    ),
                })
        };
        self.cols = [
            find(&["time"])?,
            find(&["type"])?,
            find(&["collection_id"])?,
            find(&["instance_index"])?,
            find(&["resource_request_cpus", "cpus"])?,
            find(&["resource_request_memory", "memory"])?,
        ];
        Ok(true)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        let [t, ty, job, idx, cpu, mem] = self.cols;
        let kind = match field(f, ty, "type")?.trim() {
            "0" | "SUBMIT" => Kind::Submit,
            "3" | "SCHEDULE" => Kind::Schedule,
            "4" | "5" | "6" | "7" | "8" | "EVICT" | "FAIL" | "FINISH" | "KILL" | "LOST" => {
                Kind::End
            }
            "1" | "2" | "9" | "10" | "QUEUE" | "ENABLE" | "UPDATE_PENDING" | "UPDATE_RUNNING" => {
                Kind::Other
            }
            v => return Err(BadRow::new("type", v, "type is not an instance event type")),
        };
        let get = |i: usize, c: &'static str| field(f, i, c);
        self.pairing.event(
            get(t, "time")?,
            kind,
            get(job, "collection_id")?,
            get(idx, "instance_index")?,
            get(cpu, "resource_request.cpus").unwrap_or(""),
            get(mem, "resource_request.memory").unwrap_or(""),
            out,
        )
    }

    fn finish(&mut self, out: &mut Vec<Task>) {
        self.pairing.finish(out);
    }
}
