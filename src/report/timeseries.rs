//! `timeseries.parquet` and `timeseries.csv`: one row per platform per
//! interval (a simulated minute unless `[report] interval` says otherwise).
//! Charts are drawn from the same table, whether it was just computed or read
//! back from a finished run by `fargate-sim report`.

use super::chart_series::{ChartRow, ChartSeries};
use crate::Error;
use crate::io::staged::Staged;
use crate::io::table::{
    self, Compression, ParquetBatches, ParquetFile, ReadError, Table, TableError, write_csv_batches,
};
use crate::platform::series::{SeriesRecorder, SeriesRow, SeriesRows};
use crate::pricing::Money;
use crate::time::sim_to_seconds;
use std::io::Write;
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

/// The columns of the table being built, row by row.
struct Columns {
    name: Vec<String>,
    t_start: Vec<f64>,
    t_end: Vec<f64>,
    submitted: Vec<u64>,
    completed: Vec<u64>,
    waiting: Vec<u64>,
    starting: Vec<u64>,
    running: Vec<u64>,
    replicas: Vec<u64>,
    launching_i: Vec<Option<u64>>,
    running_i: Vec<Option<u64>>,
    vcpu_p: Vec<f64>,
    vcpu_a: Vec<f64>,
    mem_p: Vec<f64>,
    mem_a: Vec<f64>,
    cost: Vec<f64>,
    cumulative: Vec<f64>,
}

impl Columns {
    fn with_capacity(n: usize) -> Columns {
        Columns {
            name: Vec::with_capacity(n),
            t_start: Vec::with_capacity(n),
            t_end: Vec::with_capacity(n),
            submitted: Vec::with_capacity(n),
            completed: Vec::with_capacity(n),
            waiting: Vec::with_capacity(n),
            starting: Vec::with_capacity(n),
            running: Vec::with_capacity(n),
            replicas: Vec::with_capacity(n),
            launching_i: Vec::with_capacity(n),
            running_i: Vec::with_capacity(n),
            vcpu_p: Vec::with_capacity(n),
            vcpu_a: Vec::with_capacity(n),
            mem_p: Vec::with_capacity(n),
            mem_a: Vec::with_capacity(n),
            cost: Vec::with_capacity(n),
            cumulative: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.name.len()
    }

    /// Adds `r` of `platform`; `previous` is the platform's cumulative cost
    /// at the row before (0 for its first).
    fn push(&mut self, platform: &str, r: &SeriesRow, previous: Money) {
        let g = &r.gauges;
        self.name.push(platform.to_string());
        self.t_start.push(sim_to_seconds(r.start));
        self.t_end.push(sim_to_seconds(r.end));
        self.submitted.push(r.tasks_submitted);
        self.completed.push(r.tasks_completed);
        self.waiting.push(g.tasks_waiting);
        self.starting.push(g.tasks_starting);
        self.running.push(g.tasks_running);
        self.replicas.push(g.replicas_running);
        self.launching_i.push(g.instances_launching);
        self.running_i.push(g.instances_running);
        self.vcpu_p.push(g.cpu_milli_provisioned as f64 / 1000.0);
        self.vcpu_a.push(g.cpu_milli_allocated as f64 / 1000.0);
        self.mem_p.push(g.memory_mib_provisioned as f64 / 1024.0);
        self.mem_a.push(g.memory_mib_allocated as f64 / 1024.0);
        self.cost.push(r.cost_since(previous).usd());
        self.cumulative.push(r.cost_cumulative.usd());
    }

    fn table(self) -> Result<Table, Error> {
        Table::new(vec![
            ("platform", self.name.into()),
            ("t_start_s", self.t_start.into()),
            ("t_end_s", self.t_end.into()),
            ("tasks_submitted", self.submitted.into()),
            ("tasks_completed", self.completed.into()),
            ("tasks_waiting", self.waiting.into()),
            ("tasks_starting", self.starting.into()),
            ("tasks_running", self.running.into()),
            ("replicas_running", self.replicas.into()),
            ("instances_launching", self.launching_i.into()),
            ("instances_running", self.running_i.into()),
            ("vcpu_provisioned", self.vcpu_p.into()),
            ("vcpu_allocated", self.vcpu_a.into()),
            ("memory_gib_provisioned", self.mem_p.into()),
            ("memory_gib_allocated", self.mem_a.into()),
            ("cost_usd", self.cost.into()),
            ("cost_cumulative_usd", self.cumulative.into()),
        ])
        .map_err(|e| Error::Internal(format!("building the time series: {e}")))
    }
}

/// Builds the table from each platform's rows, in scenario order.
pub fn frame(platforms: &[(&str, &[SeriesRow])]) -> Result<Table, Error> {
    let n: usize = platforms.iter().map(|(_, r)| r.len()).sum();
    let mut c = Columns::with_capacity(n);
    for (platform, rows) in platforms {
        let mut previous = Money::ZERO;
        for r in rows.iter() {
            c.push(platform, r, previous);
            previous = r.cost_cumulative;
        }
    }
    c.table()
}

/// The rows of a Parquet row group as polars' one-table writer cuts them
/// (`chunk_df_for_writing`, groups of about 512 × 512 rows): one group
/// below 2 × 512², else `n / 512²` groups of equal size, the last taking
/// the remainder. Writing the groups as batches gives the same file.
pub fn row_groups(n: usize) -> Vec<usize> {
    const GROUP: usize = 512 * 512;
    let k = n / GROUP;
    if k <= 1 {
        return if n == 0 { Vec::new() } else { vec![n] };
    }
    let size = n / k;
    let mut groups = vec![size; k - 1];
    groups.push(n - size * (k - 1));
    groups
}

/// Every platform's rows in order, taken a batch at a time as tables.
struct RowWalk<'a> {
    platforms: &'a [(&'a str, Option<&'a SeriesRecorder>)],
    /// The platform being read, its rows, and its cumulative cost so far.
    at: usize,
    rows: Option<SeriesRows<'a>>,
    previous: Money,
}

impl<'a> RowWalk<'a> {
    fn new(platforms: &'a [(&'a str, Option<&'a SeriesRecorder>)]) -> RowWalk<'a> {
        RowWalk {
            platforms,
            at: 0,
            rows: None,
            previous: Money::ZERO,
        }
    }

    /// The next `size` rows (fewer at the end) as a table, `None` when
    /// none are left.
    fn next_batch(&mut self, size: usize) -> Result<Option<Table>, Error> {
        let mut c = Columns::with_capacity(size);
        while c.len() < size && self.at < self.platforms.len() {
            let (platform, recorder) = self.platforms[self.at];
            let Some(rows) = self.rows.as_mut() else {
                self.rows = recorder.map(|r| r.rows());
                self.previous = Money::ZERO;
                if self.rows.is_none() {
                    self.at += 1;
                }
                continue;
            };
            match rows.next() {
                Some(r) => {
                    let r = r.map_err(|(path, source)| Error::Output { path, source })?;
                    c.push(platform, &r, self.previous);
                    self.previous = r.cost_cumulative;
                }
                None => {
                    self.rows = None;
                    self.at += 1;
                }
            }
        }
        if c.len() == 0 {
            return Ok(None);
        }
        c.table().map(Some)
    }
}

/// One row as a chart reads it.
fn chart_row(r: &SeriesRow) -> ChartRow {
    let g = &r.gauges;
    ChartRow {
        t_end_s: sim_to_seconds(r.end),
        tasks_waiting: g.tasks_waiting as f64,
        tasks_starting: g.tasks_starting as f64,
        tasks_running: g.tasks_running as f64,
        replicas_running: g.replicas_running as f64,
        instances: g
            .instances_launching
            .zip(g.instances_running)
            .map(|(l, r)| (l as f64, r as f64)),
        vcpu_provisioned: g.cpu_milli_provisioned as f64 / 1000.0,
        vcpu_allocated: g.cpu_milli_allocated as f64 / 1000.0,
        cost_cumulative_usd: r.cost_cumulative.usd(),
    }
}

/// What the charts draw of each platform, from its recorder (none: no
/// rows): one pass to count the rows (the lines' thinning plan needs the
/// counts before the first row), one to take them. Apart from the files
/// ([`write_streamed`]), so the charts can be drawn while those are written
/// (issue 24: the capacity chart, the longest to draw, was the last step
/// of a run).
pub fn chart_series(
    platforms: &[(&str, Option<&SeriesRecorder>)],
) -> Result<Vec<ChartSeries>, Error> {
    let spool_error = |(path, source)| Error::Output { path, source };
    let mut charts: Vec<ChartSeries> = Vec::with_capacity(platforms.len());
    for (name, recorder) in platforms {
        // Rows with both instance gauges.
        let mut instances = 0usize;
        for r in recorder.iter().flat_map(|r| r.rows()) {
            let r = r.map_err(spool_error)?;
            if r.gauges.instances_launching.is_some() && r.gauges.instances_running.is_some() {
                instances += 1;
            }
        }
        let rows = recorder.map_or(0, |r| r.len() as usize);
        let mut chart = ChartSeries::new(name, rows, instances);
        for r in recorder.iter().flat_map(|r| r.rows()) {
            chart.push(&chart_row(&r.map_err(spool_error)?));
        }
        chart.finish();
        charts.push(chart);
    }
    // As the table is read back: a platform without rows has no series.
    charts.retain(|c| c.tasks_running.len > 0);
    Ok(charts)
}

/// Writes `timeseries.parquet` and `timeseries.csv` into `dir` from each
/// platform's recorder (none: no rows), streaming the rows (issue 24: a
/// run of 440 simulated days has 638,000 rows a platform, most of them in
/// the recorder's spool file), the same bytes as [`frame`] then [`write`].
///
/// The rows are walked once, a Parquet row group at a time: each group's
/// table goes to the Parquet file on a second thread and to the CSV here
/// (polars formats each CSV value on its own, so the text does not depend
/// on how the rows are cut). The files join `out`, put in place when the
/// run's files are all written.
pub fn write_streamed(
    out: &Staged,
    dir: &Path,
    platforms: &[(&str, Option<&SeriesRecorder>)],
) -> Result<(), Error> {
    let n: usize = platforms
        .iter()
        .map(|(_, r)| r.map_or(0, |r| r.len() as usize))
        .sum();
    let like = Columns::with_capacity(0).table()?;
    let (to_parquet, batches) = std::sync::mpsc::sync_channel::<Table>(1);
    let mut failed: Option<Error> = None;
    std::thread::scope(|s| {
        let parquet = s.spawn(|| {
            out.write_with(&dir.join("timeseries.parquet"), |f| {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
                let mut file =
                    ParquetBatches::on_this_thread(&mut w, &like, Compression::default())
                        .map_err(|e| e.0)?;
                for t in batches {
                    file.write(&t).map_err(|e| e.0)?;
                }
                file.finish().map_err(|e| e.0)?;
                w.flush().map_err(|e| e.to_string())
            })
        });
        let csv = out.write_with(&dir.join("timeseries.csv"), |f| {
            let mut walk = RowWalk::new(platforms);
            let mut groups = row_groups(n).into_iter();
            let mut next = || -> Result<Option<Table>, TableError> {
                let Some(size) = groups.next() else {
                    return Ok(None);
                };
                let batch = walk.next_batch(size).map_err(|e| {
                    let text = e.to_string();
                    failed = Some(e);
                    TableError(text)
                })?;
                if let Some(t) = &batch {
                    // A Parquet writer that failed has stopped reading: its
                    // own error says why.
                    let _ = to_parquet.send(t.clone());
                }
                Ok(batch)
            };
            let written = write_csv_batches(f, &like, &mut next).map_err(|e| e.0);
            // The Parquet writer's loop ends with the sender.
            drop(to_parquet);
            written
        });
        let parquet = parquet
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        csv.map_err(|e| failed.take().unwrap_or_else(|| e.into()))?;
        parquet.map_err(Error::from)
    })
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

/// Rows read at a time when the charts are drawn again from a finished
/// run's `timeseries.parquet`.
const READ_SLICE: usize = 1 << 16;

/// Hands each slice of a table to the visitor, in order.
type Slices<'a> = dyn FnMut(&mut dyn FnMut(&Table) -> Result<(), Error>) -> Result<(), Error> + 'a;

/// What the charts draw of a table of the time series, read by `slices`
/// (called twice: each call hands every slice to the visitor, in order):
/// the platforms in order of first appearance, a missing value read as 0,
/// instance gauges where a row has both (as [`split`] reads them).
fn charts_from(slices: &mut Slices<'_>) -> Result<Vec<ChartSeries>, Error> {
    let bad = |m: String| Error::BadInput(format!("timeseries: {m}"));
    let floats = |table: &Table, name: &str| -> Result<Vec<Option<f64>>, Error> {
        if !table.has(name) {
            return Err(bad(format!("no `{name}` column")));
        }
        table.f64s(name).map_err(|e| bad(format!("`{name}`: {e}")))
    };
    let names = |table: &Table| -> Result<Vec<Option<String>>, Error> {
        if !table.has("platform") {
            return Err(bad("no `platform` column".into()));
        }
        table
            .strs("platform")
            .map_err(|e| bad(format!("`platform`: {e}")))
    };
    // First pass: the platforms, their rows and rows with instance gauges.
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    slices(&mut |t| {
        let launching = floats(t, "instances_launching")?;
        let running = floats(t, "instances_running")?;
        for ((name, l), r) in names(t)?.into_iter().zip(&launching).zip(&running) {
            let name = name.unwrap_or_default();
            let k = match counts.iter().position(|c| c.0 == name) {
                Some(k) => k,
                None => {
                    counts.push((name, 0, 0));
                    counts.len() - 1
                }
            };
            counts[k].1 += 1;
            if l.is_some() && r.is_some() {
                counts[k].2 += 1;
            }
        }
        Ok(())
    })?;
    let mut out: Vec<ChartSeries> = counts
        .iter()
        .map(|(name, rows, inst)| ChartSeries::new(name, *rows, *inst))
        .collect();
    slices(&mut |t| {
        let get = |name: &str| floats(t, name);
        let t_end = get("t_end_s")?;
        let waiting = get("tasks_waiting")?;
        let starting = get("tasks_starting")?;
        let running = get("tasks_running")?;
        // Runs written before replicas had their own column have none.
        let replicas = if t.has("replicas_running") {
            get("replicas_running")?
        } else {
            vec![None; t.height()]
        };
        let launching_i = get("instances_launching")?;
        let running_i = get("instances_running")?;
        let vcpu_p = get("vcpu_provisioned")?;
        let vcpu_a = get("vcpu_allocated")?;
        let cumulative = get("cost_cumulative_usd")?;
        for (i, name) in names(t)?.into_iter().enumerate() {
            let name = name.unwrap_or_default();
            let Some(k) = out.iter().position(|p| p.platform == name) else {
                return Err(bad(format!(
                    "the file changed while it was read (platform `{name}`)"
                )));
            };
            let v = |c: &Vec<Option<f64>>| c.get(i).copied().flatten().unwrap_or(0.0);
            let instances = match (
                launching_i.get(i).copied().flatten(),
                running_i.get(i).copied().flatten(),
            ) {
                (Some(l), Some(r)) => Some((l, r)),
                _ => None,
            };
            out[k].push(&ChartRow {
                t_end_s: v(&t_end),
                tasks_waiting: v(&waiting),
                tasks_starting: v(&starting),
                tasks_running: v(&running),
                replicas_running: v(&replicas),
                instances,
                vcpu_provisioned: v(&vcpu_p),
                vcpu_allocated: v(&vcpu_a),
                cost_cumulative_usd: v(&cumulative),
            });
        }
        Ok(())
    })?;
    for c in &mut out {
        c.finish();
    }
    Ok(out)
}

/// What the charts draw of a time-series table held in memory.
pub fn charts_from_table(table: &Table) -> Result<Vec<ChartSeries>, Error> {
    charts_from(&mut |visit| visit(table))
}

/// What the charts draw of a finished run's `timeseries.parquet`, read
/// [`READ_SLICE`] rows at a time (a long run's file is not held whole).
pub fn charts_from_parquet(path: &Path) -> Result<Vec<ChartSeries>, Error> {
    let bad = |m: String| Error::BadInput(format!("{}: {m}", path.display()));
    let unreadable = |e: ReadError| match e {
        ReadError::Open(e) => bad(format!(
            "cannot open it ({e}); is this the folder of a finished run?"
        )),
        ReadError::Table(e) => bad(format!("not a readable Parquet file: {e}")),
    };
    let file = ParquetFile::open(path).map_err(unreadable)?;
    // Only the columns the charts read (an old file may lack some: the
    // checks in `charts_from` name them).
    const WANTED: [&str; 11] = [
        "platform",
        "t_end_s",
        "tasks_waiting",
        "tasks_starting",
        "tasks_running",
        "replicas_running",
        "instances_launching",
        "instances_running",
        "vcpu_provisioned",
        "vcpu_allocated",
        "cost_cumulative_usd",
    ];
    let columns: Vec<String> = file
        .names()
        .iter()
        .filter(|n| WANTED.contains(&n.as_str()))
        .cloned()
        .collect();
    charts_from(&mut |visit| {
        let mut offset = 0;
        while offset < file.rows() {
            let len = READ_SLICE.min(file.rows() - offset);
            let t = file.read(&columns, offset, len).map_err(unreadable)?;
            visit(&t)?;
            offset += len;
        }
        Ok(())
    })
}
