//! CloudWatch Container Insights performance log events, read as the usage
//! of an account's own tasks (`workload.usage`, issue 27): a second input
//! beside an `ecs-tasks` or `kubernetes-pods` export, joined to its tasks by
//! task id or by pod.
//!
//! Container Insights writes one JSON event a minute per task or pod to the
//! log group `/aws/ecs/containerinsights/CLUSTER/performance` (ECS) or
//! `/aws/containerinsights/CLUSTER/performance` (EKS). Source: Amazon
//! CloudWatch user guide, "Container Insights performance log events for
//! Amazon ECS" and "… for Amazon EKS and Kubernetes", and "Relevant fields
//! in performance log events for Amazon EKS and Kubernetes".
//! - ECS, `"Type": "Task"`: `TaskId` (the last part of the task ARN),
//!   `CpuUtilized` in CPU units (1,024 a vCPU; the event's metric unit is
//!   "None"), `MemoryUtilized` in MiB (unit "Megabytes"; ECS counts memory in
//!   MiB).
//! - EKS, `"Type": "Pod"`: `kubernetes.pod_name` and
//!   `kubernetes.namespace_name` (the top-level `PodName` is the pod's
//!   workload, not the pod), `pod_cpu_usage_total` in millicores,
//!   `pod_memory_working_set` in bytes.
//!
//! Other event types (Container, Service, Cluster, Node, …) are passed
//! over. Each task's events are added up as they are read (a count, sums
//! and maxima), so a month of per-minute events takes memory in tasks.
//! The events come one a minute, so the mean of a task's events is its
//! time-weighted average, and their maximum the largest one-minute value:
//! a spike shorter than a minute is averaged into its minute.

use super::adapter::{BadRow, OnBadRow, SkipCounter};
use super::json_export::each_value;
use super::lifecycle::{Export, to_task};
use crate::workload::{Task, TaskStream, Usage, WorkloadError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// CPU units in a vCPU (ECS task definitions and Container Insights).
const CPU_UNITS_PER_VCPU: f64 = 1024.0;
/// Bytes in a MiB.
const MIB: f64 = 1_048_576.0;

/// One task's events so far.
#[derive(Clone, Debug, Default)]
struct Sums {
    events: u64,
    cpu_milli: f64,
    cpu_max_milli: f64,
    memory_mib: f64,
    memory_max_mib: f64,
}

/// What a performance log gives: each task's or pod's usage, by the id its
/// export gives it (the ECS task id; `namespace/name` for a pod).
#[derive(Clone, Debug, Default)]
pub struct PerformanceUsage {
    pub usage: BTreeMap<String, Usage>,
    /// Task or pod events read, and events of other types passed over.
    pub events: u64,
    pub other_events: u64,
}

/// A number field of an event, or a bad record naming it.
fn number(event: &Value, field: &'static str) -> Result<f64, BadRow> {
    let v = event
        .get(field)
        .ok_or_else(|| BadRow::new(field, "", format!("a performance event without {field}")))?;
    let x = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match x {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(BadRow::new(
            field,
            &v.to_string(),
            format!("{field}: need a number from 0 up"),
        )),
    }
}

/// A string field of an event (at the top, or under `kubernetes`).
fn text<'a>(event: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = event;
    for p in path {
        v = v.get(*p)?;
    }
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// The key, CPU (milli-vCPU) and memory (MiB) of one event, None for an
/// event of another type.
fn sample(event: &Value, pods: bool) -> Result<Option<(String, f64, f64)>, BadRow> {
    let kind = event.get("Type").and_then(Value::as_str).unwrap_or("");
    if pods {
        if kind != "Pod" {
            return Ok(None);
        }
        let name = text(event, &["kubernetes", "pod_name"]).ok_or_else(|| {
            BadRow::new(
                "kubernetes.pod_name",
                "",
                "a Pod event without kubernetes.pod_name",
            )
        })?;
        let namespace = text(event, &["kubernetes", "namespace_name"])
            .or_else(|| text(event, &["Namespace"]))
            .unwrap_or("default");
        let cpu = number(event, "pod_cpu_usage_total")?;
        let mem = number(event, "pod_memory_working_set")? / MIB;
        Ok(Some((format!("{namespace}/{name}"), cpu, mem)))
    } else {
        if kind != "Task" {
            return Ok(None);
        }
        let id = text(event, &["TaskId"])
            .ok_or_else(|| BadRow::new("TaskId", "", "a Task event without TaskId"))?;
        // A full ARN is accepted too: its last part is the id.
        let id = id.rsplit('/').next().unwrap_or(id);
        let cpu = number(event, "CpuUtilized")? * 1000.0 / CPU_UNITS_PER_VCPU;
        let mem = number(event, "MemoryUtilized")?;
        Ok(Some((id.to_string(), cpu, mem)))
    }
}

/// The events inside one JSON value: the value itself, or the `message` of
/// each of its `events` (the output of `aws logs filter-log-events`).
fn events_of(v: Value) -> Result<Vec<Value>, BadRow> {
    match v.get("events").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .map(|e| match e.get("message") {
                Some(Value::String(m)) => serde_json::from_str::<Value>(m).map_err(|err| {
                    BadRow::new(
                        "events[].message",
                        "",
                        format!("events[].message: not a JSON performance event ({err})"),
                    )
                }),
                _ => Ok(e.clone()),
            })
            .collect(),
        None => match v {
            Value::Array(a) => Ok(a),
            v => Ok(vec![v]),
        },
    }
}

/// Reads a performance log (JSON lines, one document, or the output of
/// `aws logs filter-log-events`): ECS Task events, or with `pods` EKS Pod
/// events. Bad events follow the workload's `on_bad_row`.
pub fn read(
    path: &Path,
    pods: bool,
    on_bad_row: OnBadRow,
    skipped: &SkipCounter,
) -> Result<PerformanceUsage, WorkloadError> {
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    let mut out = PerformanceUsage::default();
    let bad = |line: u64, b: BadRow| -> Result<(), WorkloadError> {
        match on_bad_row {
            OnBadRow::Skip => {
                skipped.add(&b.reason);
                Ok(())
            }
            OnBadRow::Error => Err(WorkloadError::BadValue {
                path: path.to_path_buf(),
                line,
                column: b.column,
                value: b.value,
                expected: format!(
                    "{} (workload.usage: a Container Insights performance log; set workload.on_bad_row = \"skip\" to skip such events and count them)",
                    b.reason
                ),
            }),
        }
    };
    each_value(path, |line, v| {
        let v = match v {
            Ok(v) => v,
            Err(m) => return bad(line, BadRow::new("(json)", "", m)),
        };
        let list = match events_of(v) {
            Ok(l) => l,
            Err(b) => return bad(line, b),
        };
        for e in list {
            match sample(&e, pods) {
                Ok(None) => out.other_events += 1,
                Ok(Some((key, cpu, mem))) => {
                    out.events += 1;
                    let s = sums.entry(key).or_default();
                    s.events += 1;
                    s.cpu_milli += cpu;
                    s.cpu_max_milli = s.cpu_max_milli.max(cpu);
                    s.memory_mib += mem;
                    s.memory_max_mib = s.memory_max_mib.max(mem);
                }
                Err(b) => bad(line, b)?,
            }
        }
        Ok(())
    })?;
    // Rounded up to whole milli-vCPU and MiB, after float noise below a
    // millionth is dropped.
    let up = |v: f64| ((v * 1e6).round() / 1e6).ceil().min(u32::MAX as f64) as u32;
    for (key, s) in sums {
        let n = s.events as f64;
        out.usage.insert(
            key,
            Usage {
                cpu_avg_milli: up(s.cpu_milli / n),
                cpu_max_milli: up(s.cpu_max_milli),
                memory_avg_mib: up(s.memory_mib / n),
                memory_max_mib: up(s.memory_max_mib),
                peak_known: true,
            },
        );
    }
    Ok(out)
}

/// The export as a task stream, each task carrying the usage of its id;
/// and a note saying how many were matched.
pub fn join(e: Export, perf: &PerformanceUsage, path: &Path) -> (TaskStream, String) {
    let t0 = e.start();
    let end = e.end;
    let mut groups = BTreeMap::new();
    let mut matched = 0usize;
    let tasks: Vec<Task> = e
        .lives
        .iter()
        .map(|l| {
            let mut t = to_task(l, t0, end, &mut groups);
            if let Some(u) = perf.usage.get(&l.id) {
                matched += 1;
                t.usage = Some(Box::new(*u));
            }
            t
        })
        .collect();
    let what = if e.pods { "pods" } else { "tasks" };
    let unknown = perf.usage.len() - matched.min(perf.usage.len());
    let note = format!(
        "{}: usage for {matched} of {} {what} from {} performance events (their average and largest one-minute CPU and memory); {} {what} have no events and keep no usage{}",
        path.display(),
        e.lives.len(),
        perf.events,
        e.lives.len() - matched,
        match unknown {
            0 => String::new(),
            n => format!("; {n} ids in the events are not in the export"),
        }
    ) + &if perf.events == 0 && perf.other_events > 0 {
        format!(
            " (the file has {} events and no \"Type\": \"{}\" event: is it the performance log of the other orchestrator? ECS tasks need /aws/ecs/containerinsights/CLUSTER/performance, pods /aws/containerinsights/CLUSTER/performance)",
            perf.other_events,
            if e.pods { "Pod" } else { "Task" }
        )
    } else {
        String::new()
    };
    (Box::new(tasks.into_iter().map(Ok)), note)
}
