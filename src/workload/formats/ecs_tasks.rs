//! ECS tasks as an account exports them: the JSON of `aws ecs
//! describe-tasks` (`{"tasks": [...]}`) and EventBridge "ECS Task State
//! Change" events (each event's `detail` is the task), as JSON lines or one
//! document (an array, or a single value). Several records of one task
//! (`taskArn`) merge into one: the later state (higher `version`, else later
//! in the file) wins field by field, and earlier records fill what it lacks.
//! Memory holds one compact record per task, not per event.

use super::adapter::{BadRow, OnBadRow, SkipCounter};
use super::json_export::{each_value, scalar, timestamp_us};
use super::lifecycle::{Export, Launch, Lifecycle, bad_record, check_order, export_notes};
use crate::workload::WorkloadError;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Task fields read (the rest are ignored, and named in a note).
const KNOWN: [&str; 19] = [
    "lastStatus",
    "taskArn",
    "group",
    "cpu",
    "memory",
    "launchType",
    "capacityProviderName",
    "createdAt",
    "pullStartedAt",
    "pullStoppedAt",
    "startedAt",
    "stoppingAt",
    "stoppedAt",
    "stopCode",
    "platformFamily",
    "attachments",
    "containers",
    "version",
    "updatedAt",
];

/// What the records of one task said so far.
#[derive(Clone, Debug, Default)]
struct Partial {
    record: u64,
    version: i64,
    group: Option<String>,
    cpu_milli: Option<u32>,
    memory_mib: Option<u32>,
    launch_type: Option<String>,
    capacity_provider: Option<String>,
    platform_family: Option<String>,
    created: Option<i64>,
    pull_started: Option<i64>,
    pull_stopped: Option<i64>,
    started: Option<i64>,
    stopped: Option<i64>,
    stop_code: Option<String>,
    last_status: Option<String>,
}

impl Partial {
    /// Merges `later` in: its known fields win unless it is an older version.
    fn merge(&mut self, later: Partial) {
        let newer = later.version >= self.version;
        macro_rules! take {
            ($($f:ident),*) => {$(
                if later.$f.is_some() && (newer || self.$f.is_none()) {
                    self.$f = later.$f;
                }
            )*};
        }
        take!(
            group,
            cpu_milli,
            memory_mib,
            launch_type,
            capacity_provider,
            platform_family,
            created,
            pull_started,
            pull_stopped,
            started,
            stopped,
            stop_code,
            last_status
        );
        self.version = self.version.max(later.version);
    }
}

/// ECS CPU units (`"256"`, 1024 a vCPU) or `"0.25 vCPU"` as milli-vCPU.
fn cpu_units(v: &Value) -> Result<u32, String> {
    let s = scalar(v).ok_or_else(|| format!("`{v}` is not a CPU size"))?;
    let lower = s.to_ascii_lowercase();
    let milli = if let Some(n) = lower.strip_suffix("vcpu") {
        n.trim().parse::<f64>().ok().map(|x| x * 1000.0)
    } else {
        s.parse::<f64>().ok().map(|u| u * 1000.0 / 1024.0)
    };
    milli
        .filter(|m| m.is_finite() && *m >= 0.0 && *m < 1e9)
        .map(|m| m.ceil() as u32)
        .ok_or_else(|| format!("`{s}`: expected CPU units such as \"256\" or \"1 vCPU\""))
}

/// ECS memory in MiB (`"512"`) or `"2 GB"` (GiB, as ECS reads it).
fn memory_mib(v: &Value) -> Result<u32, String> {
    let s = scalar(v).ok_or_else(|| format!("`{v}` is not a memory size"))?;
    let lower = s.to_ascii_lowercase();
    let mib = if let Some(n) = lower.strip_suffix("gb") {
        n.trim().parse::<f64>().ok().map(|x| x * 1024.0)
    } else {
        s.parse::<f64>().ok()
    };
    mib.filter(|m| m.is_finite() && *m >= 0.0 && *m < 1e9)
        .map(|m| m.ceil() as u32)
        .ok_or_else(|| format!("`{s}`: expected MiB such as \"512\" or \"2 GB\""))
}

/// Reads one task object into a partial record.
fn partial(
    record: u64,
    t: &serde_json::Map<String, Value>,
    unknown: &mut BTreeSet<String>,
    end: &mut i64,
) -> Result<(String, Partial), BadRow> {
    for k in t.keys() {
        if !KNOWN.contains(&k.as_str()) && unknown.len() < 64 {
            unknown.insert(k.clone());
        }
    }
    let arn = t
        .get("taskArn")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| BadRow::new("taskArn", "", "no taskArn"))?
        .to_string();
    let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
    let mut time = |k: &'static str| -> Result<Option<i64>, BadRow> {
        match t.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let us = timestamp_us(v)
                    .map_err(|m| BadRow::new(k, &v.to_string(), format!("{k}: {m}")))?;
                *end = (*end).max(us);
                Ok(Some(us))
            }
        }
    };
    let created = time("createdAt")?;
    let pull_started = time("pullStartedAt")?;
    let pull_stopped = time("pullStoppedAt")?;
    let started = time("startedAt")?;
    let _stopping = time("stoppingAt")?;
    let stopped = time("stoppedAt")?;
    let _updated = time("updatedAt")?;
    let size = |k: &'static str, f: fn(&Value) -> Result<u32, String>| match t.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => f(v)
            .map(Some)
            .map_err(|m| BadRow::new(k, &v.to_string(), format!("{k}: {m}"))),
    };
    let mut cpu_milli = size("cpu", cpu_units)?.filter(|c| *c > 0);
    let mut memory = size("memory", memory_mib)?.filter(|m| *m > 0);
    // Without task-level sizes, the containers' sums.
    if (cpu_milli.is_none() || memory.is_none())
        && let Some(cs) = t.get("containers").and_then(Value::as_array)
    {
        let (mut c, mut m) = (0u32, 0u32);
        for ct in cs {
            if let Some(v) = ct.get("cpu") {
                c = c.saturating_add(
                    cpu_units(v).map_err(|e| BadRow::new("containers.cpu", &v.to_string(), e))?,
                );
            }
            let mv = ct.get("memory").or_else(|| ct.get("memoryReservation"));
            if let Some(v) = mv {
                m = m.saturating_add(
                    memory_mib(v)
                        .map_err(|e| BadRow::new("containers.memory", &v.to_string(), e))?,
                );
            }
        }
        if cpu_milli.is_none() && c > 0 {
            cpu_milli = Some(c);
        }
        if memory.is_none() && m > 0 {
            memory = Some(m);
        }
    }
    let group = text("group").map(|g| {
        g.strip_prefix("service:")
            .or_else(|| g.strip_prefix("family:"))
            .unwrap_or(&g)
            .to_string()
    });
    let version = t.get("version").and_then(Value::as_i64).unwrap_or(0);
    Ok((
        arn,
        Partial {
            record,
            version,
            group,
            cpu_milli,
            memory_mib: memory,
            launch_type: text("launchType"),
            capacity_provider: text("capacityProviderName"),
            platform_family: text("platformFamily"),
            created,
            pull_started,
            pull_stopped,
            started,
            stopped,
            stop_code: text("stopCode"),
            last_status: text("lastStatus"),
        },
    ))
}

/// Turns a task's merged records into its life, or says why it cannot run.
fn finish(arn: &str, p: Partial) -> Result<Lifecycle, BadRow> {
    let created = p
        .created
        .ok_or_else(|| BadRow::new("createdAt", "", "no createdAt in any record of the task"))?;
    let started = match p.started {
        Some(s) => s,
        None if p.stopped.is_some() => {
            return Err(BadRow::new(
                "startedAt",
                "",
                format!(
                    "stopped before it ran (stopCode {})",
                    p.stop_code.as_deref().unwrap_or("none")
                ),
            ));
        }
        None => {
            return Err(BadRow::new(
                "startedAt",
                p.last_status.as_deref().unwrap_or(""),
                "not yet running at the export's end",
            ));
        }
    };
    let cpu_milli = p.cpu_milli.ok_or_else(|| {
        BadRow::new(
            "cpu",
            "",
            "no CPU size (task-level cpu, or containers' cpu above 0)",
        )
    })?;
    let memory_mib = p.memory_mib.ok_or_else(|| {
        BadRow::new(
            "memory",
            "",
            "no memory size (task-level memory, or containers' memory or memoryReservation)",
        )
    })?;
    let launch = match (p.capacity_provider.as_deref(), p.launch_type.as_deref()) {
        (Some("FARGATE_SPOT"), _) => Launch::FargateSpot,
        (Some("FARGATE"), _) | (_, Some("FARGATE")) => Launch::Fargate,
        (_, Some("EC2")) => Launch::Ec2,
        (_, Some(other)) => Launch::OtherEcs(other.to_string()),
        (_, None) => Launch::OtherEcs("UNKNOWN".into()),
    };
    let windows = p
        .platform_family
        .as_deref()
        .is_some_and(|f| f.to_ascii_lowercase().contains("windows"));
    let life = Lifecycle {
        id: arn.rsplit('/').next().unwrap_or(arn).to_string(),
        group: p.group.unwrap_or_else(|| "ecs".into()),
        launch,
        cpu_milli,
        memory_mib,
        windows,
        created,
        pull_started: p.pull_started,
        pull_stopped: p.pull_stopped,
        started,
        stopped: p.stopped,
    };
    check_order(&life)?;
    Ok(life)
}

/// The task objects in one value: an event's `detail`, describe-tasks'
/// `tasks`, or a task itself.
fn collect<'a>(
    x: &'a Value,
    n: u64,
    found: &mut Vec<(u64, &'a serde_json::Map<String, Value>)>,
    other: &mut u64,
    end: &mut i64,
) {
    let Some(o) = x.as_object() else { return };
    if let Some(dt) = o.get("detail-type").and_then(Value::as_str) {
        if dt == "ECS Task State Change" {
            if let Some(d) = o.get("detail").and_then(Value::as_object) {
                found.push((n, d));
            }
        } else {
            *other += 1;
        }
        if let Some(t) = o.get("time").and_then(|t| timestamp_us(t).ok()) {
            *end = (*end).max(t);
        }
    } else if let Some(ts) = o.get("tasks").and_then(Value::as_array) {
        for (i, t) in ts.iter().enumerate() {
            if let Some(t) = t.as_object() {
                found.push((if n == 1 { i as u64 + 1 } else { n }, t));
            }
        }
    } else {
        found.push((n, o));
    }
}

/// Reads an ECS export (describe-tasks output or task state-change events).
pub fn read(
    path: &Path,
    on_bad_row: OnBadRow,
    skipped: &SkipCounter,
) -> Result<Export, WorkloadError> {
    let mut tasks: BTreeMap<String, Partial> = BTreeMap::new();
    let mut unknown = BTreeSet::new();
    let mut other_events = 0u64;
    let mut records = 0u64;
    let mut end = i64::MIN;
    each_value(path, |line, v| {
        let v = match v {
            Ok(v) => v,
            Err(m) => {
                return bad_record(
                    path,
                    line,
                    BadRow::new("(json)", "", m),
                    on_bad_row,
                    skipped,
                );
            }
        };
        // The task objects this value holds, with their record numbers.
        let mut found = Vec::new();
        match &v {
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    collect(x, i as u64 + 1, &mut found, &mut other_events, &mut end);
                }
            }
            x => collect(x, line, &mut found, &mut other_events, &mut end),
        }
        for (n, t) in found {
            records += 1;
            match partial(n, t, &mut unknown, &mut end) {
                Ok((arn, p)) => match tasks.get_mut(&arn) {
                    Some(old) => old.merge(p),
                    None => {
                        tasks.insert(arn, p);
                    }
                },
                Err(b) => bad_record(path, n, b, on_bad_row, skipped)?,
            }
        }
        Ok(())
    })?;
    let mut e = Export {
        end,
        ..Export::default()
    };
    let merged = records.saturating_sub(tasks.len() as u64);
    for (arn, p) in tasks {
        let record = p.record;
        match finish(&arn, p) {
            Ok(l) => e.lives.push(l),
            Err(b) => bad_record(path, record, b, on_bad_row, skipped)?,
        }
    }
    e.lives
        .sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    if merged > 0 {
        e.notes.push(format!(
            "{}: {records} task records merged into {} tasks (the last state of each wins)",
            path.display(),
            records - merged
        ));
    }
    if other_events > 0 {
        e.notes.push(format!(
            "{}: {other_events} events other than \"ECS Task State Change\" ignored",
            path.display()
        ));
    }
    if !unknown.is_empty() {
        e.notes.push(format!(
            "{}: task fields not used by the replay, ignored: {}",
            path.display(),
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    export_notes(path, &mut e);
    Ok(e)
}
