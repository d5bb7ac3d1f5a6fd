//! `timeseries.parquet` and `timeseries.csv`: one row per platform per
//! interval (a simulated minute unless `[report] interval` says otherwise).
//! Charts are drawn from the same table, whether it was just computed or read
//! back from a finished run by `fargate-sim report`.

use crate::Error;
use crate::io::table::{self, ReadError, Table};
use crate::platform::series::SeriesRow;
use crate::pricing::Money;
use crate::time::sim_to_seconds;
use std::path::Path;

/// The columns, in file order, with their meaning (docs/outputs.md repeats this).
pub const COLUMNS: &[(&str, &str)] = &[
    ("platform", "platform name"),
    (
        "t_start_s",
        "interval start, seconds from the start of the run",
    ),
    (
        "t_end_s",
        "interval end; gauges are the state at this instant",
    ),
    ("tasks_submitted", "tasks submitted during the interval"),
    ("tasks_completed", "tasks completed during the interval"),
    ("tasks_waiting", "submitted, not yet launched or placed"),
    (
        "tasks_starting",
        "launched or placed, container not yet running",
    ),
    ("tasks_running", "the workload's containers running"),
    (
        "replicas_running",
        "service replicas launched or placed and not yet stopped",
    ),
    (
        "instances_launching",
        "EC2 instances requested, not yet ready (null for serverless)",
    ),
    (
        "instances_running",
        "EC2 instances ready or draining (null for serverless)",
    ),
    (
        "vcpu_provisioned",
        "vCPU being paid for: every billed instance, or the billed size of serverless tasks",
    ),
    (
        "vcpu_allocated",
        "vCPU requested by the tasks placed or billed",
    ),
    ("memory_gib_provisioned", "memory being paid for, GiB"),
    (
        "memory_gib_allocated",
        "memory requested by the tasks placed or billed, GiB",
    ),
    ("cost_usd", "cost accrued during the interval, USD"),
    (
        "cost_cumulative_usd",
        "cost accrued from the start to t_end_s, USD",
    ),
];

/// One platform's rows, as charts read them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlatformSeries {
    pub platform: String,
    pub t_end_s: Vec<f64>,
    pub tasks_waiting: Vec<f64>,
    pub tasks_starting: Vec<f64>,
    pub tasks_running: Vec<f64>,
    pub replicas_running: Vec<f64>,
    /// Empty for serverless platforms.
    pub instances_launching: Vec<f64>,
    pub instances_running: Vec<f64>,
    pub vcpu_provisioned: Vec<f64>,
    pub vcpu_allocated: Vec<f64>,
    pub cost_cumulative_usd: Vec<f64>,
}

/// Builds the table from each platform's rows, in scenario order.
pub fn frame(platforms: &[(&str, &[SeriesRow])]) -> Result<Table, Error> {
    let n: usize = platforms.iter().map(|(_, r)| r.len()).sum();
    let mut name = Vec::with_capacity(n);
    let mut t_start = Vec::with_capacity(n);
    let mut t_end = Vec::with_capacity(n);
    let mut submitted = Vec::with_capacity(n);
    let mut completed = Vec::with_capacity(n);
    let mut waiting = Vec::with_capacity(n);
    let mut starting = Vec::with_capacity(n);
    let mut running = Vec::with_capacity(n);
    let mut replicas = Vec::with_capacity(n);
    let mut launching_i: Vec<Option<u64>> = Vec::with_capacity(n);
    let mut running_i: Vec<Option<u64>> = Vec::with_capacity(n);
    let mut vcpu_p = Vec::with_capacity(n);
    let mut vcpu_a = Vec::with_capacity(n);
    let mut mem_p = Vec::with_capacity(n);
    let mut mem_a = Vec::with_capacity(n);
    let mut cost = Vec::with_capacity(n);
    let mut cumulative = Vec::with_capacity(n);
    for (platform, rows) in platforms {
        let mut previous = Money::ZERO;
        for r in rows.iter() {
            let g = &r.gauges;
            name.push(platform.to_string());
            t_start.push(sim_to_seconds(r.start));
            t_end.push(sim_to_seconds(r.end));
            submitted.push(r.tasks_submitted);
            completed.push(r.tasks_completed);
            waiting.push(g.tasks_waiting);
            starting.push(g.tasks_starting);
            running.push(g.tasks_running);
            replicas.push(g.replicas_running);
            launching_i.push(g.instances_launching);
            running_i.push(g.instances_running);
            vcpu_p.push(g.cpu_milli_provisioned as f64 / 1000.0);
            vcpu_a.push(g.cpu_milli_allocated as f64 / 1000.0);
            mem_p.push(g.memory_mib_provisioned as f64 / 1024.0);
            mem_a.push(g.memory_mib_allocated as f64 / 1024.0);
            cost.push(r.cost_since(previous).usd());
            cumulative.push(r.cost_cumulative.usd());
            previous = r.cost_cumulative;
        }
    }
    Table::new(vec![
        ("platform", name.into()),
        ("t_start_s", t_start.into()),
        ("t_end_s", t_end.into()),
        ("tasks_submitted", submitted.into()),
        ("tasks_completed", completed.into()),
        ("tasks_waiting", waiting.into()),
        ("tasks_starting", starting.into()),
        ("tasks_running", running.into()),
        ("replicas_running", replicas.into()),
        ("instances_launching", launching_i.into()),
        ("instances_running", running_i.into()),
        ("vcpu_provisioned", vcpu_p.into()),
        ("vcpu_allocated", vcpu_a.into()),
        ("memory_gib_provisioned", mem_p.into()),
        ("memory_gib_allocated", mem_a.into()),
        ("cost_usd", cost.into()),
        ("cost_cumulative_usd", cumulative.into()),
    ])
    .map_err(|e| Error::Internal(format!("building the time series: {e}")))
}

/// Writes `timeseries.parquet` and `timeseries.csv` into `dir`.
pub fn write(dir: &Path, table: &mut Table) -> Result<(), Error> {
    Ok(table::write_parquet_and_csv(dir, "timeseries", table)?)
}

/// Reads `timeseries.parquet` back.
pub fn read(path: &Path) -> Result<Table, Error> {
    let bad = |m: String| Error::BadInput(format!("{}: {m}", path.display()));
    Table::read_parquet(path).map_err(|e| match e {
        ReadError::Open(e) => bad(format!(
            "cannot open it ({e}); is this the folder of a finished run?"
        )),
        ReadError::Table(e) => bad(format!("not a readable Parquet file: {e}")),
    })
}

/// Splits the table into one [`PlatformSeries`] per platform, in order of
/// first appearance.
pub fn split(table: &Table) -> Result<Vec<PlatformSeries>, Error> {
    let bad = |m: String| Error::BadInput(format!("timeseries: {m}"));
    let floats = |name: &str| -> Result<Vec<Option<f64>>, Error> {
        if !table.has(name) {
            return Err(bad(format!("no `{name}` column")));
        }
        table.f64s(name).map_err(|e| bad(format!("`{name}`: {e}")))
    };
    if !table.has("platform") {
        return Err(bad("no `platform` column".into()));
    }
    // Column by column into each platform's vectors, sized exactly, so a
    // long run (issue 24: 638,000 rows) holds one column apart at a time,
    // not every column as options and the platforms' vectors grown by
    // doubling.
    let mut out: Vec<PlatformSeries> = Vec::new();
    let mut rows_of: Vec<usize> = Vec::new();
    let which: Vec<u32> = table
        .strs("platform")
        .map_err(|e| bad(format!("`platform`: {e}")))?
        .into_iter()
        .map(|name| {
            let name = name.unwrap_or_default();
            let k = match out.iter().position(|p| p.platform == name) {
                Some(k) => k,
                None => {
                    out.push(PlatformSeries {
                        platform: name,
                        ..PlatformSeries::default()
                    });
                    rows_of.push(0);
                    out.len() - 1
                }
            };
            rows_of[k] += 1;
            k as u32
        })
        .collect();
    let spread = |out: &mut Vec<PlatformSeries>,
                  column: Vec<Option<f64>>,
                  field: fn(&mut PlatformSeries) -> &mut Vec<f64>| {
        for (p, &n) in out.iter_mut().zip(&rows_of) {
            field(p).reserve_exact(n);
        }
        for (v, &k) in column.iter().zip(&which) {
            field(&mut out[k as usize]).push(v.unwrap_or(0.0));
        }
    };
    spread(&mut out, floats("t_end_s")?, |p| &mut p.t_end_s);
    spread(&mut out, floats("tasks_waiting")?, |p| &mut p.tasks_waiting);
    spread(&mut out, floats("tasks_starting")?, |p| {
        &mut p.tasks_starting
    });
    spread(&mut out, floats("tasks_running")?, |p| &mut p.tasks_running);
    // Runs written before replicas had their own column have none.
    let replicas = if table.has("replicas_running") {
        floats("replicas_running")?
    } else {
        vec![None; table.height()]
    };
    spread(&mut out, replicas, |p| &mut p.replicas_running);
    let launching_i = floats("instances_launching")?;
    let running_i = floats("instances_running")?;
    for ((l, r), &k) in launching_i.iter().zip(&running_i).zip(&which) {
        if let (Some(l), Some(r)) = (l, r) {
            let p = &mut out[k as usize];
            p.instances_launching.push(*l);
            p.instances_running.push(*r);
        }
    }
    drop((launching_i, running_i));
    spread(&mut out, floats("vcpu_provisioned")?, |p| {
        &mut p.vcpu_provisioned
    });
    spread(&mut out, floats("vcpu_allocated")?, |p| {
        &mut p.vcpu_allocated
    });
    spread(&mut out, floats("cost_cumulative_usd")?, |p| {
        &mut p.cost_cumulative_usd
    });
    Ok(out)
}
