//! The ECS service scheduler's launch rate: each service provisions at most
//! a quota of tasks per minute ("Tasks launched by a service", per service
//! per minute, in the Amazon ECS service quotas), on EC2 and on Fargate
//! alike. Standalone tasks (RunTask) do not count against it. A task over
//! the rate is held, in its service's order, until a token comes back.
//!
//! Shared by the platform models: the EC2 cluster holds its service replicas
//! here before placement; Fargate holds its replicas here before its own
//! account-wide launch bucket (`fargate/launch.rs`). The one wake-up a model
//! needs to schedule for the holds is kept here too.
//!
//! The same hold, with one bucket for every task of a platform, is EKS's
//! binding of pods to Fargate (`ServiceLaunch::whole_platform`): the 2022
//! measurement ran pods at well under the account's launch quota.

use super::fargate::launch::TokenBucket;
use crate::service::replicas::ReplicaWatch;
use crate::time::SimTime;
use crate::workload::Task;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Per-service launch buckets and the tasks each holds back.
#[derive(Clone, Debug)]
pub struct ServiceLaunch<T> {
    /// Each bucket's size (0: no hold at all) and refill per second.
    burst: u32,
    per_second: f64,
    /// Every task is held under this one name (a platform-wide rate), not
    /// its service's.
    scope: Option<Arc<str>>,
    services: BTreeMap<Arc<str>, (TokenBucket, VecDeque<T>)>,
    held: u64,
    /// When the model's next wake-up for the holds is scheduled.
    wake: Option<SimTime>,
}

/// What [`ServiceLaunch::offer`] decided for a task.
#[derive(Debug, PartialEq)]
pub enum Offer<T> {
    /// It may launch now.
    Launch(T),
    /// It is held; schedule a wake-up at this time, if given (none: one
    /// already scheduled comes no later).
    Held(Option<SimTime>),
}

impl<T> ServiceLaunch<T> {
    /// Each service may launch `per_minute` tasks a minute: a bucket of that
    /// many tokens, refilled evenly over the minute.
    pub fn new(per_minute: u32) -> ServiceLaunch<T> {
        ServiceLaunch {
            burst: per_minute,
            per_second: per_minute as f64 / 60.0,
            scope: None,
            services: BTreeMap::new(),
            held: 0,
            wake: None,
        }
    }

    /// One bucket of `burst` for every task of the platform, named `name`,
    /// refilled at `per_second` (0: no hold).
    pub fn whole_platform(name: &str, burst: u32, per_second: f64) -> ServiceLaunch<T> {
        let burst = if per_second > 0.0 { burst.max(1) } else { 0 };
        ServiceLaunch {
            burst,
            per_second,
            scope: Some(Arc::from(name)),
            services: BTreeMap::new(),
            held: 0,
            wake: None,
        }
    }

    /// The service whose launch rate binds `task`: a service's replica (a
    /// batch task or RunTask is not bound), when the rate is on; every task
    /// under a platform-wide rate.
    pub fn service_of(&self, task: &Task) -> Option<Arc<str>> {
        if self.burst == 0 {
            return None;
        }
        if let Some(all) = &self.scope {
            return Some(all.clone());
        }
        if !ReplicaWatch::is_replica(task.id) {
            return None;
        }
        task.group.clone()
    }

    /// Offers `item`, a task of `service` (see [`ServiceLaunch::service_of`];
    /// none: not bound by the rate), at `now`.
    pub fn offer(&mut self, service: Option<Arc<str>>, now: SimTime, item: T) -> Offer<T> {
        let Some(service) = service else {
            return Offer::Launch(item);
        };
        match self.admit(&service, now, item) {
            Ok(item) => Offer::Launch(item),
            Err(at) => Offer::Held(self.wake_at(at)),
        }
    }

    /// Records a wake-up wanted at `at`; returns it when it must be
    /// scheduled (none is scheduled, or only a later one).
    fn wake_at(&mut self, at: SimTime) -> Option<SimTime> {
        if self.wake.is_none_or(|t| at < t) {
            self.wake = Some(at);
            Some(at)
        } else {
            None
        }
    }

    /// The model's wake-up fired at `now`: the held tasks that may launch
    /// now, in order, and when to schedule the next wake-up, if one is due.
    pub fn woken(&mut self, now: SimTime) -> (Vec<T>, Option<SimTime>) {
        if self.wake == Some(now) {
            self.wake = None;
        }
        let (out, next) = self.release(now);
        (out, next.and_then(|at| self.wake_at(at)))
    }

    /// Tasks held back now, all services together.
    pub fn held(&self) -> u64 {
        self.held
    }

    /// Offers `item` of `service` at `now`: `Ok(item)` when it may launch now,
    /// otherwise it is held (behind any earlier held task of its service) and
    /// `Err(at)` says when to call [`ServiceLaunch::release`].
    pub fn admit(&mut self, service: &Arc<str>, now: SimTime, item: T) -> Result<T, SimTime> {
        let (burst, per_second) = (self.burst, self.per_second);
        let (bucket, queue) = self
            .services
            .entry(service.clone())
            .or_insert_with(|| (TokenBucket::new(burst, per_second), VecDeque::new()));
        if queue.is_empty() && bucket.try_take(now) {
            return Ok(item);
        }
        queue.push_back(item);
        self.held += 1;
        Err(bucket.next_token_at().max(now))
    }

    /// The held tasks whose service has a token at `now`, in order, and when
    /// to call again if some are still held.
    pub fn release(&mut self, now: SimTime) -> (Vec<T>, Option<SimTime>) {
        let mut out = Vec::new();
        let mut next: Option<SimTime> = None;
        for (bucket, queue) in self.services.values_mut() {
            while !queue.is_empty() && bucket.try_take(now) {
                out.extend(queue.pop_front());
            }
            if !queue.is_empty() {
                let at = bucket.next_token_at().max(now);
                next = Some(next.map_or(at, |n: SimTime| n.min(at)));
            }
        }
        self.held -= out.len() as u64;
        (out, next)
    }

    /// Every held task, in service order, emptying the holds (at the end of a run).
    pub fn drain(&mut self) -> Vec<T> {
        self.held = 0;
        self.services
            .values_mut()
            .flat_map(|(_, q)| q.drain(..))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SECOND;

    #[test]
    fn a_service_launches_its_quota_at_once_then_one_every_60_over_quota_seconds() {
        // 500 a minute: 500 at once, the 501st 0.12 s later (60 s / 500; the
        // bucket refills 8.333 tokens a second, kept to 1/1000 of a token:
        // 10^9 / 8,333 = 120,004.8, so 120,005 µs).
        let mut s: ServiceLaunch<u32> = ServiceLaunch::new(500);
        let a: Arc<str> = Arc::from("a");
        let b: Arc<str> = Arc::from("b");
        for i in 0..500 {
            assert_eq!(s.admit(&a, 0, i), Ok(i));
        }
        assert_eq!(s.admit(&a, 0, 500), Err(120_005));
        // Another service has its own quota.
        assert_eq!(s.admit(&b, 0, 7), Ok(7));
        assert_eq!(s.held(), 1);
        assert_eq!(s.release(120_004), (vec![], Some(120_005)));
        assert_eq!(s.release(120_005), (vec![500], None));
        // A minute later: 500 more have come back, no more.
        assert_eq!(s.held(), 0);
        let mut n = 0;
        while s.admit(&a, 61 * SECOND, n).is_ok() {
            n += 1;
        }
        assert_eq!(n, 500);
        assert_eq!(s.drain(), vec![500]);
    }
}
