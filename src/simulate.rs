//! Runs a validated scenario: each platform replays the same workload through
//! its own engine, on its own thread, with its own random streams. Platforms
//! share nothing, so adding one never changes another's numbers.

use crate::engine::{self, Progress, RunEnd};
use crate::platform::books::Failure;
use crate::platform::ec2::Ec2Model;
use crate::platform::fargate::FargateModel;
use crate::platform::function::{FunctionModel, ManagedModel};
use crate::platform::series::SeriesRecorder;
use crate::platform::{Detail, Platform, PlatformSpec, RecordSink, Tally};
use crate::pricing::Catalog;
use crate::pricing::ExactCost;
use crate::pricing::around::{AroundRates, CostLine, Fleet, MinuteTraffic, Usage, bill};
use crate::scenario::Scenario;
use crate::service::{ReplicaHost, ServiceHost, ServiceReport};
use crate::time::SimTime;
use crate::{Error, workload::WorkloadError};

/// What one platform produced.
pub struct PlatformRun {
    pub spec: PlatformSpec,
    pub tally: Tally,
    /// The exact bill, by component.
    pub cost: ExactCost,
    /// Where the rates came from.
    pub rates_source: String,
    /// What the kind reports beyond the books: cluster statistics (EC2),
    /// invocations, cold starts and throttles (function platforms).
    pub detail: Detail,
    pub end: RunEnd,
    /// The time series, when one was asked for.
    pub series: Option<SeriesRecorder>,
    /// Each service's requests, latency, replicas and cost (scenario order).
    pub services: Vec<ServiceReport>,
    /// Trace rows skipped (`on_bad_row = "skip"`), by reason.
    pub skipped_rows: std::collections::BTreeMap<String, u64>,
    /// Wall-clock seconds the platform's replay took (not in summary.json,
    /// which must be identical run to run).
    pub wall_seconds: f64,
    /// The bill around compute (EBS, public IPv4, load balancers, NAT,
    /// logs, ECR), not in `cost` (see `pricing::around`).
    pub around: Vec<CostLine>,
}

impl PlatformRun {
    /// The bill around compute, summed.
    pub fn around_total(&self) -> crate::pricing::Money {
        self.around.iter().map(|l| l.cost()).sum()
    }

    /// Compute and around compute: the whole bill.
    pub fn whole_bill(&self) -> crate::pricing::Money {
        self.cost.total() + self.around_total()
    }
}

/// The result of a run.
pub struct RunOutput {
    pub platforms: Vec<PlatformRun>,
    /// Notes about the inputs (ignored columns, …).
    pub notes: Vec<String>,
}

/// Makes a per-task record sink for a platform, if wanted.
pub type SinkFactory<'a> = &'a (dyn Fn(&PlatformSpec) -> Option<Box<dyn RecordSink>> + Sync);

/// What a run records besides the summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions<'a> {
    /// Take a time-series row every this many µs.
    pub series_every: Option<SimTime>,
    /// Publish progress here, one entry per platform in scenario order.
    pub progress: Option<&'a [Progress]>,
}

/// Starts the model's time series, when one was asked for.
fn record_series<P: Platform>(model: &mut P, options: RunOptions<'_>) {
    if let Some(every) = options.series_every {
        model.books_mut().record_series(every);
    }
}

/// Keeps each task group's cost when the workload came from cost data, to
/// be set beside the account's real bill, or when a platform right-sizes
/// (each group's bill before and after, issue 27).
fn keep_group_costs<P: Platform>(model: &mut P, scenario: &Scenario) {
    let rightsizing = scenario.platforms.iter().any(|p| match p {
        PlatformSpec::Fargate(f) => !f.rightsizing.is_requested(),
        PlatformSpec::Ec2(e) => !e.rightsizing.is_requested(),
        _ => false,
    });
    if rightsizing
        || scenario
            .workload
            .trace
            .as_ref()
            .is_some_and(|t| t.format == crate::workload::formats::Format::AwsCur)
    {
        model.books_mut().tally.group_costs = Some(Default::default());
    }
}

/// Takes the time-series rows still due before `end`, and one at `end`.
fn sample_to_end<M: engine::Model>(model: &mut M, end: SimTime) {
    if model.next_sample_at() == SimTime::MAX {
        return;
    }
    while model.next_sample_at() < end {
        let at = model.next_sample_at();
        model.sample(at);
    }
    model.sample(end);
}

/// Runs the engine over `model`, inside a service host when the scenario
/// has services the model does not run itself, takes the last time-series
/// rows and settles the run.
fn replay<P: Platform + ReplicaHost>(
    model: P,
    scenario: &Scenario,
    stream: &mut crate::workload::TaskStream,
    progress: Option<&Progress>,
    notes: &mut Vec<String>,
) -> Result<(P, RunEnd, Vec<ServiceReport>), Error> {
    let services = &scenario.workload.services;
    if services.is_empty() {
        return replay_alone(model, scenario, stream, progress);
    }
    let mut host = ServiceHost::new(model, services, scenario.seed, scenario.horizon)?;
    let end = engine::run_with_progress(&mut host, stream, scenario.horizon, progress)?;
    if let Some(e) = host.error.take() {
        return Err(e.into());
    }
    notes.append(&mut host.notes);
    sample_to_end(&mut host, end.end);
    let (model, reports) = host.finish(end.end);
    Ok((model, end, reports))
}

/// Runs the engine over a model that runs the scenario's services itself
/// (if it has any), and settles the run.
fn replay_alone<P: Platform>(
    mut model: P,
    scenario: &Scenario,
    stream: &mut crate::workload::TaskStream,
    progress: Option<&Progress>,
) -> Result<(P, RunEnd, Vec<ServiceReport>), Error> {
    let end = engine::run_with_progress(&mut model, stream, scenario.horizon, progress)?;
    // A request source that failed stops the run before it is settled; a
    // bad input found while running is reported after (see `collect`).
    if matches!(model.books().failure, Some(Failure::Workload(_)))
        && let Some(Failure::Workload(e)) = model.books_mut().failure.take()
    {
        return Err(e.into());
    }
    sample_to_end(&mut model, end.end);
    model.finish(end.end);
    let services = model.take_service_reports();
    Ok((model, end, services))
}

/// What a platform's replay left: the model, how the run ended, the
/// services' reports.
type Replayed<P> = (P, RunEnd, Vec<ServiceReport>);

/// Gathers a settled model's results.
fn collect<P: Platform>(
    (mut model, end, services): Replayed<P>,
    spec: &PlatformSpec,
    notes: &mut Vec<String>,
    started: std::time::Instant,
) -> Result<PlatformRun, Error> {
    let books = model.books_mut();
    match books.failure.take() {
        Some(Failure::BadInput(m)) => return Err(Error::BadInput(m)),
        Some(Failure::Workload(e)) => return Err(e.into()),
        Some(Failure::Spill { path, source }) => return Err(Error::Output { path, source }),
        None => {}
    }
    notes.append(&mut books.notes);
    let cost = model.cost();
    model.books_mut().settle_series(cost.total());
    Ok(PlatformRun {
        spec: spec.clone(),
        rates_source: model.rates_source(),
        cost,
        detail: model.detail(),
        tally: std::mem::take(&mut model.books_mut().tally),
        skipped_rows: Default::default(),
        series: model.books_mut().series.take(),
        services,
        end,
        wall_seconds: started.elapsed().as_secs_f64(),
        around: Vec::new(),
    })
}

/// Prices what surrounds compute from what the run measured: billed task
/// and instance time, tasks and instances, each service's requests.
fn around_bill(
    scenario: &Scenario,
    catalog: &Catalog,
    spec: &PlatformSpec,
    run: &PlatformRun,
) -> Result<Vec<CostLine>, Error> {
    let Some(i) = scenario
        .platforms
        .iter()
        .position(|p| p.name() == spec.name())
    else {
        return Ok(Vec::new());
    };
    let Some(settings) = scenario.bills.get(i) else {
        return Ok(Vec::new());
    };
    let (fleet, region) = match spec {
        PlatformSpec::Fargate(f) => (Fleet::Tasks, f.region.as_str()),
        PlatformSpec::Ec2(e) => (Fleet::Instances, e.region.as_str()),
        PlatformSpec::Function(_) => return Ok(Vec::new()),
    };
    let t = &run.tally;
    let (billed_instance_us, instances) = match &run.detail {
        Detail::Cluster(c) => (c.billed_instance_us, c.instances_launched),
        _ => (0, 0),
    };
    let services = settings
        .services
        .iter()
        .map(|s| {
            run.services
                .iter()
                .find(|r| r.name == s.name)
                .map(|r| {
                    r.minutes
                        .iter()
                        .map(|m| MinuteTraffic {
                            start: m.start,
                            requests: m.arrived,
                            // Little's law over the minute: arrivals x mean latency.
                            concurrent: m.arrived as f64 * m.mean_latency.unwrap_or(0.0)
                                / crate::time::MINUTE as f64,
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let usage = Usage {
        platform: spec.name().to_string(),
        fleet,
        end: run.end.end,
        billed_task_us: t.billed_task_us,
        tasks: t.completed + t.failed + t.interrupted + t.running_at_end,
        billed_instance_us,
        instances,
        services,
    };
    let empty;
    let rates = match catalog.around_rates(region) {
        Ok(r) => r,
        Err(_) => {
            empty = AroundRates {
                region: region.to_string(),
                prices: Default::default(),
                seconds_per_month: 2_592_000,
                source: String::new(),
            };
            &empty
        }
    };
    bill(&usage, settings, rates)
        .map_err(|m| Error::BadInput(format!("platform `{}`: {m}", spec.name())))
}

/// Replays the scenario's workload on one platform.
pub fn run_platform(
    scenario: &Scenario,
    catalog: &Catalog,
    spec: &PlatformSpec,
    sink: Option<Box<dyn RecordSink>>,
) -> Result<(PlatformRun, Vec<String>), Error> {
    run_platform_with(scenario, catalog, spec, sink, RunOptions::default(), None)
}

/// [`run_platform`] with a time series and progress.
pub fn run_platform_with(
    scenario: &Scenario,
    catalog: &Catalog,
    spec: &PlatformSpec,
    sink: Option<Box<dyn RecordSink>>,
    options: RunOptions<'_>,
    progress: Option<&Progress>,
) -> Result<(PlatformRun, Vec<String>), Error> {
    let started = std::time::Instant::now();
    let sized = sized_for_groups(scenario, std::slice::from_ref(spec))?;
    let spec = sized.as_ref().and_then(|s| s.first()).unwrap_or(spec);
    let opened = open_workload(scenario, 1)?
        .pop()
        .ok_or_else(|| Error::Internal("no workload stream".into()))?;
    run_platform_on(
        scenario, catalog, spec, sink, options, progress, opened, started,
    )
}

/// The platforms as they run: a policy that sizes each task group from a
/// percentile of its usage (`rightsizing = { cpu = "p90", ... }`) gets the
/// groups' sizes from a pass over the workload before the run (a trace is
/// read once more, a generator drawn again from the same seed), as a
/// recommender sets a service's size from its history before the tasks
/// start. Other platforms are as the scenario gives them.
fn sized_for_groups(
    scenario: &Scenario,
    specs: &[PlatformSpec],
) -> Result<Option<Vec<PlatformSpec>>, Error> {
    let per_group = |p: &PlatformSpec| match p {
        PlatformSpec::Fargate(f) => f.rightsizing.per_group(),
        PlatformSpec::Ec2(e) => e.rightsizing.per_group(),
        PlatformSpec::Function(_) => false,
    };
    if !specs.iter().any(per_group) {
        return Ok(None);
    }
    let (_, stream, _) = scenario.workload.open_counted(scenario.seed)?;
    let usage = crate::workload::group_usage::GroupUsage::of(stream)?;
    let sized = specs
        .iter()
        .map(|p| match p {
            PlatformSpec::Fargate(f) if f.rightsizing.per_group() => {
                let mut f = f.clone();
                f.rightsizing = Box::new(f.rightsizing.with_groups(&usage));
                PlatformSpec::Fargate(f)
            }
            PlatformSpec::Ec2(e) if e.rightsizing.per_group() => {
                let mut e = e.clone();
                e.rightsizing = e.rightsizing.with_groups(&usage);
                PlatformSpec::Ec2(e)
            }
            other => other.clone(),
        })
        .collect();
    Ok(Some(sized))
}

/// The workload as one platform receives it.
struct Opened {
    notes: Vec<String>,
    stream: crate::workload::TaskStream,
    skipped: crate::workload::formats::SkipCounter,
}

/// Opens the workload for `platforms` platforms. A trace is parsed once, on
/// a reader thread of its own, and its tasks are handed to every platform
/// (see [`crate::workload::fanout`]); generated tasks cost less to make than
/// to pass between threads, so each platform generates its own.
fn open_workload(scenario: &Scenario, platforms: usize) -> Result<Vec<Opened>, Error> {
    let open = || -> Result<Opened, Error> {
        let (notes, stream, skipped) = scenario.workload.open_counted(scenario.seed)?;
        Ok(Opened {
            notes,
            stream,
            skipped,
        })
    };
    if scenario.workload.trace.is_none() {
        return (0..platforms).map(|_| open()).collect();
    }
    let Opened {
        notes,
        stream,
        skipped,
    } = open()?;
    let out = crate::workload::fanout::fan_out(stream, skipped, platforms)
        .map_err(|e| Error::Internal(format!("cannot start the trace reader thread: {e}")))?;
    Ok(out
        .fed
        .into_iter()
        .map(|f| Opened {
            notes: notes.clone(),
            stream: f.stream,
            skipped: f.skipped,
        })
        .collect())
}

/// Replays an opened workload on one platform.
#[allow(clippy::too_many_arguments)]
fn run_platform_on(
    scenario: &Scenario,
    catalog: &Catalog,
    spec: &PlatformSpec,
    sink: Option<Box<dyn RecordSink>>,
    options: RunOptions<'_>,
    progress: Option<&Progress>,
    opened: Opened,
    started: std::time::Instant,
) -> Result<(PlatformRun, Vec<String>), Error> {
    let Opened {
        mut notes,
        mut stream,
        skipped,
    } = opened;
    let seed = scenario.seed;
    let services = &scenario.workload.services;
    // One arm per kind: build the model; the one fork is how services
    // attach (on replicas through the service host, or run by the model).
    let replayed = match spec {
        PlatformSpec::Fargate(f) => {
            let mut model = FargateModel::new(f, catalog, seed, scenario.horizon, sink)
                .map_err(Error::BadInput)?;
            record_series(&mut model, options);
            keep_group_costs(&mut model, scenario);
            collect(
                replay(model, scenario, &mut stream, progress, &mut notes)?,
                spec,
                &mut notes,
                started,
            )
        }
        PlatformSpec::Ec2(e) => {
            let mut model =
                Ec2Model::new(e, catalog, seed, scenario.horizon, sink).map_err(Error::BadInput)?;
            record_series(&mut model, options);
            keep_group_costs(&mut model, scenario);
            collect(
                replay(model, scenario, &mut stream, progress, &mut notes)?,
                spec,
                &mut notes,
                started,
            )
        }
        PlatformSpec::Function(f) if f.managed.is_some() => {
            let fleet = f.managed.as_ref().expect("a managed-instances platform");
            let mut model = ManagedModel::new(f, fleet, seed, scenario.horizon, sink);
            record_series(&mut model, options);
            collect(
                replay_alone(model, scenario, &mut stream, progress)?,
                spec,
                &mut notes,
                started,
            )
        }
        PlatformSpec::Function(f) => {
            let mut model = FunctionModel::new(f, seed, scenario.horizon, sink);
            model.own_services(services, seed)?;
            record_series(&mut model, options);
            keep_group_costs(&mut model, scenario);
            collect(
                replay_alone(model, scenario, &mut stream, progress)?,
                spec,
                &mut notes,
                started,
            )
        }
    };
    // Let a shared trace reader go on for the other platforms.
    drop(stream);
    let mut run = replayed?;
    run.skipped_rows = skipped.counts();
    run.around = around_bill(scenario, catalog, spec, &run)?;
    Ok((run, notes))
}

/// Runs every platform of the scenario, in parallel, results in scenario order.
pub fn run(
    scenario: &Scenario,
    catalog: &Catalog,
    sinks: Option<SinkFactory<'_>>,
) -> Result<RunOutput, Error> {
    run_with(scenario, catalog, sinks, RunOptions::default())
}

/// [`run`] with a time series and progress.
pub fn run_with(
    scenario: &Scenario,
    catalog: &Catalog,
    sinks: Option<SinkFactory<'_>>,
    options: RunOptions<'_>,
) -> Result<RunOutput, Error> {
    let started = std::time::Instant::now();
    let sized = sized_for_groups(scenario, &scenario.platforms)?;
    let specs = sized.as_deref().unwrap_or(&scenario.platforms);
    let opened = open_workload(scenario, scenario.platforms.len())?;
    let results: Vec<Result<(PlatformRun, Vec<String>), Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .iter()
            .zip(opened)
            .enumerate()
            .map(|(i, (spec, opened))| {
                let sink = sinks.and_then(|f| f(spec));
                let progress = options.progress.and_then(|p| p.get(i));
                s.spawn(move || {
                    run_platform_on(
                        scenario, catalog, spec, sink, options, progress, opened, started,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("a platform thread panicked".into())))
            })
            .collect()
    });
    let mut platforms = Vec::new();
    let mut notes = Vec::new();
    for r in results {
        let (p, n) = r?;
        if notes.is_empty() {
            notes = n;
        }
        platforms.push(p);
    }
    Ok(RunOutput { platforms, notes })
}

impl From<WorkloadError> for Error {
    fn from(e: WorkloadError) -> Self {
        match e {
            WorkloadError::Interrupted => Error::Interrupted,
            e => Error::Workload(e),
        }
    }
}
