//! The contract between the service host and the platforms it runs
//! replicas on: the service side owns it, platforms implement it.

use crate::pricing::Money;
use crate::time::SimTime;

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
pub trait ReplicaHost: crate::engine::Model<Arrival = crate::workload::Task> {
    /// Stops a launched replica now. False if it is not launched (still
    /// waiting for a launch token or for room on an instance).
    fn stop_replica(
        &mut self,
        task_id: u64,
        queue: &mut impl crate::engine::Schedule<Self::Event>,
    ) -> bool;

    /// Takes `replicas` as already running at `queue.now()`: a service that
    /// starts in steady state. They pay no launch queue, provisioning or
    /// image pull, and each is billed from now like any running replica;
    /// the platform reports each as `Started` with `running` = now. One
    /// the platform cannot hold at once (a fixed fleet without room, a
    /// cluster at its maximum) waits and launches as any task does.
    fn start_running(
        &mut self,
        replicas: Vec<crate::workload::Task>,
        queue: &mut impl crate::engine::Schedule<Self::Event>,
    );

    /// Which of `candidates` (running replicas of one service, by task id)
    /// to stop first on a scale-in, as the platform's placement would: ECS
    /// on EC2 takes, under binpack, a task on the instance with the most
    /// resources left, so instances empty. `leaving`: replicas already
    /// on their way out (draining or stopping), counted as gone. None: the
    /// platform has no preference (Fargate), and the service host picks.
    fn replica_to_stop(&self, candidates: &[u64], leaving: &[u64]) -> Option<u64> {
        let _ = (candidates, leaving);
        None
    }

    /// The news since the last call, appended to `into`.
    fn take_replica_news(&mut self, into: &mut Vec<ReplicaNews>);

    /// Settles everything still pending when the run stops at `end`.
    fn finish_at(&mut self, end: SimTime);
}
