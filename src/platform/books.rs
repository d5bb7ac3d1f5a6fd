//! What every platform model counts the same way: how each task ended
//! ([`Outcome`], [`TaskRecord`]), where records go ([`RecordSink`]), the
//! run's counters ([`Tally`]), and the [`Books`] that hold them with the
//! time series.

use super::backlog::Backlog;
use super::series::{Gauges, SeriesRecorder};
use crate::pricing::Money;
use crate::stats::StartLatency;
use crate::time::SimTime;
use std::collections::BTreeMap;

/// How a task (or one attempt of it) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Interrupted,
    Unschedulable,
    RunningAtEnd,
    /// Submitted, never launched or placed before the run ended.
    WaitingAtEnd,
    /// Killed for using more memory than its right-sized allocation.
    OomKilled,
}

impl Outcome {
    /// The name used in files (`completed`, `running_at_end`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Interrupted => "interrupted",
            Outcome::Unschedulable => "unschedulable",
            Outcome::RunningAtEnd => "running_at_end",
            Outcome::WaitingAtEnd => "waiting_at_end",
            Outcome::OomKilled => "oom_killed",
        }
    }
}

/// One attempt of one task on one platform, as it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    pub task_id: u64,
    /// 0 for the first attempt, 1 after one interruption, …
    pub attempt: u32,
    pub submit: SimTime,
    /// When it was launched (serverless) or placed on an instance (EC2).
    pub launch: Option<SimTime>,
    /// The instance it ran on (EC2).
    pub instance: Option<u32>,
    pub running: Option<SimTime>,
    pub end: Option<SimTime>,
    pub cpu_milli_requested: u32,
    pub memory_mib_requested: u32,
    pub cpu_milli_billed: u32,
    pub memory_mib_billed: u32,
    /// The span billed (after rounding and minimum).
    pub billed_span: SimTime,
    /// The span the task's container was running.
    pub run_span: SimTime,
    /// Serverless: what this attempt was billed. EC2: its share of its
    /// instance's cost (the larger of its cpu and memory share, over its time
    /// there). None when nothing was billed (never launched).
    pub cost: Option<Money>,
    pub outcome: Outcome,
}

impl TaskRecord {
    /// The record of a task that never launched (unschedulable, or still
    /// waiting at the end), with the size it would have been billed at.
    pub fn not_launched(
        task: &crate::workload::Task,
        attempt: u32,
        billed_size: (u32, u32),
        outcome: Outcome,
    ) -> TaskRecord {
        TaskRecord {
            task_id: task.id,
            attempt,
            submit: task.submit,
            launch: None,
            instance: None,
            running: None,
            end: None,
            cpu_milli_requested: task.cpu_milli,
            memory_mib_requested: task.memory_mib,
            cpu_milli_billed: billed_size.0,
            memory_mib_billed: billed_size.1,
            billed_span: 0,
            run_span: 0,
            cost: None,
            outcome,
        }
    }
}

/// Receives task records as a run goes (for per-task files and tests).
pub trait RecordSink: Send {
    fn record(&mut self, record: &TaskRecord);
}

impl<F: FnMut(&TaskRecord) + Send> RecordSink for F {
    fn record(&mut self, record: &TaskRecord) {
        self(record)
    }
}

/// What a platform counted during a run. Quantities are exact integers:
/// milli-vCPU·µs, MiB·µs, GiB·µs.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub submitted: u64,
    pub completed: u64,
    pub failed: u64,
    pub interrupted: u64,
    pub unschedulable: u64,
    pub running_at_end: u64,
    pub waiting_at_end: u64,
    /// Tasks launched and not yet stopped (0 after `finish`).
    pub in_flight: u64,
    pub unschedulable_reasons: BTreeMap<String, u64>,
    pub cpu_milli_us: u128,
    pub memory_mib_us: u128,
    pub storage_gib_us: u128,
    /// Billed task time, summed over tasks.
    pub billed_task_us: u128,
    /// Useful run time: the container run time of completed tasks, and of
    /// tasks still running when the run ends, up to the end (interrupted
    /// runs are `wasted_task_us`).
    pub run_task_us: u128,
    /// Run time lost to interruptions.
    pub wasted_task_us: u128,
    /// Lost work (issue 34): the billed time of attempts that did not
    /// finish (interrupted or evicted), summed over those attempts.
    pub wasted_billed_us: u128,
    /// … and their cost: what they were billed (serverless) or their share
    /// of their instances (EC2), exact.
    pub wasted_cost: Money,
    /// Run time lost to interruptions per workload group (tasks without a
    /// group are not counted here), to name the groups a fix should cover.
    pub wasted_by_group: BTreeMap<std::sync::Arc<str>, u128>,
    pub control_plane: Money,
    /// Each task's time in the system (submit to its last departure, or to
    /// the end), summed: λW of Little's law, times the run's length.
    pub time_in_system_us: u128,
    /// Of the workload's tasks only (service replicas are not recorded).
    /// The wait, start-up and time to start of each task's first attempt.
    pub starts: StartLatency,
    /// The service replicas among the counts above: capacity a service
    /// asked for, not the workload's tasks, so the summary reports them
    /// apart.
    pub replicas: ReplicaTally,
    /// Tasks waiting over the run, to tell a backlog that never drains.
    pub backlog: Backlog,
    /// Each task group's billed cost (serverless: what its tasks were
    /// billed; EC2: their share of their instances), kept only when asked
    /// for (a workload from cost data, set beside the real bill).
    pub group_costs: Option<BTreeMap<std::sync::Arc<str>, Money>>,
    /// What right-sizing did (all zero under `rightsizing = "requested"`).
    pub rightsizing: RightSizingTally,
}

/// What right-sizing did to a platform's tasks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RightSizingTally {
    /// Tasks launched at a size other than their request.
    pub resized: u64,
    /// Tasks the policy left as requested (no usage, or a group not listed).
    pub kept: u64,
    /// Out-of-memory kills (a task killed twice counts twice).
    pub oom_killed: u64,
    /// Distinct tasks killed at least once.
    pub tasks_killed: u64,
    /// Run time lost to kills (billed all the same), µs.
    pub oom_lost_us: u128,
    /// Attempts slowed by a CPU limit below their average use.
    pub slowed: u64,
    /// Run time added by those limits, µs.
    pub slowed_extra_us: u128,
    /// The same per task group (None: tasks without a group), issue 27.
    pub groups: BTreeMap<Option<std::sync::Arc<str>>, GroupRightSizing>,
}

/// What right-sizing did to one group's tasks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupRightSizing {
    /// Tasks the policy sized (resized or kept).
    pub tasks: u64,
    pub resized: u64,
    /// Distinct tasks killed at least once, and the run time lost, µs.
    pub tasks_killed: u64,
    pub oom_lost_us: u128,
    /// Attempts slowed by a CPU limit, and the run time added, µs.
    pub slowed: u64,
    pub slowed_extra_us: u128,
}

impl RightSizingTally {
    /// The counters of `group`'s tasks.
    pub fn group(&mut self, group: Option<&std::sync::Arc<str>>) -> &mut GroupRightSizing {
        self.groups.entry(group.cloned()).or_default()
    }
}

/// What became of service replicas (each also counted in [`Tally`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicaTally {
    pub submitted: u64,
    /// Stopped by their service (scale-in), or ended normally.
    pub completed: u64,
    pub failed: u64,
    pub interrupted: u64,
    pub unschedulable: u64,
    pub running_at_end: u64,
    pub waiting_at_end: u64,
    pub unschedulable_reasons: BTreeMap<String, u64>,
}

/// Whether a task id is a service replica's (see `service::replicas`).
#[inline]
pub fn is_replica(task_id: u64) -> bool {
    crate::service::replicas::ReplicaWatch::is_replica(task_id)
}

impl Tally {
    /// The replicas' counters when `task_id` is a replica's.
    #[inline]
    pub fn replica(&mut self, task_id: u64) -> Option<&mut ReplicaTally> {
        is_replica(task_id).then_some(&mut self.replicas)
    }

    /// An attempt that did not finish (interrupted, evicted): its billed
    /// span, its cost and its lost run time join the lost work.
    pub fn add_wasted_attempt(
        &mut self,
        group: Option<&std::sync::Arc<str>>,
        billed_us: u128,
        cost: Money,
        run_us: u128,
    ) {
        self.wasted_billed_us += billed_us;
        self.wasted_cost += cost;
        if let Some(g) = group {
            match self.wasted_by_group.get_mut(g) {
                Some(w) => *w += run_us,
                None => {
                    self.wasted_by_group.insert(g.clone(), run_us);
                }
            }
        }
    }

    /// Adds a task's cost to its group, when group costs are kept.
    pub fn add_group_cost(&mut self, group: Option<&std::sync::Arc<str>>, cost: Money) {
        if let (Some(map), Some(g)) = (self.group_costs.as_mut(), group) {
            match map.get_mut(g) {
                Some(c) => *c += cost,
                None => {
                    map.insert(g.clone(), cost);
                }
            }
        }
    }

    /// Counts a submitted task, and apart when it is a replica.
    #[inline]
    pub fn submit(&mut self, task_id: u64) {
        self.submitted += 1;
        if let Some(r) = self.replica(task_id) {
            r.submitted += 1;
        }
    }

    /// Counts an unschedulable task, and apart when it is a replica.
    pub fn unschedulable_task(&mut self, task_id: u64, reason: &str) {
        self.unschedulable(reason);
        if let Some(r) = self.replica(task_id) {
            r.unschedulable += 1;
            *r.unschedulable_reasons
                .entry(reason.to_string())
                .or_default() += 1;
        }
    }

    pub fn unschedulable(&mut self, reason: &str) {
        self.unschedulable += 1;
        *self
            .unschedulable_reasons
            .entry(reason.to_string())
            .or_default() += 1;
    }

    /// Adds one task's billed usage.
    #[inline]
    pub fn add_usage(
        &mut self,
        cpu_milli: u32,
        memory_mib: u32,
        storage_extra_gib: u32,
        billed: SimTime,
    ) {
        let b = billed as u128;
        self.cpu_milli_us += cpu_milli as u128 * b;
        self.memory_mib_us += memory_mib as u128 * b;
        self.storage_gib_us += storage_extra_gib as u128 * b;
        self.billed_task_us += b;
    }

    /// A task that was submitted at `submit` left the system (or the run
    /// ended) at `until`.
    #[inline]
    pub fn stayed(&mut self, submit: SimTime, until: SimTime) {
        self.time_in_system_us += until.saturating_sub(submit) as u128;
    }

    /// Tasks submitted and not yet completed, failed or refused: still
    /// waiting, starting or running (retries included).
    #[inline]
    pub fn in_system(&self) -> u64 {
        self.submitted - self.done()
    }

    /// Tasks finished one way or another (for progress reports).
    pub fn done(&self) -> u64 {
        self.completed + self.failed + self.unschedulable
    }

    /// Whether every submitted task is accounted for exactly once.
    pub fn conserved(&self) -> bool {
        self.submitted
            == self.completed
                + self.failed
                + self.unschedulable
                + self.running_at_end
                + self.waiting_at_end
                + self.in_flight
    }
}

/// A problem that stops a platform's run.
#[derive(Debug)]
pub enum Failure {
    /// Input found to be wrong while running (an invalid size in `exact` mode).
    BadInput(String),
    /// A request source (a service's trace) failed.
    Workload(crate::workload::WorkloadError),
    /// A backlog's spill file could not be written or read back.
    Spill {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// The books every model keeps the same way: its counters, its time series
/// (when one was asked for), where its task records go, and what it found
/// wrong or worth noting. The engine's sampling, progress and Little's-law
/// hooks read them (see [`super::Platform`]).
pub struct Books {
    pub tally: Tally,
    pub series: Option<SeriesRecorder>,
    pub sink: Option<Box<dyn RecordSink>>,
    /// A fatal problem found while running; the run fails with it.
    pub failure: Option<Failure>,
    /// Notes for the report (a request source's ignored columns, …).
    pub notes: Vec<String>,
}

impl Books {
    pub fn new(sink: Option<Box<dyn RecordSink>>) -> Books {
        Books {
            tally: Tally::default(),
            series: None,
            sink,
            failure: None,
            notes: Vec::new(),
        }
    }

    /// Records a time series with a row every `every` µs.
    pub fn record_series(&mut self, every: SimTime) {
        self.series = Some(SeriesRecorder::new(every));
    }

    /// When the next time-series row is due (never without a series).
    #[inline]
    pub fn next_sample_at(&self) -> SimTime {
        self.series.as_ref().map_or(SimTime::MAX, |s| s.next_at())
    }

    /// Adds a time-series row at `at`.
    pub fn push_sample(&mut self, at: SimTime, gauges: Gauges, cost: Money) {
        // The workload's tasks only: service replicas have their own gauge.
        let t = &self.tally;
        let (submitted, completed) = (
            t.submitted - t.replicas.submitted,
            t.completed - t.replicas.completed,
        );
        if let Some(s) = self.series.as_mut() {
            s.push(at, submitted, completed, gauges, cost);
            // The series' spool file could not be written: the run stops
            // with it, as a backlog's spill file does.
            if let Some((path, source)) = s.take_error()
                && self.failure.is_none()
            {
                self.failure = Some(Failure::Spill { path, source });
            }
        }
    }

    /// Closes the time series after the run is settled: the last row's
    /// cumulative cost becomes the total bill.
    pub fn settle_series(&mut self, total: Money) {
        let completed = self.tally.completed - self.tally.replicas.completed;
        if let Some(s) = self.series.as_mut() {
            s.settle(total, completed);
        }
    }
}
