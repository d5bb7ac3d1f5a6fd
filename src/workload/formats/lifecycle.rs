//! One task's or pod's life as an account's export records it (created,
//! image pull, started, stopped, in UTC microseconds), the export those lives
//! come in, and the native tasks they become. Shared by the ECS and
//! Kubernetes adapters, `calibrate` and `new --from`.

use super::adapter::{BadRow, OnBadRow, SkipCounter, task};
use crate::workload::{Task, TaskStream, WorkloadError};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Where a task or pod ran, as its export says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Launch {
    /// ECS on Fargate (`launchType` FARGATE, capacity provider FARGATE).
    Fargate,
    /// ECS on Fargate Spot (capacity provider FARGATE_SPOT).
    FargateSpot,
    /// ECS on EC2 container instances.
    Ec2,
    /// ECS Managed Instances, ECS Anywhere, or a launch type not known here.
    OtherEcs(String),
    /// A Kubernetes pod on an EKS Fargate node.
    EksFargate,
    /// A Kubernetes pod on a node (its instance type, when a nodes file says).
    EksNode(Option<String>),
}

impl Launch {
    /// A short name for reports and file names.
    pub fn name(&self) -> String {
        match self {
            Launch::Fargate => "FARGATE".into(),
            Launch::FargateSpot => "FARGATE_SPOT".into(),
            Launch::Ec2 => "EC2".into(),
            Launch::OtherEcs(s) => s.clone(),
            Launch::EksFargate => "EKS_FARGATE".into(),
            Launch::EksNode(None) => "EKS_NODE".into(),
            Launch::EksNode(Some(t)) => format!("EKS_NODE:{t}"),
        }
    }

    /// Whether the task ran on Fargate (either capacity).
    pub fn is_fargate(&self) -> bool {
        matches!(
            self,
            Launch::Fargate | Launch::FargateSpot | Launch::EksFargate
        )
    }
}

/// One task's or pod's life. Times are microseconds since the epoch (UTC).
#[derive(Clone, Debug, PartialEq)]
pub struct Lifecycle {
    pub id: String,
    /// The service, task family or owning workload.
    pub group: String,
    pub launch: Launch,
    pub cpu_milli: u32,
    pub memory_mib: u32,
    /// `platformFamily` (ECS) or the node's OS (pods): "Linux" unless said.
    pub windows: bool,
    pub created: i64,
    /// ECS: `pullStartedAt`; pods: the `PodScheduled` condition.
    pub pull_started: Option<i64>,
    /// ECS: `pullStoppedAt`; pods: none.
    pub pull_stopped: Option<i64>,
    pub started: i64,
    /// None: still running at the export's end.
    pub stopped: Option<i64>,
}

/// What an export holds: every usable life (sorted by creation), the time
/// its records end, and what to tell the user.
#[derive(Clone, Debug, Default)]
pub struct Export {
    pub lives: Vec<Lifecycle>,
    /// The latest time any record of the export mentions (its end).
    pub end: i64,
    pub notes: Vec<String>,
    /// Whether the lives are pods (else ECS tasks).
    pub pods: bool,
}

impl Export {
    /// The first creation time: the replay's time 0.
    pub fn start(&self) -> i64 {
        self.lives.first().map_or(0, |l| l.created)
    }

    /// How many lives were still running at the export's end.
    pub fn still_running(&self) -> usize {
        self.lives.iter().filter(|l| l.stopped.is_none()).count()
    }
}

/// Applies the bad-row policy to a record that cannot be used: counts it
/// (skip) or turns it into an error naming the file and the record.
pub fn bad_record(
    path: &Path,
    record: u64,
    b: BadRow,
    on_bad_row: OnBadRow,
    skipped: &SkipCounter,
) -> Result<(), WorkloadError> {
    match on_bad_row {
        OnBadRow::Skip => {
            skipped.add(&b.reason);
            Ok(())
        }
        OnBadRow::Error => Err(WorkloadError::BadValue {
            path: path.to_path_buf(),
            line: record,
            column: b.column,
            value: b.value,
            expected: format!(
                "{} (set workload.on_bad_row = \"skip\" to skip such records and count them)",
                b.reason
            ),
        }),
    }
}

/// Notes every export adds: time 0, the end, the tasks cut there.
pub fn export_notes(path: &Path, e: &mut Export) {
    let what = if e.pods { "pods" } else { "tasks" };
    if let Some(first) = e.lives.first() {
        e.notes.push(format!(
            "{}: time 0 is {} (UTC), the first of {} {what}' creation; the export ends at {}",
            path.display(),
            super::json_export::format_utc(first.created),
            e.lives.len(),
            super::json_export::format_utc(e.end),
        ));
    }
    let cut = e.still_running();
    if cut > 0 {
        e.notes.push(format!(
            "{}: {cut} {what} still running at the export's end; each runs until then ({})",
            path.display(),
            super::json_export::format_utc(e.end)
        ));
    }
}

/// The native task a life becomes: submitted at its creation (from time 0,
/// the export's first creation), running from its start to its stop (or the
/// export's end).
pub fn to_task(l: &Lifecycle, t0: i64, end: i64, groups: &mut BTreeMap<String, Arc<str>>) -> Task {
    let submit = (l.created - t0).max(0) as u64;
    let stop = l.stopped.unwrap_or(end).max(l.started);
    let mut t = task(
        Some(l.id.as_str().into()),
        submit,
        (stop - l.started) as u64,
        l.cpu_milli,
        l.memory_mib,
    );
    let g = groups
        .entry(l.group.clone())
        .or_insert_with(|| Arc::from(l.group.as_str()))
        .clone();
    t.group = Some(g);
    t
}

/// The export as a task stream (already in submit order).
pub fn into_stream(e: Export) -> TaskStream {
    let t0 = e.start();
    let end = e.end;
    let mut groups = BTreeMap::new();
    let tasks: Vec<Task> = e
        .lives
        .iter()
        .map(|l| to_task(l, t0, end, &mut groups))
        .collect();
    Box::new(tasks.into_iter().map(Ok))
}

/// Checks a life's times in order; a bad record otherwise.
pub fn check_order(l: &Lifecycle) -> Result<(), BadRow> {
    if l.started < l.created {
        return Err(BadRow::new(
            "startedAt",
            &super::json_export::format_utc(l.started),
            "started before it was created",
        ));
    }
    if let Some(s) = l.stopped
        && s < l.started
    {
        return Err(BadRow::new(
            "stoppedAt",
            &super::json_export::format_utc(s),
            "stopped before it started",
        ));
    }
    Ok(())
}
