//! An ECS (or EKS) cluster of EC2 instances: tasks are placed on instances by
//! the placement strategies (`placement`), wait when nothing fits, and the
//! cluster grows and shrinks by its autoscaler: none (a fixed fleet), ECS
//! capacity-provider managed scaling, or Karpenter. Instances are billed per
//! second with a 60-second minimum from launch request to termination, and
//! their cost is split into what tasks were allocated and what stood idle.

use super::autoscale::{Classes, EcsDecision, EcsManagedScaling, EcsView, Karpenter};
use super::placement::Placer;
use super::spec::{Autoscaler, Ec2Spec, Orchestrator};
use super::stats::ClusterStats;
use crate::engine::{EventQueue, Schedule};
use crate::platform::backlog::Capped;
use crate::platform::books::{Books, Outcome, RecordSink, TaskRecord};
use crate::platform::model::{Detail, Platform};
use crate::platform::series::Gauges;
use crate::pricing::{Catalog, ExactCost, Money, Price, Rate};
use crate::service::replicas::{ReplicaHost, ReplicaNews, ReplicaWatch};
use crate::time::{HOUR, SimTime};
use crate::workload::Task;
use rand::RngExt;
use rand_pcg::Pcg64Mcg;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The reservations' fee: their on-demand value less the discount, exactly
/// (the discount taken in millionths).
fn reserved_fee(on_demand: Money, discount: f64) -> Money {
    let keep = ((1.0 - discount) * 1e6).round() as u128;
    Money(on_demand.0 / 1_000_000 * keep + on_demand.0 % 1_000_000 * keep / 1_000_000)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Launching,
    Ready,
    Draining,
    Terminated,
}

struct Instance {
    type_idx: usize,
    spot: bool,
    price: Rate,
    requested: SimTime,
    state: State,
    /// Running task slots.
    tasks: Vec<u32>,
    /// Images (task groups) pulled here or being pulled, with when each
    /// pull ends.
    images: Vec<(Option<Arc<str>>, SimTime)>,
    /// Bumped whenever the instance stops being empty, to void stale checks.
    empty_gen: u32,
}

struct Waiting {
    task: Task,
    attempt: u32,
}

struct Running {
    task: Task,
    attempt: u32,
    instance: u32,
    placed: SimTime,
    running: SimTime,
}

/// The cluster model's events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    InstanceReady(u32),
    TaskStop { slot: u32, generation: u32 },
    SpotNotice(u32),
    SpotTerminate(u32),
    MetricTick,
    KarpenterBatch,
    ConsolidateCheck { instance: u32, generation: u32 },
}

/// The autoscaler's policy, with its state.
enum Scaler {
    None,
    Ecs(EcsManagedScaling),
    Karpenter(Karpenter),
}

impl Scaler {
    fn of(spec: &Autoscaler) -> Scaler {
        match *spec {
            Autoscaler::None => Scaler::None,
            Autoscaler::EcsManaged {
                target_percent,
                min_step,
                max_step,
                warmup,
                scale_in_after,
                metric_period,
            } => Scaler::Ecs(EcsManagedScaling::new(
                target_percent,
                min_step,
                max_step,
                warmup,
                scale_in_after,
                metric_period,
            )),
            Autoscaler::Karpenter {
                batch_idle,
                batch_max,
                ..
            } => Scaler::Karpenter(Karpenter::new(batch_idle, batch_max)),
        }
    }
}

/// The EC2 cluster as an engine [`Model`].
pub struct Ec2Model {
    spec: Ec2Spec,
    /// Schedulable (cpu, memory) per instance type.
    capacity: Vec<(u32, u32)>,
    on_demand: Vec<Rate>,
    spot: Vec<Rate>,
    horizon: Option<SimTime>,
    placer: Placer,
    instances: Vec<Instance>,
    alive: u64,
    launching: u64,
    last_change: SimTime,
    /// On-demand instances of the reserved type alive, since when.
    reservable: u64,
    reservable_since: SimTime,
    /// Waiting tasks by id (submit order).
    waiting: BTreeMap<u64, Waiting>,
    /// Waiting task ids by size class.
    classes: BTreeMap<(u32, u32), BTreeSet<u64>>,
    /// What `place_waiting` must look at (issue 22): after it returns, no
    /// waiting class fits on any instance. Only an instance whose room
    /// grew since (`fresh`: opened, or a task released) or a class that
    /// was not waiting then (`untested`) can change that, so it tries
    /// those instead of every class on every event.
    fresh: Vec<u32>,
    untested: Vec<(u32, u32)>,
    /// Waiting tasks a launching Karpenter node is meant for.
    nominated: BTreeSet<u64>,
    running: Vec<Option<Running>>,
    generations: Vec<u32>,
    free_slots: Vec<u32>,
    launch_rng: Pcg64Mcg,
    start_rng: Pcg64Mcg,
    spot_rng: Pcg64Mcg,
    /// The autoscaler's policy and its state.
    scaler: Scaler,
    /// Whether the next ECS metric tick is scheduled.
    tick_scheduled: bool,
    /// Spot notices of the initial fleet, scheduled at the first arrival
    /// (the model has no event queue before the run starts).
    initial_notices: Vec<(SimTime, u32)>,
    books: Books,
    pub stats: ClusterStats,
    control_plane: Option<Rate>,
    /// EC2's billing granularity and minimum, from the pricing catalog.
    billing_granularity: SimTime,
    minimum_billed: SimTime,
    replicas: ReplicaWatch,
    /// Since when the cluster has sat at its `max` with tasks waiting.
    pinned_since: Option<SimTime>,
}

impl Ec2Model {
    pub fn new(
        spec: &Ec2Spec,
        catalog: &Catalog,
        seed: u64,
        horizon: Option<SimTime>,
        sink: Option<Box<dyn RecordSink>>,
    ) -> Result<Ec2Model, String> {
        let base = format!("platform:{}", spec.name);
        let mut on_demand = Vec::new();
        let mut spot = Vec::new();
        for t in &spec.instance_types {
            let rate = *t.on_demand.get(&spec.region).ok_or_else(|| {
                format!(
                    "the pricing catalog has no {} price for {} (it has: {})",
                    spec.region,
                    t.name,
                    t.on_demand.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?;
            on_demand.push(rate);
            let spot_pico =
                (rate.price.pico_usd as f64 * (1.0 - spec.spot_discount)).round() as u128;
            spot.push(Rate {
                price: Price {
                    pico_usd: spot_pico,
                },
                per_us: rate.per_us,
            });
        }
        let mut model = Ec2Model {
            capacity: spec
                .instance_types
                .iter()
                .map(|t| spec.schedulable(t))
                .collect(),
            on_demand,
            spot,
            horizon,
            placer: Placer::new(
                spec.placement.clone(),
                crate::engine::rng::stream(seed, &format!("{base}/placement")),
            ),
            instances: Vec::new(),
            alive: 0,
            launching: 0,
            last_change: 0,
            reservable: 0,
            reservable_since: 0,
            waiting: BTreeMap::new(),
            classes: BTreeMap::new(),
            fresh: Vec::new(),
            untested: Vec::new(),
            nominated: BTreeSet::new(),
            running: Vec::new(),
            generations: Vec::new(),
            free_slots: Vec::new(),
            launch_rng: crate::engine::rng::stream(seed, &format!("{base}/instance_launch")),
            start_rng: crate::engine::rng::stream(seed, &format!("{base}/container_start")),
            spot_rng: crate::engine::rng::stream(seed, &format!("{base}/spot")),
            scaler: Scaler::of(&spec.autoscaler),
            tick_scheduled: false,
            initial_notices: Vec::new(),
            books: Books::new(sink),
            stats: ClusterStats::default(),
            billing_granularity: catalog.ec2.billing_granularity,
            minimum_billed: catalog.ec2.minimum_billed,
            control_plane: (spec.orchestrator == Orchestrator::Eks)
                .then_some(catalog.eks_control_plane),
            replicas: ReplicaWatch::default(),
            pinned_since: None,
            spec: spec.clone(),
        };
        // The fleet that exists when the run starts: ready at time 0.
        for i in 0..spec.initial {
            let type_idx = i as usize % spec.instance_types.len();
            let id = model.add_instance(type_idx, 0);
            if let Some(at) = model.instance_ready(id, 0) {
                model.initial_notices.push((at, id));
            }
        }
        Ok(model)
    }

    /// Starts or stops the clock of time spent at `max` with tasks
    /// waiting; called after every change of the fleet or the queue.
    fn track_pinned(&mut self, now: SimTime) {
        let pinned = !matches!(self.spec.autoscaler, Autoscaler::None)
            && self.alive >= self.spec.max as u64
            && !self.waiting.is_empty();
        self.books
            .tally
            .backlog
            .observe(now, self.waiting.len() as u64);
        match (self.pinned_since, pinned) {
            (None, true) => self.pinned_since = Some(now),
            (Some(since), false) => {
                self.stats.pinned_at_max_us += now.saturating_sub(since) as u128;
                self.pinned_since = None;
            }
            _ => {}
        }
    }

    /// Counts and records a task larger than every type the cluster may launch.
    fn refuse(&mut self, task: Task) {
        self.books
            .tally
            .unschedulable_task(task.id, super::spec::TOO_LARGE_FOR_EVERY_TYPE);
        if let Some(sink) = self.books.sink.as_mut() {
            sink.record(&TaskRecord::not_launched(
                &task,
                0,
                (0, 0),
                Outcome::Unschedulable,
            ));
        }
    }

    /// A change in on-demand instances of the reserved type (the first).
    fn reservable_change(&mut self, now: SimTime, delta: i64) {
        if let Some(r) = self.spec.reservations {
            let covered = self.reservable.min(r.count as u64) as u128;
            self.stats.reserved_covered_us += covered * (now - self.reservable_since) as u128;
            self.reservable_since = now;
            self.reservable = (self.reservable as i64 + delta) as u64;
        }
    }

    fn count_change(&mut self, now: SimTime, delta: i64) {
        self.stats.instance_us += self.alive as u128 * (now - self.last_change) as u128;
        self.last_change = now;
        self.alive = (self.alive as i64 + delta) as u64;
        self.stats.peak_instances = self.stats.peak_instances.max(self.alive);
    }

    /// Records a new instance (requested at `now`) and returns its id.
    fn add_instance(&mut self, type_idx: usize, now: SimTime) -> u32 {
        let total = self.stats.instances_launched as f64;
        let share = self.spec.spot_weight / (self.spec.spot_weight + self.spec.on_demand_weight);
        let is_spot = share > 0.0
            && (self.stats.spot_instances_launched as f64) < (total + 1.0) * share - 1e-9;
        self.stats.instances_launched += 1;
        self.stats.spot_instances_launched += u64::from(is_spot);
        let price = if is_spot {
            self.spot[type_idx]
        } else {
            self.on_demand[type_idx]
        };
        self.instances.push(Instance {
            type_idx,
            spot: is_spot,
            price,
            requested: now,
            state: State::Launching,
            tasks: Vec::new(),
            images: Vec::new(),
            empty_gen: 0,
        });
        self.launching += 1;
        self.count_change(now, 1);
        if type_idx == 0 && !is_spot {
            self.reservable_change(now, 1);
        }
        (self.instances.len() - 1) as u32
    }

    fn launch(&mut self, type_idx: usize, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let id = self.add_instance(type_idx, now);
        let delay = self.spec.instance_launch.sample(&mut self.launch_rng);
        queue.schedule_at(now.saturating_add(delay), Event::InstanceReady(id));
    }

    fn instance_ready(&mut self, id: u32, now: SimTime) -> Option<SimTime> {
        let inst = &mut self.instances[id as usize];
        if inst.state != State::Launching {
            return None;
        }
        inst.state = State::Ready;
        self.launching -= 1;
        let (cpu, mem) = self.capacity[inst.type_idx];
        self.placer.open(id, cpu, mem);
        self.fresh.push(id);
        if inst.spot && self.spec.spot_interruptions_per_hour > 0.0 {
            let u: f64 = self.spot_rng.random();
            let rate_per_us = self.spec.spot_interruptions_per_hour / HOUR as f64;
            let after =
                (-(1.0 - u).ln() / rate_per_us).min(crate::time::MAX_SPAN as f64) as SimTime;
            return Some(now.saturating_add(after));
        }
        None
    }

    /// Bills and removes an instance.
    fn terminate(&mut self, id: u32, now: SimTime) {
        let inst = &mut self.instances[id as usize];
        if inst.state == State::Terminated {
            return;
        }
        if inst.state == State::Launching {
            self.launching -= 1;
        }
        let was_open = matches!(inst.state, State::Ready);
        inst.state = State::Terminated;
        let span = now - inst.requested;
        let billed = span
            .div_ceil(self.billing_granularity)
            .saturating_mul(self.billing_granularity)
            .max(self.minimum_billed);
        self.stats.billed_instance_us += billed as u128;
        self.stats.instances_cost += inst.price.cost(billed as u128, 1);
        if inst.spot {
            let od = self.on_demand[inst.type_idx].cost(billed as u128, 1);
            self.stats.spot_savings +=
                Money(od.0.saturating_sub(inst.price.cost(billed as u128, 1).0));
        }
        let reservable = inst.type_idx == 0 && !inst.spot;
        if was_open {
            self.placer.close(id);
        }
        self.count_change(now, -1);
        if reservable {
            self.reservable_change(now, -1);
        }
    }

    fn enqueue(&mut self, task: Task, attempt: u32) {
        let class = (task.cpu_milli, task.memory_mib);
        let ids = self.classes.entry(class).or_default();
        if ids.is_empty() {
            self.untested.push(class);
        }
        ids.insert(task.id);
        self.waiting.insert(task.id, Waiting { task, attempt });
    }

    /// Places waiting tasks in submit order while any fits; a smaller task may
    /// go ahead of a larger one that does not fit.
    ///
    /// The order is that of trying the head (oldest task) of every class,
    /// oldest first, until every class is blocked. A class that fitted
    /// nowhere when this last returned still fits nowhere unless it fits on
    /// an instance that has gained room since (placement fails only when no
    /// open instance has the room, with no side effect), so only those
    /// classes and the newly waiting ones are tried: the same placements
    /// in the same order, at a cost that does not grow with the backlog.
    fn place_waiting(&mut self, queue: &mut impl Schedule<Event>) {
        let mut room: Vec<(u32, u32)> = std::mem::take(&mut self.fresh)
            .into_iter()
            .map(|id| self.placer.slot(id))
            .filter(|s| s.open)
            .map(|s| (s.free_cpu, s.free_mem))
            .collect();
        room.sort_unstable();
        room.dedup();
        let mut heads: BTreeSet<(u64, (u32, u32))> = BTreeSet::new();
        for class in std::mem::take(&mut self.untested) {
            if let Some(&id) = self.classes.get(&class).and_then(|ids| ids.first()) {
                heads.insert((id, class));
            }
        }
        if let Some(max_cpu) = room.iter().map(|r| r.0).max() {
            for (class, ids) in self.classes.range(..=(max_cpu, u32::MAX)) {
                if room.iter().any(|r| class.0 <= r.0 && class.1 <= r.1)
                    && let Some(&id) = ids.first()
                {
                    heads.insert((id, *class));
                }
            }
        }
        while let Some((id, class)) = heads.pop_first() {
            let Some(instance) = self.placer.place(class.0, class.1) else {
                continue; // blocked until some instance gains room
            };
            let ids = self.classes.get_mut(&class).expect("class exists");
            ids.remove(&id);
            match ids.first() {
                Some(&next) => {
                    heads.insert((next, class));
                }
                None => {
                    self.classes.remove(&class);
                }
            }
            self.nominated.remove(&id);
            let w = self.waiting.remove(&id).expect("waiting task exists");
            self.start(w.task, w.attempt, instance, false, queue);
        }
    }

    /// Starts a task on `instance` now. `warm`: it was running there
    /// before the run began (its image pulled, its container up).
    fn start(
        &mut self,
        task: Task,
        attempt: u32,
        instance: u32,
        warm: bool,
        queue: &mut impl Schedule<Event>,
    ) {
        let now = queue.now();
        let inst = &mut self.instances[instance as usize];
        inst.empty_gen += 1;
        // A warm replica's image is there and it is running already. A task
        // whose image is on the instance starts after the cached start; one
        // whose image is still being pulled for another task waits for that
        // pull to end; otherwise it pulls the image itself.
        let pulled = inst
            .images
            .iter()
            .find(|(image, _)| *image == task.group)
            .map(|(_, ready)| *ready);
        let running = match pulled {
            _ if warm => {
                if pulled.is_none() {
                    inst.images.push((task.group.clone(), now));
                }
                now
            }
            Some(ready) => {
                let cached = self.spec.cached_start.sample(&mut self.start_rng);
                now.saturating_add(cached).max(ready)
            }
            None => {
                let pull = self.spec.image_pull.sample(&mut self.start_rng);
                let ready = now.saturating_add(pull);
                inst.images.push((task.group.clone(), ready));
                ready
            }
        };
        let start = running - now;
        if attempt == 0
            && !warm
            && !ReplicaWatch::is_replica(task.id)
            && self.horizon.is_none_or(|h| running <= h)
        {
            self.books.tally.wait.record(now - task.submit);
            self.books.tally.startup.record(start);
            self.books.tally.time_to_start.record(running - task.submit);
        }
        let stop = running.saturating_add(task.duration);
        let task_id = task.id;
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.running.push(None);
                self.generations.push(0);
                (self.running.len() - 1) as u32
            }
        };
        self.running[slot as usize] = Some(Running {
            task,
            attempt,
            instance,
            placed: now,
            running,
        });
        self.instances[instance as usize].tasks.push(slot);
        self.books.tally.in_flight += 1;
        if ReplicaWatch::is_replica(task_id) {
            self.replicas.started(task_id, slot, running);
        }
        // A replica runs until its service stops it.
        if stop != SimTime::MAX {
            queue.schedule_at(
                stop,
                Event::TaskStop {
                    slot,
                    generation: self.generations[slot as usize],
                },
            );
        }
    }

    /// Ends a running task: frees its resources, allocates instance cost to it.
    fn end_task(
        &mut self,
        slot: u32,
        now: SimTime,
        outcome: Outcome,
        queue: &mut impl Schedule<Event>,
    ) -> Running {
        let r = self.running[slot as usize].take().expect("running task");
        self.generations[slot as usize] += 1;
        self.free_slots.push(slot);
        self.books.tally.in_flight -= 1;
        let inst = &mut self.instances[r.instance as usize];
        if let Some(pos) = inst.tasks.iter().position(|s| *s == slot) {
            inst.tasks.swap_remove(pos);
        }
        let t = &self.spec.instance_types[inst.type_idx];
        let span = (now - r.placed) as u128;
        // Allocation: the larger of the task's cpu share and memory share.
        let by_cpu = r.task.cpu_milli as u128 * t.memory_mib as u128
            >= r.task.memory_mib as u128 * t.cpu_milli as u128;
        let (part, whole) = if by_cpu {
            (r.task.cpu_milli as u128, t.cpu_milli as u128)
        } else {
            (r.task.memory_mib as u128, t.memory_mib as u128)
        };
        let share = inst.price.cost(part * span, whole);
        self.stats.allocated += share;
        if inst.state == State::Ready || inst.state == State::Draining {
            if inst.state == State::Ready {
                self.placer
                    .release(r.instance, r.task.cpu_milli, r.task.memory_mib);
                self.fresh.push(r.instance);
            }
            if inst.tasks.is_empty() {
                inst.empty_gen += 1;
                if let Autoscaler::Karpenter {
                    consolidate_after, ..
                } = self.spec.autoscaler
                    && inst.state == State::Ready
                {
                    let generation = inst.empty_gen;
                    queue.schedule_daemon_at(
                        now.saturating_add(consolidate_after),
                        Event::ConsolidateCheck {
                            instance: r.instance,
                            generation,
                        },
                    );
                }
            }
        }
        let run_span = now.saturating_sub(r.running.min(now));
        if outcome != Outcome::Interrupted {
            // An interrupted run is wasted time, counted by the caller.
            self.books.tally.run_task_us += run_span as u128;
        }
        if ReplicaWatch::is_replica(r.task.id) {
            let retrying = outcome == Outcome::Interrupted && self.spec.retry_interrupted;
            self.replicas.ended(r.task.id, share, retrying);
        }
        self.books.tally.billed_task_us += span;
        if let Some(sink) = self.books.sink.as_mut() {
            sink.record(&TaskRecord {
                task_id: r.task.id,
                attempt: r.attempt,
                submit: r.task.submit,
                launch: Some(r.placed),
                instance: Some(r.instance),
                running: (r.running <= now).then_some(r.running),
                end: Some(now),
                cpu_milli_requested: r.task.cpu_milli,
                memory_mib_requested: r.task.memory_mib,
                cpu_milli_billed: r.task.cpu_milli,
                memory_mib_billed: r.task.memory_mib,
                billed_span: span as SimTime,
                run_span,
                cost: Some(share),
                outcome,
            });
        }
        r
    }

    /// An instance of `type_idx` that was running before the run began:
    /// billed from now, ready now.
    fn add_running_instance(&mut self, type_idx: usize, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let id = self.add_instance(type_idx, now);
        if let Some(at) = self.instance_ready(id, now) {
            queue.schedule_daemon_at(at, Event::SpotNotice(id));
        }
    }

    /// Places each task that fits on a ready instance, already running;
    /// returns those that did not fit.
    fn place_running(&mut self, tasks: Vec<Task>, queue: &mut impl Schedule<Event>) -> Vec<Task> {
        let mut left = Vec::new();
        for task in tasks {
            match self.placer.place(task.cpu_milli, task.memory_mib) {
                Some(instance) => self.start(task, 0, instance, true, queue),
                None => left.push(task),
            }
        }
        left
    }

    /// The instances the autoscaler would have running for `tasks` (none
    /// for a fixed fleet), within the cluster's maximum, by type.
    fn instances_for(&self, tasks: &[Task]) -> Vec<usize> {
        let room = (self.spec.max as u64).saturating_sub(self.alive);
        let mut classes: BTreeMap<(u32, u32), Vec<u64>> = BTreeMap::new();
        for t in tasks {
            classes
                .entry((t.cpu_milli, t.memory_mib))
                .or_default()
                .push(t.id);
        }
        let mut classes: Vec<((u32, u32), Vec<u64>)> = classes.into_iter().collect();
        classes.sort_by_key(|c| std::cmp::Reverse((c.0.1, c.0.0)));
        match self.spec.autoscaler {
            Autoscaler::None => Vec::new(),
            // ECS managed scaling launches the first type only.
            Autoscaler::EcsManaged { .. } => {
                let counts = classes
                    .into_iter()
                    .map(|(c, ids)| (c, ids.len() as u64))
                    .collect();
                let n = super::autoscale::bins_needed(self.capacity[0], &mut Vec::new(), counts);
                vec![0; n.min(room) as usize]
            }
            Autoscaler::Karpenter { .. } => {
                let prices: Vec<u128> = self.on_demand.iter().map(|r| r.price.pico_usd).collect();
                Karpenter::plan(classes, &self.capacity, &prices, room)
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect()
            }
        }
    }

    fn ensure_tick(&mut self, queue: &mut impl Schedule<Event>) {
        if let Scaler::Ecs(policy) = &self.scaler
            && !self.tick_scheduled
        {
            self.tick_scheduled = true;
            let next = policy.next_tick(queue.now());
            queue.schedule_daemon_at(next, Event::MetricTick);
        }
    }

    /// Waiting tasks per size class, largest memory first (what ECS counts).
    fn waiting_counts(&self) -> Classes {
        let mut counts: Classes = self
            .classes
            .iter()
            .map(|(class, ids)| (*class, ids.len() as u64))
            .filter(|(_, n)| *n > 0)
            .collect();
        counts.sort_by_key(|c| std::cmp::Reverse((c.0.1, c.0.0)));
        counts
    }

    /// Waiting tasks no launching node is meant for, by size class, largest
    /// memory first (what Karpenter provisions for), for a plan of at most
    /// `room` nodes.
    ///
    /// A class's list stops at `room` × (the most of it one node of any
    /// type takes) + 1 ids (issue 22): the plan takes at most that many
    /// less one, and a longer list changes neither what a node takes nor
    /// whether a node takes every task, so the plan is the same as with
    /// every id while the cost follows the nodes it may launch, not the
    /// backlog.
    fn pending_ids(&self, room: u64) -> Vec<((u32, u32), Vec<u64>)> {
        if room == 0 {
            return Vec::new();
        }
        let mut classes: Vec<((u32, u32), Vec<u64>)> = self
            .classes
            .iter()
            .map(|(&(c, m), ids)| {
                let per_node = self
                    .capacity
                    .iter()
                    .map(|cap| (cap.0 / c.max(1)).min(cap.1 / m.max(1)) as u64)
                    .max()
                    .unwrap_or(0);
                let keep = room.saturating_mul(per_node).saturating_add(1);
                let ids = ids
                    .iter()
                    .copied()
                    .filter(|id| !self.nominated.contains(id))
                    .take(usize::try_from(keep).unwrap_or(usize::MAX))
                    .collect::<Vec<u64>>();
                ((c, m), ids)
            })
            .filter(|(_, ids)| !ids.is_empty())
            .collect();
        classes.sort_by_key(|c| std::cmp::Reverse((c.0.1, c.0.0)));
        classes
    }

    /// One ECS managed-scaling metric period: shows the policy the cluster
    /// and carries out its decision.
    fn ecs_tick(&mut self, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let view = EcsView {
            alive: self.alive,
            non_empty: self
                .instances
                .iter()
                .filter(|i| {
                    matches!(i.state, State::Ready | State::Draining) && !i.tasks.is_empty()
                })
                .count() as u64,
            launching: self
                .instances
                .iter()
                .filter(|i| i.state == State::Launching)
                .count() as u64,
            waiting: self.waiting_counts(),
            capacity: self.capacity[0],
            min: self.spec.min,
            max: self.spec.max,
        };
        let Scaler::Ecs(policy) = &mut self.scaler else {
            return;
        };
        let period = policy.metric_period;
        match policy.tick(now, view) {
            EcsDecision::Launch(step) => {
                for _ in 0..step {
                    self.launch(0, queue);
                }
            }
            EcsDecision::RemoveEmpty(surplus) => {
                let empty: Vec<u32> = self
                    .instances
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.state == State::Ready && i.tasks.is_empty())
                    .map(|(id, _)| id as u32)
                    .take(surplus as usize)
                    .collect();
                for id in empty {
                    self.terminate(id, now);
                }
            }
            EcsDecision::Hold => {}
        }
        self.tick_scheduled = true;
        queue.schedule_daemon_at(now + period, Event::MetricTick);
    }

    /// Opens or extends a Karpenter batch window for newly pending tasks.
    fn karpenter_pending(&mut self, queue: &mut impl Schedule<Event>) {
        if let Scaler::Karpenter(k) = &mut self.scaler {
            let wake = k.pending(queue.now());
            queue.schedule_at(wake, Event::KarpenterBatch);
        }
    }

    /// Closes the batch window: launches the nodes Karpenter chose for the
    /// pending tasks.
    fn karpenter_batch(&mut self, queue: &mut impl Schedule<Event>) {
        let Scaler::Karpenter(k) = &mut self.scaler else {
            return;
        };
        if !k.closes(queue.now()) {
            return;
        }
        let prices: Vec<u128> = self.on_demand.iter().map(|r| r.price.pico_usd).collect();
        let room = (self.spec.max as u64).saturating_sub(self.alive);
        let plan = Karpenter::plan(self.pending_ids(room), &self.capacity, &prices, room);
        for (t, ids) in plan {
            self.nominated.extend(ids);
            self.launch(t, queue);
        }
    }
}

impl Platform for Ec2Model {
    type Event = Event;

    #[inline]
    fn books(&self) -> &Books {
        &self.books
    }

    #[inline]
    fn books_mut(&mut self) -> &mut Books {
        &mut self.books
    }

    fn gauges(&self, at: SimTime) -> Gauges {
        let mut g = Gauges {
            tasks_waiting: self.waiting.len() as u64,
            instances_launching: Some(self.launching),
            instances_running: Some(self.alive - self.launching),
            ..Gauges::default()
        };
        for r in self.running.iter().flatten() {
            if ReplicaWatch::is_replica(r.task.id) {
                g.replicas_running += 1;
            } else if r.running <= at {
                g.tasks_running += 1;
            } else {
                g.tasks_starting += 1;
            }
            g.cpu_milli_allocated += r.task.cpu_milli as u64;
            g.memory_mib_allocated += r.task.memory_mib as u64;
        }
        for inst in &self.instances {
            if inst.state != State::Terminated {
                let t = &self.spec.instance_types[inst.type_idx];
                g.cpu_milli_provisioned += t.cpu_milli as u64;
                g.memory_mib_provisioned += t.memory_mib as u64;
            }
        }
        g
    }

    /// What has been spent by `at`: closed instance bills, the time so far of
    /// instances still alive, and the control plane.
    fn cost_to(&self, at: SimTime) -> Money {
        let mut total = self.stats.instances_cost;
        for inst in &self.instances {
            if inst.state != State::Terminated && inst.requested < at {
                total += inst.price.cost((at - inst.requested) as u128, 1);
            }
        }
        if let Some(rate) = self.control_plane {
            total += rate.cost(at as u128, 1);
        }
        if let Some(r) = self.spec.reservations {
            // The reservations' fee so far, less the on-demand time they
            // covered so far.
            let od = self.on_demand[0];
            let covered = self.stats.reserved_covered_us
                + self.reservable.min(r.count as u64) as u128
                    * at.saturating_sub(self.reservable_since) as u128;
            total += reserved_fee(od.cost(r.count as u128 * at as u128, 1), r.discount);
            total = Money(total.0.saturating_sub(od.cost(covered, 1).0));
        }
        total
    }

    /// Settles what is still pending when the run stops at `end`.
    fn finish(&mut self, end: SimTime) {
        let capped = if matches!(self.spec.autoscaler, Autoscaler::None) {
            Some(Capped::FixedFleet)
        } else {
            self.pinned_since.map(|_| Capped::AtMax)
        };
        self.books
            .tally
            .backlog
            .close(end, self.waiting.len() as u64, capped);
        if let Some(since) = self.pinned_since.take() {
            self.stats.pinned_at_max_us += end.saturating_sub(since) as u128;
        }
        // Ending tasks may schedule consolidation checks; after the end they
        // never fire, so they go to a queue that is dropped.
        let mut after_end = EventQueue::new();
        after_end.advance_to(end);
        for slot in 0..self.running.len() as u32 {
            if self.running[slot as usize].is_some() {
                let r = self.end_task(slot, end, Outcome::RunningAtEnd, &mut after_end);
                self.books.tally.running_at_end += 1;
                if let Some(rt) = self.books.tally.replica(r.task.id) {
                    rt.running_at_end += 1;
                }
                self.books.tally.stayed(r.task.submit, end);
            }
        }
        self.books.tally.waiting_at_end += self.waiting.len() as u64;
        self.books.tally.replicas.waiting_at_end += self
            .waiting
            .range(crate::service::replicas::REPLICA_ID_BASE..)
            .count() as u64;
        let waiting = std::mem::take(&mut self.waiting);
        for w in waiting.values() {
            self.books.tally.stayed(w.task.submit, end);
        }
        if let Some(sink) = self.books.sink.as_mut() {
            for w in waiting.values() {
                let size = (w.task.cpu_milli, w.task.memory_mib);
                sink.record(&TaskRecord::not_launched(
                    &w.task,
                    w.attempt,
                    size,
                    Outcome::WaitingAtEnd,
                ));
            }
        }
        self.classes.clear();
        self.nominated.clear();
        for id in 0..self.instances.len() as u32 {
            let inst = &self.instances[id as usize];
            if inst.state != State::Terminated {
                // Still running at the end: billed for the time so far, no minimum.
                let span = end - inst.requested;
                let billed = span.div_ceil(self.billing_granularity) * self.billing_granularity;
                self.stats.billed_instance_us += billed as u128;
                self.stats.instances_cost += inst.price.cost(billed as u128, 1);
                if inst.spot {
                    let od = self.on_demand[inst.type_idx].cost(billed as u128, 1);
                    let paid = inst.price.cost(billed as u128, 1);
                    self.stats.spot_savings += Money(od.0.saturating_sub(paid.0));
                }
                self.instances[id as usize].state = State::Terminated;
            }
        }
        self.count_change(end, 0);
        self.reservable_change(end, 0);
        if let Some(r) = self.spec.reservations {
            let od = self.on_demand[0];
            self.stats.reserved_credit = od.cost(self.stats.reserved_covered_us, 1);
            self.stats.reserved_fee =
                reserved_fee(od.cost(r.count as u128 * end as u128, 1), r.discount);
        }
        if let Some(rate) = self.control_plane {
            self.stats.control_plane = rate.cost(end as u128, 1);
        }
    }

    /// The exact bill so far.
    fn cost(&self) -> ExactCost {
        ExactCost {
            instances: Money(
                (self.stats.instances_cost + self.stats.reserved_fee)
                    .0
                    .saturating_sub(self.stats.reserved_credit.0),
            ),
            instances_allocated: self.stats.allocated,
            control_plane: self.stats.control_plane,
            spot_savings: self.stats.spot_savings,
            ..ExactCost::default()
        }
    }

    /// Where the instance prices came from.
    fn detail(&mut self) -> Detail {
        Detail::Cluster(self.stats.clone())
    }

    fn rates_source(&self) -> String {
        self.spec
            .instance_types
            .iter()
            .map(|t| format!("{}: {}", t.name, t.note))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<Event>) {
        self.books.tally.submit(task.id);
        for (at, id) in std::mem::take(&mut self.initial_notices) {
            queue.schedule_daemon_at(at, Event::SpotNotice(id));
        }
        self.ensure_tick(queue);
        if !self.spec.fits_some_type(task.cpu_milli, task.memory_mib) {
            self.refuse(task);
            return;
        }
        self.enqueue(task, 0);
        self.place_waiting(queue);
        if !self.waiting.is_empty() {
            self.ensure_tick(queue);
            self.karpenter_pending(queue);
        }
        self.track_pinned(queue.now());
    }

    fn on_event(&mut self, event: Event, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        match event {
            Event::InstanceReady(id) => {
                if let Some(notice_at) = self.instance_ready(id, now) {
                    queue.schedule_daemon_at(notice_at, Event::SpotNotice(id));
                }
                self.place_waiting(queue);
                let inst = &self.instances[id as usize];
                if inst.tasks.is_empty()
                    && let Autoscaler::Karpenter {
                        consolidate_after, ..
                    } = self.spec.autoscaler
                {
                    let generation = inst.empty_gen;
                    queue.schedule_daemon_at(
                        now.saturating_add(consolidate_after),
                        Event::ConsolidateCheck {
                            instance: id,
                            generation,
                        },
                    );
                }
                // Karpenter: tasks a new node did not absorb are pending again.
                if matches!(self.spec.autoscaler, Autoscaler::Karpenter { .. })
                    && self.launching == 0
                    && !self.waiting.is_empty()
                {
                    self.nominated.clear();
                    self.karpenter_pending(queue);
                }
            }
            Event::TaskStop { slot, generation } => {
                if self.generations[slot as usize] != generation {
                    return; // the task was stopped earlier by an interruption
                }
                let r = self.end_task(slot, now, Outcome::Completed, queue);
                self.books.tally.completed += 1;
                if let Some(rt) = self.books.tally.replica(r.task.id) {
                    rt.completed += 1;
                }
                self.books.tally.stayed(r.task.submit, now);
                self.place_waiting(queue);
            }
            Event::SpotNotice(id) => {
                let inst = &mut self.instances[id as usize];
                if inst.state != State::Ready {
                    return;
                }
                inst.state = State::Draining;
                self.placer.close(id);
                queue.schedule_daemon_at(now + self.spec.spot_notice, Event::SpotTerminate(id));
            }
            Event::SpotTerminate(id) => {
                if self.instances[id as usize].state != State::Draining {
                    return;
                }
                self.stats.instance_interruptions += 1;
                let slots = self.instances[id as usize].tasks.clone();
                for slot in slots {
                    let r = self.end_task(slot, now, Outcome::Interrupted, queue);
                    self.books.tally.interrupted += 1;
                    self.books.tally.wasted_task_us +=
                        now.saturating_sub(r.running.min(now)) as u128;
                    let retry = self.spec.retry_interrupted;
                    if let Some(rt) = self.books.tally.replica(r.task.id) {
                        rt.interrupted += 1;
                        rt.failed += u64::from(!retry);
                    }
                    if retry {
                        self.enqueue(r.task, r.attempt + 1);
                    } else {
                        self.books.tally.failed += 1;
                        self.books.tally.stayed(r.task.submit, now);
                    }
                }
                let type_idx = self.instances[id as usize].type_idx;
                self.terminate(id, now);
                // The Auto Scaling group keeps its size: a replacement is launched.
                if !matches!(self.spec.autoscaler, Autoscaler::Karpenter { .. }) {
                    self.launch(type_idx, queue);
                }
                self.place_waiting(queue);
                if !self.waiting.is_empty() {
                    self.ensure_tick(queue);
                    self.karpenter_pending(queue);
                }
            }
            Event::MetricTick => {
                self.tick_scheduled = false;
                self.ecs_tick(queue);
            }
            Event::KarpenterBatch => self.karpenter_batch(queue),
            Event::ConsolidateCheck {
                instance,
                generation,
            } => {
                let inst = &self.instances[instance as usize];
                if inst.state == State::Ready
                    && inst.tasks.is_empty()
                    && inst.empty_gen == generation
                    && self.alive > self.spec.min as u64
                {
                    self.terminate(instance, now);
                }
            }
        }
        self.track_pinned(now);
    }

    fn busy(&self) -> bool {
        !self.waiting.is_empty()
            && (self.books.tally.in_flight > 0
                || self.launching > 0
                || (!matches!(self.spec.autoscaler, Autoscaler::None)
                    && self.alive < self.spec.max as u64))
    }
}

impl ReplicaHost for Ec2Model {
    fn stop_replica(&mut self, task_id: u64, queue: &mut impl Schedule<Event>) -> bool {
        let Some(slot) = self.replicas.slot(task_id) else {
            return false;
        };
        let now = queue.now();
        let r = self.end_task(slot, now, Outcome::Completed, queue);
        self.books.tally.completed += 1;
        self.books.tally.replicas.completed += 1;
        self.books.tally.stayed(r.task.submit, now);
        self.place_waiting(queue);
        self.track_pinned(now);
        true
    }

    /// Warm replicas run on the fleet that exists at the start; those that
    /// do not fit get the instances the autoscaler would have launched for
    /// them, running from now (billed from now). What still does not fit (a
    /// fixed fleet, the cluster's maximum) waits like any task.
    fn start_running(&mut self, replicas: Vec<Task>, queue: &mut impl Schedule<Event>) {
        for (at, id) in std::mem::take(&mut self.initial_notices) {
            queue.schedule_daemon_at(at, Event::SpotNotice(id));
        }
        let mut fit = Vec::new();
        for task in replicas {
            self.books.tally.submit(task.id);
            if self.spec.fits_some_type(task.cpu_milli, task.memory_mib) {
                fit.push(task);
            } else {
                self.refuse(task);
            }
        }
        let left = self.place_running(fit, queue);
        let left = if left.is_empty() {
            left
        } else {
            for type_idx in self.instances_for(&left) {
                self.add_running_instance(type_idx, queue);
            }
            self.place_running(left, queue)
        };
        for task in left {
            self.enqueue(task, 0);
        }
        self.ensure_tick(queue);
        self.place_waiting(queue);
        if !self.waiting.is_empty() {
            self.karpenter_pending(queue);
        }
    }

    fn take_replica_news(&mut self, into: &mut Vec<ReplicaNews>) {
        into.append(&mut self.replicas.news);
    }

    fn finish_at(&mut self, end: SimTime) {
        Ec2Model::finish(self, end)
    }
}
