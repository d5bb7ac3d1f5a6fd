//! Serverless peers with warm instances: AWS Lambda, Google Cloud Run and
//! Azure Container Instances, each a [`FunctionProfile`] of data in the
//! pricing catalog, run by one model.
//!
//! A task (an invocation, a request, a container group) runs on an
//! *instance* (an execution environment, a container instance). A new
//! instance pays a cold start before it serves; an instance that runs out of
//! work stays warm for a keep-alive period, and work that arrives meanwhile
//! starts at once. An instance serves up to `concurrency` tasks at a time;
//! at most `max_instances` exist (Lambda's account concurrency, Cloud Run's
//! maximum instances); work beyond that is throttled and waits for the next
//! free slot. `min_instances` (Lambda's provisioned concurrency, Cloud Run's
//! minimum instances) are warm from the start and never reclaimed, and are
//! paid for the whole run at the profile's kept-warm rates.
//!
//! Three billing rules cover the three providers:
//! - `invocation` (Lambda): each task's run time, rounded up to the
//!   granularity (1 ms), plus a fee per request;
//! - `instance_active` (Cloud Run, request-based): each instance's busy
//!   periods, its start-up included, rounded up, plus a fee per request;
//! - `instance_lifetime` (Cloud Run instance-based, ACI): each instance from
//!   the start of its cold start until it is reclaimed, rounded up, with the
//!   profile's minimum.

use super::series::{Gauges, SeriesRecorder};
use super::{Outcome, RecordSink, Tally, TaskRecord};
use crate::engine::{Model, Schedule};
use crate::pricing::catalog::Rate;
use crate::pricing::{ExactCost, Money, Price};
use crate::stats::SpanStats;
use crate::time::SimTime;
use crate::workload::{SpanDist, Task};
use rand_pcg::Pcg64Mcg;
use std::collections::{HashMap, VecDeque};

/// How a profile turns a task's CPU and memory into an instance size.
#[derive(Clone, Debug, PartialEq)]
pub enum FunctionSizing {
    /// Memory only, CPU in proportion (Lambda: one vCPU per 1,769 MiB). A
    /// task gets the memory that gives it the CPU it asks for; where the
    /// largest memory still gives less, the task runs longer in proportion
    /// (its work is taken to be CPU-bound).
    Memory {
        mib_per_vcpu: u32,
        min_mib: u32,
        max_mib: u32,
        step_mib: u32,
    },
    /// CPU and memory chosen separately, each rounded up to its step.
    CpuMemory {
        min_cpu_milli: u32,
        max_cpu_milli: u32,
        step_cpu_milli: u32,
        min_mib: u32,
        max_mib: u32,
        step_mib: u32,
    },
}

/// What is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionBilling {
    /// Each task's run time (Lambda).
    Invocation,
    /// Each instance's busy time, start-up included (Cloud Run request-based).
    InstanceActive,
    /// Each instance's whole life (Cloud Run instance-based, ACI).
    InstanceLifetime,
}

/// A provider's rules and rates, from the pricing catalog.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionProfile {
    pub name: String,
    pub provider: String,
    pub region: String,
    pub sizing: FunctionSizing,
    pub billing: FunctionBilling,
    pub granularity: SimTime,
    pub minimum_billed: SimTime,
    /// Longest a task may run (Lambda: 15 minutes); longer tasks are not
    /// runnable here.
    pub max_duration: Option<SimTime>,
    pub concurrency: u32,
    pub max_instances: u32,
    pub keep_alive: SimTime,
    pub cold_start: SimTime,
    pub vcpu: Rate,
    pub memory_gib: Rate,
    pub request: Price,
    /// Rates for keeping a minimum instance warm, paid for its whole life.
    pub warm_vcpu: Rate,
    pub warm_memory_gib: Rate,
    /// Rates for work done on a minimum instance (Lambda bills provisioned
    /// concurrency's duration at a lower rate); the normal rates if absent.
    pub warm_active_vcpu: Option<Rate>,
    pub warm_active_memory_gib: Option<Rate>,
    pub source: String,
}

/// What happens to work when every instance allowed is busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnThrottle {
    /// Wait for the next free slot (an asynchronous invocation retried).
    Queue,
    /// Count it as failed (a synchronous caller given a 429).
    Fail,
}

/// A validated function platform from a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionSpec {
    pub name: String,
    pub profile: FunctionProfile,
    pub cold_start: SpanDist,
    pub keep_alive: SimTime,
    pub concurrency: u32,
    pub min_instances: u32,
    pub max_instances: u32,
    pub on_throttle: OnThrottle,
}

/// An instance size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FunctionSize {
    pub cpu_milli: u32,
    pub memory_mib: u32,
}

/// Sizes a task: its instance size and its run time there, or why it can
/// never run on this profile.
pub fn size_task(
    profile: &FunctionProfile,
    cpu_milli: u32,
    memory_mib: u32,
    duration: SimTime,
) -> Result<(FunctionSize, SimTime), String> {
    let up = |v: u32, step: u32| v.div_ceil(step.max(1)) * step.max(1);
    let (size, duration) = match &profile.sizing {
        FunctionSizing::Memory {
            mib_per_vcpu,
            min_mib,
            max_mib,
            step_mib,
        } => {
            if memory_mib > *max_mib {
                return Err(format!(
                    "{memory_mib} MiB is above {}'s largest memory ({max_mib} MiB)",
                    profile.name
                ));
            }
            let for_cpu = (cpu_milli as u64 * *mib_per_vcpu as u64).div_ceil(1000);
            let want = (for_cpu.min(u32::MAX as u64) as u32).max(memory_mib);
            let mem = up(want.max(*min_mib), *step_mib).min(*max_mib);
            // The CPU this memory gives, in milli-vCPU.
            let given = (mem as u64 * 1000) / *mib_per_vcpu as u64;
            let duration = if (given as u32) < cpu_milli && given > 0 {
                ((duration as u128 * cpu_milli as u128).div_ceil(given as u128))
                    .min(crate::time::MAX_SPAN as u128) as SimTime
            } else {
                duration
            };
            (
                FunctionSize {
                    cpu_milli: given as u32,
                    memory_mib: mem,
                },
                duration,
            )
        }
        FunctionSizing::CpuMemory {
            min_cpu_milli,
            max_cpu_milli,
            step_cpu_milli,
            min_mib,
            max_mib,
            step_mib,
        } => {
            if cpu_milli > *max_cpu_milli {
                return Err(format!(
                    "{} vCPU is above {}'s largest ({} vCPU)",
                    crate::units::format_vcpu(cpu_milli),
                    profile.name,
                    crate::units::format_vcpu(*max_cpu_milli)
                ));
            }
            if memory_mib > *max_mib {
                return Err(format!(
                    "{memory_mib} MiB is above {}'s largest memory ({max_mib} MiB)",
                    profile.name
                ));
            }
            (
                FunctionSize {
                    cpu_milli: up(cpu_milli.max(*min_cpu_milli), *step_cpu_milli)
                        .min(*max_cpu_milli),
                    memory_mib: up(memory_mib.max(*min_mib), *step_mib).min(*max_mib),
                },
                duration,
            )
        }
    };
    if let Some(max) = profile.max_duration
        && duration > max
    {
        return Err(format!(
            "runs longer than {}'s limit of {}",
            profile.name,
            crate::time::format_span(max)
        ));
    }
    Ok((size, duration))
}

/// Counters a function platform reports besides the common tally.
#[derive(Clone, Debug, Default)]
pub struct FunctionStats {
    /// Tasks started (each an invocation or request).
    pub invocations: u64,
    /// Instances started on demand, each paying a cold start.
    pub cold_starts: u64,
    /// Tasks that waited for an instance's cold start.
    pub cold_invocations: u64,
    /// Tasks that found a warm instance ready.
    pub warm_invocations: u64,
    /// Tasks that found every allowed instance busy.
    pub throttles: u64,
    /// The most instances alive at once.
    pub peak_instances: u64,
    /// Submit to start, for tasks that waited for a cold start and for the rest.
    pub cold_start_latency: SpanStats,
    pub warm_start_latency: SpanStats,
    /// Billed usage on demand: milli-vCPU·µs and MiB·µs.
    pub active_cpu: u128,
    pub active_memory: u128,
    /// Work done on minimum instances, at their active rates.
    pub warm_active_cpu: u128,
    pub warm_active_memory: u128,
    /// Minimum instances kept warm, their whole life.
    pub warm_cpu: u128,
    pub warm_memory: u128,
    /// Requests billed (tasks started).
    pub requests: u64,
}

/// One instance.
#[derive(Clone, Debug)]
struct Instance {
    size: FunctionSize,
    created: SimTime,
    ready_at: SimTime,
    load: u32,
    /// Start of the current busy period (instance_active billing).
    busy_since: SimTime,
    /// Bumped when it is reused, so a stale reclaim is ignored.
    generation: u32,
    gone: bool,
    minimum: bool,
    /// Whether it is in the stack of instances with a free slot.
    listed: bool,
}

/// The model's events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The task in this slot ends.
    End { slot: u32 },
    /// An idle instance's keep-alive runs out.
    Reclaim { instance: u32, generation: u32 },
}

struct Running {
    task: Task,
    instance: u32,
    launch: SimTime,
    start: SimTime,
    end: SimTime,
}

struct Waiting {
    task: Task,
    size: FunctionSize,
    duration: SimTime,
}

/// The function model.
pub struct FunctionModel {
    spec: FunctionSpec,
    horizon: Option<SimTime>,
    instances: Vec<Instance>,
    /// For each size, instances that may have a free slot, most recently
    /// freed last (entries are checked when taken).
    pools: HashMap<FunctionSize, Vec<u32>>,
    alive: u64,
    running: Vec<Option<Running>>,
    free_running: Vec<u32>,
    waiting: VecDeque<Waiting>,
    rng: Pcg64Mcg,
    pub tally: Tally,
    pub stats: FunctionStats,
    sink: Option<Box<dyn RecordSink>>,
    series: Option<SeriesRecorder>,
}

impl FunctionModel {
    pub fn new(
        spec: &FunctionSpec,
        seed: u64,
        horizon: Option<SimTime>,
        sink: Option<Box<dyn RecordSink>>,
    ) -> FunctionModel {
        FunctionModel {
            rng: crate::engine::rng::stream(seed, &format!("platform:{}/startup", spec.name)),
            spec: spec.clone(),
            horizon,
            instances: Vec::new(),
            pools: HashMap::new(),
            alive: 0,
            running: Vec::new(),
            free_running: Vec::new(),
            waiting: VecDeque::new(),
            tally: Tally::default(),
            stats: FunctionStats::default(),
            sink,
            series: None,
        }
    }

    pub fn rates_source(&self) -> &str {
        &self.spec.profile.source
    }

    pub fn record_series(&mut self, every: SimTime) {
        self.series = Some(SeriesRecorder::new(every));
    }

    pub fn take_series(&mut self) -> Option<SeriesRecorder> {
        self.series.take()
    }

    pub fn settle_series(&mut self) {
        let total = self.cost().total();
        let completed = self.tally.completed;
        if let Some(s) = self.series.as_mut() {
            s.settle(total, completed);
        }
    }

    /// The exact bill so far, by component: usage in `vcpu` and `memory`,
    /// the request fees in `requests`.
    pub fn cost(&self) -> ExactCost {
        let p = &self.spec.profile;
        let s = &self.stats;
        let wa_cpu = p.warm_active_vcpu.unwrap_or(p.vcpu);
        let wa_mem = p.warm_active_memory_gib.unwrap_or(p.memory_gib);
        ExactCost {
            vcpu: p.vcpu.cost(s.active_cpu, 1000)
                + wa_cpu.cost(s.warm_active_cpu, 1000)
                + p.warm_vcpu.cost(s.warm_cpu, 1000),
            memory: p.memory_gib.cost(s.active_memory, 1024)
                + wa_mem.cost(s.warm_active_memory, 1024)
                + p.warm_memory_gib.cost(s.warm_memory, 1024),
            requests: p.request.cost(s.requests as u128, 1),
            ..ExactCost::default()
        }
    }

    /// What keeping minimum instances warm cost (part of [`Self::cost`]).
    pub fn kept_warm_cost(&self) -> Money {
        let p = &self.spec.profile;
        p.warm_vcpu.cost(self.stats.warm_cpu, 1000)
            + p.warm_memory_gib.cost(self.stats.warm_memory, 1024)
    }

    /// Rounds a billed span up to the profile's granularity and minimum.
    fn round(&self, span: SimTime) -> SimTime {
        let p = &self.spec.profile;
        let g = p.granularity.max(1);
        (span.div_ceil(g) * g).max(p.minimum_billed)
    }

    /// Adds `span` µs of an instance's size to the bill: at the warm-active
    /// rates on a minimum instance, else on demand.
    fn add_active(&mut self, size: FunctionSize, span: SimTime, minimum: bool) {
        let (c, m) = (
            size.cpu_milli as u128 * span as u128,
            size.memory_mib as u128 * span as u128,
        );
        if minimum {
            self.stats.warm_active_cpu += c;
            self.stats.warm_active_memory += m;
        } else {
            self.stats.active_cpu += c;
            self.stats.active_memory += m;
        }
        self.tally
            .add_usage(size.cpu_milli, size.memory_mib, 0, span);
    }

    /// Creates an instance at `now`, ready after a cold start (minimum
    /// instances are ready at once: they are initialised before the run).
    fn create(&mut self, size: FunctionSize, now: SimTime, minimum: bool) -> u32 {
        let ready_at = if minimum {
            now
        } else {
            now.saturating_add(self.spec.cold_start.sample(&mut self.rng))
        };
        self.instances.push(Instance {
            size,
            created: now,
            ready_at,
            load: 0,
            busy_since: now,
            generation: 0,
            gone: false,
            minimum,
            listed: false,
        });
        self.alive += 1;
        self.stats.peak_instances = self.stats.peak_instances.max(self.alive);
        (self.instances.len() - 1) as u32
    }

    /// An instance of `size` with a free slot, the most recently freed
    /// first. Entries for instances that are gone or full are dropped here.
    fn take_free(&mut self, size: FunctionSize) -> Option<u32> {
        let conc = self.spec.concurrency;
        let stack = self.pools.get_mut(&size)?;
        while let Some(&id) = stack.last() {
            let inst = &mut self.instances[id as usize];
            if !inst.gone && inst.load < conc {
                return Some(id);
            }
            inst.listed = false;
            stack.pop();
        }
        None
    }

    /// Lists an instance as having a free slot (once).
    fn list(&mut self, id: u32) {
        let inst = &mut self.instances[id as usize];
        if !inst.listed {
            inst.listed = true;
            let size = inst.size;
            self.pools.entry(size).or_default().push(id);
        }
    }

    /// Starts a task on instance `id` at `now` (or when it is ready).
    fn start_on(
        &mut self,
        id: u32,
        task: Task,
        duration: SimTime,
        now: SimTime,
        queue: &mut impl Schedule<Event>,
    ) {
        let inst = &mut self.instances[id as usize];
        inst.generation += 1;
        if inst.load == 0 && now > inst.ready_at {
            inst.busy_since = now;
        }
        inst.load += 1;
        let start = now.max(inst.ready_at);
        let cold = inst.ready_at > now;
        let end = start.saturating_add(duration);
        let latency = start - task.submit;
        self.stats.invocations += 1;
        self.stats.requests += 1;
        if cold {
            self.stats.cold_invocations += 1;
            self.stats.cold_start_latency.record(latency);
        } else {
            self.stats.warm_invocations += 1;
            self.stats.warm_start_latency.record(latency);
        }
        if self.horizon.is_none_or(|h| start <= h) {
            self.tally.wait.record(now - task.submit);
            self.tally.startup.record(start - now);
            self.tally.time_to_start.record(latency);
        }
        self.tally.in_flight += 1;
        let r = Running {
            task,
            instance: id,
            launch: now,
            start,
            end,
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
        queue.schedule_at(end, Event::End { slot });
    }

    /// Finds or makes an instance for a task, or throttles it.
    fn dispatch(&mut self, w: Waiting, now: SimTime, queue: &mut impl Schedule<Event>) {
        if let Some(id) = self.take_free(w.size) {
            self.start_on(id, w.task, w.duration, now, queue);
            return;
        }
        if self.alive < self.spec.max_instances as u64 {
            let id = self.create(w.size, now, false);
            self.stats.cold_starts += 1;
            if self.spec.concurrency > 1 {
                self.list(id);
            }
            self.start_on(id, w.task, w.duration, now, queue);
            return;
        }
        self.stats.throttles += 1;
        match self.spec.on_throttle {
            OnThrottle::Queue => self.waiting.push_back(w),
            OnThrottle::Fail => {
                self.tally.failed += 1;
                self.tally.stayed(w.task.submit, now);
                if let Some(sink) = self.sink.as_mut() {
                    sink.record(&TaskRecord::not_launched(
                        &w.task,
                        0,
                        (w.size.cpu_milli, w.size.memory_mib),
                        Outcome::Unschedulable,
                    ));
                }
            }
        }
    }

    /// Bills the busy period ending at `now` of an instance that has just
    /// gone idle (instance_active billing).
    fn close_busy(&mut self, id: u32, now: SimTime) {
        if self.spec.profile.billing == FunctionBilling::InstanceActive {
            let inst = &self.instances[id as usize];
            let (size, minimum) = (inst.size, inst.minimum);
            let billed = self.round(now.saturating_sub(inst.busy_since));
            self.add_active(size, billed, minimum);
        }
    }

    /// Bills an instance's life up to `end` and marks it gone.
    fn retire(&mut self, id: u32, end: SimTime) {
        let inst = self.instances[id as usize].clone();
        self.instances[id as usize].gone = true;
        self.alive -= 1;
        let life = end.saturating_sub(inst.created);
        if inst.minimum {
            let b = life as u128;
            self.stats.warm_cpu += inst.size.cpu_milli as u128 * b;
            self.stats.warm_memory += inst.size.memory_mib as u128 * b;
        } else if self.spec.profile.billing == FunctionBilling::InstanceLifetime {
            let billed = self.round(life);
            self.add_active(inst.size, billed, false);
        }
    }

    fn gauges(&self, at: SimTime) -> Gauges {
        let mut g = Gauges {
            tasks_waiting: self.waiting.len() as u64,
            ..Gauges::default()
        };
        for r in self.running.iter().flatten() {
            if r.start <= at {
                g.tasks_running += 1;
            } else {
                g.tasks_starting += 1;
            }
            g.cpu_milli_allocated += r.task.cpu_milli as u64;
            g.memory_mib_allocated += r.task.memory_mib as u64;
        }
        for i in self.instances.iter().filter(|i| !i.gone) {
            g.cpu_milli_provisioned += i.size.cpu_milli as u64;
            g.memory_mib_provisioned += i.size.memory_mib as u64;
        }
        g
    }

    /// Settles the run at `end`: tasks still running are billed for the
    /// time they ran, instances still alive for their life so far.
    pub fn finish(&mut self, end: SimTime) {
        let running = std::mem::take(&mut self.running);
        for r in running.into_iter().flatten() {
            let inst = self.instances[r.instance as usize].clone();
            let ran = end.saturating_sub(r.start.min(end));
            if self.spec.profile.billing == FunctionBilling::Invocation {
                let span = end.saturating_sub(r.start.min(end));
                self.add_active(inst.size, span, inst.minimum);
            }
            self.tally.running_at_end += 1;
            self.tally.in_flight -= 1;
            self.tally.stayed(r.task.submit, end);
            self.tally.run_task_us += ran as u128;
            self.emit(&r, end, Outcome::RunningAtEnd);
        }
        for id in 0..self.instances.len() as u32 {
            let inst = &self.instances[id as usize];
            if inst.gone {
                continue;
            }
            if inst.load > 0 && self.spec.profile.billing == FunctionBilling::InstanceActive {
                let span = end.saturating_sub(inst.busy_since);
                let (size, minimum) = (inst.size, inst.minimum);
                self.add_active(size, span, minimum);
            }
            self.retire(id, end);
        }
        self.tally.waiting_at_end += self.waiting.len() as u64;
        let waiting = std::mem::take(&mut self.waiting);
        for w in &waiting {
            self.tally.stayed(w.task.submit, end);
            if let Some(sink) = self.sink.as_mut() {
                sink.record(&TaskRecord::not_launched(
                    &w.task,
                    0,
                    (w.size.cpu_milli, w.size.memory_mib),
                    Outcome::WaitingAtEnd,
                ));
            }
        }
    }

    fn emit(&mut self, r: &Running, end: SimTime, outcome: Outcome) {
        let size = self.instances[r.instance as usize].size;
        if let Some(sink) = self.sink.as_mut() {
            sink.record(&TaskRecord {
                task_id: r.task.id,
                attempt: 0,
                submit: r.task.submit,
                launch: Some(r.launch),
                instance: Some(r.instance),
                running: (r.start <= end).then_some(r.start),
                end: Some(end),
                cpu_milli_requested: r.task.cpu_milli,
                memory_mib_requested: r.task.memory_mib,
                cpu_milli_billed: size.cpu_milli,
                memory_mib_billed: size.memory_mib,
                billed_span: end.saturating_sub(r.start.min(end)),
                run_span: end.saturating_sub(r.start.min(end)),
                cost: None,
                outcome,
            });
        }
    }

    /// The report block of the run (after [`Self::finish`]).
    pub fn summary(&mut self) -> crate::report::summary::FunctionSummary {
        let st = &mut self.stats;
        crate::report::summary::FunctionSummary {
            profile: self.spec.profile.name.clone(),
            provider: self.spec.profile.provider.clone(),
            invocations: st.invocations,
            cold_starts: st.cold_starts,
            cold_invocations: st.cold_invocations,
            warm_invocations: st.warm_invocations,
            cold_start_rate: (st.invocations > 0)
                .then(|| st.cold_invocations as f64 / st.invocations as f64),
            throttles: st.throttles,
            peak_instances: st.peak_instances,
            kept_warm_usd: 0.0,
            cold_time_to_start: st.cold_start_latency.summary(),
            warm_time_to_start: st.warm_start_latency.summary(),
        }
        .with_kept_warm(self.kept_warm_cost().usd())
    }

    /// Creates the minimum instances (call once, at time 0).
    fn create_minimum(&mut self, size: FunctionSize) {
        for _ in 0..self.spec.min_instances {
            let id = self.create(size, 0, true);
            self.list(id);
        }
    }
}

impl Model for FunctionModel {
    type Event = Event;

    #[inline]
    fn next_sample_at(&self) -> SimTime {
        self.series.as_ref().map_or(SimTime::MAX, |s| s.next_at())
    }

    fn sample(&mut self, at: SimTime) {
        let gauges = self.gauges(at);
        let cost = self.cost().total();
        let (submitted, completed) = (self.tally.submitted, self.tally.completed);
        if let Some(s) = self.series.as_mut() {
            s.push(at, submitted, completed, gauges, cost);
        }
    }

    fn tasks_done(&self) -> u64 {
        self.tally.done()
    }

    #[inline]
    fn tasks_in_system(&self) -> u64 {
        self.tally.in_system()
    }

    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<Event>) {
        self.tally.submitted += 1;
        let now = queue.now();
        match size_task(
            &self.spec.profile,
            task.cpu_milli,
            task.memory_mib,
            task.duration,
        ) {
            Ok((size, duration)) => {
                if self.instances.is_empty() && self.spec.min_instances > 0 {
                    self.create_minimum(size);
                }
                self.dispatch(
                    Waiting {
                        task,
                        size,
                        duration,
                    },
                    now,
                    queue,
                )
            }
            Err(why) => {
                self.tally.unschedulable(&why);
                if let Some(sink) = self.sink.as_mut() {
                    sink.record(&TaskRecord::not_launched(
                        &task,
                        0,
                        (0, 0),
                        Outcome::Unschedulable,
                    ));
                }
            }
        }
    }

    fn on_event(&mut self, event: Event, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        match event {
            Event::End { slot } => {
                let r = self.running[slot as usize]
                    .take()
                    .expect("an end event has its task");
                self.free_running.push(slot);
                self.tally.in_flight -= 1;
                self.tally.completed += 1;
                self.tally.stayed(r.task.submit, now);
                self.tally.run_task_us += (r.end - r.start) as u128;
                let id = r.instance;
                let (size, minimum) = {
                    let i = &self.instances[id as usize];
                    (i.size, i.minimum)
                };
                if self.spec.profile.billing == FunctionBilling::Invocation {
                    let billed = self.round(r.end - r.start);
                    self.add_active(size, billed, minimum);
                }
                self.emit(&r, now, Outcome::Completed);
                self.instances[id as usize].load -= 1;
                // Waiting (throttled) work takes the freed slot at once; on
                // an instance of another size, the idle instance is
                // reclaimed to make room for one of the right size.
                if let Some(w) = self.waiting.pop_front() {
                    if w.size == size {
                        self.start_on(id, w.task, w.duration, now, queue);
                        return;
                    }
                    if self.instances[id as usize].load == 0 && !minimum {
                        self.close_busy(id, now);
                        self.retire(id, now);
                        self.dispatch(w, now, queue);
                        return;
                    }
                    self.waiting.push_front(w);
                }
                if self.instances[id as usize].load == 0 {
                    self.close_busy(id, now);
                    if !minimum {
                        if self.spec.keep_alive == 0 {
                            self.retire(id, now);
                            return;
                        }
                        let generation = self.instances[id as usize].generation;
                        queue.schedule_at(
                            now.saturating_add(self.spec.keep_alive),
                            Event::Reclaim {
                                instance: id,
                                generation,
                            },
                        );
                    }
                }
                self.list(id);
            }
            Event::Reclaim {
                instance,
                generation,
            } => {
                let inst = &self.instances[instance as usize];
                if inst.gone || inst.generation != generation || inst.load > 0 {
                    return;
                }
                self.retire(instance, now);
            }
        }
    }
}
