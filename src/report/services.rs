//! The services' outputs: their part of `summary.json` ([`ServiceSummary`],
//! one per service per platform) and `service_minutes.parquet/.csv`, one row
//! per platform, service and minute. Charts read the minutes back from the
//! table, so `fargate-sim report` redraws them without simulating.

use crate::Error;
use crate::io::table::{self, Table};
use crate::service::ServiceReport;
use crate::time::sim_to_seconds;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One service on one platform, in `summary.json`. `arrived = served +
/// timed_out + rejected + failed + in_flight_at_end` always holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ServiceSummary {
    pub name: String,
    pub requests: RequestCounts,
    /// Queue plus service time of served requests, seconds (percentiles
    /// within 0.8 %; the mean is exact).
    pub latency_s: RequestLatency,
    /// Mean wait in a queue of the requests that started service, seconds.
    pub queue_wait_mean_s: f64,
    /// Time-averaged requests queued or in service (Little's L).
    pub mean_in_system: f64,
    pub slo: Option<SloSummary>,
    pub replicas: ReplicaSummary,
    /// A self-check: Little's law on the run's own measurements.
    #[serde(default)]
    pub littles_law: LittlesLaw,
    /// What the service's replicas cost: serverless, their bills; EC2, their
    /// share of their instances.
    pub cost_usd: f64,
    pub cost_per_million_served_usd: Option<f64>,
}

/// L (time-averaged requests in the system, from the integral of the
/// count) against λW (arrival rate × mean time in the system, summed request
/// by request). They agree unless the bookkeeping is wrong.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LittlesLaw {
    pub l: f64,
    pub lambda_w: f64,
    pub relative_error: f64,
}

impl LittlesLaw {
    /// From ∫N dt (`area`, item·µs), the summed times in the system (µs) and
    /// the run's length (µs). λW = (n / T)·(Σw / n) = Σw / T.
    pub fn of(area: u128, summed: u128, end: u64) -> LittlesLaw {
        if end == 0 {
            return LittlesLaw::default();
        }
        let l = area as f64 / end as f64;
        let lambda_w = summed as f64 / end as f64;
        LittlesLaw {
            l,
            lambda_w,
            relative_error: if l > 0.0 {
                (l - lambda_w).abs() / l
            } else {
                lambda_w.abs()
            },
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RequestCounts {
    pub arrived: u64,
    pub served: u64,
    /// Still waiting in a queue when their timeout ran out.
    pub timed_out: u64,
    /// Found no running replica, or a full queue.
    pub rejected: u64,
    /// Lost with an interrupted replica.
    pub failed: u64,
    pub in_flight_at_end: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RequestLatency {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub p99_9: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SloSummary {
    pub percentile: f64,
    pub latency_s: f64,
    /// Minutes in which more than (100 − percentile) % of the requests that
    /// finished were slower, timed out, rejected or lost.
    pub minutes_violated: u64,
    pub minutes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReplicaSummary {
    pub launched: u64,
    pub peak_running: u32,
    /// Time-averaged replicas running.
    pub mean_running: f64,
}

/// The summary of one service's report.
pub fn summary(r: &mut ServiceReport) -> ServiceSummary {
    let served = r.served > 0;
    let cost = r.cost.usd();

    ServiceSummary {
        name: r.name.clone(),
        requests: RequestCounts {
            arrived: r.arrived,
            served: r.served,
            timed_out: r.timed_out,
            rejected: r.rejected,
            failed: r.failed,
            in_flight_at_end: r.in_flight_at_end,
        },
        latency_s: RequestLatency {
            mean: served.then(|| r.mean_latency_s()),
            p50: r.latency_s(50.0),
            p95: r.latency_s(95.0),
            p99: r.latency_s(99.0),
            p99_9: r.latency_s(99.9),
            max: served.then(|| sim_to_seconds(r.latency.max())),
        },
        queue_wait_mean_s: r.mean_wait_s(),
        mean_in_system: r.mean_in_system(),
        slo: r.slo.map(|s| SloSummary {
            percentile: s.percentile,
            latency_s: sim_to_seconds(s.latency),
            minutes_violated: r.slo_minutes_violated,
            minutes: r.minutes.len() as u64,
        }),
        replicas: ReplicaSummary {
            launched: r.replicas_launched,
            peak_running: r.peak_running,
            mean_running: r.mean_replicas(),
        },
        littles_law: LittlesLaw::of(r.in_system_us, r.time_in_system_us, r.end),
        cost_usd: cost,
        cost_per_million_served_usd: served.then(|| cost / r.served as f64 * 1e6),
    }
}

/// The columns of `service_minutes`, in file order, with their meaning.
pub const COLUMNS: &[(&str, &str)] = &[
    ("platform", "platform name"),
    ("service", "service name"),
    (
        "t_start_s",
        "minute start, seconds from the start of the run",
    ),
    ("t_end_s", "minute end (the last minute may be shorter)"),
    ("arrived", "requests that arrived"),
    ("served", "requests served (finished) in the minute"),
    ("timed_out", "requests that timed out in a queue"),
    (
        "rejected",
        "requests rejected (no running replica, or a full queue)",
    ),
    ("failed", "requests lost with an interrupted replica"),
    (
        "latency_p50_s",
        "median latency of the requests served, seconds",
    ),
    ("latency_p95_s", "95th percentile"),
    ("latency_p99_s", "99th percentile"),
    ("latency_p99_9_s", "99.9th percentile"),
    ("latency_mean_s", "mean latency"),
    ("replicas_desired", "desired count at the minute's end"),
    (
        "replicas_running",
        "replicas taking requests at the minute's end",
    ),
    (
        "replicas_starting",
        "replicas launched or waiting to launch, not yet running",
    ),
    (
        "cpu_percent",
        "average CPU utilisation of the running replicas",
    ),
    (
        "requests_per_target",
        "requests in the minute per routable replica",
    ),
    ("slo_violated", "whether the minute missed the SLO"),
];

/// The table of every platform's services' minutes.
pub fn frame(runs: &[(&str, &[ServiceReport])]) -> Result<Table, Error> {
    let mut platform = Vec::new();
    let mut service = Vec::new();
    let (mut t0, mut t1) = (Vec::new(), Vec::new());
    let (mut arrived, mut served, mut timed_out, mut rejected, mut failed) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut p50, mut p95, mut p99, mut p999, mut mean) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut desired, mut running, mut starting) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cpu, mut rpt, mut violated) = (Vec::new(), Vec::new(), Vec::new());
    let secs = |v: Option<u64>| v.map(sim_to_seconds);
    for (p, reports) in runs {
        for r in reports.iter() {
            for m in &r.minutes {
                platform.push(p.to_string());
                service.push(r.name.clone());
                t0.push(sim_to_seconds(m.start));
                t1.push(sim_to_seconds(m.end));
                arrived.push(m.arrived);
                served.push(m.served);
                timed_out.push(m.timed_out);
                rejected.push(m.rejected);
                failed.push(m.failed);
                p50.push(secs(m.p50));
                p95.push(secs(m.p95));
                p99.push(secs(m.p99));
                p999.push(secs(m.p999));
                mean.push(m.mean_latency.map(|v| v / 1e6));
                desired.push(m.desired);
                running.push(m.running);
                starting.push(m.starting);
                cpu.push(m.cpu_percent);
                rpt.push(m.requests_per_target);
                violated.push(m.slo_violated);
            }
        }
    }
    Table::new(vec![
        ("platform", platform.into()),
        ("service", service.into()),
        ("t_start_s", t0.into()),
        ("t_end_s", t1.into()),
        ("arrived", arrived.into()),
        ("served", served.into()),
        ("timed_out", timed_out.into()),
        ("rejected", rejected.into()),
        ("failed", failed.into()),
        ("latency_p50_s", p50.into()),
        ("latency_p95_s", p95.into()),
        ("latency_p99_s", p99.into()),
        ("latency_p99_9_s", p999.into()),
        ("latency_mean_s", mean.into()),
        ("replicas_desired", desired.into()),
        ("replicas_running", running.into()),
        ("replicas_starting", starting.into()),
        ("cpu_percent", cpu.into()),
        ("requests_per_target", rpt.into()),
        ("slo_violated", violated.into()),
    ])
    .map_err(|e| Error::Internal(format!("building the service minutes table: {e}")))
}

/// Writes `service_minutes.parquet` and `.csv` into `dir`.
pub fn write(dir: &Path, table: &mut Table) -> Result<(), Error> {
    Ok(table::write_parquet_and_csv(dir, "service_minutes", table)?)
}

/// One service on one platform, minute by minute, as charts read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceSeries {
    pub platform: String,
    pub service: String,
    pub t_end_s: Vec<f64>,
    pub arrived_per_s: Vec<f64>,
    pub p50_s: Vec<Option<f64>>,
    pub p95_s: Vec<Option<f64>>,
    pub p99_s: Vec<Option<f64>>,
    pub desired: Vec<f64>,
    pub running: Vec<f64>,
}

/// Splits the table into one series per (platform, service), in table order.
pub fn split(table: &Table) -> Result<Vec<ServiceSeries>, Error> {
    let err = |e: table::TableError| Error::Internal(format!("reading the service minutes: {e}"));
    let platform = table.strs("platform").map_err(err)?;
    let service = table.strs("service").map_err(err)?;
    let f = |n: &str| table.f64s(n).map_err(err);
    let (t0, t1, arrived) = (f("t_start_s")?, f("t_end_s")?, f("arrived")?);
    let (p50, p95, p99) = (
        f("latency_p50_s")?,
        f("latency_p95_s")?,
        f("latency_p99_s")?,
    );
    let (desired, running) = (f("replicas_desired")?, f("replicas_running")?);
    let mut out: Vec<ServiceSeries> = Vec::new();
    for i in 0..table.height() {
        let (p, s) = (
            platform[i].as_deref().unwrap_or(""),
            service[i].as_deref().unwrap_or(""),
        );
        if out.last().is_none_or(|l| l.platform != p || l.service != s) {
            out.push(ServiceSeries {
                platform: p.to_string(),
                service: s.to_string(),
                ..ServiceSeries::default()
            });
        }
        let o = out.last_mut().expect("pushed");
        let span = (t1[i].unwrap_or(0.0) - t0[i].unwrap_or(0.0)).max(1e-9);
        o.t_end_s.push(t1[i].unwrap_or(0.0));
        o.arrived_per_s.push(arrived[i].unwrap_or(0.0) / span);
        o.p50_s.push(p50[i]);
        o.p95_s.push(p95[i]);
        o.p99_s.push(p99[i]);
        o.desired.push(desired[i].unwrap_or(0.0));
        o.running.push(running[i].unwrap_or(0.0));
    }
    Ok(out)
}
