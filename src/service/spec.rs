//! A validated service: its replicas, requests, queue, scaling and SLO.

use super::scaling;
use crate::time::SimTime;
use crate::workload::SpanDist;
use crate::workload::trace::TraceSpec;

/// A validated `[[workload.services]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    pub name: String,
    /// Each replica's task size.
    pub cpu_milli: u32,
    pub memory_mib: u32,
    pub min: u32,
    pub max: u32,
    /// Replicas at the start.
    pub desired: u32,
    /// Requests one replica serves at once.
    pub concurrency: u32,
    /// Where requests wait when every slot they could use is busy.
    pub queue: QueueMode,
    /// Requests a queue holds (each replica's, or the one shared queue);
    /// a request that finds it full is rejected.
    pub queue_limit: u32,
    /// A request still waiting this long after it arrived is dropped as
    /// timed out (a request already in service is served to the end).
    pub timeout: Option<SimTime>,
    /// How long a request takes once a replica serves it.
    pub service_time: ServiceTime,
    pub requests: RequestSource,
    pub scaling: Vec<scaling::Policy>,
    pub schedule: Vec<scaling::ScheduledAction>,
    pub slo: Option<Slo>,
    /// Whether the run starts with the service already up.
    pub start: StartState,
    /// How the load balancer routes to the replicas and lets them in and out.
    pub lb: LoadBalancer,
}

/// The load balancer in front of a service's replicas (an ALB target group)
/// and how ECS stops a replica it deregisters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadBalancer {
    pub routing: Routing,
    /// A replica leaving the target group is held (draining: no new
    /// requests, those it holds are served) this long before ECS stops it.
    pub deregistration_delay: SimTime,
    /// From the stop signal (SIGTERM) to the container's end (SIGKILL).
    pub stop_timeout: SimTime,
    /// A newly registered replica takes requests once it passes one health
    /// check, this long after it registers.
    pub health_check_interval: SimTime,
}

impl LoadBalancer {
    /// No load balancer: a replica takes requests the moment it runs and
    /// stops the moment its requests are served (a worker pool on a shared
    /// queue, and the behaviour before the load balancer was modelled).
    pub const NONE: LoadBalancer = LoadBalancer {
        routing: Routing::LeastOutstanding,
        deregistration_delay: 0,
        stop_timeout: 0,
        health_check_interval: 0,
    };
}

/// How the load balancer picks a replica for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// Each replica in turn, whatever it holds (the ALB's default).
    RoundRobin,
    /// The replica with the fewest requests in service or waiting.
    LeastOutstanding,
}

impl Routing {
    /// The scenario file's (and the ELB attribute's) name.
    pub fn name(self) -> &'static str {
        match self {
            Routing::RoundRobin => "round_robin",
            Routing::LeastOutstanding => "least_outstanding_requests",
        }
    }
}

/// How a service is at time 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StartState {
    /// In steady state: its desired replicas already running, and billed
    /// from time 0 (on EC2, with the instances they need; on a function
    /// platform, with warm instances for them).
    #[default]
    Warm,
    /// Deployed at time 0: every replica launches then and pays its
    /// start-up before it takes requests.
    Cold,
}

impl ServiceSpec {
    /// One line for `fargate-sim validate`.
    pub fn describe(&self) -> String {
        use crate::time::format_span;
        let rate = |r: f64| {
            if r >= 1.0 {
                format!("{}/s", (r * 1000.0).round() / 1000.0)
            } else {
                format!("{}/min", (r * 60_000.0).round() / 1000.0)
            }
        };
        let requests = match &self.requests {
            RequestSource::Curve { curve, arrivals } => {
                let shape = match curve {
                    RateCurve::Constant { rate: r } => format!("constant {}", rate(*r)),
                    RateCurve::Diurnal { min, max, peak_at } => format!(
                        "diurnal {} to {} peaking at {}",
                        rate(*min),
                        rate(*max),
                        format_span(*peak_at)
                    ),
                    RateCurve::Step { before, after, at } => format!(
                        "step {} to {} at {}",
                        rate(*before),
                        rate(*after),
                        format_span(*at)
                    ),
                    RateCurve::Spike {
                        base,
                        peak,
                        at,
                        length,
                    } => format!(
                        "spike {} to {} at {} for {}",
                        rate(*base),
                        rate(*peak),
                        format_span(*at),
                        format_span(*length)
                    ),
                };
                let kind = match arrivals {
                    ArrivalProcess::Poisson => "Poisson",
                    ArrivalProcess::Even => "evenly spaced",
                };
                format!("{shape} ({kind})")
            }
            RequestSource::Trace(t) => {
                format!("trace {} (format {})", t.path.display(), t.format.name())
            }
        };
        let policies: Vec<String> = self
            .scaling
            .iter()
            .map(|p| {
                let what = match p {
                    scaling::Policy::TargetTracking(t) => {
                        format!("target tracking {} at {}", t.metric.name(), t.target)
                    }
                    scaling::Policy::Step(s) => {
                        format!(
                            "step scaling on {} ({} steps)",
                            s.metric.name(),
                            s.steps.len()
                        )
                    }
                };
                let sig = p.signal();
                format!(
                    "{what} (a datapoint every {}, {} late)",
                    format_span(sig.period),
                    format_span(sig.delay)
                )
            })
            .collect();
        format!(
            "{} vCPU / {} MiB replicas, {}..{} (start {}, {}), {} at once each{}; requests {}; {}",
            crate::units::format_vcpu(self.cpu_milli),
            self.memory_mib,
            self.min,
            self.max,
            self.desired,
            match self.start {
                StartState::Warm => "warm",
                StartState::Cold => "cold",
            },
            self.concurrency,
            if self.queue == QueueMode::Shared {
                ", shared queue".to_string()
            } else {
                format!(
                    ", {} routing, health check {}, deregistration {} + stop {}",
                    self.lb.routing.name(),
                    format_span(self.lb.health_check_interval),
                    format_span(self.lb.deregistration_delay),
                    format_span(self.lb.stop_timeout)
                )
            },
            requests,
            if policies.is_empty() {
                "no autoscaling".to_string()
            } else {
                policies.join(", ")
            }
        )
    }
}

/// Where requests wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueMode {
    /// As behind an application load balancer: a request goes at once to the
    /// replica the load balancer picks ([`Routing`]) and waits there.
    Replica,
    /// One queue for the service, served by whichever slot frees first (a
    /// worker pool fed from a queue; the M/M/c model).
    Shared,
}

/// How long a request takes to serve.
#[derive(Clone, Debug, PartialEq)]
pub enum ServiceTime {
    /// Drawn from a distribution for each request.
    Dist(SpanDist),
    /// The request trace's own duration (the Azure LLM token model, the
    /// Functions trace's durations, a native `service_s` column).
    FromTrace,
}

/// Where requests come from.
#[derive(Clone, Debug, PartialEq)]
pub enum RequestSource {
    /// A rate that follows a curve over time, until the horizon.
    Curve {
        curve: RateCurve,
        arrivals: ArrivalProcess,
    },
    /// One request per trace row (or per invocation of a per-minute count).
    Trace(TraceSpec),
}

/// How arrivals follow the rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalProcess {
    /// A (non-homogeneous) Poisson process.
    Poisson,
    /// Evenly spaced: the next request comes 1/rate after the last.
    Even,
}

/// A request rate over time, per second.
#[derive(Clone, Debug, PartialEq)]
pub enum RateCurve {
    Constant {
        rate: f64,
    },
    /// A cosine over the day from `min` to `max`, highest at `peak_at`.
    Diurnal {
        min: f64,
        max: f64,
        peak_at: SimTime,
    },
    /// `before` until `at`, then `after`.
    Step {
        before: f64,
        after: f64,
        at: SimTime,
    },
    /// `base`, except `peak` from `at` for `length`.
    Spike {
        base: f64,
        peak: f64,
        at: SimTime,
        length: SimTime,
    },
}

impl RateCurve {
    /// The rate at `t`, per second.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        match *self {
            RateCurve::Constant { rate } => rate,
            RateCurve::Diurnal { min, max, peak_at } => {
                let day = crate::time::DAY;
                let phase = ((t % day) as f64 - peak_at as f64) / day as f64;
                min + (max - min) * (1.0 + (std::f64::consts::TAU * phase).cos()) / 2.0
            }
            RateCurve::Step { before, after, at } => {
                if t < at {
                    before
                } else {
                    after
                }
            }
            RateCurve::Spike {
                base,
                peak,
                at,
                length,
            } => {
                if t >= at && t - at < length {
                    peak
                } else {
                    base
                }
            }
        }
    }

    /// The highest rate the curve reaches.
    pub fn max_rate(&self) -> f64 {
        match *self {
            RateCurve::Constant { rate } => rate,
            RateCurve::Diurnal { max, .. } => max,
            RateCurve::Step { before, after, .. } => before.max(after),
            RateCurve::Spike { base, peak, .. } => base.max(peak),
        }
    }

    /// The mean rate over `[0, end)`, for size estimates.
    pub fn mean_rate(&self, end: SimTime) -> f64 {
        let end = end.max(1);
        let share = |from: SimTime, to: SimTime| (to.min(end).saturating_sub(from.min(end))) as f64;
        match *self {
            RateCurve::Constant { rate } => rate,
            RateCurve::Diurnal { min, max, .. } => (min + max) / 2.0,
            RateCurve::Step { before, after, at } => {
                (before * share(0, at) + after * share(at, end)) / end as f64
            }
            RateCurve::Spike {
                base,
                peak,
                at,
                length,
            } => {
                let spike = share(at, at.saturating_add(length));
                (base * (end as f64 - spike) + peak * spike) / end as f64
            }
        }
    }

    /// The first time after `t` at which the rate changes by a step (for
    /// evenly spaced arrivals over a zero rate), if any.
    pub fn next_change(&self, t: SimTime) -> Option<SimTime> {
        match *self {
            RateCurve::Step { at, .. } if t < at => Some(at),
            RateCurve::Spike { at, .. } if t < at => Some(at),
            RateCurve::Spike { at, length, .. } if t < at.saturating_add(length) => {
                Some(at.saturating_add(length))
            }
            _ => None,
        }
    }
}

/// A latency objective: `percentile` of each minute's requests within
/// `latency`. A minute violates it when more than (100 − percentile) % of its
/// requests were slower, timed out or were rejected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slo {
    pub percentile: f64,
    pub latency: SimTime,
}
