//! Lambda Managed Instances: a Lambda function on a fleet of EC2 instances
//! (a capacity provider), between Lambda and an EC2 cluster.
//!
//! Invocations are packed on the fleet's instances: an instance takes one
//! while its CPU and memory (the sum of the running invocations' sizes) and
//! its concurrency (vCPUs × the per-vCPU concurrency) allow, the oldest
//! instance with room first. There is no cold start per invocation: the
//! fleet keeps `min_instances` instances from the start ("three by default
//! for AZ resiliency"), and a scaler looks at the fleet's CPU utilisation
//! every `evaluation` and adds the instances that bring it back to the
//! target, each serving after `cold_start` (the instance launch). An
//! invocation that finds no room is throttled: it waits for room
//! (`on_throttle = "queue"`) or fails (`"fail"`). Idle instances above
//! the most the scaler wanted over the last `keep_alive` are scaled in, the
//! newest first.
//!
//! Billing: each instance from its launch request to its end, rounded up
//! to EC2's granularity (1 s) with EC2's minimum (60 s), at the instance's
//! on-demand price, plus the compute management fee (a percentage of that
//! price, 15 %), plus the Lambda request charge per invocation; no duration
//! charge.

use super::managed_spec::ManagedSpec;
use super::spec::{FunctionSpec, OnThrottle};
use super::stats::FunctionStats;
use crate::engine::Schedule;
use crate::platform::books::{Books, Outcome, RecordSink, TaskRecord};
use crate::platform::model::{Detail, Platform};
use crate::platform::series::Gauges;
use crate::pricing::{ExactCost, Money};
use crate::time::SimTime;
use crate::workload::Task;
use rand_pcg::Pcg64Mcg;
use std::collections::VecDeque;

/// The model's events.
#[derive(Clone, Copy, Debug)]
pub enum ManagedEvent {
    /// An invocation ends.
    End { slot: u32 },
    /// A launched instance is ready to serve.
    Ready { instance: u32 },
    /// The scaler looks at the fleet.
    Scale,
}

/// One EC2 instance of the fleet.
#[derive(Clone, Debug)]
struct Instance {
    /// When it was requested (billing starts).
    launched: SimTime,
    ready: bool,
    gone: bool,
    cpu_used: u32,
    memory_used: u32,
    load: u32,
}

/// An invocation running on an instance.
#[derive(Clone, Debug)]
struct Running {
    task: Task,
    instance: u32,
    start: SimTime,
}

/// The Lambda Managed Instances model.
pub struct ManagedModel {
    spec: FunctionSpec,
    fleet: ManagedSpec,
    horizon: Option<SimTime>,
    instances: Vec<Instance>,
    running: Vec<Option<Running>>,
    free_running: Vec<u32>,
    waiting: VecDeque<Task>,
    /// Billed instance·µs of instances that are gone.
    billed_us: u128,
    /// Instances launched by the scaler (beyond the initial fleet).
    launched: u64,
    /// The scaler's recent wants (time, instances), the last `keep_alive`
    /// of them: it scales in only to the largest.
    recent: VecDeque<(SimTime, u32)>,
    end: SimTime,
    rng: Pcg64Mcg,
    books: Books,
    pub stats: FunctionStats,
}

impl ManagedModel {
    /// The model of `spec`, which must be a managed-instances platform.
    pub fn new(
        spec: &FunctionSpec,
        fleet: &ManagedSpec,
        seed: u64,
        horizon: Option<SimTime>,
        sink: Option<Box<dyn RecordSink>>,
    ) -> ManagedModel {
        ManagedModel {
            rng: crate::engine::rng::stream(seed, &format!("platform:{}/startup", spec.name)),
            spec: spec.clone(),
            fleet: fleet.clone(),
            horizon,
            instances: Vec::new(),
            running: Vec::new(),
            free_running: Vec::new(),
            waiting: VecDeque::new(),
            billed_us: 0,
            launched: 0,
            recent: VecDeque::new(),
            end: 0,
            books: Books::new(sink),
            stats: FunctionStats::default(),
        }
    }

    /// A span of instance life as EC2 bills it: rounded up to the
    /// granularity, at least the minimum.
    fn billed(&self, life: SimTime) -> SimTime {
        let g = self.fleet.granularity.max(1);
        life.div_ceil(g).saturating_mul(g).max(self.fleet.minimum)
    }

    /// Billed instance·µs up to `at`, instances still alive included.
    fn billed_to(&self, at: SimTime) -> u128 {
        self.billed_us
            + self
                .instances
                .iter()
                .filter(|i| !i.gone && i.launched <= at)
                .map(|i| self.billed(at - i.launched) as u128)
                .sum::<u128>()
    }

    /// The bill at `at`: instances at their on-demand price, the management
    /// fee on top (`control_plane`), and the request charge.
    fn bill(&self, at: SimTime) -> ExactCost {
        let q = self.billed_to(at);
        let price = self.fleet.price;
        ExactCost {
            instances: price.cost(q, 1),
            // fee_pct % of the same: exact, the percentage applied to the
            // quantity before the one division.
            control_plane: price
                .price
                .cost(q * self.fleet.fee_pct as u128, price.per_us * 100),
            requests: self
                .spec
                .profile
                .request
                .cost(self.stats.invocations as u128, 1),
            ..ExactCost::default()
        }
    }

    fn alive(&self) -> u32 {
        self.instances.iter().filter(|i| !i.gone).count() as u32
    }

    /// Requests an instance now, ready at once (`ready`) or after a launch.
    fn launch(&mut self, now: SimTime, ready: bool, queue: &mut impl Schedule<ManagedEvent>) {
        let id = self.instances.len() as u32;
        self.instances.push(Instance {
            launched: now,
            ready,
            gone: false,
            cpu_used: 0,
            memory_used: 0,
            load: 0,
        });
        if !ready {
            self.launched += 1;
            self.stats.cold_starts += 1;
            let at = now.saturating_add(self.spec.cold_start.sample(&mut self.rng));
            queue.schedule_at(at, ManagedEvent::Ready { instance: id });
        }
        let alive = self.alive() as u64;
        self.stats.peak_instances = self.stats.peak_instances.max(alive);
    }

    /// The oldest ready instance with room for `task`.
    fn room_for(&self, task: &Task) -> Option<u32> {
        let slots = self.fleet.slots();
        self.instances
            .iter()
            .position(|i| {
                i.ready
                    && !i.gone
                    && i.load < slots
                    && i.cpu_used + task.cpu_milli <= self.fleet.cpu_milli
                    && i.memory_used + task.memory_mib <= self.fleet.memory_mib
            })
            .map(|p| p as u32)
    }

    fn start_on(
        &mut self,
        id: u32,
        task: Task,
        now: SimTime,
        queue: &mut impl Schedule<ManagedEvent>,
    ) {
        let inst = &mut self.instances[id as usize];
        inst.load += 1;
        inst.cpu_used += task.cpu_milli;
        inst.memory_used += task.memory_mib;
        let latency = now - task.submit;
        self.stats.invocations += 1;
        if latency > 0 {
            self.stats.cold_invocations += 1;
            self.stats.cold_start_latency.record(latency);
        } else {
            self.stats.warm_invocations += 1;
            self.stats.warm_start_latency.record(latency);
        }
        if self.horizon.is_none_or(|h| now <= h) {
            self.books.tally.starts.record(latency, 0);
        }
        self.books.tally.in_flight += 1;
        let end = now.saturating_add(task.duration);
        let r = Running {
            task,
            instance: id,
            start: now,
        };
        let slot = match self.free_running.pop() {
            Some(s) => {
                self.running[s as usize] = Some(r);
                s
            }
            None => {
                self.running.push(Some(r));
                (self.running.len() - 1) as u32
            }
        };
        queue.schedule_at(end, ManagedEvent::End { slot });
    }

    /// Starts waiting invocations, in arrival order, while there is room.
    fn drain(&mut self, now: SimTime, queue: &mut impl Schedule<ManagedEvent>) {
        while let Some(task) = self.waiting.front() {
            let Some(id) = self.room_for(task) else {
                break;
            };
            let task = self.waiting.pop_front().expect("a waiting task");
            self.start_on(id, task, now, queue);
        }
    }

    fn emit(&mut self, r: &Running, end: SimTime, outcome: Outcome) {
        if let Some(sink) = self.books.sink.as_mut() {
            let run = end.saturating_sub(r.start.min(end));
            sink.record(&TaskRecord {
                task_id: r.task.id,
                attempt: 0,
                submit: r.task.submit,
                launch: Some(r.start),
                instance: Some(r.instance),
                running: Some(r.start),
                end: Some(end),
                cpu_milli_requested: r.task.cpu_milli,
                memory_mib_requested: r.task.memory_mib,
                cpu_milli_billed: r.task.cpu_milli,
                memory_mib_billed: r.task.memory_mib,
                billed_span: run,
                run_span: run,
                cost: None,
                outcome,
            });
        }
    }

    /// The scaler: the instances that bring the fleet's CPU utilisation
    /// (running and waiting invocations' vCPU over the fleet's, launching
    /// instances counted) to the target, within the minimum and maximum.
    fn desired(&self) -> u32 {
        let demand: u64 = self
            .running
            .iter()
            .flatten()
            .map(|r| r.task.cpu_milli as u64)
            .chain(self.waiting.iter().map(|t| t.cpu_milli as u64))
            .sum();
        let per = self.fleet.cpu_milli as u64 * self.fleet.target_cpu_pct as u64;
        let need = (demand * 100).div_ceil(per.max(1));
        (need.min(u32::MAX as u64) as u32)
            .max(self.fleet.min_instances)
            .min(self.fleet.max_instances)
    }

    fn scale(&mut self, now: SimTime, queue: &mut impl Schedule<ManagedEvent>) {
        let desired = self.desired();
        let alive = self.alive();
        // Scale-in looks back: the most instances wanted over the last
        // `keep_alive` (this look included), so that a dip in the traffic
        // does not retire instances the next minute wants again.
        let keep = self.spec.keep_alive;
        while self
            .recent
            .front()
            .is_some_and(|&(t, _)| now.saturating_sub(t) >= keep.max(1))
        {
            self.recent.pop_front();
        }
        self.recent.push_back((now, desired));
        let keep_for = self.recent.iter().map(|&(_, d)| d).max().unwrap_or(desired);
        if desired > alive {
            for _ in alive..desired {
                self.launch(now, false, queue);
            }
        } else if keep_for < alive {
            // Scale in idle instances, the newest first.
            let mut extra = alive - keep_for;
            for id in (0..self.instances.len()).rev() {
                if extra == 0 {
                    break;
                }
                let i = &self.instances[id];
                if !i.gone && i.ready && i.load == 0 {
                    self.retire(id as u32, now);
                    extra -= 1;
                }
            }
        }
    }

    fn retire(&mut self, id: u32, at: SimTime) {
        let life = at.saturating_sub(self.instances[id as usize].launched);
        self.billed_us += self.billed(life) as u128;
        self.instances[id as usize].gone = true;
    }

    /// Instances the scaler launched (beyond the initial fleet).
    pub fn scaled_out(&self) -> u64 {
        self.launched
    }
}

impl Platform for ManagedModel {
    type Event = ManagedEvent;

    fn books(&self) -> &Books {
        &self.books
    }

    fn books_mut(&mut self) -> &mut Books {
        &mut self.books
    }

    fn busy(&self) -> bool {
        !self.waiting.is_empty()
    }

    fn start(&mut self, queue: &mut impl Schedule<ManagedEvent>) {
        for _ in 0..self.fleet.min_instances {
            self.launch(0, true, queue);
        }
        queue.schedule_daemon_at(self.fleet.evaluation, ManagedEvent::Scale);
    }

    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<ManagedEvent>) {
        self.books.tally.submitted += 1;
        let now = queue.now();
        if let Some(why) = self.fleet.never_runs(
            task.cpu_milli,
            task.memory_mib,
            self.spec.profile.max_duration,
            task.duration,
        ) {
            self.books.tally.unschedulable(&why);
            if let Some(sink) = self.books.sink.as_mut() {
                sink.record(&TaskRecord::not_launched(
                    &task,
                    0,
                    (0, 0),
                    Outcome::Unschedulable,
                ));
            }
            return;
        }
        if self.waiting.is_empty()
            && let Some(id) = self.room_for(&task)
        {
            self.start_on(id, task, now, queue);
            return;
        }
        self.stats.throttles += 1;
        match self.spec.on_throttle {
            OnThrottle::Queue => self.waiting.push_back(task),
            OnThrottle::Fail => {
                self.books.tally.failed += 1;
                self.books.tally.stayed(task.submit, now);
                if let Some(sink) = self.books.sink.as_mut() {
                    sink.record(&TaskRecord::not_launched(
                        &task,
                        0,
                        (task.cpu_milli, task.memory_mib),
                        Outcome::Unschedulable,
                    ));
                }
            }
        }
    }

    fn on_event(&mut self, event: ManagedEvent, queue: &mut impl Schedule<ManagedEvent>) {
        let now = queue.now();
        match event {
            ManagedEvent::End { slot } => {
                let Some(r) = self.running[slot as usize].take() else {
                    return;
                };
                self.free_running.push(slot);
                let inst = &mut self.instances[r.instance as usize];
                inst.load -= 1;
                inst.cpu_used -= r.task.cpu_milli;
                inst.memory_used -= r.task.memory_mib;
                let run = now - r.start;
                let t = &mut self.books.tally;
                t.in_flight -= 1;
                t.completed += 1;
                t.stayed(r.task.submit, now);
                t.run_task_us += run as u128;
                t.add_usage(r.task.cpu_milli, r.task.memory_mib, 0, run);
                self.emit(&r, now, Outcome::Completed);
                self.drain(now, queue);
            }
            ManagedEvent::Ready { instance } => {
                let inst = &mut self.instances[instance as usize];
                if !inst.gone {
                    inst.ready = true;
                    self.drain(now, queue);
                }
            }
            ManagedEvent::Scale => {
                self.scale(now, queue);
                queue.schedule_daemon_at(
                    now.saturating_add(self.fleet.evaluation),
                    ManagedEvent::Scale,
                );
            }
        }
    }

    fn gauges(&self, _at: SimTime) -> Gauges {
        let mut g = Gauges {
            tasks_waiting: self.waiting.len() as u64,
            instances_launching: Some(0),
            instances_running: Some(0),
            ..Gauges::default()
        };
        for r in self.running.iter().flatten() {
            g.tasks_running += 1;
            g.cpu_milli_allocated += r.task.cpu_milli as u64;
            g.memory_mib_allocated += r.task.memory_mib as u64;
        }
        for i in self.instances.iter().filter(|i| !i.gone) {
            if i.ready {
                *g.instances_running.get_or_insert(0) += 1;
            } else {
                *g.instances_launching.get_or_insert(0) += 1;
            }
            g.cpu_milli_provisioned += self.fleet.cpu_milli as u64;
            g.memory_mib_provisioned += self.fleet.memory_mib as u64;
        }
        g
    }

    fn cost_to(&self, at: SimTime) -> Money {
        self.bill(at).total()
    }

    /// Settles the run at `end`: invocations still running end there,
    /// waiting ones are counted as waiting, instances are billed to `end`.
    fn finish(&mut self, end: SimTime) {
        self.end = end;
        let running = std::mem::take(&mut self.running);
        for r in running.into_iter().flatten() {
            let ran = end.saturating_sub(r.start.min(end));
            let t = &mut self.books.tally;
            t.running_at_end += 1;
            t.in_flight -= 1;
            t.stayed(r.task.submit, end);
            t.run_task_us += ran as u128;
            t.add_usage(r.task.cpu_milli, r.task.memory_mib, 0, ran);
            self.emit(&r, end, Outcome::RunningAtEnd);
        }
        for task in std::mem::take(&mut self.waiting) {
            self.books.tally.waiting_at_end += 1;
            self.books.tally.stayed(task.submit, end);
            if let Some(sink) = self.books.sink.as_mut() {
                sink.record(&TaskRecord::not_launched(
                    &task,
                    0,
                    (task.cpu_milli, task.memory_mib),
                    Outcome::WaitingAtEnd,
                ));
            }
        }
        for id in 0..self.instances.len() as u32 {
            if !self.instances[id as usize].gone {
                self.retire(id, end);
            }
        }
    }

    /// The exact bill: `instances` (EC2 on demand), `control_plane` (the
    /// management fee) and `requests`.
    fn cost(&self) -> ExactCost {
        self.bill(self.end)
    }

    fn rates_source(&self) -> String {
        format!(
            "{}; {} at {}/h on demand ({})",
            self.spec.profile.source,
            self.fleet.instance_type,
            self.fleet.price.price,
            self.spec.profile.region
        )
    }

    fn detail(&mut self) -> Detail {
        Detail::Function(Box::new(self.stats.clone()))
    }
}
