//! An ECS (or EKS) cluster of EC2 instances: tasks are placed on instances by
//! the placement strategies (`placement`), wait when nothing fits, and the
//! cluster grows and shrinks by its autoscaler: none (a fixed fleet), ECS
//! capacity-provider managed scaling, or Karpenter. Instances are billed per
//! second with a 60-second minimum from launch request to termination, and
//! their cost is split into what tasks were allocated and what stood idle.

use super::autoscale::{
    Classes, Command, Disruption, DisruptionView, EcsDecision, EcsManagedScaling, EcsView,
    Karpenter, Keyed, Move, NodeTypes, NodeView, RuledPod, Target,
};
use super::constraints::PodRule;
use super::heads::Heads;
use super::placement::Placer;
use super::spec::{Autoscaler, Consolidation, Ec2Spec, NodePoolLimits, Orchestrator};
use super::stats::ClusterStats;
use super::waiting::{Resized, Waiting, WaitingTasks};
use crate::engine::Schedule;
use crate::platform::backlog::Capped;
use crate::platform::books::{Books, Outcome, RecordSink, TaskRecord};
use crate::platform::model::{Detail, Platform};
use crate::platform::rightsize::AfterOom;
use crate::platform::series::Gauges;
use crate::platform::service_launch::{Offer, ServiceLaunch};
use crate::pricing::{Catalog, ExactCost, Money, Price, Rate};
use crate::service::replicas::{ReplicaHost, ReplicaNews, ReplicaWatch};
use crate::time::{HOUR, SimTime};
use crate::workload::Task;
use rand::RngExt;
use rand_pcg::Pcg64Mcg;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

/// The reservations' fee: their on-demand value less the discount, exactly
/// (the discount taken in millionths).
/// Counts an instance of nominal size `cap` in (`added`) or out of the
/// nominal total `n` (what NodePool limits count).
fn count_nominal(n: &mut (u64, u64, u64), cap: (u32, u32), added: bool) {
    if added {
        *n = (n.0 + cap.0 as u64, n.1 + cap.1 as u64, n.2 + 1);
    } else {
        *n = (n.0 - cap.0 as u64, n.1 - cap.1 as u64, n.2 - 1);
    }
}

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
    /// The availability zone (0-based) it was launched in.
    zone: u32,
    spot: bool,
    price: Rate,
    requested: SimTime,
    state: State,
    /// Running task slots.
    tasks: Vec<u32>,
    /// Images (task groups) pulled here or being pulled, with when each
    /// pull ends: a map, not a list (issue 24), as an instance of a trace
    /// with thousands of jobs pulls thousands of images and every start
    /// looks its own up (each group is in it once, never iterated).
    images: HashMap<Option<Arc<str>>, SimTime>,
    /// When a pod last started or stopped here (or the node became ready):
    /// Karpenter's `lastPodEventTime`, from which `consolidateAfter` runs.
    last_pod_event: SimTime,
    /// Until when a consolidation's scheduling simulation has nominated it
    /// for the pods it moves: not a disruption candidate before then
    /// (Karpenter's `StateNode.Nominated`, issue 21).
    nominated_until: SimTime,
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
    TaskStop {
        slot: u32,
        generation: u32,
    },
    SpotNotice(u32),
    SpotTerminate(u32),
    MetricTick,
    /// The Auto Scaling group acts on an ECS scale-out (after the alarm).
    AsgLaunch,
    /// A service's launch rate has a token again for a held task.
    ServiceLaunch,
    KarpenterBatch,
    /// Karpenter's disruption loop looks for nodes to consolidate.
    DisruptionPoll,
    /// A disruption command, after its validation delay.
    DisruptionExecute,
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
                alarm_delay,
                scale_in_ramp,
                ..
            } => Scaler::Ecs(
                EcsManagedScaling::new(
                    target_percent,
                    min_step,
                    max_step,
                    warmup,
                    scale_in_after,
                    metric_period,
                )
                .with_alarm(alarm_delay, scale_in_ramp),
            ),
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
    /// The most tasks an instance runs at once, per type (ENIs, max pods).
    task_limit: Vec<u32>,
    /// Instances alive (launching or running) per availability zone.
    zone_alive: Vec<u32>,
    /// Nominal (cpu, memory, nodes) of every instance not terminated: what
    /// NodePool limits count, kept as instances come and go (the limits are
    /// asked after every event).
    nominal_alive: (u64, u64, u64),
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
    /// Waiting tasks, by size class and in submit order, past a backlog
    /// of 131,072 partly on disk (issue 24: `waiting`); the constrained
    /// ones (issue 21) apart, placed by their own path.
    waiting: WaitingTasks,
    /// What `place_waiting` must look at (issue 22): after it returns, no
    /// waiting class fits on any instance. Only an instance whose room
    /// grew since (`fresh`: opened, or a task released) or a class that
    /// was not waiting then (`untested`) can change that, so it tries
    /// those instead of every class on every event.
    fresh: Vec<u32>,
    untested: Vec<(u32, u32)>,
    /// The head of every waiting class, indexed by size (issue 24), so
    /// the class to place next in a room is found without asking every
    /// class.
    heads: Heads,
    /// Whether a constrained task was added since they were last tried.
    constrained_new: bool,
    /// Each constrained group's rules as the autoscalers count them (by
    /// group index in `spec.constraints`).
    pod_rules: Vec<PodRule>,
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
    /// Instances ECS managed scaling has asked for that the Auto Scaling
    /// group has not launched yet (its alarm is still on the way): when, and
    /// which type.
    asg_pending: VecDeque<(SimTime, usize)>,
    /// The type the Auto Scaling group launches next (it cycles through the
    /// types, as a diversified group does).
    asg_next_type: usize,
    /// Service tasks held by their service's launch rate (ECS).
    service_launch: ServiceLaunch<(Task, u32)>,
    /// Pods evicted by consolidation under a PodDisruptionBudget and not
    /// placed again: task id → budget.
    pdb_waiting: BTreeMap<u64, usize>,
    /// When such pods run again, by budget (until then they are
    /// unavailable).
    pdb_restarting: Vec<Vec<SimTime>>,
    /// Spot notices of the initial fleet, scheduled at the first arrival
    /// (the model has no event queue before the run starts).
    initial_notices: Vec<(SimTime, u32)>,
    books: Books,
    /// Right-sized tasks running or waiting: each one's workload request and
    /// what its current attempt does (looked up by task id, never iterated).
    resized: std::collections::HashMap<u64, Resized>,
    pub stats: ClusterStats,
    control_plane: Option<Rate>,
    /// EC2's billing granularity and minimum, from the pricing catalog.
    billing_granularity: SimTime,
    minimum_billed: SimTime,
    replicas: ReplicaWatch,
    /// Since when the cluster has sat at its `max` with tasks waiting.
    pinned_since: Option<SimTime>,
    /// Karpenter: the instance types as its scheduler sees them.
    node_types: NodeTypes,
    /// Karpenter: the NodePool limits (none for other autoscalers).
    limits: NodePoolLimits,
    /// Karpenter's disruption loop, when consolidation is on.
    consolidation: Option<Consolidation>,
    /// Whether the next disruption poll is scheduled.
    poll_scheduled: bool,
    /// A command waiting for its validation delay.
    command: Option<Command>,
    /// Replacement nodes launching, with the nodes they replace and where
    /// the simulation put those nodes' pods.
    replacing: Vec<(u32, Vec<u32>, Vec<Move>)>,
    /// How long a node stays nominated for the pods a consolidation moves
    /// to it: Karpenter's `nominationWindow`, max(2 × the batch's maximum
    /// duration, 10 s) (`pkg/controllers/state/statenode.go`).
    nomination_window: SimTime,
    /// Bumped by every change the disruption loop could act on; the loop
    /// skips a poll when nothing changed since it last found nothing
    /// (Karpenter's `IsConsolidated`, re-checked at least every 5 minutes).
    state_gen: u64,
    consolidated_at: Option<(u64, SimTime)>,
    /// Set while consolidation evicts pods: they always restart.
    evicting: bool,
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
            task_limit: spec
                .instance_types
                .iter()
                .map(|t| spec.tasks_per_node(t).unwrap_or(u32::MAX))
                .collect(),
            zone_alive: vec![0; spec.zones.max(1) as usize],
            nominal_alive: (0, 0, 0),
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
            waiting: WaitingTasks::default(),
            fresh: Vec::new(),
            untested: Vec::new(),
            heads: Heads::default(),
            constrained_new: false,
            pod_rules: {
                let names: Vec<&str> = spec
                    .instance_types
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect();
                let zones: Vec<String> = (0..spec.zones.max(1))
                    .map(|z| super::constraints::zone_name(&spec.region, z))
                    .collect();
                spec.constraints.pod_rules(&names, &zones)
            },
            nominated: BTreeSet::new(),
            running: Vec::new(),
            generations: Vec::new(),
            free_slots: Vec::new(),
            launch_rng: crate::engine::rng::stream(seed, &format!("{base}/instance_launch")),
            start_rng: crate::engine::rng::stream(seed, &format!("{base}/container_start")),
            spot_rng: crate::engine::rng::stream(seed, &format!("{base}/spot")),
            scaler: Scaler::of(&spec.autoscaler),
            tick_scheduled: false,
            asg_pending: VecDeque::new(),
            asg_next_type: 0,
            service_launch: ServiceLaunch::new(spec.service_launch_per_minute),
            pdb_waiting: BTreeMap::new(),
            pdb_restarting: vec![Vec::new(); spec.pod_disruption.max_unavailable.len()],
            initial_notices: Vec::new(),
            books: Books::new(sink),
            resized: std::collections::HashMap::new(),
            stats: ClusterStats {
                instances_by_zone: vec![0; spec.zones.max(1) as usize],
                ..ClusterStats::default()
            },
            billing_granularity: catalog.ec2.billing_granularity,
            minimum_billed: catalog.ec2.minimum_billed,
            control_plane: (spec.orchestrator == Orchestrator::Eks)
                .then_some(catalog.eks_fee(spec.eks_support)),
            replicas: ReplicaWatch::default(),
            pinned_since: None,
            node_types: NodeTypes {
                allocatable: spec
                    .instance_types
                    .iter()
                    .map(|t| spec.schedulable(t))
                    .collect(),
                nominal: spec
                    .instance_types
                    .iter()
                    .map(|t| (t.cpu_milli, t.memory_mib))
                    .collect(),
                pods: spec
                    .instance_types
                    .iter()
                    .map(|t| spec.tasks_per_node(t).map_or(u64::MAX, u64::from))
                    .collect(),
                price: Vec::new(),
            },
            limits: match spec.autoscaler {
                Autoscaler::Karpenter { limits, .. } => limits,
                _ => NodePoolLimits::default(),
            },
            consolidation: match spec.autoscaler {
                Autoscaler::Karpenter { consolidation, .. } => consolidation,
                _ => None,
            },
            poll_scheduled: false,
            command: None,
            replacing: Vec::new(),
            nomination_window: match spec.autoscaler {
                Autoscaler::Karpenter { batch_max, .. } => {
                    batch_max.saturating_mul(2).max(10 * crate::time::SECOND)
                }
                _ => 0,
            },
            state_gen: 0,
            consolidated_at: None,
            evicting: false,
            spec: spec.clone(),
        };
        model.node_types.price = model.on_demand.iter().map(|r| r.price.pico_usd).collect();
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

    /// Stops the run if the waiting tasks could not use their spill file.
    fn spill_failure(&mut self) {
        if let Some((path, source)) = self.waiting.take_error()
            && self.books.failure.is_none()
        {
            self.books.failure = Some(crate::platform::books::Failure::Spill { path, source });
        }
    }

    /// Starts or stops the clock of time spent at `max` with tasks
    /// waiting; called after every change of the fleet or the queue.
    fn track_pinned(&mut self, now: SimTime) {
        self.spill_failure();
        let pinned = !self.waiting.is_empty() && self.at_max();
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

    /// Whether the autoscaler may launch no more instances: at `max`, or for
    /// Karpenter, when no allowed type fits in what is left of the NodePool
    /// limits. A fixed fleet is never "at max".
    fn at_max(&self) -> bool {
        match self.spec.autoscaler {
            Autoscaler::None => false,
            Autoscaler::Karpenter { .. } => {
                let left = self.limits_left();
                !self.node_types.nominal.iter().any(|cap| left.admits(*cap))
            }
            Autoscaler::EcsManaged { .. } => self.alive >= self.spec.max as u64,
        }
    }

    /// `Ec2Spec::fits_some_type` from the capacities and task slots the
    /// model keeps per type, without working them out again per task.
    fn fits_some_type(&self, cpu_milli: u32, memory_mib: u32) -> bool {
        self.capacity
            .iter()
            .zip(&self.task_limit)
            .any(|(&(c, m), &slots)| c >= cpu_milli && m >= memory_mib && slots != 0)
    }

    /// Nominal (cpu, memory, nodes) of every instance alive, launching and
    /// draining ones included: what NodePool limits count.
    fn nominal_used(&self) -> (u64, u64, u64) {
        self.nominal_alive
    }

    /// What is left of the NodePool limits now.
    fn limits_left(&self) -> NodePoolLimits {
        if self.limits.is_unlimited() {
            return self.limits;
        }
        self.limits.remaining(self.nominal_used())
    }

    /// Whether some instance type `task`'s placement rules allow (its
    /// group's `memberOf` or `node_selector`; every type without rules)
    /// holds it (issue 21): a task that fits only types its rules exclude
    /// could never run.
    fn fits_allowed_type(&self, task: &Task) -> bool {
        let Some(rule) = self
            .spec
            .constraints
            .of(&task.group)
            .and_then(|g| self.pod_rules.get(g))
        else {
            return self.fits_some_type(task.cpu_milli, task.memory_mib);
        };
        self.capacity
            .iter()
            .zip(&self.task_limit)
            .enumerate()
            .any(|(t, (&(c, m), &slots))| {
                rule.type_ok(t) && c >= task.cpu_milli && m >= task.memory_mib && slots != 0
            })
    }

    /// Counts and records a task larger than every type the cluster may
    /// launch, or than every type its placement rules allow.
    fn refuse(&mut self, task: Task) {
        let reason = if self.fits_some_type(task.cpu_milli, task.memory_mib) {
            super::spec::TOO_LARGE_FOR_ITS_TYPES
        } else {
            super::spec::TOO_LARGE_FOR_EVERY_TYPE
        };
        self.books.tally.unschedulable_task(task.id, reason);
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
        self.add_instance_in(type_idx, now, None)
    }

    /// [`Self::add_instance`] within the zones `zones` allows (`None`: any):
    /// a Karpenter node for pods whose node selector names a zone.
    fn add_instance_in(&mut self, type_idx: usize, now: SimTime, zones: Option<&[bool]>) -> u32 {
        // The on-demand base first: while fewer than `on_demand_base`
        // on-demand instances are alive, a new one is on demand; the weights
        // split the launches beyond the base.
        let base = self.spec.on_demand_base as usize;
        let in_base = base > 0
            && self
                .instances
                .iter()
                .filter(|i| !i.spot && i.state != State::Terminated)
                .take(base)
                .count()
                < base;
        let total = (self.stats.instances_launched - self.stats.base_instances_launched) as f64;
        let share = self.spec.spot_weight / (self.spec.spot_weight + self.spec.on_demand_weight);
        let is_spot = !in_base
            && share > 0.0
            && (self.stats.spot_instances_launched as f64) < (total + 1.0) * share - 1e-9;
        self.stats.base_instances_launched += u64::from(in_base);
        self.stats.instances_launched += 1;
        self.stats.spot_instances_launched += u64::from(is_spot);
        let price = if is_spot {
            self.spot[type_idx]
        } else {
            self.on_demand[type_idx]
        };
        // The Auto Scaling group (or Karpenter) launches into the zone with
        // the fewest instances, the lowest on a tie.
        let zone = (0..self.zone_alive.len())
            .filter(|&z| zones.is_none_or(|m| m.get(z).copied().unwrap_or(false)))
            .min_by_key(|&z| (self.zone_alive[z], z))
            .unwrap_or(0);
        self.zone_alive[zone] += 1;
        self.stats.instances_by_zone[zone] += 1;
        count_nominal(
            &mut self.nominal_alive,
            self.node_types.nominal[type_idx],
            true,
        );
        self.instances.push(Instance {
            type_idx,
            zone: zone as u32,
            spot: is_spot,
            price,
            requested: now,
            state: State::Launching,
            tasks: Vec::new(),
            images: HashMap::new(),
            last_pod_event: now,
            nominated_until: 0,
        });
        self.state_gen += 1;
        self.launching += 1;
        self.count_change(now, 1);
        if type_idx == 0 && !is_spot {
            self.reservable_change(now, 1);
        }
        (self.instances.len() - 1) as u32
    }

    fn launch(&mut self, type_idx: usize, queue: &mut impl Schedule<Event>) {
        self.launch_in(type_idx, None, queue);
    }

    /// [`Self::launch`] within the zones `zones` allows (`None`: any).
    fn launch_in(
        &mut self,
        type_idx: usize,
        zones: Option<&[bool]>,
        queue: &mut impl Schedule<Event>,
    ) {
        let now = queue.now();
        let id = self.add_instance_in(type_idx, now, zones);
        let delay = self.spec.instance_launch.sample(&mut self.launch_rng);
        queue.schedule_at(now.saturating_add(delay), Event::InstanceReady(id));
    }

    fn instance_ready(&mut self, id: u32, now: SimTime) -> Option<SimTime> {
        let inst = &mut self.instances[id as usize];
        if inst.state != State::Launching {
            return None;
        }
        inst.state = State::Ready;
        inst.last_pod_event = now;
        self.launching -= 1;
        self.state_gen += 1;
        let (cpu, mem) = self.capacity[inst.type_idx];
        self.placer
            .open_in(id, cpu, mem, self.task_limit[inst.type_idx], inst.zone);
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
        count_nominal(
            &mut self.nominal_alive,
            self.node_types.nominal[inst.type_idx],
            false,
        );
        self.state_gen += 1;
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
        self.zone_alive[self.instances[id as usize].zone as usize] -= 1;
        self.count_change(now, -1);
        if reservable {
            self.reservable_change(now, -1);
        }
    }

    fn enqueue(&mut self, task: Task, attempt: u32) {
        // A right-sized task's request waits with it (issue 24).
        let resized = self.resized.remove(&task.id);
        let w = Waiting {
            task,
            attempt,
            resized,
        };
        if self.spec.constraints.of(&w.task.group).is_some() {
            self.constrained_new = true;
            self.waiting.push_constrained(w);
            return;
        }
        let (class, id) = ((w.task.cpu_milli, w.task.memory_mib), w.task.id);
        let (was_empty, new_head) = self.waiting.push(w);
        if was_empty {
            self.untested.push(class);
        }
        if new_head {
            self.heads.set(class, Some(id));
        }
    }

    /// Starts a task that waited, its right-sizing remembered again.
    fn start_waiting(&mut self, w: Waiting, instance: u32, queue: &mut impl Schedule<Event>) {
        if let Some(r) = w.resized {
            self.resized.insert(w.task.id, r);
        }
        self.start(w.task, w.attempt, instance, false, queue);
    }

    /// Places waiting tasks in submit order while any fits; a smaller task may
    /// go ahead of a larger one that does not fit.
    ///
    /// The order is that of trying the head (oldest task) of every class,
    /// oldest first, until every class is blocked: each placement takes the
    /// oldest head among the classes that fit somewhere now. A class that
    /// fitted nowhere when this last returned still fits nowhere unless it
    /// fits on an instance that has gained room since (`fresh`; placement
    /// fails only when no open instance has the room, with no side effect),
    /// so the next class is the older of the oldest untested class (tried
    /// on the placer) and the oldest class that fits in a fresh instance's
    /// room (found in `heads`, issue 24): the same placements in the same
    /// order, at a cost that grows with neither the backlog nor the number
    /// of classes.
    fn place_waiting(&mut self, queue: &mut impl Schedule<Event>) {
        if self.waiting.has_constrained() && (self.constrained_new || !self.fresh.is_empty()) {
            self.place_constrained(queue);
        }
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable();
        fresh.dedup();
        let mut untested: BTreeSet<(u64, (u32, u32))> = BTreeSet::new();
        for class in std::mem::take(&mut self.untested) {
            if let Some(id) = self.waiting.head(class) {
                untested.insert((id, class));
            }
        }
        loop {
            // The oldest class that fits in a fresh instance's room; an
            // instance with room for none stays so (rooms only shrink here).
            let mut best: Option<(u64, (u32, u32))> = None;
            fresh.retain(|&id| {
                let s = self.placer.slot(id);
                if !s.open || s.tasks >= s.max_tasks {
                    return false;
                }
                match self.heads.oldest_fitting(s.free_cpu, s.free_mem) {
                    Some(h) => {
                        if best.is_none_or(|b| h < b) {
                            best = Some(h);
                        }
                        true
                    }
                    None => false,
                }
            });
            let (id, class, tested) = match (untested.first().copied(), best) {
                (Some(u), b) if b.is_none_or(|b| u < b) => {
                    untested.pop_first();
                    let head = self.waiting.head(u.1);
                    if head != Some(u.0) {
                        // Its head was placed since (found through a room).
                        if let Some(h) = head {
                            untested.insert((h, u.1));
                        }
                        continue;
                    }
                    (u.0, u.1, false)
                }
                (_, Some(b)) => (b.0, b.1, true),
                _ => break, // nothing left to try (an untested class with no fitting room is caught above)
            };
            let Some(instance) = self.placer.place(class.0, class.1) else {
                // A class found through a room always fits there.
                debug_assert!(!tested, "a class that fits a fresh room was refused");
                if tested {
                    break;
                }
                continue; // blocked until some instance gains room
            };
            let Some((w, next)) = self.waiting.pop_head(class) else {
                // Its tasks could not be read back from disk: the run stops.
                self.placer.release(instance, class.0, class.1);
                self.spill_failure();
                break;
            };
            debug_assert_eq!(w.task.id, id, "the class's head is placed");
            self.heads.set(class, next);
            if let (false, Some(next)) = (tested, next) {
                untested.insert((next, class));
            }
            self.nominated.remove(&id);
            self.start_waiting(w, instance, queue);
        }
    }

    /// Places waiting constrained tasks, oldest first, each on an instance
    /// its rules admit (issue 21). Only an instance that gained room or
    /// lost a task, or a newly waiting task, can let one go, so this runs
    /// only then.
    fn place_constrained(&mut self, queue: &mut impl Schedule<Event>) {
        self.constrained_new = false;
        for id in self.waiting.constrained_ids() {
            let Some(task) = self.waiting.constrained_task(id).cloned() else {
                continue;
            };
            if let Some(instance) = self.place_constrained_task(&task) {
                self.nominated.remove(&id);
                let w = self
                    .waiting
                    .take_constrained(id)
                    .expect("waiting task exists");
                self.start_waiting(w, instance, queue);
            }
        }
    }

    /// Reserves room on `node` for a pod consolidation moves there, if the
    /// node is open, has the room, and (for a constrained pod) its rules
    /// admit it. Returns whether it did.
    fn place_moved(&mut self, task: &Task, node: u32) -> bool {
        if self.spec.constraints.of(&task.group).is_some() {
            return self.place_constrained_on(task, Some(node)).is_some();
        }
        self.placer.place_on(node, task.cpu_milli, task.memory_mib)
    }

    /// Reserves room for a constrained task on an instance its group's
    /// rules admit: every `memberOf` expression matches the instance's type
    /// and zone, no task of its group is there under `distinctInstance`,
    /// and no task there binds its host port.
    fn place_constrained_task(&mut self, task: &Task) -> Option<u32> {
        self.place_constrained_on(task, None)
    }

    /// [`Self::place_constrained_task`] on `only` (`None`: any instance).
    fn place_constrained_on(&mut self, task: &Task, only: Option<u32>) -> Option<u32> {
        let rules = &self.spec.constraints.groups[self.spec.constraints.of(&task.group)?];
        let ok: Vec<bool> = self
            .instances
            .iter()
            .map(|inst| {
                let t = &self.spec.instance_types[inst.type_idx];
                let zone = super::constraints::zone_name(&self.spec.region, inst.zone);
                if !rules.member_of.iter().all(|e| e.matches(&t.name, &zone)) {
                    return false;
                }
                inst.tasks.iter().all(|&slot| {
                    let Some(r) = &self.running[slot as usize] else {
                        return true;
                    };
                    if rules.distinct_instance && r.task.group == task.group {
                        return false;
                    }
                    match (rules.host_port, self.spec.constraints.of(&r.task.group)) {
                        (Some(port), Some(other)) => {
                            self.spec.constraints.groups[other].host_port != Some(port)
                        }
                        _ => true,
                    }
                })
            })
            .collect();
        self.placer
            .place_filtered(task.cpu_milli, task.memory_mib, |id| {
                only.is_none_or(|o| o == id) && ok.get(id as usize).copied().unwrap_or(false)
            })
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
        inst.last_pod_event = now;
        self.state_gen += 1;
        // A warm replica's image is there and it is running already. A task
        // whose image is on the instance starts after the cached start; one
        // whose image is still being pulled for another task waits for that
        // pull to end; otherwise it pulls the image itself.
        let pulled = inst.images.get(&task.group).copied();
        let running = match pulled {
            _ if warm => {
                if pulled.is_none() {
                    inst.images.insert(task.group.clone(), now);
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
                inst.images.insert(task.group.clone(), ready);
                ready
            }
        };
        if let Some(b) = self.pdb_waiting.remove(&task.id) {
            let restarting = &mut self.pdb_restarting[b];
            restarting.retain(|&t| t > now);
            restarting.push(running);
        }
        let start = running - now;
        if attempt == 0
            && !warm
            && !ReplicaWatch::is_replica(task.id)
            && self.horizon.is_none_or(|h| running <= h)
        {
            // The time to start, running - submit, is their sum.
            self.books.tally.starts.record(now - task.submit, start);
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
    fn end_task(&mut self, slot: u32, now: SimTime, outcome: Outcome) -> Running {
        let r = self.running[slot as usize].take().expect("running task");
        self.generations[slot as usize] += 1;
        self.free_slots.push(slot);
        self.books.tally.in_flight -= 1;
        self.state_gen += 1;
        let inst = &mut self.instances[r.instance as usize];
        inst.last_pod_event = now;
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
        if inst.state == State::Ready {
            self.placer
                .release(r.instance, r.task.cpu_milli, r.task.memory_mib);
            self.fresh.push(r.instance);
        }
        let run_span = now.saturating_sub(r.running.min(now));
        if outcome != Outcome::Interrupted && outcome != Outcome::OomKilled {
            // An interrupted run is wasted time, counted by the caller.
            self.books.tally.run_task_us += run_span as u128;
        }
        if outcome == Outcome::Interrupted {
            // Lost work (issue 34): the attempt's span on the instance and
            // its share of the instance, thrown away with its run.
            self.books.tally.add_wasted_attempt(
                r.task.group.as_ref(),
                span,
                share,
                run_span as u128,
            );
        }
        if ReplicaWatch::is_replica(r.task.id) {
            let retrying =
                outcome == Outcome::Interrupted && (self.spec.retry_interrupted || self.evicting);
            self.replicas.ended(r.task.id, share, retrying);
        }
        self.books.tally.billed_task_us += span;
        self.books
            .tally
            .add_group_cost(r.task.group.as_ref(), share);
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
    fn add_running_instance(
        &mut self,
        type_idx: usize,
        zones: Option<&[bool]>,
        queue: &mut impl Schedule<Event>,
    ) {
        let now = queue.now();
        let id = self.add_instance_in(type_idx, now, zones);
        if let Some(at) = self.instance_ready(id, now) {
            queue.schedule_daemon_at(at, Event::SpotNotice(id));
        }
    }

    /// Places each task that fits on a ready instance, already running;
    /// returns those that did not fit.
    fn place_running(&mut self, tasks: Vec<Task>, queue: &mut impl Schedule<Event>) -> Vec<Task> {
        let mut left = Vec::new();
        for task in tasks {
            let placed = if self.spec.constraints.of(&task.group).is_some() {
                self.place_constrained_task(&task)
            } else {
                self.placer.place(task.cpu_milli, task.memory_mib)
            };
            match placed {
                Some(instance) => self.start(task, 0, instance, true, queue),
                None => left.push(task),
            }
        }
        left
    }

    /// The instances the autoscaler would have running for `tasks` (none
    /// for a fixed fleet), within the cluster's maximum, by type.
    fn instances_for(&self, tasks: &[Task]) -> Vec<(usize, Option<Vec<bool>>)> {
        let mut classes: BTreeMap<(u32, u32), Vec<u64>> = BTreeMap::new();
        let mut keyed: Vec<Keyed> = Vec::new();
        let mut ruled: Vec<RuledPod> = Vec::new();
        for t in tasks {
            if let Some(r) = self.spec.constraints.of(&t.group) {
                let class = (t.cpu_milli, t.memory_mib);
                match self.spec.autoscaler {
                    // ECS counts a task's keys, not its memberOf.
                    Autoscaler::EcsManaged { .. } if !self.pod_rules[r].keys.is_empty() => {
                        keyed.push((class, self.pod_rules[r].keys.clone()));
                        continue;
                    }
                    Autoscaler::Karpenter { .. } => {
                        ruled.push((class, t.id, r));
                        continue;
                    }
                    _ => {}
                }
            }
            classes
                .entry((t.cpu_milli, t.memory_mib))
                .or_default()
                .push(t.id);
        }
        let mut classes: Vec<((u32, u32), Vec<u64>)> = classes.into_iter().collect();
        classes.sort_by_key(|c| std::cmp::Reverse((c.0.1, c.0.0)));
        match self.spec.autoscaler {
            Autoscaler::None => Vec::new(),
            // ECS managed scaling counts in the largest type.
            Autoscaler::EcsManaged { .. } => {
                let counts = classes
                    .into_iter()
                    .map(|(c, ids)| (c, ids.len() as u64))
                    .collect();
                let largest = self.largest_type();
                let cap = (
                    self.capacity[largest].0,
                    self.capacity[largest].1,
                    self.task_limit[largest],
                );
                let n = super::autoscale::bins_needed_keyed(cap, &mut Vec::new(), &keyed, counts);
                let room = (self.spec.max as u64).saturating_sub(self.alive);
                vec![(largest, None); n.min(room) as usize]
            }
            Autoscaler::Karpenter { .. } => Karpenter::plan_ruled(
                classes,
                ruled,
                &self.pod_rules,
                &self.node_types,
                self.limits_left(),
            )
            .into_iter()
            .map(|(t, _, zones)| (t, zones))
            .collect(),
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

    /// Waiting tasks per size class, largest memory first: the first `limit`
    /// in submit order (the tasks in PROVISIONING that ECS counts).
    fn waiting_counts(&mut self, limit: u32) -> Classes {
        let mut counts: Classes = if self.waiting.len() <= limit as usize {
            self.waiting.class_counts()
        } else {
            // The first `limit` in submit order, read from the classes'
            // heads without walking the backlog (issue 24).
            let counts = self.waiting.first_counts(limit as usize);
            self.spill_failure();
            counts
        };
        counts.sort_by_key(|c| std::cmp::Reverse((c.0.1, c.0.0)));
        counts
    }

    /// What ECS managed scaling counts of the first `limit` waiting tasks
    /// (issue 21): the plain ones by size class, as `waiting_counts`, and
    /// apart those under `distinctInstance` or a host port, with their
    /// keys. A task under `memberOf` alone counts as a plain one: ECS sizes
    /// the tasks in PROVISIONING by their resources, not their attributes.
    fn ecs_waiting(&mut self, limit: u32) -> (Classes, Vec<Keyed>) {
        if !self.waiting.has_constrained() {
            return (self.waiting_counts(limit), Vec::new());
        }
        let mut keyed: Vec<Keyed> = Vec::new();
        let (spec, rules) = (&self.spec, &self.pod_rules);
        let mut counts = self.waiting.first_counts_with(limit as usize, |t| {
            match spec.constraints.of(&t.group) {
                Some(r) if !rules[r].keys.is_empty() => {
                    keyed.push(((t.cpu_milli, t.memory_mib), rules[r].keys.clone()));
                    false
                }
                _ => true,
            }
        });
        self.spill_failure();
        counts.sort_by_key(|c| std::cmp::Reverse((c.0.1, c.0.0)));
        (counts, keyed)
    }

    /// The type with the most schedulable capacity (CPU, then memory).
    fn largest_type(&self) -> usize {
        (0..self.capacity.len())
            .max_by_key(|&t| (self.capacity[t], std::cmp::Reverse(t)))
            .unwrap_or(0)
    }

    /// Launches the instances the Auto Scaling group was asked for by now.
    fn asg_launch(&mut self, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        while let Some(&(at, type_idx)) = self.asg_pending.front()
            && at <= now
        {
            self.asg_pending.pop_front();
            self.launch(type_idx, queue);
        }
    }

    /// Queues a task for placement, or, if it is a service's task over its
    /// service's launch rate (ECS), holds it until a token comes back.
    fn submit(&mut self, task: Task, attempt: u32, queue: &mut impl Schedule<Event>) {
        let service = self.service_launch.service_of(&task);
        match self
            .service_launch
            .offer(service, queue.now(), (task, attempt))
        {
            Offer::Launch((task, attempt)) => self.enqueue(task, attempt),
            Offer::Held(wake) => {
                if let Some(at) = wake {
                    queue.schedule_at(at, Event::ServiceLaunch);
                }
            }
        }
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
    fn pending_ids(&mut self, room: u64) -> Vec<((u32, u32), Vec<u64>)> {
        if room == 0 {
            return Vec::new();
        }
        let capacity = &self.capacity;
        let nominated = &self.nominated;
        let mut classes: Vec<((u32, u32), Vec<u64>)> = self
            .waiting
            .oldest_ids(
                |(c, m)| {
                    let per_node = capacity
                        .iter()
                        .map(|cap| (cap.0 / c.max(1)).min(cap.1 / m.max(1)) as u64)
                        .max()
                        .unwrap_or(0);
                    let keep = room.saturating_mul(per_node).saturating_add(1);
                    usize::try_from(keep).unwrap_or(usize::MAX)
                },
                |id| nominated.contains(&id),
            )
            .into_iter()
            .filter(|(_, ids)| !ids.is_empty())
            .collect();
        self.spill_failure();
        classes.sort_by_key(|c| std::cmp::Reverse((c.0.1, c.0.0)));
        classes
    }

    /// One ECS managed-scaling metric period: shows the policy the cluster
    /// and carries out its decision.
    fn ecs_tick(&mut self, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let Scaler::Ecs(policy) = &self.scaler else {
            return;
        };
        let limit = match self.spec.autoscaler {
            Autoscaler::EcsManaged {
                provisioning_limit, ..
            } => provisioning_limit,
            _ => u32::MAX,
        };
        let delay = policy.alarm_delay;
        let bin = |t: usize| (self.capacity[t].0, self.capacity[t].1, self.task_limit[t]);
        let mut launching: Vec<super::autoscale::Bin> = self
            .instances
            .iter()
            .filter(|i| i.state == State::Launching)
            .map(|i| bin(i.type_idx))
            .collect();
        launching.extend(self.asg_pending.iter().map(|(_, t)| bin(*t)));
        let (waiting, keyed) = self.ecs_waiting(limit);
        let view = EcsView {
            alive: self.alive + self.asg_pending.len() as u64,
            non_empty: self
                .instances
                .iter()
                .filter(|i| {
                    matches!(i.state, State::Ready | State::Draining) && !i.tasks.is_empty()
                })
                .count() as u64,
            launching,
            waiting,
            keyed,
            any_waiting: !self.waiting.is_empty(),
            largest: (
                self.capacity.iter().map(|c| c.0).max().unwrap_or(0),
                self.capacity.iter().map(|c| c.1).max().unwrap_or(0),
                self.task_limit.iter().copied().max().unwrap_or(0),
            ),
            smallest: (
                self.capacity.iter().map(|c| c.0).min().unwrap_or(0),
                self.capacity.iter().map(|c| c.1).min().unwrap_or(0),
            ),
            min: self.spec.min,
            max: self.spec.max,
        };
        let Scaler::Ecs(policy) = &mut self.scaler else {
            return;
        };
        let period = policy.metric_period;
        match policy.tick(now, view) {
            EcsDecision::Launch(step) => {
                // The alarm fires and the Auto Scaling group launches
                // `alarm_delay` later, cycling through its types.
                let at = now.saturating_add(delay);
                for _ in 0..step {
                    let t = self.asg_next_type % self.capacity.len();
                    self.asg_next_type = (t + 1) % self.capacity.len();
                    self.asg_pending.push_back((at, t));
                }
                if delay == 0 {
                    self.asg_launch(queue);
                } else {
                    queue.schedule_at(at, Event::AsgLaunch);
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

    /// Waiting constrained pods no launching node is meant for (issue 21),
    /// with their rules, in submit order (all of them: they are kept apart
    /// and are few; a NodePool limit still bounds the nodes launched).
    fn pending_ruled(&self) -> Vec<RuledPod> {
        self.waiting
            .constrained_ids()
            .into_iter()
            .filter(|id| !self.nominated.contains(id))
            .filter_map(|id| {
                let t = self.waiting.constrained_task(id)?;
                let r = self.spec.constraints.of(&t.group)?;
                Some(((t.cpu_milli, t.memory_mib), t.id, r))
            })
            .collect()
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
        let limits = self.limits_left();
        let room = limits.nodes.unwrap_or(u64::MAX);
        if !self.waiting.has_constrained() {
            let plan = Karpenter::plan(self.pending_ids(room), &self.node_types, limits);
            for (t, ids) in plan {
                self.nominated.extend(ids);
                self.launch(t, queue);
            }
            return;
        }
        let plan = Karpenter::plan_ruled(
            self.pending_ids(room),
            self.pending_ruled(),
            &self.pod_rules,
            &self.node_types,
            limits,
        );
        for (t, ids, zones) in plan {
            self.nominated.extend(ids);
            self.launch_in(t, zones.as_deref(), queue);
        }
    }

    /// Schedules the next disruption poll (Karpenter with consolidation on,
    /// nodes to look at): at the next multiple of the poll period.
    fn ensure_poll(&mut self, queue: &mut impl Schedule<Event>) {
        let Some(c) = self.consolidation else {
            return;
        };
        if self.poll_scheduled || self.command.is_some() {
            return;
        }
        self.poll_scheduled = true;
        let next = (queue.now() / c.poll + 1) * c.poll;
        queue.schedule_daemon_at(next, Event::DisruptionPoll);
    }

    /// What the disruption loop sees now: ready nodes not being disrupted,
    /// the budget left, and the limits.
    fn disruption_view(&self, now: SimTime, c: &Consolidation) -> DisruptionView<'_> {
        let mut nodes = Vec::new();
        let (mut initialized, mut disrupting) = (0u64, 0u64);
        // Room the pods of nodes being replaced will take when the
        // replacement is ready: Karpenter schedules the pods of deleting
        // nodes in every simulation and keeps their targets nominated
        // until those nodes are gone (`SimulateScheduling`, `StartCommand`).
        let mut incoming: BTreeMap<u32, (u32, u32, u64)> = BTreeMap::new();
        for (_, _, moves) in &self.replacing {
            for m in moves {
                if let Target::Node(n) = m.to {
                    let r = incoming.entry(n).or_default();
                    *r = (r.0 + m.size.0, r.1 + m.size.1, r.2 + 1);
                }
            }
        }
        for (id, inst) in self.instances.iter().enumerate() {
            match inst.state {
                State::Ready => initialized += 1,
                State::Draining => {
                    initialized += 1;
                    disrupting += 1;
                    continue;
                }
                _ => continue,
            }
            let (cpu, mem) = self.node_types.allocatable[inst.type_idx];
            let mut pdb_pods = vec![0u64; self.spec.pod_disruption.max_unavailable.len()];
            let mut do_not_disrupt = false;
            let mut pod_rules: Vec<Option<usize>> = Vec::new();
            let mut pod_ids: Vec<u64> = Vec::with_capacity(inst.tasks.len());
            let pods: Vec<(u32, u32)> = inst
                .tasks
                .iter()
                .filter_map(|s| self.running[*s as usize].as_ref())
                .inspect(|r| {
                    do_not_disrupt |= self.do_not_disrupt(&r.task);
                    if let Some(b) = self.pdb_of(&r.task) {
                        pdb_pods[b] += 1;
                    }
                    if !self.pod_rules.is_empty() {
                        pod_rules.push(self.spec.constraints.of(&r.task.group));
                    }
                    pod_ids.push(r.task.id);
                })
                .map(|r| (r.task.cpu_milli, r.task.memory_mib))
                .collect();
            let coming = incoming.get(&(id as u32)).copied();
            let (in_cpu, in_mem, in_pods) = coming.unwrap_or_default();
            let used = pods
                .iter()
                .fold((in_cpu, in_mem), |a, p| (a.0 + p.0, a.1 + p.1));
            nodes.push(NodeView {
                id: id as u32,
                type_idx: inst.type_idx,
                spot: inst.spot,
                price: inst.price.price.pico_usd,
                free: (cpu.saturating_sub(used.0), mem.saturating_sub(used.1)),
                free_pods: self.node_types.pods[inst.type_idx]
                    .saturating_sub(pods.len() as u64 + in_pods),
                pods,
                pod_ids,
                pod_rules,
                zone: inst.zone,
                pdb_pods,
                // A pod annotated karpenter.sh/do-not-disrupt keeps its node.
                consolidatable: !do_not_disrupt
                    && now >= inst.last_pod_event.saturating_add(c.consolidate_after),
                nominated: coming.is_some() || now < inst.nominated_until,
            });
        }
        DisruptionView {
            nodes,
            allowed: c.budget.allowed(initialized).saturating_sub(disrupting),
            removable: self.alive.saturating_sub(self.spec.min as u64),
            types: &self.node_types,
            limits: self.limits,
            used: self.nominal_used(),
            pdb_allowed: self.pdb_allowed(now),
            rules: self.pod_rules.clone(),
        }
    }

    /// Whether `task`'s pods carry `karpenter.sh/do-not-disrupt`.
    fn do_not_disrupt(&self, task: &Task) -> bool {
        let pd = &self.spec.pod_disruption;
        !pd.do_not_disrupt.is_empty()
            && task
                .group
                .as_ref()
                .is_some_and(|g| pd.do_not_disrupt.contains(g))
    }

    /// The PodDisruptionBudget `task`'s pod falls under, if any.
    fn pdb_of(&self, task: &Task) -> Option<usize> {
        let budgets = &self.spec.pod_disruption.max_unavailable;
        if budgets.is_empty() {
            return None;
        }
        let g = task.group.as_ref()?;
        budgets.iter().position(|(group, _)| group == g)
    }

    /// Pods each budget still lets consolidation evict at `now`.
    fn pdb_allowed(&self, now: SimTime) -> Vec<u64> {
        let budgets = &self.spec.pod_disruption.max_unavailable;
        let mut out: Vec<u64> = budgets.iter().map(|(_, n)| *n).collect();
        for &b in self.pdb_waiting.values() {
            out[b] = out[b].saturating_sub(1);
        }
        for (b, times) in self.pdb_restarting.iter().enumerate() {
            let starting = times.iter().filter(|&&t| t > now).count() as u64;
            out[b] = out[b].saturating_sub(starting);
        }
        out
    }

    /// One poll of Karpenter's disruption loop. Pods waiting for a node
    /// hold it back (a simplification: Karpenter would schedule them in the
    /// same simulation). A command found waits the validation delay.
    fn disruption_poll(&mut self, queue: &mut impl Schedule<Event>) {
        let Some(c) = self.consolidation else {
            return;
        };
        let now = queue.now();
        let ready = self.instances.iter().any(|i| i.state == State::Ready);
        if !ready {
            return; // the next ready node starts polling again
        }
        // Nothing changed since the last poll found nothing (a node's
        // consolidateAfter running out counts as a change).
        let unchanged = self.consolidated_at.is_some_and(|(g, at)| {
            g == self.state_gen
                && now < at + 5 * crate::time::MINUTE
                && !self.instances.iter().any(|i| {
                    i.state == State::Ready && {
                        let due = i.last_pod_event.saturating_add(c.consolidate_after);
                        (due > at && due <= now)
                            || (i.nominated_until > at && i.nominated_until <= now)
                    }
                })
        });
        if self.waiting.is_empty() && !unchanged {
            let view = self.disruption_view(now, &c);
            match super::autoscale::disrupt(&view, c.policy) {
                Some(command) => {
                    self.command = Some(command);
                    queue.schedule_daemon_at(
                        now.saturating_add(c.validation_delay),
                        Event::DisruptionExecute,
                    );
                    return;
                }
                None => self.consolidated_at = Some((self.state_gen, now)),
            }
        }
        self.poll_scheduled = true;
        queue.schedule_daemon_at(now.saturating_add(c.poll), Event::DisruptionPoll);
    }

    /// Carries out the command found at the last poll, if it still holds:
    /// empty nodes and deleted nodes go now, their pods evicted and started
    /// on the nodes the simulation chose for them; a replacement is
    /// launched and the nodes it replaces are cordoned until it is ready.
    /// The nodes that take moved pods are nominated. A pod waiting for a
    /// node since the poll changes the cluster the command was worked out
    /// for (Karpenter's validation simulates pending pods too): the command
    /// is dropped. The loop then looks again at once.
    fn disruption_execute(&mut self, queue: &mut impl Schedule<Event>) {
        let (Some(c), Some(command)) = (self.consolidation, self.command.take()) else {
            return;
        };
        let now = queue.now();
        let again = if self.waiting.is_empty() {
            let view = self.disruption_view(now, &c);
            if view.allowed < command.disruption.nodes().len() as u64 {
                None
            } else {
                super::autoscale::revalidate(&view, &command)
            }
        } else {
            None
        };
        let (disruption, moves) = match again {
            Some(c) => (Some(c.disruption), c.moves),
            None => (None, Vec::new()),
        };
        let until = now.saturating_add(self.nomination_window);
        for m in &moves {
            if let Target::Node(n) = m.to {
                let inst = &mut self.instances[n as usize];
                inst.nominated_until = inst.nominated_until.max(until);
            }
        }
        match disruption {
            Some(Disruption::Delete(nodes)) => {
                for node in nodes {
                    self.evict_and_remove(node, &moves, None, queue);
                }
                self.place_waiting(queue);
                if !self.waiting.is_empty() {
                    self.karpenter_pending(queue);
                }
                self.poll_scheduled = true;
                queue.schedule_daemon_at(now, Event::DisruptionPoll);
            }
            Some(Disruption::Replace { nodes, with }) => {
                for &node in &nodes {
                    self.instances[node as usize].state = State::Draining;
                    self.placer.close(node);
                }
                self.stats.consolidation_replacements += 1;
                self.launch(with, queue);
                let replacement = (self.instances.len() - 1) as u32;
                self.replacing.push((replacement, nodes, moves));
                self.poll_scheduled = true;
                queue.schedule_daemon_at(now, Event::DisruptionPoll);
            }
            None => {
                self.poll_scheduled = true;
                queue.schedule_daemon_at(now.saturating_add(c.poll), Event::DisruptionPoll);
            }
        }
    }

    /// The request the `rightsizing` policy gives a newly submitted task (its
    /// duration the run it will have at that request), remembered with what
    /// it asked for. Replicas, tasks the policy keeps, and new requests no
    /// instance type holds (where the old one fits) are returned as they are.
    fn rightsize(&mut self, mut task: Task) -> Task {
        if self.spec.rightsizing.is_requested() || ReplicaWatch::is_replica(task.id) {
            return task;
        }
        let target = self.spec.rightsizing.target(&task).filter(|&(c, m)| {
            self.fits_some_type(c, m) || !self.fits_some_type(task.cpu_milli, task.memory_mib)
        });
        let r = &self.spec.rightsizing;
        match target {
            Some((cpu, memory)) if (cpu, memory) != (task.cpu_milli, task.memory_mib) => {
                let plan = r.attempt(&task, cpu, memory);
                let was = Resized {
                    cpu_milli: task.cpu_milli,
                    memory_mib: task.memory_mib,
                    duration: task.duration,
                    plan,
                };
                self.resized.insert(task.id, was);
                self.books.tally.rightsizing.resized += 1;
                let g = self.books.tally.rightsizing.group(task.group.as_ref());
                g.tasks += 1;
                g.resized += 1;
                task.cpu_milli = cpu;
                task.memory_mib = memory;
                task.duration = plan.run;
            }
            _ => {
                self.books.tally.rightsizing.kept += 1;
                self.books
                    .tally
                    .rightsizing
                    .group(task.group.as_ref())
                    .tasks += 1;
            }
        }
        task
    }

    /// A right-sized task killed for memory: its run is lost (its share of
    /// the instance billed all the same) and it waits again, at its
    /// original request or (`after_oom = "next"`) with its memory raised as
    /// VPA raises it after a kill, killed again while its peak does not fit.
    fn out_of_memory(&mut self, slot: u32, now: SimTime, queue: &mut impl Schedule<Event>) {
        let r = self.end_task(slot, now, Outcome::OomKilled);
        let mut task = r.task;
        let Some(was) = self.resized.remove(&task.id) else {
            return;
        };
        let rs = &mut self.books.tally.rightsizing;
        let lost = now.saturating_sub(r.running.min(now)) as u128;
        rs.oom_killed += 1;
        rs.oom_lost_us += lost;
        // The first kill is at the policy's size; later ones at raised ones.
        let first = self.spec.rightsizing.target(&task) == Some((task.cpu_milli, task.memory_mib));
        if first {
            rs.tasks_killed += 1;
        }
        let g = rs.group(task.group.as_ref());
        g.oom_lost_us += lost;
        g.tasks_killed += u64::from(first);
        let next_mem = self.spec.rightsizing.bumped(task.memory_mib);
        let original = self.spec.rightsizing.after_oom == AfterOom::Original
            || (next_mem >= was.memory_mib && task.cpu_milli >= was.cpu_milli);
        task.duration = was.duration;
        if original {
            task.cpu_milli = was.cpu_milli;
            task.memory_mib = was.memory_mib;
        } else {
            let plan = self
                .spec
                .rightsizing
                .attempt(&task, task.cpu_milli, next_mem);
            self.resized.insert(task.id, Resized { plan, ..was });
            task.memory_mib = next_mem;
            task.duration = plan.run;
        }
        if !self.fits_allowed_type(&task) {
            self.resized.remove(&task.id);
            self.books.tally.failed += 1;
            self.books.tally.stayed(task.submit, now);
            return;
        }
        self.enqueue(task, r.attempt + 1);
        self.place_waiting(queue);
        if !self.waiting.is_empty() {
            self.ensure_tick(queue);
            self.karpenter_pending(queue);
        }
    }

    /// Consolidation removes a node: each pod on it is evicted (an
    /// interruption: its run so far is lost work) and starts again on the
    /// node the command's simulation chose for it (`moves`; `replacement`
    /// is the command's new node), or, where that node no longer has the
    /// room (pods placed there while a replacement launched), waits like
    /// any pod; then the node is terminated.
    fn evict_and_remove(
        &mut self,
        node: u32,
        moves: &[Move],
        replacement: Option<u32>,
        queue: &mut impl Schedule<Event>,
    ) {
        if self.instances[node as usize].state == State::Terminated {
            return;
        }
        let now = queue.now();
        let slots = self.instances[node as usize].tasks.clone();
        self.evicting = true;
        for slot in slots {
            let r = self.end_task(slot, now, Outcome::Interrupted);
            self.books.tally.interrupted += 1;
            self.books.tally.wasted_task_us += now.saturating_sub(r.running.min(now)) as u128;
            if let Some(rt) = self.books.tally.replica(r.task.id) {
                rt.interrupted += 1;
            }
            self.stats.pods_moved += 1;
            if let Some(b) = self.pdb_of(&r.task) {
                self.pdb_waiting.insert(r.task.id, b);
            }
            let target = moves
                .iter()
                .find(|m| m.pod == r.task.id)
                .and_then(|m| match m.to {
                    Target::Node(n) => Some(n),
                    Target::Replacement => replacement,
                });
            match target.filter(|&t| self.place_moved(&r.task, t)) {
                Some(t) => self.start(r.task, r.attempt + 1, t, false, queue),
                None => self.enqueue(r.task, r.attempt + 1),
            }
        }
        self.evicting = false;
        self.stats.nodes_consolidated += 1;
        self.terminate(node, now);
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
            tasks_waiting: self.waiting.len() as u64 + self.service_launch.held(),
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
        // Tasks still held by their service's launch rate wait like the rest.
        for (task, attempt) in self.service_launch.drain() {
            self.enqueue(task, attempt);
        }
        for slot in 0..self.running.len() as u32 {
            if self.running[slot as usize].is_some() {
                let r = self.end_task(slot, end, Outcome::RunningAtEnd);
                self.books.tally.running_at_end += 1;
                if let Some(rt) = self.books.tally.replica(r.task.id) {
                    rt.running_at_end += 1;
                }
                self.books.tally.stayed(r.task.submit, end);
            }
        }
        self.books.tally.waiting_at_end += self.waiting.len() as u64;
        // Every waiting task in submit order, read back from disk as it
        // comes (issue 24); the records in the order the ordered map by id
        // gave them.
        let books = &mut self.books;
        self.waiting.drain_in_order(|w| {
            if w.task.id >= crate::service::replicas::REPLICA_ID_BASE {
                books.tally.replicas.waiting_at_end += 1;
            }
            books.tally.stayed(w.task.submit, end);
            if let Some(sink) = books.sink.as_mut() {
                let size = (w.task.cpu_milli, w.task.memory_mib);
                sink.record(&TaskRecord::not_launched(
                    &w.task,
                    w.attempt,
                    size,
                    Outcome::WaitingAtEnd,
                ));
            }
        });
        self.spill_failure();
        self.heads.clear();
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
                let type_idx = inst.type_idx;
                self.instances[id as usize].state = State::Terminated;
                count_nominal(
                    &mut self.nominal_alive,
                    self.node_types.nominal[type_idx],
                    false,
                );
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
        Detail::Cluster(Box::new(self.stats.clone()))
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
        self.ensure_poll(queue);
        let task = self.rightsize(task);
        if !self.fits_allowed_type(&task) {
            self.resized.remove(&task.id);
            self.refuse(task);
            return;
        }
        self.submit(task, 0, queue);
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
                // A consolidation replacement is ready: the nodes it
                // replaces are drained and removed, their pods evicted.
                if let Some(pos) = self.replacing.iter().position(|(r, _, _)| *r == id) {
                    let (_, old, moves) = self.replacing.swap_remove(pos);
                    let until = now.saturating_add(self.nomination_window);
                    for m in &moves {
                        if let Target::Node(n) = m.to {
                            let inst = &mut self.instances[n as usize];
                            inst.nominated_until = inst.nominated_until.max(until);
                        }
                    }
                    for node in old {
                        self.evict_and_remove(node, &moves, Some(id), queue);
                    }
                }
                self.place_waiting(queue);
                self.ensure_poll(queue);
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
                let id = self.running[slot as usize].as_ref().map(|r| r.task.id);
                let plan = id.and_then(|id| self.resized.get(&id)).map(|e| e.plan);
                if plan.is_some_and(|p| p.oom) {
                    self.out_of_memory(slot, now, queue);
                    return;
                }
                if let Some(p) = plan {
                    if let Some(id) = id {
                        self.resized.remove(&id);
                    }
                    if p.extra > 0 {
                        let group = self.running[slot as usize]
                            .as_ref()
                            .and_then(|r| r.task.group.clone());
                        let rs = &mut self.books.tally.rightsizing;
                        rs.slowed += 1;
                        rs.slowed_extra_us += p.extra as u128;
                        let g = rs.group(group.as_ref());
                        g.slowed += 1;
                        g.slowed_extra_us += p.extra as u128;
                    }
                }
                let r = self.end_task(slot, now, Outcome::Completed);
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
                    let r = self.end_task(slot, now, Outcome::Interrupted);
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
            Event::AsgLaunch => self.asg_launch(queue),
            Event::ServiceLaunch => {
                let (released, next) = self.service_launch.woken(now);
                for (task, attempt) in released {
                    self.enqueue(task, attempt);
                }
                if let Some(at) = next {
                    queue.schedule_at(at, Event::ServiceLaunch);
                }
                self.place_waiting(queue);
                if !self.waiting.is_empty() {
                    self.ensure_tick(queue);
                    self.karpenter_pending(queue);
                }
            }
            Event::KarpenterBatch => self.karpenter_batch(queue),
            Event::DisruptionPoll => {
                self.poll_scheduled = false;
                self.disruption_poll(queue);
            }
            Event::DisruptionExecute => self.disruption_execute(queue),
        }
        self.track_pinned(now);
    }

    fn busy(&self) -> bool {
        self.service_launch.held() > 0
            || (!self.waiting.is_empty()
                && (self.books.tally.in_flight > 0
                    || self.launching > 0
                    || !self.asg_pending.is_empty()
                    || (!matches!(self.spec.autoscaler, Autoscaler::None) && !self.at_max())))
    }
}

impl ReplicaHost for Ec2Model {
    fn stop_replica(&mut self, task_id: u64, queue: &mut impl Schedule<Event>) -> bool {
        let Some(slot) = self.replicas.slot(task_id) else {
            return false;
        };
        let now = queue.now();
        let r = self.end_task(slot, now, Outcome::Completed);
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
            if self.fits_allowed_type(&task) {
                fit.push(task);
            } else {
                self.refuse(task);
            }
        }
        let left = self.place_running(fit, queue);
        let left = if left.is_empty() {
            left
        } else {
            for (type_idx, zones) in self.instances_for(&left) {
                self.add_running_instance(type_idx, zones.as_deref(), queue);
            }
            self.place_running(left, queue)
        };
        for task in left {
            self.enqueue(task, 0);
        }
        self.ensure_tick(queue);
        self.ensure_poll(queue);
        self.place_waiting(queue);
        if !self.waiting.is_empty() {
            self.karpenter_pending(queue);
        }
    }

    /// ECS's scale-in rule for the first placement strategy (ECS developer
    /// guide, task placement strategies): binpack stops the task on the
    /// instance with the most of the packed resource left (then the other
    /// resource), so instances empty and the autoscaler can remove them;
    /// spread stops one on the instance running the most tasks, keeping
    /// the balance; first_fit (the model's own) undoes its order, from the
    /// newest instance. Replicas already leaving count as gone. Ties go to
    /// the newest instance, then the newest replica. A replica on an
    /// instance that takes no tasks (draining) goes first. ECS documents no
    /// rule for random: the host picks.
    fn replica_to_stop(&self, candidates: &[u64], leaving: &[u64]) -> Option<u64> {
        use super::placement::{Resource, Strategy};
        let strategy = *self.spec.placement.first()?;
        if strategy == Strategy::Random {
            return None;
        }
        let running = |task_id: u64| {
            let slot = self.replicas.slot(task_id)?;
            self.running[slot as usize].as_ref()
        };
        // What the leaving replicas hold, per instance: (cpu, memory, tasks).
        let mut gone: BTreeMap<u32, (u32, u32, u32)> = BTreeMap::new();
        for r in leaving.iter().filter_map(|&id| running(id)) {
            let g = gone.entry(r.instance).or_default();
            g.0 += r.task.cpu_milli;
            g.1 += r.task.memory_mib;
            g.2 += 1;
        }
        candidates
            .iter()
            .filter_map(|&task_id| {
                let instance = running(task_id)?.instance;
                let slot = self.placer.slot(instance);
                let (cpu, mem, tasks) = gone.get(&instance).copied().unwrap_or_default();
                let (free_cpu, free_mem) = (slot.free_cpu + cpu, slot.free_mem + mem);
                let (first, second) = match strategy {
                    Strategy::Binpack(Resource::Memory) => (free_mem, free_cpu),
                    Strategy::Binpack(Resource::Cpu) => (free_cpu, free_mem),
                    // Spread over zones keeps balance too: the model balances the
                    // instances inside them (docs/model.md).
                    Strategy::Spread | Strategy::SpreadZone => {
                        (slot.tasks.saturating_sub(tasks), 0)
                    }
                    Strategy::FirstFit | Strategy::Random => (0, 0),
                };
                Some(((!slot.open, first, second, instance, task_id), task_id))
            })
            .max()
            .map(|(_, task_id)| task_id)
    }

    fn take_replica_news(&mut self, into: &mut Vec<ReplicaNews>) {
        into.append(&mut self.replicas.news);
    }

    fn finish_at(&mut self, end: SimTime) {
        Ec2Model::finish(self, end)
    }
}
