//! What a service host measured, per service: counts, latency, SLO minutes,
//! replicas and cost, over the run and minute by minute.

use super::spec::Slo;
use crate::pricing::Money;
use crate::stats::SpanStats;
use crate::time::SimTime;

/// One minute of one service (the last may be shorter: the run's end).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceMinute {
    /// The minute's start, µs.
    pub start: SimTime,
    pub end: SimTime,
    pub arrived: u64,
    pub served: u64,
    pub timed_out: u64,
    pub rejected: u64,
    /// Lost with a replica that was interrupted.
    pub failed: u64,
    /// Latency percentiles of the requests served in the minute, µs.
    pub p50: Option<SimTime>,
    pub p95: Option<SimTime>,
    pub p99: Option<SimTime>,
    pub p999: Option<SimTime>,
    pub mean_latency: Option<f64>,
    /// At the minute's end.
    pub desired: u32,
    pub running: u32,
    pub starting: u32,
    /// Average CPU utilisation of the running replicas over the minute, %.
    pub cpu_percent: Option<f64>,
    pub requests_per_target: Option<f64>,
    pub slo_violated: bool,
}

/// One service on one platform, over the whole run.
#[derive(Clone, Debug)]
pub struct ServiceReport {
    pub name: String,
    pub arrived: u64,
    pub served: u64,
    pub timed_out: u64,
    pub rejected: u64,
    pub failed: u64,
    /// Queued or in service when the run stopped.
    pub in_flight_at_end: u64,
    /// Latency (queue + service) of served requests.
    pub latency: SpanStats,
    /// Requests that started service, and their summed queue waits, µs.
    pub started: u64,
    pub wait_sum: u128,
    /// ∫ requests in the system dt, request·µs (Little's law: L = this / T).
    pub in_system_us: u128,
    /// The same, summed request by request: each request's time in the
    /// system (to its departure, or to the end). Little's law says the two
    /// are equal; they are counted independently.
    pub time_in_system_us: u128,
    /// ∫ running replicas dt, replica·µs.
    pub replica_us: u128,
    pub replicas_launched: u64,
    pub peak_running: u32,
    pub slo: Option<Slo>,
    pub slo_minutes_violated: u64,
    /// What the service's replicas cost.
    pub cost: Money,
    /// The run's end, µs.
    pub end: SimTime,
    pub minutes: Vec<ServiceMinute>,
}

impl ServiceReport {
    pub fn new(name: &str, slo: Option<Slo>) -> ServiceReport {
        ServiceReport {
            name: name.to_string(),
            arrived: 0,
            served: 0,
            timed_out: 0,
            rejected: 0,
            failed: 0,
            in_flight_at_end: 0,
            latency: SpanStats::default(),
            started: 0,
            wait_sum: 0,
            in_system_us: 0,
            time_in_system_us: 0,
            replica_us: 0,
            replicas_launched: 0,
            peak_running: 0,
            slo,
            slo_minutes_violated: 0,
            cost: Money::ZERO,
            end: 0,
            minutes: Vec::new(),
        }
    }

    /// Whether every request is accounted for exactly once.
    pub fn conserved(&self) -> bool {
        self.arrived
            == self.served + self.timed_out + self.rejected + self.failed + self.in_flight_at_end
    }

    /// Mean queue wait of the requests that started service, seconds.
    pub fn mean_wait_s(&self) -> f64 {
        if self.started == 0 {
            0.0
        } else {
            self.wait_sum as f64 / self.started as f64 / 1e6
        }
    }

    /// Mean latency of served requests, seconds.
    pub fn mean_latency_s(&self) -> f64 {
        self.latency.mean_us().unwrap_or(0.0) / 1e6
    }

    /// Time-averaged replicas running.
    pub fn mean_replicas(&self) -> f64 {
        if self.end == 0 {
            0.0
        } else {
            self.replica_us as f64 / self.end as f64
        }
    }

    /// Time-averaged requests in the system (queued or in service).
    pub fn mean_in_system(&self) -> f64 {
        if self.end == 0 {
            0.0
        } else {
            self.in_system_us as f64 / self.end as f64
        }
    }

    /// A latency percentile (0–100) of served requests, seconds.
    pub fn latency_s(&mut self, percentile: f64) -> Option<f64> {
        self.latency
            .quantile(percentile / 100.0)
            .map(|v| v as f64 / 1e6)
    }
}
