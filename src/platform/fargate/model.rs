//! The Fargate model: each task gets its own right-sized capacity, launched
//! through the account's launch rate (`launch.rs`), after provisioning and
//! an image pull, billed per task from the start of its image pull to its
//! stop (`billing.rs`), on demand or as Spot with interruptions, or spread
//! over both by an ECS capacity provider strategy (`strategy.rs`).

use super::billing::FargateBilling;
use super::launch::TokenBucket;
use super::meters::{Meter, Meters, provider_index};
use super::queue::{Queue, Waiting};
use super::sizing::{FargateSize, FitMemo, SizeMiss, fit};
use super::spec::{FargateSpec, OnInterruption, Sizing};
use super::stats::{FargateStats, ProviderStats};
use super::strategy::Provider;
use crate::engine::Schedule;
use crate::platform::backlog::Capped;
use crate::platform::books::{Books, Failure, Outcome, RecordSink, TaskRecord};
use crate::platform::model::{Detail, Platform};
use crate::platform::rightsize::{AfterOom, Attempt};
use crate::platform::series::Gauges;
use crate::platform::service_launch::{Offer, ServiceLaunch};
use crate::pricing::catalog::FargateCatalog;
use crate::pricing::{Catalog, ExactCost, Money};
use crate::service::replicas::{ReplicaHost, ReplicaNews, ReplicaWatch};
use crate::time::{HOUR, SimTime};
use crate::workload::Task;
use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// The model's events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The task in this slot stops (done or interrupted), unless the slot
    /// has moved on to another generation (a replica stopped by its service).
    Stop { slot: u32, generation: u32 },
    /// A service's launch rate has a token again for a held replica (ECS).
    ServiceLaunch,
}

/// A launched task.
struct InFlight {
    task: Task,
    size: FargateSize,
    storage_extra_gib: u32,
    attempt: u32,
    provider: Provider,
    launch: SimTime,
    billing_start: SimTime,
    running: SimTime,
    interrupted: bool,
    plan: Attempt,
}

impl InFlight {
    /// The task's next attempt, at `size` doing `plan`, after this one
    /// was interrupted or killed.
    fn next_attempt(self, size: FargateSize, plan: Attempt) -> Waiting {
        Waiting {
            task: self.task,
            size,
            storage_extra_gib: self.storage_extra_gib,
            attempt: self.attempt + 1,
            plan,
        }
    }
}

/// Fargate (and later its peers) as an engine [`Model`].
pub struct FargateModel {
    spec: FargateSpec,
    /// Rules and rates by provider (`FARGATE`, `FARGATE_SPOT`); a provider
    /// the strategy does not use holds a copy of the other's.
    billing: [FargateBilling; 2],
    grid: FargateCatalog,
    horizon: Option<SimTime>,
    /// Launch token buckets by provider: the ECS throttling quotas give
    /// on-demand and Spot tasks a bucket each.
    buckets: [TokenBucket; 2],
    /// When each provider's bucket has a token again for the head of its
    /// queue, with the key an event then would have had: kept beside the
    /// queue, not in it ([`Platform::next_own`]: a backlog drained at the
    /// refill rate was a wake-up event a task, issue 24).
    token_at: [Option<(SimTime, u64)>; 2],
    /// Tasks waiting for a launch token, by provider (on disk past two
    /// chunks: `platform/spill.rs`).
    queues: [Queue; 2],
    /// Tasks each provider holds (waiting to launch, starting or running),
    /// which the strategy balances.
    held: [u64; 2],
    stats: [ProviderStats; 2],
    slots: Vec<Option<InFlight>>,
    /// What the time series reads of each slot's task (nothing when the
    /// run records no time series).
    meters: Meters,
    /// The size `fit` gave each recent request (the first attempt's).
    fit_memo: FitMemo,
    generations: Vec<u32>,
    free: Vec<u32>,
    replicas: ReplicaWatch,
    /// Service replicas held by their service's launch rate (ECS), or every
    /// pod held by EKS's binding rate, before the account's launch bucket.
    service_launch: ServiceLaunch<Waiting>,
    startup_rng: Pcg64Mcg,
    spot_rng: Pcg64Mcg,
    /// Interruptions per microsecond of task time.
    interruption_rate_per_us: f64,
    books: Books,
}

impl FargateModel {
    /// Tasks waiting to launch: both providers' queues and the replicas
    /// their service's launch rate holds.
    fn waiting(&self) -> u64 {
        self.queues.iter().map(|q| q.len() as u64).sum::<u64>() + self.service_launch.held()
    }

    /// Stops the run if queue `i` could not use its spill file.
    fn spill_failure(&mut self, i: usize) {
        if let Some((path, source)) = self.queues[i].take_error()
            && self.books.failure.is_none()
        {
            self.books.failure = Some(Failure::Spill { path, source });
        }
    }

    /// A model for `spec`, with its random streams derived from `seed`.
    pub fn new(
        spec: &FargateSpec,
        catalog: &Catalog,
        seed: u64,
        horizon: Option<SimTime>,
        sink: Option<Box<dyn RecordSink>>,
    ) -> Result<FargateModel, String> {
        let used = |p: Provider| spec.strategy.uses(p);
        let first = if used(Provider::OnDemand) {
            Provider::OnDemand
        } else {
            Provider::Spot
        };
        let primary = FargateBilling::for_spec(catalog, spec, first.capacity())?;
        let second = if used(Provider::Spot) && first == Provider::OnDemand {
            FargateBilling::for_spec(catalog, spec, Provider::Spot.capacity())?
        } else {
            primary.clone()
        };
        let billing = match first {
            Provider::OnDemand => [primary, second],
            Provider::Spot => [second, primary],
        };
        let base = format!("platform:{}", spec.name);
        let rate = if used(Provider::Spot) {
            spec.interruptions_per_hour / HOUR as f64
        } else {
            0.0
        };
        let bucket = || TokenBucket::new(spec.launch_burst, spec.launch_refill_per_s);
        Ok(FargateModel {
            buckets: [bucket(), bucket()],
            token_at: [None; 2],
            queues: [Queue::empty(), Queue::empty()],
            held: [0; 2],
            stats: Default::default(),
            slots: Vec::new(),
            meters: Meters::default(),
            fit_memo: FitMemo::default(),
            generations: Vec::new(),
            free: Vec::new(),
            replicas: ReplicaWatch::default(),
            service_launch: if spec.pod_binding_per_s > 0.0 {
                ServiceLaunch::whole_platform("eks-fargate-scheduler", 1, spec.pod_binding_per_s)
            } else {
                ServiceLaunch::new(spec.service_launch_per_minute)
            },
            startup_rng: crate::engine::rng::stream(seed, &format!("{base}/startup")),
            spot_rng: crate::engine::rng::stream(seed, &format!("{base}/spot")),
            interruption_rate_per_us: rate,
            books: Books::new(sink),
            spec: spec.clone(),
            billing,
            grid: catalog.fargate.clone(),
            horizon,
        })
    }

    /// The bill of usage in milli-vCPU·µs, MiB·µs and extra GiB·µs on
    /// provider `p`.
    fn usage_cost(
        &self,
        p: Provider,
        cpu: u128,
        memory: u128,
        storage: u128,
        control_plane: Money,
    ) -> ExactCost {
        let b = &self.billing[p.index()];
        ExactCost {
            vcpu: b.vcpu.cost(cpu, 1000),
            memory: b.memory_gib.cost(memory, 1024),
            storage: b.storage_gib.cost(storage, 1),
            os_license: b.os_license_vcpu.cost(cpu, 1000),
            control_plane,
            ..ExactCost::default()
        }
    }

    /// Counts and records a task that can never run here.
    fn reject(&mut self, task: &Task, reason: &str) {
        self.books.tally.unschedulable_task(task.id, reason);
        if let Some(sink) = self.books.sink.as_mut() {
            sink.record(&TaskRecord::not_launched(
                task,
                0,
                (0, 0),
                Outcome::Unschedulable,
            ));
        }
    }

    /// Launches a task now on `provider`. `warm`: it was running before the
    /// run began (a replica of a service that starts in steady state): no
    /// provisioning or image pull, billed from now, no start-up to record.
    fn launch(
        &mut self,
        w: Waiting,
        provider: Provider,
        now: SimTime,
        warm: bool,
        queue: &mut impl Schedule<Event>,
    ) {
        let (provisioning, pull) = if warm {
            (0, 0)
        } else {
            (
                self.spec.provisioning.sample(&mut self.startup_rng),
                self.spec.image_pull.sample(&mut self.startup_rng),
            )
        };
        let billing_start = now.saturating_add(provisioning);
        let running = billing_start.saturating_add(pull);
        let natural_stop = running.saturating_add(w.plan.run);
        let mut stop = natural_stop;
        let mut interrupted = false;
        if provider == Provider::Spot && self.interruption_rate_per_us > 0.0 {
            let u: f64 = self.spot_rng.random();
            let notice_after = -(1.0 - u).ln() / self.interruption_rate_per_us;
            let forced = now as f64 + notice_after + self.spec.interruption_notice as f64;
            if forced < natural_stop as f64 {
                stop = forced as SimTime;
                interrupted = true;
            }
        }
        let task_id = w.task.id;
        let replica = ReplicaWatch::is_replica(task_id);
        if w.attempt == 0 && !warm && !replica {
            let started_in_time = self.horizon.is_none_or(|h| running <= h);
            if started_in_time {
                // The time to start, running - submit, is their sum.
                self.books
                    .tally
                    .starts
                    .record(now - w.task.submit, running - now);
            }
        }
        self.stats[provider.index()].launches += 1;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.generations.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        // The meters serve the time series alone: a run without one (a
        // sweep's or a batch's point) keeps none (issue 24: a sixth of the
        // 1 M-task replay's simulation thread). The meter is read from the
        // attempt before it moves into its slot, and handed over at once:
        // read back from the slot, or kept in memory across that copy, it
        // was read in wide words that waited for the narrow writes just
        // made (stores are not forwarded to a load that spans several).
        if self.books.series.is_some() {
            let meter = meter(
                (billing_start, running),
                w.size,
                &w.task,
                w.storage_extra_gib,
                provider,
                replica,
            );
            self.meters.launched(slot, meter, now);
        }
        // Written in place: the slot is empty (a free slot's record was
        // taken at its stop), so its old value is dropped first, and then
        // nothing stands between the record and its slot. Built on the
        // stack and copied (a `memcpy` call of 160 bytes, whose wide loads
        // waited for the narrow stores just made) it was 6 % of the
        // simulation thread at 5/s (issue 24).
        let cell = &mut self.slots[slot as usize];
        debug_assert!(cell.is_none(), "a free slot is empty");
        *cell = None;
        *cell = Some(InFlight {
            task: w.task,
            size: w.size,
            storage_extra_gib: w.storage_extra_gib,
            attempt: w.attempt,
            provider,
            launch: now,
            billing_start,
            running,
            interrupted,
            plan: w.plan,
        });
        self.books.tally.in_flight += 1;
        if replica {
            self.replicas.started(task_id, slot, running);
        }
        // A replica runs until its service stops it: no stop event unless
        // it is interrupted.
        if stop != SimTime::MAX {
            let generation = self.generations[slot as usize];
            queue.schedule_at(stop, Event::Stop { slot, generation });
        }
    }

    /// Takes the task `f`, stopped at `now`, out of the meters.
    #[inline]
    fn meter_stopped(&mut self, slot: u32, f: &InFlight, now: SimTime) {
        if self.books.series.is_some() {
            self.meters.stopped(slot, &meter_of(f), f.launch, now);
        }
    }

    /// Launches provider `p`'s queued tasks while its tokens last;
    /// arranges a wake-up otherwise.
    fn drain_queue(&mut self, p: Provider, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let i = p.index();
        // The queue waits for a token due after now (its wake-up is
        // arranged): none can be taken before it (issue 24: skipping the
        // bucket's refill, which is additive, changes nothing).
        if matches!(self.token_at[i], Some((at, _)) if at > now) {
            return;
        }
        while !self.queues[i].is_empty() {
            if !self.buckets[i].try_take(now) {
                if self.token_at[i].is_none() {
                    self.token_at[i] = Some(queue.ticket(self.buckets[i].next_token_at()));
                }
                return;
            }
            match self.queues[i].pop_front() {
                Some(w) => self.launch(w, p, now, false, queue),
                None => {
                    self.spill_failure(i);
                    return;
                }
            }
        }
    }

    /// The provider the strategy gives a task now, which then holds it.
    fn assign(&mut self) -> Provider {
        let p = self.spec.strategy.pick(self.held);
        self.held[p.index()] += 1;
        p
    }

    /// Queues a task on the provider the strategy picks, and launches what
    /// tokens allow.
    fn enqueue(&mut self, w: Waiting, queue: &mut impl Schedule<Event>) {
        let p = self.assign();
        let i = p.index();
        // Nothing ahead of it and a token to spare: it launches now, as
        // `drain_queue` would launch it after the push, without the move
        // into the queue and out again (issue 24).
        if self.queues[i].is_empty() && self.buckets[i].try_take(queue.now()) {
            self.launch(w, p, queue.now(), false, queue);
            return;
        }
        self.queues[i].push_back(w);
        self.spill_failure(i);
        self.drain_queue(p, queue);
    }

    /// Adds a stopped (or cut) task's billed usage; returns the billed span
    /// and its cost.
    fn bill(&mut self, f: &InFlight, end: SimTime, apply_minimum: bool) -> (SimTime, Money) {
        let span = end.saturating_sub(f.billing_start);
        if end <= f.billing_start {
            return (0, Money::ZERO);
        }
        let rules = &self.billing[f.provider.index()];
        let billed = if apply_minimum {
            rules.billed_span(span)
        } else {
            span.div_ceil(rules.granularity) * rules.granularity
        };
        self.books.tally.add_usage(
            f.size.cpu_milli,
            f.size.memory_mib,
            f.storage_extra_gib,
            billed,
        );
        let b = billed as u128;
        let (cpu, memory, storage) = (
            f.size.cpu_milli as u128 * b,
            f.size.memory_mib as u128 * b,
            f.storage_extra_gib as u128 * b,
        );
        let st = &mut self.stats[f.provider.index()];
        st.cpu_milli_us += cpu;
        st.memory_mib_us += memory;
        st.storage_gib_us += storage;
        st.billed_task_us += b;
        // A task's own cost goes only to its record, its group's cost and
        // its service's replica books; pricing it (four exact divisions)
        // when none of them wants it was 6 % of a 1 M-task run (issue 24).
        let wanted = self.books.sink.is_some()
            || self.books.tally.group_costs.is_some()
            || ReplicaWatch::is_replica(f.task.id);
        if !wanted {
            return (billed, Money::ZERO);
        }
        let cost = self.usage_cost(f.provider, cpu, memory, storage, Money::ZERO);
        (billed, cost.total())
    }

    /// Sizes a submitted task, or refuses it (counted and recorded).
    fn admit(&mut self, task: Task) -> Option<Waiting> {
        let found = match self.fit_memo.get(task.cpu_milli, task.memory_mib) {
            Some(size) => Ok(size),
            None => fit(
                &self.grid,
                self.spec.os,
                self.spec.launch_type,
                self.spec.sizing,
                task.cpu_milli,
                task.memory_mib,
            )
            .inspect(|&s| self.fit_memo.put(task.cpu_milli, task.memory_mib, s)),
        };
        let size = match found {
            Ok(s) => s,
            Err(SizeMiss::TooLarge(why)) => {
                // `exact` promises to stop on any request that is not a
                // Fargate size; one larger than every size is not one.
                if self.spec.sizing == Sizing::Exact && self.books.failure.is_none() {
                    self.books.failure = Some(Failure::BadInput(format!(
                        "platform `{}` has sizing = \"exact\", and task {} asks for {} vCPU / {} MiB, which is not a Fargate size: {why}. Make the task smaller or run it on EC2",
                        self.spec.name,
                        task_name(&task),
                        crate::units::format_vcpu(task.cpu_milli),
                        task.memory_mib,
                    )));
                }
                self.reject(&task, &why);
                return None;
            }
            Err(SizeMiss::NotExact { nearest }) => {
                if self.books.failure.is_none() {
                    let near: Vec<String> = nearest.iter().map(|s| s.to_string()).collect();
                    self.books.failure = Some(Failure::BadInput(format!(
                        "platform `{}` has sizing = \"exact\", and task {} asks for {} vCPU / {} MiB, which is not a Fargate size; nearest valid sizes: {}. Use sizing = \"round_up\" or change the task size",
                        self.spec.name,
                        task_name(&task),
                        crate::units::format_vcpu(task.cpu_milli),
                        task.memory_mib,
                        near.join(", ")
                    )));
                }
                self.reject(&task, "not an exact Fargate size");
                return None;
            }
        };
        let rules = &self.billing[0];
        let (free, max, configurable) = (
            rules.free_storage_gib,
            rules.max_storage_gib,
            rules.storage_configurable,
        );
        let storage = task.storage_gib.max(free);
        if storage > free && !configurable {
            self.reject(&task, &format!("more than {free} GiB storage on Windows"));
            return None;
        }
        if storage > max {
            self.reject(&task, &format!("storage above {max} GiB"));
            return None;
        }
        let (size, plan) = self.rightsize(&task, size);
        Some(Waiting {
            task,
            size,
            storage_extra_gib: storage - free,
            attempt: 0,
            plan,
        })
    }

    /// The size the `rightsizing` policy gives a task whose request fits
    /// `requested`, and what the task does there. Service replicas, tasks
    /// without usage and targets off the grid keep the requested size.
    fn rightsize(&mut self, task: &Task, requested: FargateSize) -> (FargateSize, Attempt) {
        let as_is = Attempt {
            run: task.duration,
            oom: false,
            extra: 0,
        };
        let r = &self.spec.rightsizing;
        if r.is_requested() || ReplicaWatch::is_replica(task.id) {
            return (requested, as_is);
        }
        let size = r.target(task).and_then(|(cpu, memory)| {
            fit(
                &self.grid,
                self.spec.os,
                self.spec.launch_type,
                super::spec::Sizing::RoundUp,
                cpu,
                memory,
            )
            .ok()
        });
        let tally = &mut self.books.tally.rightsizing;
        match size {
            Some(size) if size != requested => {
                tally.resized += 1;
                let g = tally.group(task.group.as_ref());
                g.tasks += 1;
                g.resized += 1;
                let plan = self.spec.rightsizing.attempt(
                    task,
                    size.cpu_milli,
                    self.container_memory(size),
                );
                (size, plan)
            }
            _ => {
                tally.kept += 1;
                tally.group(task.group.as_ref()).tasks += 1;
                (requested, as_is)
            }
        }
    }

    /// Memory a task's containers may use in a size (an EKS pod's size
    /// holds the Kubernetes components' 256 MiB too).
    fn container_memory(&self, size: FargateSize) -> u32 {
        match self.spec.launch_type {
            super::spec::LaunchType::Ecs => size.memory_mib,
            super::spec::LaunchType::Eks => size
                .memory_mib
                .saturating_sub(self.grid.eks_pod_overhead_mib),
        }
    }

    /// The size and plan of the attempt after an out-of-memory kill at
    /// `killed`: the original request's size, or the next larger one
    /// (killed again while the peak does not fit); None when the original
    /// request is not a Fargate size.
    fn after_kill(&self, task: &Task, killed: FargateSize) -> Option<(FargateSize, Attempt)> {
        let fit_of = |cpu: u32, memory: u32| {
            fit(
                &self.grid,
                self.spec.os,
                self.spec.launch_type,
                super::spec::Sizing::RoundUp,
                cpu,
                memory,
            )
            .ok()
        };
        let original = fit_of(task.cpu_milli, task.memory_mib)?;
        let as_is = Attempt {
            run: task.duration,
            oom: false,
            extra: 0,
        };
        if self.spec.rightsizing.after_oom == AfterOom::Original {
            return Some((original, as_is));
        }
        let next = fit_of(
            killed.cpu_milli,
            self.container_memory(killed).saturating_add(1),
        )?;
        if next.memory_mib >= original.memory_mib && next.cpu_milli >= original.cpu_milli {
            return Some((original, as_is));
        }
        let plan = self
            .spec
            .rightsizing
            .attempt(task, next.cpu_milli, self.container_memory(next));
        Some((next, plan))
    }

    /// The task in `slot` stops at `queue.now()`: it is billed, counted
    /// and recorded where it lies, and its slot is freed. An interrupted or
    /// killed attempt, which may run again, is moved out of its slot once
    /// billed, and counted and recorded from there.
    ///
    /// The slots are lent out of the model meanwhile, so that the task is
    /// read in place while the model's books are written: moving it out of
    /// its slot copied 160 bytes a task, 4 % of the simulation thread's time
    /// on the peers' 20/s replay (issue 24).
    fn stop(&mut self, slot: u32, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        let mut slots = std::mem::take(&mut self.slots);
        let f = slots[slot as usize]
            .as_ref()
            .expect("a stop event has its task");
        let billed = self.release(slot, f, now);
        if f.interrupted || f.plan.oom {
            let f = slots[slot as usize].take().expect("read above");
            self.give_back_slots(slots);
            if f.interrupted {
                self.interrupted(f, now, billed, queue);
            } else {
                self.out_of_memory(f, now, billed, queue);
            }
            return;
        }
        self.stats[f.provider.index()].completed += 1;
        self.books.tally.completed += 1;
        if let Some(r) = self.books.tally.replica(f.task.id) {
            r.completed += 1;
        }
        self.books.tally.stayed(f.task.submit, now);
        self.books.tally.run_task_us += f.plan.run as u128;
        if f.plan.extra > 0 {
            let rs = &mut self.books.tally.rightsizing;
            rs.slowed += 1;
            rs.slowed_extra_us += f.plan.extra as u128;
            let g = rs.group(f.task.group.as_ref());
            g.slowed += 1;
            g.slowed_extra_us += f.plan.extra as u128;
        }
        self.emit(f, now, billed, Outcome::Completed);
        slots[slot as usize] = None;
        self.give_back_slots(slots);
    }

    /// Frees `slot`, whose task `f` stops at `now`: the meters, the
    /// provider's hold and the count in flight let it go, and it is billed
    /// (its billed span and cost returned). Always inlined: out of line it
    /// cost the stop of every task a call (29 instructions, issue 24).
    #[inline(always)]
    fn release(&mut self, slot: u32, f: &InFlight, now: SimTime) -> (SimTime, Money) {
        self.meter_stopped(slot, f, now);
        self.generations[slot as usize] += 1;
        self.free.push(slot);
        self.books.tally.in_flight -= 1;
        self.held[f.provider.index()] -= 1;
        self.bill(f, now, true)
    }

    /// Puts the slots [`FargateModel::stop`] lent out back in place. What
    /// stood there meanwhile is the empty vector `take` left, which owns no
    /// memory: it is forgotten, not dropped (the compiler cannot see it is
    /// still empty, and its drop was a call a task: issue 24).
    #[inline]
    fn give_back_slots(&mut self, slots: Vec<Option<InFlight>>) {
        let stand_in = std::mem::replace(&mut self.slots, slots);
        // Checked in every build (the tests run in release): anything put
        // in the stand-in would be lost.
        assert_eq!(
            stand_in.capacity(),
            0,
            "nothing is put in the slots lent out"
        );
        std::mem::forget(stand_in);
    }

    /// A Spot task interrupted at `now`: its lost work is counted, and it
    /// is queued again or counted failed, as `on_interruption` says.
    fn interrupted(
        &mut self,
        f: InFlight,
        now: SimTime,
        billed: (SimTime, Money),
        queue: &mut impl Schedule<Event>,
    ) {
        let wasted = now.saturating_sub(f.running.min(now)) as u128;
        let st = &mut self.stats[f.provider.index()];
        st.interrupted += 1;
        st.wasted_us += wasted;
        self.books.tally.interrupted += 1;
        if let Some(r) = self.books.tally.replica(f.task.id) {
            r.interrupted += 1;
            r.failed += u64::from(self.spec.on_interruption == OnInterruption::Fail);
        }
        self.books.tally.wasted_task_us += wasted;
        self.books.tally.add_wasted_attempt(
            f.task.group.as_ref(),
            billed.0 as u128,
            billed.1,
            wasted,
        );
        self.emit(&f, now, billed, Outcome::Interrupted);
        if ReplicaWatch::is_replica(f.task.id) {
            let retrying = self.spec.on_interruption == OnInterruption::Retry;
            self.replicas.ended(f.task.id, billed.1, retrying);
        }
        match self.spec.on_interruption {
            // ECS starts the replacement by the strategy again
            // ("Fargate doesn't replace Spot capacity with
            // on-demand capacity", [AWS] fargate-capacity-providers).
            OnInterruption::Retry => {
                let (size, plan) = (f.size, f.plan);
                self.enqueue(f.next_attempt(size, plan), queue);
            }
            OnInterruption::Fail => {
                self.books.tally.failed += 1;
                self.books.tally.stayed(f.task.submit, now);
            }
        }
    }

    /// A task killed for memory: its run is lost (billed all the same) and
    /// it is launched again at the size `after_oom` gives.
    fn out_of_memory(
        &mut self,
        f: InFlight,
        now: SimTime,
        billed: (SimTime, Money),
        queue: &mut impl Schedule<Event>,
    ) {
        let lost = now.saturating_sub(f.running.min(now));
        let first = !self.killed_before(&f);
        let rs = &mut self.books.tally.rightsizing;
        rs.oom_killed += 1;
        rs.oom_lost_us += lost as u128;
        rs.tasks_killed += u64::from(first);
        let g = rs.group(f.task.group.as_ref());
        g.tasks_killed += u64::from(first);
        g.oom_lost_us += lost as u128;
        self.emit(&f, now, billed, Outcome::OomKilled);
        match self.after_kill(&f.task, f.size) {
            Some((size, plan)) => self.enqueue(f.next_attempt(size, plan), queue),
            None => {
                self.books.tally.failed += 1;
                self.books.tally.stayed(f.task.submit, now);
            }
        }
    }

    /// Whether an attempt after the first was already killed for memory
    /// before (a retry after a kill is below the original size only with
    /// `after_oom = "next"`, or after a Spot interruption of the first).
    fn killed_before(&self, f: &InFlight) -> bool {
        let original = fit(
            &self.grid,
            self.spec.os,
            self.spec.launch_type,
            super::spec::Sizing::RoundUp,
            f.task.cpu_milli,
            f.task.memory_mib,
        );
        // A retry at a size other than the policy's first choice follows a kill.
        let first = self.spec.rightsizing.target(&f.task).and_then(|(c, m)| {
            fit(
                &self.grid,
                self.spec.os,
                self.spec.launch_type,
                super::spec::Sizing::RoundUp,
                c,
                m,
            )
            .ok()
        });
        original.ok() != Some(f.size) && first != Some(f.size)
    }

    /// Adds a task's cost to its group and writes its record, when the run
    /// keeps either (checked inline: the call was 25 instructions a task
    /// for neither, issue 24).
    #[inline]
    fn emit(&mut self, f: &InFlight, end: SimTime, billed: (SimTime, Money), outcome: Outcome) {
        if self.books.sink.is_some() || self.books.tally.group_costs.is_some() {
            self.emit_kept(f, end, billed, outcome);
        }
    }

    #[inline(never)]
    fn emit_kept(
        &mut self,
        f: &InFlight,
        end: SimTime,
        (billed, cost): (SimTime, Money),
        outcome: Outcome,
    ) {
        self.books.tally.add_group_cost(f.task.group.as_ref(), cost);
        if let Some(sink) = self.books.sink.as_mut() {
            sink.record(&TaskRecord {
                task_id: f.task.id,
                attempt: f.attempt,
                submit: f.task.submit,
                launch: Some(f.launch),
                instance: None,
                running: (f.running <= end).then_some(f.running),
                end: Some(end),
                cpu_milli_requested: f.task.cpu_milli,
                memory_mib_requested: f.task.memory_mib,
                cpu_milli_billed: f.size.cpu_milli,
                memory_mib_billed: f.size.memory_mib,
                billed_span: billed,
                run_span: end.saturating_sub(f.running.min(end)),
                cost: Some(cost),
                outcome,
            });
        }
    }
}

impl Platform for FargateModel {
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
        self.row(at).0
    }

    /// What has been spent by `at`: finished bills plus the usage accrued by
    /// launched tasks past their billing start.
    fn cost_to(&self, at: SimTime) -> Money {
        self.row(at).1
    }

    /// Both from one pass over the meters.
    fn row(&self, at: SimTime) -> (Gauges, Money) {
        let (mut g, accrued) = self.meters.read(at);
        g.tasks_waiting = self.waiting();
        let mut usage = [[0u128; 3]; 2];
        for p in Provider::BOTH {
            let st = &self.stats[p.index()];
            let a = accrued[p.index()];
            usage[p.index()] = [
                st.cpu_milli_us + a[0],
                st.memory_mib_us + a[1],
                st.storage_gib_us + a[2],
            ];
        }
        let control = self.billing[0]
            .control_plane
            .map_or(Money::ZERO, |r| r.cost(at as u128, 1));
        let [o, s] = usage;
        let cost = self
            .usage_cost(Provider::OnDemand, o[0], o[1], o[2], control)
            .total()
            + self
                .usage_cost(Provider::Spot, s[0], s[1], s[2], Money::ZERO)
                .total();
        (g, cost)
    }

    /// Settles tasks still pending when the run stops at `end`: running tasks
    /// are billed for the time they ran (no minimum: they have not stopped).
    fn finish(&mut self, end: SimTime) {
        let slots = std::mem::take(&mut self.slots);
        self.meters.clear_all();
        for f in slots.into_iter().flatten() {
            let billed = self.bill(&f, end, false);
            if ReplicaWatch::is_replica(f.task.id) {
                self.replicas.ended(f.task.id, billed.1, false);
            }
            self.books.tally.running_at_end += 1;
            if let Some(r) = self.books.tally.replica(f.task.id) {
                r.running_at_end += 1;
            }
            self.books.tally.stayed(f.task.submit, end);
            self.books.tally.run_task_us += end.saturating_sub(f.running.min(end)) as u128;
            self.books.tally.in_flight -= 1;
            self.emit(&f, end, billed, Outcome::RunningAtEnd);
        }
        // Tasks wait here only for launch tokens (the account's or their
        // service's), and the rates never rise.
        let waiting = self.waiting();
        self.books
            .tally
            .backlog
            .close(end, waiting, Some(Capped::LaunchRate));
        self.books.tally.waiting_at_end += waiting;
        // One pass over the queues (on demand, then Spot), which may be
        // mostly on disk.
        for i in 0..2 {
            while let Some(w) = self.queues[i].pop_front() {
                if ReplicaWatch::is_replica(w.task.id) {
                    self.books.tally.replicas.waiting_at_end += 1;
                }
                self.books.tally.stayed(w.task.submit, end);
                if let Some(sink) = self.books.sink.as_mut() {
                    sink.record(&TaskRecord::not_launched(
                        &w.task,
                        w.attempt,
                        (w.size.cpu_milli, w.size.memory_mib),
                        Outcome::WaitingAtEnd,
                    ));
                }
            }
            self.spill_failure(i);
        }
        for w in self.service_launch.drain() {
            if ReplicaWatch::is_replica(w.task.id) {
                self.books.tally.replicas.waiting_at_end += 1;
            }
            self.books.tally.stayed(w.task.submit, end);
            if let Some(sink) = self.books.sink.as_mut() {
                sink.record(&TaskRecord::not_launched(
                    &w.task,
                    w.attempt,
                    (w.size.cpu_milli, w.size.memory_mib),
                    Outcome::WaitingAtEnd,
                ));
            }
        }
        if let Some(rate) = self.billing[0].control_plane {
            self.books.tally.control_plane = rate.cost(end as u128, 1);
        }
    }

    /// The exact bill of the billed quantities counted so far.
    /// Each provider's usage at its own rates, summed.
    fn cost(&self) -> ExactCost {
        let t = &self.books.tally;
        let mut cost = ExactCost {
            control_plane: t.control_plane,
            ..ExactCost::default()
        };
        for p in Provider::BOTH {
            let st = &self.stats[p.index()];
            let c = self.usage_cost(
                p,
                st.cpu_milli_us,
                st.memory_mib_us,
                st.storage_gib_us,
                Money::ZERO,
            );
            cost.vcpu += c.vcpu;
            cost.memory += c.memory;
            cost.storage += c.storage;
            cost.os_license += c.os_license;
            if let (Provider::Spot, Some([vcpu, memory, storage, license])) =
                (p, self.billing[p.index()].on_demand)
            {
                let on_demand = vcpu.cost(st.cpu_milli_us, 1000)
                    + memory.cost(st.memory_mib_us, 1024)
                    + storage.cost(st.storage_gib_us, 1)
                    + license.cost(st.cpu_milli_us, 1000);
                let paid = c.vcpu + c.memory + c.storage + c.os_license;
                cost.spot_savings = Money(on_demand.0.saturating_sub(paid.0));
            }
        }
        cost
    }

    /// Where the rates came from (both providers' under a mixed strategy).
    fn rates_source(&self) -> String {
        let [od, spot] = &self.billing;
        if self.spec.strategy.is_mixed() && od.rates_source != spot.rates_source {
            format!(
                "FARGATE: {}; FARGATE_SPOT: {}",
                od.rates_source, spot.rates_source
            )
        } else if self.spec.strategy.uses(Provider::OnDemand) {
            od.rates_source.clone()
        } else {
            spot.rates_source.clone()
        }
    }

    /// Each capacity provider's launches, outcomes and bill.
    fn detail(&mut self) -> Detail {
        let mut providers = self.stats.clone();
        for p in Provider::BOTH {
            let st = &mut providers[p.index()];
            st.cost = self
                .usage_cost(
                    p,
                    st.cpu_milli_us,
                    st.memory_mib_us,
                    st.storage_gib_us,
                    Money::ZERO,
                )
                .total();
        }
        Detail::Fargate(Box::new(FargateStats {
            strategy: self.spec.strategy,
            providers,
        }))
    }

    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<Event>) {
        self.books.tally.submit(task.id);
        if let Some(w) = self.admit(task) {
            let Some(service) = self.service_launch.service_of(&w.task) else {
                // Not bound by a service's rate: straight to the account's
                // bucket (what `offer` gives for no service).
                self.enqueue(w, queue);
                let waiting = self.waiting();
                self.books.tally.backlog.observe(queue.now(), waiting);
                return;
            };
            match self.service_launch.offer(Some(service), queue.now(), w) {
                Offer::Launch(w) => self.enqueue(w, queue),
                Offer::Held(wake) => {
                    if let Some(at) = wake {
                        queue.schedule_at(at, Event::ServiceLaunch);
                    }
                }
            }
            let waiting = self.waiting();
            self.books.tally.backlog.observe(queue.now(), waiting);
        }
    }

    /// Asked at every event: written out, as `token_at.into_iter().flatten()
    /// .min()` cost the 1 M-task 20/s replay 21 ms (15 paired runs).
    #[inline]
    fn next_own(&self) -> Option<(SimTime, u64)> {
        match self.token_at {
            [Some(a), Some(b)] => Some(a.min(b)),
            [a, b] => a.or(b),
        }
    }

    /// A launch token is there again for the head of a provider's queue.
    fn on_own(&mut self, queue: &mut impl Schedule<Event>) {
        let p = match self.token_at {
            [Some(a), Some(b)] if b < a => Provider::Spot,
            [None, Some(_)] => Provider::Spot,
            _ => Provider::OnDemand,
        };
        self.token_at[p.index()] = None;
        self.drain_queue(p, queue);
        let waiting = self.waiting();
        self.books.tally.backlog.observe(queue.now(), waiting);
    }

    fn on_event(&mut self, event: Event, queue: &mut impl Schedule<Event>) {
        match event {
            Event::ServiceLaunch => {
                let (released, next) = self.service_launch.woken(queue.now());
                for w in released {
                    self.enqueue(w, queue);
                }
                if let Some(at) = next {
                    queue.schedule_at(at, Event::ServiceLaunch);
                }
                let waiting = self.waiting();
                self.books.tally.backlog.observe(queue.now(), waiting);
            }
            Event::Stop { slot, generation } => {
                if self.generations[slot as usize] != generation {
                    return; // a replica its service stopped before this
                }
                self.stop(slot, queue);
            }
        }
    }
}

impl ReplicaHost for FargateModel {
    fn stop_replica(&mut self, task_id: u64, queue: &mut impl Schedule<Event>) -> bool {
        let Some(slot) = self.replicas.slot(task_id) else {
            return false;
        };
        let now = queue.now();
        let f = self.slots[slot as usize]
            .take()
            .expect("a launched replica has its slot");
        let billed = self.release(slot, &f, now);
        self.stats[f.provider.index()].completed += 1;
        self.books.tally.completed += 1;
        self.books.tally.replicas.completed += 1;
        self.books.tally.stayed(f.task.submit, now);
        self.books.tally.run_task_us += now.saturating_sub(f.running.min(now)) as u128;
        self.emit(&f, now, billed, Outcome::Completed);
        self.replicas.ended(task_id, billed.1, false);
        true
    }

    /// Warm replicas were launched before the run: they take no launch
    /// token and run from now.
    fn start_running(&mut self, replicas: Vec<Task>, queue: &mut impl Schedule<Event>) {
        let now = queue.now();
        for task in replicas {
            self.books.tally.submit(task.id);
            if let Some(w) = self.admit(task) {
                let p = self.assign();
                self.launch(w, p, now, true, queue);
            }
        }
    }

    fn take_replica_news(&mut self, into: &mut Vec<ReplicaNews>) {
        into.append(&mut self.replicas.news);
    }

    fn finish_at(&mut self, end: SimTime) {
        FargateModel::finish(self, end)
    }
}

/// What the time series reads of a launched task: its billing start and
/// running time, its billed `size`, its request, its extra storage and its
/// provider.
#[inline(always)]
fn meter(
    (billing_start, running): (SimTime, SimTime),
    size: FargateSize,
    task: &Task,
    storage_extra_gib: u32,
    provider: Provider,
    replica: bool,
) -> Meter {
    Meter {
        billing_start,
        running,
        cpu_milli: size.cpu_milli,
        memory_mib: size.memory_mib,
        task_cpu_milli: task.cpu_milli,
        task_memory_mib: task.memory_mib,
        storage_extra_gib,
        provider: provider_index(provider),
        replica,
    }
}

/// The meter of the task in flight `f`.
#[inline]
fn meter_of(f: &InFlight) -> Meter {
    meter(
        (f.billing_start, f.running),
        f.size,
        &f.task,
        f.storage_extra_gib,
        f.provider,
        ReplicaWatch::is_replica(f.task.id),
    )
}

/// How an error names a task: its trace label, else its position.
fn task_name(task: &Task) -> String {
    task.label
        .as_deref()
        .map_or_else(|| format!("#{}", task.id), |l| format!("`{l}`"))
}
