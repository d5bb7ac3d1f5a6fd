//! Deployment models, one file each: `serverless` (the per-task model) with
//! its `fargate` profile. A platform turns the workload into billed usage,
//! task outcomes and latencies, gathered in a [`Tally`].

pub mod ec2;
pub mod fargate;
pub mod function;
pub mod placement;
pub mod series;
pub mod serverless;

use crate::pricing::Money;
use crate::stats::SpanStats;
use crate::time::SimTime;
use std::collections::BTreeMap;

pub use fargate::FargateSpec;

/// A validated platform from a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum PlatformSpec {
    Fargate(FargateSpec),
    Ec2(ec2::Ec2Spec),
    Function(Box<function::FunctionSpec>),
}

impl PlatformSpec {
    pub fn name(&self) -> &str {
        match self {
            PlatformSpec::Fargate(f) => &f.name,
            PlatformSpec::Ec2(e) => &e.name,
            PlatformSpec::Function(f) => &f.name,
        }
    }

    /// The `kind` as written in a scenario.
    pub fn kind(&self) -> &'static str {
        match self {
            PlatformSpec::Fargate(_) => "fargate",
            PlatformSpec::Ec2(_) => "ec2",
            PlatformSpec::Function(_) => "function",
        }
    }
}

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
    pub control_plane: Money,
    /// Each task's time in the system (submit to its last departure, or to
    /// the end), summed: λW of Little's law, times the run's length.
    pub time_in_system_us: u128,
    pub wait: SpanStats,
    pub startup: SpanStats,
    pub time_to_start: SpanStats,
}

impl Tally {
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

/// Task ids from here up are service replicas (see [`crate::service`]); the
/// workload's own tasks are numbered from 0 and never get this far.
pub const REPLICA_ID_BASE: u64 = 1 << 62;

/// A replica's duration: it runs until its service stops it.
pub const UNTIL_STOPPED: SimTime = SimTime::MAX;

/// What a platform tells the service host about its replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaNews {
    /// Launched (serverless) or placed (EC2): its container runs from `running`.
    Started { task_id: u64, running: SimTime },
    /// Stopped, interrupted, or cut by the end of the run, with what it cost
    /// (serverless: its bill; EC2: its share of its instance). `retrying`: the
    /// platform has queued it again after an interruption.
    Ended {
        task_id: u64,
        cost: Money,
        retrying: bool,
    },
}

/// A platform's book of the replicas it holds, by task id.
#[derive(Debug, Default)]
pub struct ReplicaWatch {
    slots: std::collections::HashMap<u64, u32>,
    pub news: Vec<ReplicaNews>,
}

impl ReplicaWatch {
    #[inline]
    pub fn is_replica(task_id: u64) -> bool {
        task_id >= REPLICA_ID_BASE
    }

    /// A replica was launched into `slot`, running from `running`.
    pub fn started(&mut self, task_id: u64, slot: u32, running: SimTime) {
        self.slots.insert(task_id, slot);
        self.news.push(ReplicaNews::Started { task_id, running });
    }

    /// A replica left its slot.
    pub fn ended(&mut self, task_id: u64, cost: Money, retrying: bool) {
        self.slots.remove(&task_id);
        self.news.push(ReplicaNews::Ended {
            task_id,
            cost,
            retrying,
        });
    }

    /// The slot of a launched replica.
    pub fn slot(&self, task_id: u64) -> Option<u32> {
        self.slots.get(&task_id).copied()
    }
}

/// A platform that can host service replicas: tasks that run until stopped.
pub trait ReplicaHost: crate::engine::Model {
    /// Stops a launched replica now. False if it is not launched (still
    /// waiting for a launch token or for room on an instance).
    fn stop_replica(
        &mut self,
        task_id: u64,
        queue: &mut impl crate::engine::Schedule<Self::Event>,
    ) -> bool;

    /// The news since the last call, appended to `into`.
    fn take_replica_news(&mut self, into: &mut Vec<ReplicaNews>);

    /// Settles everything still pending when the run stops at `end`.
    fn finish_at(&mut self, end: SimTime);
}
