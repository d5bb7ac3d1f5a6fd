//! The service host: a platform model with services on top.
//!
//! Batch tasks pass straight through to the platform. Each service keeps its
//! desired number of replicas as platform tasks that run until stopped; the
//! platform reports when one is launched (and from when it runs) and when one
//! ends. A service that starts warm (the default) has its desired replicas
//! handed to the platform as already running at time 0. Requests are the
//! host's own events: routed by the load balancer (round robin or least
//! outstanding requests), queued, timed out, served, measured. The load
//! balancer lets a replica in once it passes its first health check, and a
//! replica scaled in leaves through the deregistration delay and the stop
//! timeout before the platform stops it (and stops billing it). A tick closes
//! each minute's books, and drives the autoscaler's metric periods and alarms
//! (`signals.rs`): every minute, or every 10 s when a policy watches a
//! high-resolution metric.

use super::minutes::{MinuteBook, MinuteGauges};
use super::replicas::{REPLICA_ID_BASE, ReplicaHost, ReplicaNews, UNTIL_STOPPED};
use super::report::ServiceReport;
use super::signals::{Levels, Scaler};
use super::source::{self, Request, RequestStream};
use super::spec::{QueueMode, Routing, ServiceSpec, ServiceTime, StartState};
use crate::engine::{Mapped, Model, Schedule};
use crate::time::{DAY, MINUTE, SimTime};
use crate::workload::dist::SpanSampler;
use crate::workload::{Task, WorkloadError};
use rand_pcg::Pcg64Mcg;
use std::collections::VecDeque;
use std::sync::Arc;

/// The host's events: the platform's own, and the services'.
#[derive(Clone, Copy, Debug)]
pub enum HostEvent<E> {
    Platform(E),
    /// A request finishes on a replica (ignored if the replica was lost:
    /// its epoch moved on).
    Done {
        replica: u32,
        epoch: u32,
        arrival: SimTime,
    },
    /// The request `seq` times out if it is still at the head of `queue`.
    Timeout {
        queue: u32,
        seq: u64,
    },
    /// A started replica's container is running and registers with the
    /// load balancer.
    Up {
        replica: u32,
        epoch: u32,
    },
    /// A registered replica passes its first health check and takes requests.
    Healthy {
        replica: u32,
        epoch: u32,
    },
    /// A draining replica's deregistration delay ends: it is stopped once
    /// it holds no request.
    Deregistered {
        replica: u32,
        epoch: u32,
    },
    /// A stopping replica's stop timeout ends: its container is killed.
    Killed {
        replica: u32,
        epoch: u32,
    },
    /// A minute, a metric period or an alarm evaluation comes due.
    Tick,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Submitted to the platform, not launched or placed yet.
    Pending,
    /// Launched, its container not running yet.
    Starting,
    /// Running and registered, waiting for its first health check.
    Registering,
    /// Taking requests.
    Running,
    /// Out of the load balancer, finishing its requests, held for the
    /// deregistration delay.
    Draining,
    /// Sent the stop signal, waiting for its container to end.
    Stopping,
    Gone,
}

struct Replica {
    service: u16,
    state: State,
    epoch: u32,
    in_service: u32,
    /// Sum of the arrival times of the requests in service, µs (for the
    /// time in system of requests lost with the replica).
    arrivals_in_service: u128,
    /// Its queue (its own, or the service's shared one).
    queue: u32,
    /// Outstanding requests as the router counts them.
    load: u32,
    /// Position in its router bucket.
    pos: u32,
    /// Stop as soon as the platform launches it (scaled in while pending).
    cancel: bool,
    /// Draining, and its deregistration delay is over: it stops once it
    /// holds no request.
    deregistered: bool,
}

impl State {
    /// Its container runs: it holds capacity and counts as running.
    fn up(self) -> bool {
        matches!(
            self,
            State::Registering | State::Running | State::Draining | State::Stopping
        )
    }
}

#[derive(Clone, Copy, Debug)]
struct Waiting {
    arrival: SimTime,
    seq: u64,
    work: SimTime,
}

/// A minute's counters.
#[derive(Default)]
struct Minute {
    book: MinuteBook,
    busy_at_start: u128,
    capacity_at_start: u128,
    routable_at_start: u128,
}

struct Service {
    spec: ServiceSpec,
    image: Arc<str>,
    source: RequestStream,
    next: Option<Request>,
    /// The queue's key for `next` (see [`Model::next_own`]).
    next_key: Option<(SimTime, u64)>,
    work_rng: Pcg64Mcg,
    /// The service time's distribution, prepared (None: from the trace).
    work: Option<SpanSampler>,
    /// Least outstanding requests: routable replicas by load, `buckets[k]`
    /// holds those with k outstanding.
    buckets: Vec<Vec<u32>>,
    min_bucket: usize,
    /// Round robin: routable replicas in the order they joined, and the
    /// position of the next one to take a request.
    ring: Vec<u32>,
    ring_next: usize,
    shared_queue: Option<u32>,
    /// Replicas not gone, in launch order.
    members: Vec<u32>,
    desired: u32,
    min: u32,
    max: u32,
    scaler: Scaler,
    // Levels and their integrals over time (∫ level dt, µs). The levels
    // every request moves (busy, in the system) are brought up to date on
    // their own from `last`; the fleet's (capacity, routable, running),
    // which move only with replicas, from `last_fleet`.
    last: SimTime,
    last_fleet: SimTime,
    busy: u64,
    capacity: u64,
    routable: u64,
    running: u64,
    in_system: u64,
    busy_int: u128,
    capacity_int: u128,
    routable_int: u128,
    minute: Minute,
    report: ServiceReport,
}

impl Service {
    /// Brings the integrals up to `now`.
    #[inline]
    fn advance(&mut self, now: SimTime) {
        self.advance_requests(now);
        let dt = now.saturating_sub(self.last_fleet) as u128;
        if dt > 0 {
            self.capacity_int += self.capacity as u128 * dt;
            self.routable_int += self.routable as u128 * dt;
            self.report.replica_us += self.running as u128 * dt;
            self.last_fleet = now;
        }
    }

    /// Brings the integrals of the levels requests move (busy, in the
    /// system) up to `now`: enough before changing those levels. A level
    /// is constant between its changes, so its integral is the same sum
    /// whichever instants it is brought up to date at.
    #[inline(always)]
    fn advance_requests(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.last) as u128;
        if dt > 0 {
            self.busy_int += self.busy as u128 * dt;
            self.report.in_system_us += self.in_system as u128 * dt;
            self.last = now;
        }
    }

    #[inline(always)]
    fn record_served(&mut self, latency: SimTime) {
        self.report.served += 1;
        self.report.latency.record(latency);
        self.minute.book.served(latency, self.spec.slo);
    }
}

/// A platform with services on top, as one engine [`Model`].
pub struct ServiceHost<P: ReplicaHost> {
    pub platform: P,
    services: Vec<Service>,
    replicas: Vec<Replica>,
    queues: Vec<VecDeque<Waiting>>,
    /// The replica that owns each queue (None: a shared queue).
    queue_owner: Vec<Option<u32>>,
    seq: u64,
    news: Vec<ReplicaNews>,
    /// The first problem reading a request source.
    pub error: Option<WorkloadError>,
    /// Notes from the request sources.
    pub notes: Vec<String>,
    /// How often the tick comes (a minute, or less for sub-minute metrics).
    tick: SimTime,
    /// The earliest of the services' next requests: its key, and the
    /// service. Requests are not queued as events: the engine merges this
    /// with the queue's head ([`Model::next_own`]), which spares a push and
    /// a pop a request.
    own: Option<((SimTime, u64), u16)>,
}

type Ev<P> = HostEvent<<P as Model>::Event>;

impl<P: ReplicaHost> ServiceHost<P> {
    /// Hosts `services` on `platform`; each service's requests and service
    /// times come from its own random streams derived from `seed`, so every
    /// platform sees the same requests.
    pub fn new(
        platform: P,
        services: &[ServiceSpec],
        seed: u64,
        horizon: Option<SimTime>,
    ) -> Result<ServiceHost<P>, WorkloadError> {
        let mut host = ServiceHost {
            platform,
            services: Vec::new(),
            replicas: Vec::new(),
            queues: Vec::new(),
            queue_owner: Vec::new(),
            seq: 0,
            news: Vec::new(),
            error: None,
            notes: Vec::new(),
            tick: MINUTE,
            own: None,
        };
        for spec in services {
            let base = format!("service:{}", spec.name);
            let (notes, source) = source::open(
                &spec.requests,
                seed,
                horizon,
                crate::engine::rng::stream(seed, &format!("{base}/arrivals")),
            )?;
            host.notes.extend(notes);
            let shared_queue = (spec.queue == QueueMode::Shared).then(|| host.new_queue(None));
            host.services.push(Service {
                image: Arc::from(format!("service:{}", spec.name)),
                source,
                next: None,
                next_key: None,
                work_rng: crate::engine::rng::stream(seed, &format!("{base}/work")),
                work: match &spec.service_time {
                    ServiceTime::Dist(d) => Some(SpanSampler::new(d)),
                    ServiceTime::FromTrace => None,
                },
                buckets: Vec::new(),
                min_bucket: 0,
                ring: Vec::new(),
                ring_next: 0,
                shared_queue,
                members: Vec::new(),
                desired: spec.desired,
                min: spec.min,
                max: spec.max,
                scaler: Scaler::new(&spec.scaling, spec.concurrency),
                last: 0,
                last_fleet: 0,
                busy: 0,
                capacity: 0,
                routable: 0,
                running: 0,
                in_system: 0,
                busy_int: 0,
                capacity_int: 0,
                routable_int: 0,
                minute: Minute::default(),
                report: ServiceReport::new(&spec.name, spec.slo),
                spec: spec.clone(),
            });
            let every = host
                .services
                .last()
                .map_or(MINUTE, |s| s.scaler.tick_every());
            host.tick = super::signals::gcd(host.tick, every);
        }
        Ok(host)
    }

    fn new_queue(&mut self, owner: Option<u32>) -> u32 {
        self.queues.push(VecDeque::new());
        self.queue_owner.push(owner);
        (self.queues.len() - 1) as u32
    }

    // ---- the router: round robin or least outstanding requests ----

    fn route_insert(&mut self, r: u32) {
        let rep = &mut self.replicas[r as usize];
        let svc = &mut self.services[rep.service as usize];
        if svc.spec.lb.routing == Routing::RoundRobin {
            svc.ring.push(r);
            return;
        }
        let b = rep.load as usize;
        if svc.buckets.len() <= b {
            svc.buckets.resize_with(b + 1, Vec::new);
        }
        rep.pos = svc.buckets[b].len() as u32;
        svc.buckets[b].push(r);
        svc.min_bucket = svc.min_bucket.min(b);
    }

    fn route_remove(&mut self, r: u32) {
        let (service, load, pos) = {
            let rep = &self.replicas[r as usize];
            (rep.service, rep.load, rep.pos)
        };
        let svc = &mut self.services[service as usize];
        if svc.spec.lb.routing == Routing::RoundRobin {
            if let Some(i) = svc.ring.iter().position(|&x| x == r) {
                svc.ring.remove(i);
                if i < svc.ring_next {
                    svc.ring_next -= 1;
                }
            }
            return;
        }
        let bucket = &mut self.services[service as usize].buckets[load as usize];
        bucket.swap_remove(pos as usize);
        if let Some(&moved) = bucket.get(pos as usize) {
            self.replicas[moved as usize].pos = pos;
        }
    }

    /// The routable replica that takes the next request: the next in turn
    /// (round robin) or the one with the fewest outstanding requests.
    #[inline(always)]
    fn route_pick(&mut self, service: usize) -> Option<u32> {
        let svc = &mut self.services[service];
        if svc.spec.lb.routing == Routing::RoundRobin {
            if svc.ring.is_empty() {
                return None;
            }
            // `ring_next` is at most the ring's length (a pick sets it to
            // one past the replica, a removal before it moves it back), so
            // the remainder is a comparison, not a division.
            let n = svc.ring.len();
            let i = if svc.ring_next < n {
                svc.ring_next
            } else {
                svc.ring_next % n
            };
            svc.ring_next = i + 1;
            return Some(svc.ring[i]);
        }
        self.least_loaded(service)
    }

    /// The routable replica with the fewest outstanding requests (the
    /// newest among equals).
    fn least_loaded(&mut self, service: usize) -> Option<u32> {
        let svc = &mut self.services[service];
        if svc.spec.lb.routing == Routing::RoundRobin {
            let replicas = &self.replicas;
            return svc
                .ring
                .iter()
                .rev()
                .min_by_key(|&&r| replicas[r as usize].load)
                .copied();
        }
        while svc.min_bucket < svc.buckets.len() && svc.buckets[svc.min_bucket].is_empty() {
            svc.min_bucket += 1;
        }
        svc.buckets
            .get(svc.min_bucket)
            .and_then(|b| b.last().copied())
    }

    /// Recomputes a replica's load (and its place in the router).
    #[inline(always)]
    fn update_load(&mut self, r: u32) {
        let rep = &self.replicas[r as usize];
        let own_queue = if self.queue_owner[rep.queue as usize].is_some() {
            self.queues[rep.queue as usize].len() as u32
        } else {
            0
        };
        let load = rep.in_service + own_queue;
        if load == rep.load {
            return;
        }
        let bucketed =
            self.services[rep.service as usize].spec.lb.routing == Routing::LeastOutstanding;
        if rep.state == State::Running && bucketed {
            self.route_remove(r);
            self.replicas[r as usize].load = load;
            self.route_insert(r);
        } else {
            self.replicas[r as usize].load = load;
        }
    }

    // ---- requests ----

    #[inline(always)]
    fn start_request(&mut self, r: u32, w: Waiting, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let rep = &mut self.replicas[r as usize];
        rep.in_service += 1;
        rep.arrivals_in_service += w.arrival as u128;
        let epoch = rep.epoch;
        let svc = &mut self.services[rep.service as usize];
        svc.advance_requests(now);
        svc.busy += 1;
        svc.report.started += 1;
        svc.report.wait_sum += (now - w.arrival) as u128;
        queue.schedule_at(
            now.saturating_add(w.work),
            HostEvent::Done {
                replica: r,
                epoch,
                arrival: w.arrival,
            },
        );
    }

    fn on_request(&mut self, service: usize, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let Some(req) = self.services[service].next.take() else {
            return;
        };
        self.services[service].next_key = None;
        self.pull_request(service, queue);
        let svc = &mut self.services[service];
        let work = match &svc.work {
            Some(d) => d.sample(&mut svc.work_rng),
            None => req.work.unwrap_or(0),
        };
        svc.advance_requests(now);
        svc.report.arrived += 1;
        svc.minute.book.arrived += 1;
        let w = Waiting {
            arrival: now,
            seq: self.seq,
            work,
        };
        self.seq += 1;
        let Some(r) = self.route_pick(service) else {
            self.reject(service);
            return;
        };
        let (concurrency, limit, timeout) = {
            let s = &self.services[service].spec;
            (s.concurrency, s.queue_limit, s.timeout)
        };
        let rep = &self.replicas[r as usize];
        if rep.in_service < concurrency {
            self.services[service].in_system += 1;
            self.start_request(r, w, queue);
        } else {
            let q = rep.queue;
            if self.queues[q as usize].len() >= limit as usize {
                self.reject(service);
                return;
            }
            self.services[service].in_system += 1;
            self.queues[q as usize].push_back(w);
            if let Some(t) = timeout {
                queue.schedule_at(
                    now.saturating_add(t),
                    HostEvent::Timeout {
                        queue: q,
                        seq: w.seq,
                    },
                );
            }
        }
        self.update_load(r);
    }

    fn reject(&mut self, service: usize) {
        let svc = &mut self.services[service];
        svc.report.rejected += 1;
        svc.minute.book.rejected += 1;
    }

    /// Reads the service's next request and takes its place in time (the
    /// key it would have as a queued event).
    #[inline(always)]
    fn pull_request(&mut self, service: usize, queue: &mut impl Schedule<Ev<P>>) {
        if self.error.is_none() {
            match self.services[service].source.next() {
                None => {}
                Some(Err(e)) => self.error = Some(e),
                Some(Ok(req)) => {
                    let svc = &mut self.services[service];
                    svc.next_key = Some(queue.ticket(req.arrival));
                    svc.next = Some(req);
                }
            }
        }
        self.own = match self.services.as_slice() {
            [one] => one.next_key.map(|k| (k, 0)),
            all => all
                .iter()
                .enumerate()
                .filter_map(|(i, svc)| svc.next_key.map(|k| (k, i as u16)))
                .min(),
        };
    }

    fn on_done(&mut self, r: u32, epoch: u32, arrival: SimTime, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let rep = &mut self.replicas[r as usize];
        if rep.epoch != epoch {
            return; // lost with its replica, counted then
        }
        rep.in_service -= 1;
        rep.arrivals_in_service -= arrival as u128;
        let service = rep.service as usize;
        let svc = &mut self.services[service];
        svc.advance_requests(now);
        svc.busy -= 1;
        svc.in_system -= 1;
        svc.report.time_in_system_us += (now - arrival) as u128;
        svc.record_served(now - arrival);
        self.refill(r, queue);
        self.update_load(r);
        self.stop_if_drained(r, queue);
    }

    /// Fills the replica's free slots from its queue.
    #[inline(always)]
    fn refill(&mut self, r: u32, queue: &mut impl Schedule<Ev<P>>) {
        let rep = &self.replicas[r as usize];
        let shared = self.queue_owner[rep.queue as usize].is_none();
        // A draining replica serves its own queue, not the shared one.
        let serves = match rep.state {
            State::Running => true,
            State::Draining => !shared,
            _ => false,
        };
        if !serves {
            return;
        }
        let q = rep.queue as usize;
        let concurrency = self.services[rep.service as usize].spec.concurrency;
        while self.replicas[r as usize].in_service < concurrency {
            let Some(w) = self.queues[q].pop_front() else {
                break;
            };
            self.start_request(r, w, queue);
        }
    }

    fn on_timeout(&mut self, q: u32, seq: u64, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        if self.queues[q as usize].front().is_none_or(|w| w.seq != seq) {
            return; // it started (or was lost) before its deadline
        }
        let w = self.queues[q as usize].pop_front().expect("checked above");
        let service = match self.queue_owner[q as usize] {
            Some(r) => self.replicas[r as usize].service,
            None => self
                .services
                .iter()
                .position(|s| s.shared_queue == Some(q))
                .expect("a shared queue has its service") as u16,
        } as usize;
        let svc = &mut self.services[service];
        svc.advance_requests(now);
        svc.in_system -= 1;
        svc.report.time_in_system_us += (now - w.arrival) as u128;
        svc.report.timed_out += 1;
        svc.minute.book.timed_out += 1;
        if let Some(r) = self.queue_owner[q as usize] {
            self.update_load(r);
            self.stop_if_drained(r, queue);
        }
    }

    // ---- replicas ----

    /// Adds a replica of `service`, pending, and returns its platform task.
    fn new_replica(&mut self, service: usize, now: SimTime) -> Task {
        let r = self.replicas.len() as u32;
        let q = match self.services[service].shared_queue {
            Some(q) => q,
            None => self.new_queue(Some(r)),
        };
        self.replicas.push(Replica {
            service: service as u16,
            state: State::Pending,
            epoch: 0,
            in_service: 0,
            arrivals_in_service: 0,
            queue: q,
            load: 0,
            pos: 0,
            cancel: false,
            deregistered: false,
        });
        let svc = &mut self.services[service];
        svc.members.push(r);
        svc.report.replicas_launched += 1;
        Task {
            id: REPLICA_ID_BASE + r as u64,
            label: Some(format!("{}#{}", svc.spec.name, svc.report.replicas_launched).into()),
            submit: now,
            duration: UNTIL_STOPPED,
            cpu_milli: svc.spec.cpu_milli,
            memory_mib: svc.spec.memory_mib,
            storage_gib: 0,
            group: Some(svc.image.clone()),
            usage: None,
        }
    }

    fn launch_replica(&mut self, service: usize, queue: &mut impl Schedule<Ev<P>>) {
        let task = self.new_replica(service, queue.now());
        self.platform
            .on_arrival(task, &mut Mapped::new(queue, HostEvent::Platform));
        self.read_news(queue);
    }

    /// Puts the service's desired replicas on the platform already running
    /// (a service that starts in steady state).
    fn start_warm(&mut self, service: usize, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let tasks: Vec<Task> = (0..self.services[service].desired)
            .map(|_| self.new_replica(service, now))
            .collect();
        self.platform
            .start_running(tasks, &mut Mapped::new(queue, HostEvent::Platform));
        self.read_news(queue);
    }

    /// Stops a launched replica (now gone from the host's point of view).
    fn stop_replica(&mut self, r: u32, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let rep = &mut self.replicas[r as usize];
        let was = rep.state;
        rep.state = State::Gone;
        rep.epoch += 1;
        let svc = &mut self.services[rep.service as usize];
        svc.advance(now);
        if was.up() {
            svc.capacity -= svc.spec.concurrency as u64;
            svc.running -= 1;
        }
        if was == State::Running {
            svc.routable -= 1;
            self.route_remove(r);
        }
        let stopped = self.platform.stop_replica(
            REPLICA_ID_BASE + r as u64,
            &mut Mapped::new(queue, HostEvent::Platform),
        );
        debug_assert!(stopped, "only launched replicas are stopped");
        self.read_news(queue);
    }

    /// Takes a registered replica out of the load balancer: it gets no new
    /// request, serves those it holds, and is held for the deregistration
    /// delay (with no delay, only until it holds no request).
    fn deregister(&mut self, r: u32, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let rep = &self.replicas[r as usize];
        let (was, service, epoch) = (rep.state, rep.service as usize, rep.epoch);
        if was == State::Running {
            self.route_remove(r);
            let svc = &mut self.services[service];
            svc.advance(now);
            svc.routable -= 1;
        }
        self.replicas[r as usize].state = State::Draining;
        let delay = self.services[service].spec.lb.deregistration_delay;
        if delay == 0 {
            self.replicas[r as usize].deregistered = true;
            self.stop_if_drained(r, queue);
        } else {
            queue.schedule_daemon_at(
                now.saturating_add(delay),
                HostEvent::Deregistered { replica: r, epoch },
            );
        }
    }

    /// A draining replica whose delay is over and that holds no request
    /// gets the stop signal; its container ends after the stop timeout.
    #[inline(always)]
    fn stop_if_drained(&mut self, r: u32, queue: &mut impl Schedule<Ev<P>>) {
        let rep = &self.replicas[r as usize];
        if rep.state == State::Draining && rep.deregistered && rep.load == 0 && rep.in_service == 0
        {
            let timeout = self.services[rep.service as usize].spec.lb.stop_timeout;
            if timeout == 0 {
                self.stop_replica(r, queue);
            } else {
                let epoch = rep.epoch;
                self.replicas[r as usize].state = State::Stopping;
                queue.schedule_daemon_at(
                    queue.now().saturating_add(timeout),
                    HostEvent::Killed { replica: r, epoch },
                );
            }
        }
    }

    /// A replica ended without the host asking (an interruption): its
    /// requests are lost.
    fn lose_replica(&mut self, r: u32, now: SimTime) {
        let rep = &mut self.replicas[r as usize];
        let was = rep.state;
        rep.epoch += 1;
        let in_service = std::mem::take(&mut rep.in_service) as u64;
        let arrivals = std::mem::take(&mut rep.arrivals_in_service);
        let own_queue = self.queue_owner[rep.queue as usize].is_some();
        let q = rep.queue as usize;
        let service = rep.service as usize;
        let svc = &mut self.services[service];
        svc.advance(now);
        if was.up() {
            svc.capacity -= svc.spec.concurrency as u64;
            svc.running -= 1;
            svc.busy -= in_service;
        }
        let mut lost = in_service;
        let mut time = in_service as u128 * now as u128 - arrivals;
        if own_queue {
            lost += self.queues[q].len() as u64;
            time += self.queues[q]
                .drain(..)
                .map(|w| (now - w.arrival) as u128)
                .sum::<u128>();
        }
        svc.report.time_in_system_us += time;
        svc.in_system -= lost;
        svc.report.failed += lost;
        svc.minute.book.failed += lost;
        if was == State::Running {
            svc.routable -= 1;
            self.route_remove(r);
        }
        self.replicas[r as usize].load = 0;
    }

    fn read_news(&mut self, queue: &mut impl Schedule<Ev<P>>) {
        loop {
            self.platform.take_replica_news(&mut self.news);
            if self.news.is_empty() {
                return;
            }
            let news = std::mem::take(&mut self.news);
            for n in &news {
                match *n {
                    ReplicaNews::Started { task_id, running } => {
                        let r = (task_id - REPLICA_ID_BASE) as u32;
                        let rep = &mut self.replicas[r as usize];
                        // Cancelled while pending, or (defensively) already
                        // gone: stop it as soon as it launches.
                        if rep.cancel || rep.state == State::Gone {
                            rep.cancel = false;
                            rep.state = State::Starting;
                            self.stop_replica(r, queue);
                        } else {
                            rep.state = State::Starting;
                            let epoch = rep.epoch;
                            queue.schedule_daemon_at(running, HostEvent::Up { replica: r, epoch });
                        }
                    }
                    ReplicaNews::Ended {
                        task_id,
                        cost,
                        retrying,
                    } => {
                        let r = (task_id - REPLICA_ID_BASE) as u32;
                        let service = self.replicas[r as usize].service as usize;
                        self.services[service].report.cost += cost;
                        let was = self.replicas[r as usize].state;
                        if was != State::Gone {
                            self.lose_replica(r, queue.now());
                            if retrying {
                                // The platform relaunches it; a replica that
                                // was draining is stopped when it does.
                                let rep = &mut self.replicas[r as usize];
                                rep.state = State::Pending;
                                rep.cancel = matches!(was, State::Draining | State::Stopping);
                                rep.deregistered = false;
                            } else {
                                self.replicas[r as usize].state = State::Gone;
                                self.reconcile(service, queue);
                            }
                        }
                    }
                }
            }
            let mut news = news;
            news.clear();
            if self.news.is_empty() {
                self.news = news;
            }
        }
    }

    fn on_up(&mut self, r: u32, epoch: u32, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let rep = &mut self.replicas[r as usize];
        if rep.epoch != epoch || rep.state != State::Starting {
            return;
        }
        rep.state = State::Registering;
        rep.load = 0;
        let svc = &mut self.services[rep.service as usize];
        svc.advance(now);
        svc.capacity += svc.spec.concurrency as u64;
        svc.running += 1;
        svc.report.peak_running = svc.report.peak_running.max(svc.running as u32);
        // A replica that was up before the run (warm) passed its check then.
        let check = if now == 0 && svc.spec.start == StartState::Warm {
            0
        } else {
            svc.spec.lb.health_check_interval
        };
        if check == 0 {
            self.on_healthy(r, epoch, queue);
        } else {
            queue.schedule_daemon_at(
                now.saturating_add(check),
                HostEvent::Healthy { replica: r, epoch },
            );
        }
    }

    /// A registered replica passes its first health check: the load
    /// balancer routes to it from now.
    fn on_healthy(&mut self, r: u32, epoch: u32, queue: &mut impl Schedule<Ev<P>>) {
        let now = queue.now();
        let rep = &mut self.replicas[r as usize];
        if rep.epoch != epoch || rep.state != State::Registering {
            return;
        }
        rep.state = State::Running;
        let svc = &mut self.services[rep.service as usize];
        svc.advance(now);
        svc.routable += 1;
        self.route_insert(r);
        self.refill(r, queue);
        self.update_load(r);
    }

    fn on_deregistered(&mut self, r: u32, epoch: u32, queue: &mut impl Schedule<Ev<P>>) {
        let rep = &mut self.replicas[r as usize];
        if rep.epoch != epoch || rep.state != State::Draining {
            return;
        }
        rep.deregistered = true;
        self.stop_if_drained(r, queue);
    }

    fn on_killed(&mut self, r: u32, epoch: u32, queue: &mut impl Schedule<Ev<P>>) {
        let rep = &self.replicas[r as usize];
        if rep.epoch == epoch && rep.state == State::Stopping {
            self.stop_replica(r, queue);
        }
    }

    /// Launches or stops replicas to meet the desired count. Scale-in takes
    /// pending replicas first, then starting ones, then deregisters those
    /// not yet healthy, then the running replicas the platform would stop
    /// first (on EC2, by its placement strategy), else those with the fewest
    /// outstanding requests.
    fn reconcile(&mut self, service: usize, queue: &mut impl Schedule<Ev<P>>) {
        let replicas = &self.replicas;
        self.services[service]
            .members
            .retain(|&r| replicas[r as usize].state != State::Gone);
        let active = |h: &Self, r: u32| {
            let rep = &h.replicas[r as usize];
            match rep.state {
                State::Pending => !rep.cancel,
                State::Starting | State::Registering | State::Running => true,
                State::Draining | State::Stopping | State::Gone => false,
            }
        };
        let count = self.services[service]
            .members
            .iter()
            .filter(|&&r| active(self, r))
            .count() as u32;
        let desired = self.services[service].desired;
        if count < desired {
            // Replicas cancelled while pending are still queued on the
            // platform: keep them (oldest first) before launching new ones.
            let mut missing = desired - count;
            let members = self.services[service].members.clone();
            for r in members {
                let rep = &mut self.replicas[r as usize];
                if missing > 0 && rep.state == State::Pending && rep.cancel {
                    rep.cancel = false;
                    missing -= 1;
                }
            }
            for _ in 0..missing {
                self.launch_replica(service, queue);
            }
            return;
        }
        let mut surplus = count - desired;
        for wanted in [State::Pending, State::Starting, State::Registering] {
            let members = self.services[service].members.clone();
            for &r in members.iter().rev() {
                if surplus == 0 {
                    return;
                }
                if active(self, r) && self.replicas[r as usize].state == wanted {
                    surplus -= 1;
                    match wanted {
                        State::Pending => self.replicas[r as usize].cancel = true,
                        State::Starting => self.stop_replica(r, queue),
                        _ => self.deregister(r, queue),
                    }
                }
            }
        }
        while surplus > 0 {
            let Some(r) = self.next_to_drain(service) else {
                return;
            };
            surplus -= 1;
            self.deregister(r, queue);
        }
    }

    /// The running replica a scale-in takes next: the platform's choice
    /// (on EC2, by placement), else the one with the fewest outstanding
    /// requests.
    fn next_to_drain(&mut self, service: usize) -> Option<u32> {
        let of = |state: &[State]| -> Vec<u64> {
            self.services[service]
                .members
                .iter()
                .filter(|&&r| state.contains(&self.replicas[r as usize].state))
                .map(|&r| REPLICA_ID_BASE + r as u64)
                .collect()
        };
        let candidates = of(&[State::Running]);
        let leaving = of(&[State::Draining, State::Stopping]);
        match self.platform.replica_to_stop(&candidates, &leaving) {
            Some(task_id) if candidates.contains(&task_id) => {
                Some((task_id - REPLICA_ID_BASE) as u32)
            }
            _ => self.least_loaded(service),
        }
    }

    /// Closes the minute that ends at `now` (its metrics, the SLO check),
    /// then, at a whole minute, applies the scheduled actions due.
    fn close_minute(&mut self, service: usize, now: SimTime, scale: bool) {
        let svc = &mut self.services[service];
        svc.advance(now);
        let m = &mut svc.minute;
        let span = now.saturating_sub(m.book.start);
        let capacity = svc.capacity_int - m.capacity_at_start;
        let busy = svc.busy_int - m.busy_at_start;
        let routable = svc.routable_int - m.routable_at_start;
        let cpu = (capacity > 0).then(|| 100.0 * busy as f64 / capacity as f64);
        let rpt =
            (routable > 0).then(|| m.book.arrived as f64 / (routable as f64 / span.max(1) as f64));
        let starting = svc
            .members
            .iter()
            .filter(|&&r| {
                let rep = &self.replicas[r as usize];
                matches!(rep.state, State::Pending | State::Starting) && !rep.cancel
            })
            .count() as u32;
        let gauges = MinuteGauges {
            desired: svc.desired,
            running: svc.running as u32,
            starting,
            cpu_percent: cpu,
            requests_per_target: rpt,
        };
        // The next minute starts from `now` in the same book, which keeps
        // its latency buffer's room (60,000 samples a minute at 1,000/s).
        let row = svc.minute.book.roll(now, gauges, svc.spec.slo);
        svc.report.slo_minutes_violated += u64::from(row.slo_violated);
        svc.report.minutes.push(row);
        svc.minute.busy_at_start = svc.busy_int;
        svc.minute.capacity_at_start = svc.capacity_int;
        svc.minute.routable_at_start = svc.routable_int;
        if !scale {
            return;
        }
        for a in svc.spec.schedule.clone() {
            if now % DAY == a.at {
                apply_schedule(svc, a);
            }
        }
    }

    /// Runs the service's autoscaler at `now` (`signals.rs`: metric periods,
    /// publication delay, alarms) and sets the desired count it decides.
    /// Returns whether the desired count changed.
    fn scale(&mut self, service: usize, now: SimTime) -> bool {
        let svc = &mut self.services[service];
        svc.advance(now);
        let levels = Levels {
            busy: svc.busy_int,
            capacity: svc.capacity_int,
            routable: svc.routable_int,
            arrived: svc.report.arrived,
        };
        let Some((n, out)) = svc.scaler.tick(now, levels, svc.desired) else {
            return false;
        };
        let n = n.clamp(svc.min, svc.max);
        if n == svc.desired {
            return false;
        }
        svc.desired = n;
        svc.scaler.acted(now, out);
        true
    }

    /// Settles the run at `end`: closes the last minute, counts what is still
    /// in flight, settles the platform, and returns it with the reports.
    pub fn finish(mut self, end: SimTime) -> (P, Vec<ServiceReport>) {
        for s in 0..self.services.len() {
            if end > self.services[s].minute.book.start
                || self.services[s].report.minutes.is_empty()
            {
                self.close_minute(s, end, false);
            }
            let svc = &mut self.services[s];
            svc.report.in_flight_at_end = svc.in_system;
            svc.report.end = end;
        }
        // Time in the system of what is still in flight, up to the end.
        for rep in &mut self.replicas {
            let report = &mut self.services[rep.service as usize].report;
            report.time_in_system_us +=
                rep.in_service as u128 * end as u128 - rep.arrivals_in_service;
            rep.state = State::Gone;
        }
        for (q, waiting) in self.queues.iter().enumerate() {
            let service = match self.queue_owner[q] {
                Some(r) => self.replicas[r as usize].service as usize,
                None => self
                    .services
                    .iter()
                    .position(|s| s.shared_queue == Some(q as u32))
                    .expect("a shared queue has its service"),
            };
            self.services[service].report.time_in_system_us += waiting
                .iter()
                .map(|w| (end - w.arrival) as u128)
                .sum::<u128>();
        }
        self.platform.finish_at(end);
        self.platform.take_replica_news(&mut self.news);
        for n in &self.news {
            if let ReplicaNews::Ended { task_id, cost, .. } = *n {
                let service = self.replicas[(task_id - REPLICA_ID_BASE) as usize].service;
                self.services[service as usize].report.cost += cost;
            }
        }
        let reports = self.services.into_iter().map(|s| s.report).collect();
        (self.platform, reports)
    }
}

fn apply_schedule(svc: &mut Service, a: super::scaling::ScheduledAction) {
    if let Some(min) = a.min {
        svc.min = min;
    }
    if let Some(max) = a.max {
        svc.max = max;
    }
    svc.max = svc.max.max(svc.min);
    svc.desired = svc.desired.clamp(svc.min, svc.max);
}

impl<P: ReplicaHost> Model for ServiceHost<P> {
    type Event = HostEvent<P::Event>;
    type Arrival = Task;

    fn start(&mut self, queue: &mut impl Schedule<Self::Event>) {
        self.platform
            .start(&mut Mapped::new(queue, HostEvent::Platform));
        for s in 0..self.services.len() {
            // At midnight the day before's actions hold (replayed in time
            // order), then those set for 00:00 apply; ticks handle the rest.
            let mut actions = self.services[s].spec.schedule.clone();
            actions.sort_by_key(|a| a.at);
            let midnight: Vec<_> = actions.iter().filter(|a| a.at == 0).copied().collect();
            for a in actions.into_iter().chain(midnight) {
                apply_schedule(&mut self.services[s], a);
            }
            // Replicas first: one that is running at once takes a request
            // arriving at time 0. A warm service's replicas are up already
            // (the platform may leave some waiting: reconcile counts them).
            if self.services[s].spec.start == StartState::Warm {
                self.start_warm(s, queue);
            }
            self.reconcile(s, queue);
            self.pull_request(s, queue);
        }
        if !self.services.is_empty() {
            queue.schedule_daemon_at(self.tick, HostEvent::Tick);
        }
    }

    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<Self::Event>) {
        self.platform
            .on_arrival(task, &mut Mapped::new(queue, HostEvent::Platform));
        self.read_news(queue);
    }

    fn on_event(&mut self, event: Self::Event, queue: &mut impl Schedule<Self::Event>) {
        match event {
            HostEvent::Platform(e) => {
                self.platform
                    .on_event(e, &mut Mapped::new(queue, HostEvent::Platform));
                self.read_news(queue);
            }
            HostEvent::Done {
                replica,
                epoch,
                arrival,
            } => self.on_done(replica, epoch, arrival, queue),
            HostEvent::Timeout { queue: q, seq } => self.on_timeout(q, seq, queue),
            HostEvent::Up { replica, epoch } => self.on_up(replica, epoch, queue),
            HostEvent::Healthy { replica, epoch } => self.on_healthy(replica, epoch, queue),
            HostEvent::Deregistered { replica, epoch } => {
                self.on_deregistered(replica, epoch, queue)
            }
            HostEvent::Killed { replica, epoch } => self.on_killed(replica, epoch, queue),
            HostEvent::Tick => {
                let now = queue.now();
                let minute = now.is_multiple_of(MINUTE);
                for s in 0..self.services.len() {
                    if minute {
                        self.close_minute(s, now, true);
                    }
                    if self.scale(s, now) || minute {
                        self.reconcile(s, queue);
                    }
                }
                queue.schedule_daemon_at(now + self.tick, HostEvent::Tick);
            }
        }
    }

    /// The earlier of the services' next request and the platform's own
    /// next happening (a launch token, say).
    #[inline]
    fn next_own(&self) -> Option<(SimTime, u64)> {
        let request = self.own.map(|(key, _)| key);
        match (request, self.platform.next_own()) {
            (Some(r), Some(p)) => Some(r.min(p)),
            (r, p) => r.or(p),
        }
    }

    fn on_own(&mut self, queue: &mut impl Schedule<Self::Event>) {
        let platform = self.platform.next_own();
        match self.own {
            Some((key, service)) if platform.is_none_or(|p| key < p) => {
                self.on_request(service as usize, queue)
            }
            _ => {
                self.platform
                    .on_own(&mut Mapped::new(queue, HostEvent::Platform));
                self.read_news(queue);
            }
        }
    }

    fn busy(&self) -> bool {
        self.platform.busy()
    }

    fn next_sample_at(&self) -> SimTime {
        self.platform.next_sample_at()
    }

    fn sample(&mut self, at: SimTime) {
        self.platform.sample(at)
    }

    fn tasks_done(&self) -> u64 {
        self.platform.tasks_done()
    }

    fn tasks_in_system(&self) -> u64 {
        self.platform.tasks_in_system()
    }
}
