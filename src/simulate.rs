//! Runs a validated scenario: each platform replays the same workload through
//! its own engine, on its own thread, with its own random streams. Platforms
//! share nothing, so adding one never changes another's numbers.

use crate::engine::{self, RunEnd};
use crate::platform::ec2::{ClusterStats, Ec2Model};
use crate::platform::serverless::ServerlessModel;
use crate::platform::{PlatformSpec, RecordSink, Tally};
use crate::pricing::Catalog;
use crate::pricing::ExactCost;
use crate::scenario::Scenario;
use crate::{Error, workload::WorkloadError};

/// What one platform produced.
pub struct PlatformRun {
    pub spec: PlatformSpec,
    pub tally: Tally,
    /// The exact bill, by component.
    pub cost: ExactCost,
    /// Where the rates came from.
    pub rates_source: String,
    /// Cluster statistics (EC2 platforms).
    pub cluster: Option<ClusterStats>,
    pub end: RunEnd,
    /// Wall-clock seconds the platform's replay took (not in summary.json,
    /// which must be identical run to run).
    pub wall_seconds: f64,
}

/// The result of a run.
pub struct RunOutput {
    pub platforms: Vec<PlatformRun>,
    /// Notes about the inputs (ignored columns, …).
    pub notes: Vec<String>,
}

/// Makes a per-task record sink for a platform, if wanted.
pub type SinkFactory<'a> = &'a (dyn Fn(&PlatformSpec) -> Option<Box<dyn RecordSink>> + Sync);

/// Replays the scenario's workload on one platform.
pub fn run_platform(
    scenario: &Scenario,
    catalog: &Catalog,
    spec: &PlatformSpec,
    sink: Option<Box<dyn RecordSink>>,
) -> Result<(PlatformRun, Vec<String>), Error> {
    let started = std::time::Instant::now();
    let (notes, mut stream) = scenario.workload.open(scenario.seed)?;
    let run = match spec {
        PlatformSpec::Fargate(f) => {
            let mut model = ServerlessModel::new(f, catalog, scenario.seed, scenario.horizon, sink)
                .map_err(Error::BadInput)?;
            let end = engine::run(&mut model, &mut stream, scenario.horizon)?;
            if let Some(e) = model.error.take() {
                return Err(Error::BadInput(e));
            }
            model.finish(end.end);
            PlatformRun {
                spec: spec.clone(),
                rates_source: model.rates_source().to_string(),
                cost: model.cost(),
                tally: std::mem::take(&mut model.tally),
                cluster: None,
                end,
                wall_seconds: started.elapsed().as_secs_f64(),
            }
        }
        PlatformSpec::Ec2(e) => {
            let mut model = Ec2Model::new(e, catalog, scenario.seed, scenario.horizon, sink)
                .map_err(Error::BadInput)?;
            let end = engine::run(&mut model, &mut stream, scenario.horizon)?;
            model.finish(end.end);
            PlatformRun {
                spec: spec.clone(),
                rates_source: model.rates_source(),
                cost: model.cost(),
                tally: std::mem::take(&mut model.tally),
                cluster: Some(model.stats.clone()),
                end,
                wall_seconds: started.elapsed().as_secs_f64(),
            }
        }
    };
    Ok((run, notes))
}

/// Runs every platform of the scenario, in parallel, results in scenario order.
pub fn run(
    scenario: &Scenario,
    catalog: &Catalog,
    sinks: Option<SinkFactory<'_>>,
) -> Result<RunOutput, Error> {
    let results: Vec<Result<(PlatformRun, Vec<String>), Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = scenario
            .platforms
            .iter()
            .map(|spec| {
                let sink = sinks.and_then(|f| f(spec));
                s.spawn(move || run_platform(scenario, catalog, spec, sink))
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
        Error::Workload(e)
    }
}
