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
//! paid for the whole run at the profile's kept-warm rates. A service that
//! starts warm (the default) also finds instances for its desired replicas'
//! requests ready at time 0, reclaimed after the keep-alive like any idle
//! instance (none on a profile that keeps nothing warm).
//!
//! Three billing rules cover the three providers:
//! - `invocation` (Lambda): each task's run time, rounded up to the
//!   granularity (1 ms), plus a fee per request;
//! - `instance_active` (Cloud Run, request-based): each instance's busy
//!   periods, its start-up included, rounded up, plus a fee per request;
//! - `instance_lifetime` (Cloud Run instance-based, ACI): each instance from
//!   the start of its cold start until it is reclaimed, rounded up, with the
//!   profile's minimum.

use super::sizing::{FunctionSize, size_task};
use super::spec::{FunctionSpec, OnThrottle};
use super::stats::FunctionStats;
use crate::engine::Schedule;
use crate::platform::books::{Books, Failure, Outcome, RecordSink, TaskRecord};
use crate::platform::model::{Detail, Platform};
use crate::platform::series::Gauges;
use crate::pricing::functions::{FunctionBilling, MONTH};
use crate::pricing::{ExactCost, Money};
use crate::service::minutes::{MinuteBook, MinuteGauges};
use crate::service::report::ServiceReport;
use crate::service::source::{Request, RequestStream};
use crate::service::{ServiceSpec, ServiceTime, StartState};
use crate::time::MINUTE;
use crate::time::SimTime;
use crate::workload::{Task, WorkloadError};
use rand_pcg::Pcg64Mcg;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// One instance.
#[derive(Clone, Debug)]
struct Instance {
    size: FunctionSize,
    created: SimTime,
    ready_at: SimTime,
    load: u32,
    /// Start of the current busy period (instance_active billing), and
    /// whether one is open.
    busy_since: SimTime,
    busy_open: bool,
    /// Bumped when it is reused, so a stale reclaim is ignored.
    generation: u32,
    gone: bool,
    minimum: bool,
    /// The provisioned-concurrency window that made it (a minimum
    /// instance), or None for the constant minimum.
    window: Option<u16>,
    /// Whether it is in the stack of instances with a free slot.
    listed: bool,
    /// The service it belongs to (each service is its own function, with
    /// its own instances), or None for batch tasks.
    owner: Option<u16>,
    /// Initialisation time not yet billed to an invocation (`bill_init`).
    init_unbilled: SimTime,
    /// Busy time so far in closed periods, µs.
    busy_total: SimTime,
}

/// Where a new instance comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Created on demand: it pays a cold start.
    Cold,
    /// Up when the run starts (a service that starts warm), reclaimed when
    /// idle like any instance.
    Warm,
    /// One of the minimum instances, kept warm for the whole run.
    Minimum,
}

/// The model's events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The task in this slot ends.
    End { slot: u32 },
    /// An idle instance's keep-alive runs out.
    Reclaim { instance: u32, generation: u32 },
    /// A service's next request arrives.
    Request { service: u16 },
    /// A provisioned-concurrency window opens (daemon event).
    ProvisionOn { window: u16 },
    /// A provisioned-concurrency window that opened at `opened` closes.
    ProvisionOff { window: u16, opened: SimTime },
    /// The scaling rate allows a new instance again: retry waiting work.
    Retry,
}

struct Running {
    task: Task,
    service: Option<u16>,
    instance: u32,
    /// The instance's initialisation, billed with this invocation.
    init: SimTime,
    launch: SimTime,
    start: SimTime,
    end: SimTime,
}

struct Waiting {
    task: Task,
    service: Option<u16>,
    size: FunctionSize,
    duration: SimTime,
}

/// A service's requests on a function platform: each request is one
/// invocation of the service's own function.
struct FnService {
    spec: ServiceSpec,
    source: RequestStream,
    next: Option<Request>,
    work_rng: Pcg64Mcg,
    report: ServiceReport,
    /// Requests arrived and not yet gone.
    in_system: u64,
    /// Instances alive, and the ready times of those still starting.
    alive: u32,
    starting: BinaryHeap<Reverse<SimTime>>,
    /// When the integrals were last brought up to date.
    last: SimTime,
    minute: MinuteBook,
}

/// The function model.
pub struct FunctionModel {
    spec: FunctionSpec,
    horizon: Option<SimTime>,
    instances: Vec<Instance>,
    /// For each size, owner and kind (minimum or not), instances that may
    /// have a free slot, most recently freed last (entries are checked when
    /// taken). Minimum instances are looked at first: provisioned
    /// concurrency serves before on-demand environments.
    pools: HashMap<(FunctionSize, Option<u16>, bool), Vec<u32>>,
    /// Slots of instances that are gone, for reuse.
    free_instances: Vec<u32>,
    services: Vec<FnService>,
    /// Owners (batch: None) whose minimum instances exist, with their size.
    minimum_made: Vec<(Option<u16>, FunctionSize)>,
    /// Provisioned-concurrency windows open now, with their opening time.
    open_windows: Vec<(u16, SimTime)>,
    /// Creation times of each function's on-demand instances within the
    /// scaling rate's period (oldest first).
    scaled: HashMap<Option<u16>, VecDeque<SimTime>>,
    /// When a retry of rate-throttled work is scheduled.
    retry_at: Option<SimTime>,
    /// The run's end, once [`Self::finish`] has run.
    end: SimTime,
    alive: u64,
    running: Vec<Option<Running>>,
    free_running: Vec<u32>,
    waiting: VecDeque<Waiting>,
    rng: Pcg64Mcg,
    books: Books,
    pub stats: FunctionStats,
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
            free_instances: Vec::new(),
            services: Vec::new(),
            minimum_made: Vec::new(),
            open_windows: Vec::new(),
            scaled: HashMap::new(),
            retry_at: None,
            end: 0,
            alive: 0,
            running: Vec::new(),
            free_running: Vec::new(),
            waiting: VecDeque::new(),
            books: Books::new(sink),
            stats: FunctionStats::default(),
        }
    }

    /// The bill of the usage counted so far, with the free tier prorated to
    /// a run of `at` µs: on-demand usage and requests are reduced by the
    /// allowance (never below zero); minimum instances get no free tier.
    pub fn cost_at(&self, at: SimTime) -> ExactCost {
        self.bill(at, self.free_allowance(at))
    }

    /// The bill at `at` less a free allowance (milli-vCPU·µs, tenth-MiB·µs,
    /// requests), with the usage of instances still alive accrued to `at`.
    fn bill(&self, at: SimTime, (free_cpu, free_mem, free_req): (u128, u128, u128)) -> ExactCost {
        let p = &self.spec.profile;
        let s = &self.stats;
        let (acc_cpu, acc_mem, acc_warm_cpu, acc_warm_mem) = self.accrued(at);
        let active_cpu = s.active_cpu.saturating_sub(free_cpu) + acc_cpu;
        let active_mem = s.active_memory.saturating_sub(free_mem) + acc_mem;
        let requests = (s.invocations as u128).saturating_sub(free_req);
        let wa_cpu = p.warm_active_vcpu.unwrap_or(p.vcpu);
        let wa_mem = p.warm_active_memory_gib.unwrap_or(p.memory_gib);
        ExactCost {
            vcpu: p.vcpu.cost(active_cpu, 1000)
                + wa_cpu.cost(s.warm_active_cpu, 1000)
                + p.warm_vcpu.cost(s.warm_cpu + acc_warm_cpu, 1000),
            memory: p.memory_gib.cost(active_mem, 10240)
                + wa_mem.cost(s.warm_active_memory, 10240)
                + p.warm_memory_gib.cost(s.warm_memory + acc_warm_mem, 10240),
            requests: p.request.cost(requests, 1),
            // ACI on Windows: the software fee on the billed vCPU-seconds.
            os_license: match (self.spec.windows, p.windows_vcpu) {
                (true, Some(w)) => w.cost(
                    active_cpu + s.warm_active_cpu + s.warm_cpu + acc_warm_cpu,
                    1000,
                ),
                _ => Money(0),
            },
            storage: p
                .storage
                .map_or(Money(0), |st| st.rate.cost(s.storage_mib_us, 1024)),
            ..ExactCost::default()
        }
    }

    /// Usage of instances still alive at `at` that is billed only when they
    /// go (instance lives, open busy periods, minimum instances kept warm):
    /// on-demand milli-vCPU·µs and MiB·µs, then kept-warm ones. Zero after
    /// [`Self::finish`], which bills them.
    fn accrued(&self, at: SimTime) -> (u128, u128, u128, u128) {
        let p = &self.spec.profile;
        let mut out = (0u128, 0u128, 0u128, 0u128);
        for i in self.instances.iter().filter(|i| !i.gone && i.created < at) {
            let (c, m) = (i.size.cpu_milli as u128, i.size.memory_dmib as u128);
            let life = (at - i.created) as u128;
            let open = if i.busy_open {
                at.saturating_sub(i.busy_since) as u128
            } else {
                0
            };
            if i.minimum {
                let warm = if p.warm_while_busy {
                    life
                } else {
                    life.saturating_sub(i.busy_total as u128 + open)
                };
                out.2 += c * warm;
                out.3 += m * warm;
            } else if p.billing == FunctionBilling::InstanceLifetime {
                out.0 += c * life;
                out.1 += m * life;
            } else if p.billing == FunctionBilling::InstanceActive {
                out.0 += c * open;
                out.1 += m * open;
            }
        }
        out
    }

    /// The free tier for a run of `at` µs, in milli-vCPU·µs, tenth-MiB·µs and
    /// requests (all zero when it does not apply).
    fn free_allowance(&self, at: SimTime) -> (u128, u128, u128) {
        let Some(f) = self.spec.profile.free_tier.filter(|_| self.spec.free_tier) else {
            return (0, 0, 0);
        };
        let prorate = |per_month: u128| per_month * at as u128 / MONTH as u128;
        (
            prorate(f.vcpu_seconds as u128 * 1000 * 1_000_000),
            prorate(f.gib_seconds as u128 * 10240 * 1_000_000),
            prorate(f.requests as u128),
        )
    }

    /// What the free tier saved.
    pub fn free_tier_savings(&self) -> Money {
        let without = self.bill(self.end, (0, 0, 0)).total();
        Money(without.0.saturating_sub(self.cost().total().0))
    }

    /// What keeping minimum instances warm cost (part of [`Self::cost`]).
    pub fn kept_warm_cost(&self) -> Money {
        let p = &self.spec.profile;
        p.warm_vcpu.cost(self.stats.warm_cpu, 1000)
            + p.warm_memory_gib.cost(self.stats.warm_memory, 10240)
    }

    /// Rounds a billed span up to the profile's granularity and minimum.
    fn round(&self, span: SimTime) -> SimTime {
        let p = &self.spec.profile;
        let g = p.granularity.max(1);
        (span.div_ceil(g) * g).max(p.minimum_billed)
    }

    /// Adds `span` µs of an instance's size to the bill, at the
    /// warm-active rates on a minimum instance, else on demand; charges it
    /// to the instance's service, if any.
    fn add_active(&mut self, id: u32, span: SimTime) {
        let inst = &self.instances[id as usize];
        let (size, minimum, owner) = (inst.size, inst.minimum, inst.owner);
        let (c, m) = (
            size.cpu_milli as u128 * span as u128,
            size.memory_dmib as u128 * span as u128,
        );
        let p = &self.spec.profile;
        let storage = size.storage_mib as u128 * span as u128;
        self.stats.storage_mib_us += storage;
        let storage_cost = p.storage.map_or(Money(0), |st| st.rate.cost(storage, 1024));
        let cost = storage_cost
            + if minimum {
                self.stats.warm_active_cpu += c;
                self.stats.warm_active_memory += m;
                p.warm_active_vcpu.unwrap_or(p.vcpu).cost(c, 1000)
                    + p.warm_active_memory_gib
                        .unwrap_or(p.memory_gib)
                        .cost(m, 10240)
            } else {
                self.stats.active_cpu += c;
                self.stats.active_memory += m;
                p.vcpu.cost(c, 1000) + p.memory_gib.cost(m, 10240)
            };
        self.books
            .tally
            .add_usage(size.cpu_milli, size.memory_mib, 0, span);
        if let Some(s) = owner {
            self.services[s as usize].report.cost += cost;
        }
    }

    /// Creates an instance at `now`, ready after a cold start, or at once
    /// if it was initialised before the run (minimum and warm instances).
    fn create(
        &mut self,
        size: FunctionSize,
        owner: Option<u16>,
        now: SimTime,
        origin: Origin,
    ) -> u32 {
        let minimum = origin == Origin::Minimum;
        let ready_at = if origin == Origin::Cold {
            now.saturating_add(self.spec.cold_start.sample(&mut self.rng))
        } else {
            now
        };
        let inst = Instance {
            size,
            created: now,
            ready_at,
            load: 0,
            busy_since: now,
            busy_open: false,
            generation: 0,
            gone: false,
            minimum,
            window: None,
            listed: false,
            owner,
            busy_total: 0,
            init_unbilled: if self.spec.profile.bill_init {
                ready_at - now
            } else {
                0
            },
        };
        let id = match self.free_instances.pop() {
            Some(id) => {
                // Keep counting generations, so reclaims scheduled for the
                // instance that had this slot before stay stale.
                let generation = self.instances[id as usize].generation + 1;
                self.instances[id as usize] = Instance { generation, ..inst };
                id
            }
            None => {
                self.instances.push(inst);
                (self.instances.len() - 1) as u32
            }
        };
        self.alive += 1;
        self.stats.peak_instances = self.stats.peak_instances.max(self.alive);
        if let Some(s) = owner {
            self.advance(s as usize, now);
            let svc = &mut self.services[s as usize];
            svc.alive += 1;
            svc.report.replicas_launched += 1;
            svc.report.peak_running = svc.report.peak_running.max(svc.alive);
            if ready_at > now {
                svc.starting.push(Reverse(ready_at));
            }
        }
        id
    }

    /// An instance of `size` and `owner` with a free slot below the
    /// autoscaler's target, a minimum (provisioned) one first, then the most
    /// recently freed. Entries for instances that are gone, at the target,
    /// or whose slot now holds another instance are dropped here.
    fn take_free(&mut self, size: FunctionSize, owner: Option<u16>) -> Option<u32> {
        let cap = self.target_of(owner);
        self.take_from(size, owner, true, cap)
            .or_else(|| self.take_from(size, owner, false, cap))
    }

    fn take_from(
        &mut self,
        size: FunctionSize,
        owner: Option<u16>,
        minimum: bool,
        cap: u32,
    ) -> Option<u32> {
        let stack = self.pools.get_mut(&(size, owner, minimum))?;
        while let Some(&id) = stack.last() {
            let inst = &mut self.instances[id as usize];
            let same = inst.size == size && inst.owner == owner && inst.minimum == minimum;
            if same && !inst.gone && inst.load < cap {
                return Some(id);
            }
            if same {
                inst.listed = false;
            }
            stack.pop();
        }
        None
    }

    /// When no instance may be added: any instance of `size` and `owner`
    /// with a slot free up to the hard concurrency limit (a minimum one
    /// first, then the lowest id).
    fn any_with_room(&self, size: FunctionSize, owner: Option<u16>) -> Option<u32> {
        let conc = self.concurrency_of(owner);
        let fits = |i: &Instance| !i.gone && i.size == size && i.owner == owner && i.load < conc;
        let ids = 0..self.instances.len() as u32;
        ids.clone()
            .find(|&i| fits(&self.instances[i as usize]) && self.instances[i as usize].minimum)
            .or_else(|| ids.clone().find(|&i| fits(&self.instances[i as usize])))
    }

    /// Tasks an instance takes before the autoscaler adds another: the
    /// profile's target share of its concurrency (Cloud Run: 60 %), to the
    /// nearest whole task, at least one.
    fn target_of(&self, owner: Option<u16>) -> u32 {
        let conc = self.concurrency_of(owner);
        let target = (conc as u64 * self.spec.target_utilization_pct as u64 + 50) / 100;
        (target.min(u32::MAX as u64) as u32).clamp(1, conc)
    }

    /// Whether `owner`'s function may add an on-demand instance at `now`
    /// under the scaling rate; if not, when it may.
    fn scale_wait(&mut self, owner: Option<u16>, now: SimTime) -> Option<SimTime> {
        let rate = self.spec.scale_rate?;
        let made = self.scaled.entry(owner).or_default();
        while made
            .front()
            .is_some_and(|&t| t.saturating_add(rate.per) <= now)
        {
            made.pop_front();
        }
        if made.len() < rate.instances as usize {
            None
        } else {
            made.front().map(|&t| t.saturating_add(rate.per))
        }
    }

    /// Tasks one instance serves at once: the platform's concurrency, and
    /// for a service no more than the service's own (the requests one of
    /// its containers can serve at once, as on every other platform).
    fn concurrency_of(&self, owner: Option<u16>) -> u32 {
        match owner {
            Some(s) => self
                .spec
                .concurrency
                .min(self.services[s as usize].spec.concurrency.max(1)),
            None => self.spec.concurrency,
        }
    }

    /// Lists an instance as having a free slot (once).
    fn list(&mut self, id: u32) {
        let inst = &mut self.instances[id as usize];
        if !inst.listed {
            inst.listed = true;
            let key = (inst.size, inst.owner, inst.minimum);
            self.pools.entry(key).or_default().push(id);
        }
    }

    /// Brings a service's integrals (requests in the system, instances
    /// alive) up to `now`.
    fn advance(&mut self, s: usize, now: SimTime) {
        let svc = &mut self.services[s];
        let dt = now.saturating_sub(svc.last) as u128;
        svc.report.in_system_us += svc.in_system as u128 * dt;
        svc.report.replica_us += svc.alive as u128 * dt;
        svc.last = svc.last.max(now);
    }

    /// Closes every service's minutes that ended by `now`.
    fn roll_minutes(&mut self, now: SimTime) {
        for s in 0..self.services.len() {
            while now >= self.services[s].minute.start + MINUTE {
                let at = self.services[s].minute.start + MINUTE;
                self.close_minute(s, at);
            }
        }
    }

    /// Writes service `s`'s minute ending at `at` and starts the next.
    fn close_minute(&mut self, s: usize, at: SimTime) {
        self.advance(s, at);
        let svc = &mut self.services[s];
        while svc.starting.peek().is_some_and(|r| r.0 <= at) {
            svc.starting.pop();
        }
        let m = std::mem::take(&mut svc.minute);
        let starting = svc.starting.len() as u32;
        let running = svc.alive.saturating_sub(starting);
        let gauges = MinuteGauges {
            desired: svc.alive,
            running,
            starting,
            cpu_percent: None,
            requests_per_target: (running > 0).then(|| m.arrived as f64 / running as f64),
        };
        let row = m.close(at, gauges, svc.spec.slo);
        svc.report.slo_minutes_violated += u64::from(row.slo_violated);
        svc.report.minutes.push(row);
        svc.minute = MinuteBook::starting_at(at);
    }

    /// Starts a task on instance `id` at `now` (or when it is ready).
    fn start_on(&mut self, id: u32, w: Waiting, now: SimTime, queue: &mut impl Schedule<Event>) {
        let inst = &mut self.instances[id as usize];
        inst.generation += 1;
        if !inst.busy_open {
            // A new instance's first period starts at its creation (now),
            // so its start-up is billed with it.
            inst.busy_open = true;
            inst.busy_since = now;
        }
        inst.load += 1;
        let start = now.max(inst.ready_at);
        let cold = inst.ready_at > now;
        let init = std::mem::take(&mut inst.init_unbilled);
        let task = w.task;
        let end = start.saturating_add(w.duration);
        let latency = start - task.submit;
        self.stats.invocations += 1;
        if cold {
            self.stats.cold_invocations += 1;
            self.stats.cold_start_latency.record(latency);
        } else {
            self.stats.warm_invocations += 1;
            self.stats.warm_start_latency.record(latency);
        }
        match w.service {
            Some(s) => {
                let fee = self.spec.profile.request.cost(1, 1);
                let r = &mut self.services[s as usize].report;
                r.started += 1;
                r.wait_sum += latency as u128;
                r.cost += fee;
            }
            None => {
                if self.horizon.is_none_or(|h| start <= h) {
                    // The time to start, `latency`, is their sum.
                    self.books
                        .tally
                        .starts
                        .record(now - task.submit, start - now);
                }
                self.books.tally.in_flight += 1;
            }
        }
        let r = Running {
            task,
            service: w.service,
            instance: id,
            init,
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

    /// A service request that will not be served: `timed_out` or rejected.
    fn drop_request(&mut self, s: u16, submit: SimTime, now: SimTime, timed_out: bool) {
        self.advance(s as usize, now);
        let svc = &mut self.services[s as usize];
        svc.in_system -= 1;
        svc.report.time_in_system_us += now.saturating_sub(submit) as u128;
        if timed_out {
            svc.report.timed_out += 1;
            svc.minute.timed_out += 1;
        } else {
            svc.report.rejected += 1;
            svc.minute.rejected += 1;
        }
    }

    /// Finds or makes an instance for a task, or throttles it.
    fn dispatch(&mut self, w: Waiting, now: SimTime, queue: &mut impl Schedule<Event>) {
        if let Some(id) = self.take_free(w.size, w.service) {
            self.start_on(id, w, now, queue);
            return;
        }
        let wait = self.scale_wait(w.service, now);
        if wait.is_none() && self.alive >= self.spec.max_instances as u64 {
            self.reclaim_an_idle_instance(now);
        }
        if wait.is_none() && self.alive < self.spec.max_instances as u64 {
            let id = self.create(w.size, w.service, now, Origin::Cold);
            self.stats.cold_starts += 1;
            if self.spec.scale_rate.is_some() {
                self.scaled.entry(w.service).or_default().push_back(now);
            }
            if self.concurrency_of(w.service) > 1 {
                self.list(id);
            }
            self.start_on(id, w, now, queue);
            return;
        }
        // No instance may be added: one with room up to the hard limit.
        if self.target_of(w.service) < self.concurrency_of(w.service)
            && let Some(id) = self.any_with_room(w.size, w.service)
        {
            self.start_on(id, w, now, queue);
            return;
        }
        self.stats.throttles += 1;
        if let Some(at) = wait
            && self.spec.on_throttle == OnThrottle::Queue
            && self.retry_at.is_none_or(|r| r > at)
        {
            self.retry_at = Some(at);
            queue.schedule_at(at, Event::Retry);
        }
        match (self.spec.on_throttle, w.service) {
            (OnThrottle::Queue, _) => self.waiting.push_back(w),
            (OnThrottle::Fail, Some(s)) => self.drop_request(s, w.task.submit, now, false),
            (OnThrottle::Fail, None) => {
                self.books.tally.failed += 1;
                self.books.tally.stayed(w.task.submit, now);
                if let Some(sink) = self.books.sink.as_mut() {
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

    /// At the instance limit, retires one idle (kept-warm, not minimum)
    /// instance of another size or service, so that idle instances never
    /// block work that needs a new one: an idle execution environment does
    /// not count against Lambda's concurrency.
    fn reclaim_an_idle_instance(&mut self, now: SimTime) {
        let idle = (0..self.instances.len() as u32).find(|&i| {
            let inst = &self.instances[i as usize];
            !inst.gone && inst.load == 0 && !inst.minimum
        });
        if let Some(id) = idle {
            self.retire(id, now);
        }
    }

    /// Takes the next waiting task that can start now and starts it on a
    /// free or new instance; drops service requests past their timeout.
    fn drain_waiting(&mut self, now: SimTime, queue: &mut impl Schedule<Event>) {
        while let Some(w) = self.waiting.pop_front() {
            if let Some(s) = w.service {
                let timeout = self.services[s as usize].spec.timeout;
                if timeout.is_some_and(|t| now.saturating_sub(w.task.submit) > t) {
                    self.drop_request(s, w.task.submit, now, true);
                    continue;
                }
            }
            let before = self.waiting.len();
            let throttles = self.stats.throttles;
            self.dispatch(w, now, queue);
            if self.waiting.len() > before {
                // Still no room: put it back at the head, uncounted.
                let w = self.waiting.pop_back().expect("just queued");
                self.waiting.push_front(w);
                self.stats.throttles = throttles;
                return;
            }
        }
    }

    /// Bills the busy period ending at `now` of an instance that has just
    /// gone idle (instance_active billing).
    fn close_busy(&mut self, id: u32, now: SimTime) {
        let inst = &mut self.instances[id as usize];
        if !inst.busy_open {
            return;
        }
        inst.busy_open = false;
        inst.busy_total += now.saturating_sub(inst.busy_since);
        if self.spec.profile.billing == FunctionBilling::InstanceActive {
            let busy_since = inst.busy_since;
            let billed = self.round(now.saturating_sub(busy_since));
            self.add_active(id, billed);
        }
    }

    /// Bills an instance's life up to `end`, marks it gone and frees its slot.
    fn retire(&mut self, id: u32, end: SimTime) {
        self.close_busy(id, end);
        let was_minimum = self.instances[id as usize].minimum;
        if was_minimum {
            self.release_minimum(id, end);
        }
        let inst = self.instances[id as usize].clone();
        self.instances[id as usize].gone = true;
        self.free_instances.push(id);
        self.alive -= 1;
        let life = end.saturating_sub(inst.created);
        if !was_minimum && self.spec.profile.billing == FunctionBilling::InstanceLifetime {
            let billed = self.round(life);
            self.add_active(id, billed);
        }
        if let Some(s) = inst.owner {
            self.advance(s as usize, end);
            self.services[s as usize].alive -= 1;
        }
    }

    /// Ends a minimum instance's kept-warm time at `at` and bills it: its
    /// whole time as a minimum instance (Lambda's provisioned concurrency,
    /// rounded up to the profile's warm granularity, five minutes), or its
    /// idle time only (Cloud Run). It goes on as an ordinary instance,
    /// billed as one from `at`.
    fn release_minimum(&mut self, id: u32, at: SimTime) {
        let g = self.spec.profile.warm_granularity.max(1);
        let warm_while_busy = self.spec.profile.warm_while_busy;
        let inst = &mut self.instances[id as usize];
        let life = at.saturating_sub(inst.created);
        let warm = if warm_while_busy {
            life.div_ceil(g) * g
        } else {
            let open = if inst.busy_open {
                at.saturating_sub(inst.busy_since)
            } else {
                0
            };
            life.saturating_sub(inst.busy_total + open)
        };
        inst.minimum = false;
        inst.window = None;
        inst.created = at;
        inst.busy_total = 0;
        let (size, owner) = (inst.size, inst.owner);
        let b = warm as u128;
        let (c, m) = (size.cpu_milli as u128 * b, size.memory_dmib as u128 * b);
        self.stats.warm_cpu += c;
        self.stats.warm_memory += m;
        if let Some(s) = owner {
            let p = &self.spec.profile;
            let cost = p.warm_vcpu.cost(c, 1000) + p.warm_memory_gib.cost(m, 10240);
            self.services[s as usize].report.cost += cost;
        }
    }

    /// A provisioned-concurrency window opens at `now`: its instances for
    /// every function whose size is known, and the next day's opening.
    fn provision_on(&mut self, w: u16, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let win = self.spec.provisioned[w as usize];
        let day_start = now - win.from;
        queue.schedule_daemon_at(
            day_start.saturating_add(win.to),
            Event::ProvisionOff {
                window: w,
                opened: now,
            },
        );
        queue.schedule_daemon_at(
            day_start.saturating_add(crate::time::DAY + win.from),
            Event::ProvisionOn { window: w },
        );
        self.open_windows.push((w, now));
        for (owner, size) in self.minimum_made.clone() {
            self.create_window(w, size, owner, now);
        }
    }

    /// `concurrency` minimum instances of window `w` for `owner`, billed
    /// from `opened`, within the instance limit.
    fn create_window(&mut self, w: u16, size: FunctionSize, owner: Option<u16>, opened: SimTime) {
        for _ in 0..self.spec.provisioned[w as usize].concurrency {
            if self.alive >= self.spec.max_instances as u64 {
                break;
            }
            let id = self.create(size, owner, opened, Origin::Minimum);
            self.instances[id as usize].window = Some(w);
            self.list(id);
        }
    }

    /// Window `w` closes at `now`: its idle instances go, its busy ones
    /// finish their work as on-demand instances.
    fn provision_off(
        &mut self,
        w: u16,
        opened: SimTime,
        now: SimTime,
        queue: &mut impl Schedule<Event>,
    ) {
        self.open_windows.retain(|&(x, o)| !(x == w && o == opened));
        for id in 0..self.instances.len() as u32 {
            let inst = &self.instances[id as usize];
            if inst.gone || !inst.minimum || inst.window != Some(w) {
                continue;
            }
            if inst.load == 0 {
                self.retire(id, now);
            } else {
                self.release_minimum(id, now);
                self.instances[id as usize].listed = false;
                self.list(id);
            }
        }
        self.drain_waiting(now, queue);
    }

    /// Records a batch task's end. `billed` is its own billed time under
    /// invocation billing (its run time otherwise: an instance-billed
    /// profile bills instances, not tasks).
    fn emit(&mut self, r: &Running, end: SimTime, billed: SimTime, outcome: Outcome) {
        let size = self.instances[r.instance as usize].size;
        if let Some(sink) = self.books.sink.as_mut() {
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
                billed_span: billed,
                run_span: end.saturating_sub(r.start.min(end)),
                cost: None,
                outcome,
            });
        }
    }

    /// Creates the minimum instances for `owner`, sized for the first task
    /// (or request) that needs them: the constant ones from time 0, and
    /// those of the provisioned windows open now, from their opening.
    fn create_minimum(&mut self, size: FunctionSize, owner: Option<u16>) {
        if self.minimum_made.iter().any(|(o, _)| *o == owner) {
            return;
        }
        if self.spec.min_instances == 0 && self.spec.provisioned.is_empty() {
            return;
        }
        self.minimum_made.push((owner, size));
        // Each function (the batch tasks, each service) keeps its own
        // minimum, within the platform's instance limit.
        for _ in 0..self.spec.min_instances {
            if self.alive >= self.spec.max_instances as u64 {
                break;
            }
            let id = self.create(size, owner, 0, Origin::Minimum);
            self.list(id);
        }
        for (w, opened) in self.open_windows.clone() {
            self.create_window(w, size, owner, opened);
        }
    }

    /// Makes service `s` warm at `now`: instances (beyond its minimum ones)
    /// for its desired replicas' requests at once, as a service in steady
    /// state has. Each is reclaimed after the keep-alive if no request
    /// comes, as any idle instance is.
    fn create_warm(&mut self, s: usize, size: FunctionSize, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let spec = &self.services[s].spec;
        let slots = spec.desired as u64 * spec.concurrency.max(1) as u64;
        let want = slots.div_ceil(self.concurrency_of(Some(s as u16)) as u64);
        while (self.services[s].alive as u64) < want && self.alive < self.spec.max_instances as u64
        {
            let id = self.create(size, Some(s as u16), now, Origin::Warm);
            self.list(id);
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

    /// Pulls service `s`'s next request and schedules its arrival.
    fn pull_request(&mut self, s: usize, queue: &mut impl Schedule<Event>) {
        match self.services[s].source.next() {
            Some(Ok(req)) => {
                let at = req.arrival.max(queue.now());
                self.services[s].next = Some(req);
                queue.schedule_at(at, Event::Request { service: s as u16 });
            }
            Some(Err(e)) if self.books.failure.is_none() => {
                self.books.failure = Some(Failure::Workload(e))
            }
            _ => {}
        }
    }

    /// A service request arrives: it becomes an invocation of the service's
    /// function.
    fn on_request(&mut self, s: u16, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let Some(req) = self.services[s as usize].next.take() else {
            return;
        };
        self.pull_request(s as usize, queue);
        self.advance(s as usize, now);
        let svc = &mut self.services[s as usize];
        let work = match &svc.spec.service_time {
            ServiceTime::Dist(d) => d.sample(&mut svc.work_rng),
            ServiceTime::FromTrace => req.work.unwrap_or(0),
        };
        svc.report.arrived += 1;
        svc.minute.arrived += 1;
        svc.in_system += 1;
        let (cpu, mem) = (svc.spec.cpu_milli, svc.spec.memory_mib);
        match size_task(&self.spec.profile, cpu, mem, 0, work) {
            Ok((size, duration)) => {
                self.create_minimum(size, Some(s));
                let task = Task {
                    id: crate::service::REPLICA_ID_BASE - 1,
                    label: None,
                    submit: now,
                    duration,
                    cpu_milli: cpu,
                    memory_mib: mem,
                    storage_gib: 0,
                    group: None,
                    usage: None,
                };
                self.dispatch(
                    Waiting {
                        task,
                        service: Some(s),
                        size,
                        duration,
                    },
                    now,
                    queue,
                );
            }
            Err(why) => {
                let first = self.services[s as usize].report.rejected == 0;
                self.drop_request(s, now, now, false);
                if first {
                    self.books.notes.push(format!(
                        "service `{}` on platform `{}`: requests rejected: {why}",
                        self.services[s as usize].spec.name, self.spec.name
                    ));
                }
            }
        }
    }
}

impl Platform for FunctionModel {
    type Event = Event;

    #[inline]
    fn books(&self) -> &Books {
        &self.books
    }

    #[inline]
    fn books_mut(&mut self) -> &mut Books {
        &mut self.books
    }

    fn cost_to(&self, at: SimTime) -> Money {
        self.cost_at(at).total()
    }

    fn detail(&mut self) -> Detail {
        let mut stats = self.stats.clone();
        stats.kept_warm = self.kept_warm_cost();
        stats.free_tier_saving = self.free_tier_savings();
        Detail::Function(Box::new(stats))
    }

    /// Adds the scenario's services: each request becomes one invocation of
    /// the service's own function, drawn from the same random streams as on
    /// every other platform, so each platform sees the same requests.
    fn own_services(&mut self, services: &[ServiceSpec], seed: u64) -> Result<bool, WorkloadError> {
        for spec in services {
            let base = format!("service:{}", spec.name);
            let (notes, source) = crate::service::source::open(
                &spec.requests,
                seed,
                self.horizon,
                crate::engine::rng::stream(seed, &format!("{base}/arrivals")),
            )?;
            self.books.notes.extend(notes);
            self.services.push(FnService {
                report: ServiceReport::new(&spec.name, spec.slo),
                spec: spec.clone(),
                source,
                next: None,
                work_rng: crate::engine::rng::stream(seed, &format!("{base}/work")),
                in_system: 0,
                alive: 0,
                starting: BinaryHeap::new(),
                last: 0,
                minute: MinuteBook::default(),
            });
        }
        Ok(true)
    }

    /// The services' reports (after [`Self::finish`]), in scenario order.
    fn take_service_reports(&mut self) -> Vec<ServiceReport> {
        std::mem::take(&mut self.services)
            .into_iter()
            .map(|s| s.report)
            .collect()
    }

    fn gauges(&self, at: SimTime) -> Gauges {
        let mut g = Gauges {
            tasks_waiting: self.waiting.iter().filter(|w| w.service.is_none()).count() as u64,
            ..Gauges::default()
        };
        for r in self.running.iter().flatten() {
            if r.service.is_none() {
                if r.start <= at {
                    g.tasks_running += 1;
                } else {
                    g.tasks_starting += 1;
                }
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
    fn finish(&mut self, end: SimTime) {
        self.end = end;
        self.roll_minutes(end);
        let running = std::mem::take(&mut self.running);
        for r in running.into_iter().flatten() {
            let ran = end.saturating_sub(r.start.min(end));
            if self.spec.profile.billing == FunctionBilling::Invocation {
                let init = if end > r.start.saturating_sub(r.init) {
                    r.init
                        .min(end.saturating_sub(r.start.saturating_sub(r.init)))
                } else {
                    0
                };
                self.add_active(r.instance, ran + init);
            }
            match r.service {
                Some(s) => {
                    let svc = &mut self.services[s as usize];
                    svc.report.time_in_system_us += end.saturating_sub(r.task.submit) as u128;
                }
                None => {
                    self.books.tally.running_at_end += 1;
                    self.books.tally.in_flight -= 1;
                    self.books.tally.stayed(r.task.submit, end);
                    self.books.tally.run_task_us += ran as u128;
                    self.emit(&r, end, ran, Outcome::RunningAtEnd);
                }
            }
        }
        // The last minute rows, with the instances still alive in them.
        for s in 0..self.services.len() {
            self.advance(s, end);
            if self.services[s].minute.start < end {
                self.close_minute(s, end);
            }
        }
        for id in 0..self.instances.len() as u32 {
            let inst = &self.instances[id as usize];
            if inst.gone {
                continue;
            }
            self.retire(id, end);
        }
        let waiting = std::mem::take(&mut self.waiting);
        for w in &waiting {
            match w.service {
                Some(s) => {
                    self.services[s as usize].report.time_in_system_us +=
                        end.saturating_sub(w.task.submit) as u128;
                }
                None => {
                    self.books.tally.waiting_at_end += 1;
                    self.books.tally.stayed(w.task.submit, end);
                    if let Some(sink) = self.books.sink.as_mut() {
                        sink.record(&TaskRecord::not_launched(
                            &w.task,
                            0,
                            (w.size.cpu_milli, w.size.memory_mib),
                            Outcome::WaitingAtEnd,
                        ));
                    }
                }
            }
        }
        for s in 0..self.services.len() {
            self.advance(s, end);
            let svc = &mut self.services[s];
            svc.report.in_flight_at_end = svc.in_system;
            svc.report.end = end;
        }
    }

    /// The exact bill, by component: usage in `vcpu` and `memory`, the
    /// request fees in `requests`, after the free tier if one applies.
    fn cost(&self) -> ExactCost {
        self.cost_at(self.end)
    }

    fn rates_source(&self) -> String {
        self.spec.profile.source.clone()
    }

    fn start(&mut self, queue: &mut impl Schedule<Event>) {
        for (w, win) in self.spec.provisioned.iter().enumerate() {
            queue.schedule_daemon_at(win.from, Event::ProvisionOn { window: w as u16 });
        }
        for s in 0..self.services.len() {
            // A service's minimum instances exist from time 0, sized for
            // its requests (a batch task's size is known only when it comes).
            let spec = &self.services[s].spec;
            let warm = spec.start == StartState::Warm;
            if let Ok((size, _)) =
                size_task(&self.spec.profile, spec.cpu_milli, spec.memory_mib, 0, 0)
            {
                self.create_minimum(size, Some(s as u16));
                if warm && self.spec.keep_alive > 0 {
                    self.create_warm(s, size, queue);
                }
            }
            self.pull_request(s, queue);
        }
    }

    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<Event>) {
        self.books.tally.submitted += 1;
        let now = queue.now();
        if !self.services.is_empty() {
            self.roll_minutes(now);
        }
        match size_task(
            &self.spec.profile,
            task.cpu_milli,
            task.memory_mib,
            task.storage_gib,
            task.duration,
        ) {
            Ok((size, duration)) => {
                self.create_minimum(size, None);
                self.dispatch(
                    Waiting {
                        task,
                        service: None,
                        size,
                        duration,
                    },
                    now,
                    queue,
                )
            }
            Err(why) => {
                self.books.tally.unschedulable(&why);
                if let Some(sink) = self.books.sink.as_mut() {
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
        if !self.services.is_empty() {
            self.roll_minutes(now);
        }
        match event {
            Event::Request { service } => self.on_request(service, queue),
            Event::ProvisionOn { window } => self.provision_on(window, queue),
            Event::ProvisionOff { window, opened } => {
                self.provision_off(window, opened, now, queue)
            }
            Event::Retry => {
                self.retry_at = None;
                self.drain_waiting(now, queue);
            }
            Event::End { slot } => {
                let r = self.running[slot as usize]
                    .take()
                    .expect("an end event has its task");
                self.free_running.push(slot);
                let id = r.instance;
                let billed = if self.spec.profile.billing == FunctionBilling::Invocation {
                    let billed = self.round(r.end - r.start + r.init);
                    self.add_active(id, billed);
                    billed
                } else {
                    r.end - r.start
                };
                match r.service {
                    Some(s) => {
                        self.advance(s as usize, now);
                        let svc = &mut self.services[s as usize];
                        let latency = now - r.task.submit;
                        svc.in_system -= 1;
                        svc.report.served += 1;
                        svc.report.latency.record(latency);
                        svc.report.time_in_system_us += latency as u128;
                        svc.minute.served(latency, svc.spec.slo);
                    }
                    None => {
                        self.books.tally.in_flight -= 1;
                        self.books.tally.completed += 1;
                        self.books.tally.stayed(r.task.submit, now);
                        self.books.tally.run_task_us += (r.end - r.start) as u128;
                        self.emit(&r, now, billed, Outcome::Completed);
                    }
                }
                self.instances[id as usize].load -= 1;
                self.list(id);
                // Waiting (throttled) work takes the freed slot at once, or
                // the room of an idle instance of another kind.
                self.drain_waiting(now, queue);
                let inst = &self.instances[id as usize];
                if !inst.gone && inst.load == 0 {
                    let minimum = inst.minimum;
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
