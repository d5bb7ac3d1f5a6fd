//! Running an experiment's points on a pool of threads: a sweep (results
//! table, charts, manifest) or a batch of scenario files.

use super::plan::{Axis, Base, Point, PointRuns, Shard, Sweep, describe, replication_seed};
use crate::Error;
use crate::report::progress::ExperimentProgress;
use crate::report::summary::Summary;
use crate::scenario::LoadOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `points` × `replications` on `jobs` threads. The results come back
/// in point order whatever the number of threads. Each run is shown in
/// flight on `shown` with its share of the experiment's work (`shares`, by
/// point, for all its replications); `progress` is told the index (in
/// `points`) of each finished point.
pub fn run_points(
    base: &Base,
    points: &[Point],
    replications: u32,
    jobs: usize,
    shown: Option<(&ExperimentProgress, &[f64])>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<PointRuns>, Error> {
    let seed = base.seed()?;
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<PointRuns, Error>>>> =
        points.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= points.len() {
                        return;
                    }
                    let p = &points[i];
                    let result: Result<PointRuns, Error> = (0..replications)
                        .map(|r| {
                            let shown = shown.map(|(state, shares)| {
                                let share = shares.get(i).copied().unwrap_or(0.0);
                                (state, share / f64::from(replications.max(1)))
                            });
                            base.run_shown(&p.settings, Some(replication_seed(seed, r)), shown)
                        })
                        .collect();
                    let failed = result.is_err();
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(result);
                    }
                    progress(i);
                    if failed {
                        // Stop handing out points: the first error is reported.
                        next.store(points.len(), Ordering::Relaxed);
                        return;
                    }
                }
            });
        }
    });
    let mut out = Vec::with_capacity(points.len());
    for (slot, p) in slots.into_iter().zip(points) {
        match slot.into_inner().ok().flatten() {
            Some(Ok(runs)) => out.push(runs),
            Some(Err(Error::Interrupted)) => return Err(Error::Interrupted),
            Some(Err(e)) => {
                return Err(Error::BadInput(format!(
                    "point {} ({}): {e}",
                    p.index,
                    describe(&p.settings)
                )));
            }
            None => continue,
        }
    }
    if out.len() != points.len() {
        return Err(Error::Internal("a point was not run".into()));
    }
    Ok(out)
}

/// What a sweep wrote.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    pub points_run: usize,
    pub points_total: usize,
    pub files: Vec<String>,
    /// The main figures per point × platform (means over replications).
    pub rows: Vec<super::overview::Row>,
    /// The experiment's fingerprint and its scenario's name.
    pub experiment: String,
    pub scenario: String,
}

/// Runs the sweep's points of `shard` on `jobs` threads and writes the
/// results (and, for a whole experiment, its charts and page) into `out`.
/// `progress` is told the points done, the points in all, and the share of
/// the expected work done (points weighted by the tasks and requests each
/// simulates), both after each point and while each runs.
pub fn run_sweep(
    base: &Base,
    sweep: &Sweep,
    shard: Shard,
    jobs: usize,
    out: &Path,
    metrics: &[String],
    progress: &ExperimentProgress,
) -> Result<SweepOutcome, Error> {
    let all = sweep.points();
    if shard.count > all.len() {
        return Err(Error::BadInput(format!(
            "{} shards for {} point(s): use at most {} shards",
            shard.count,
            all.len(),
            all.len()
        )));
    }
    let mine: Vec<Point> = all
        .iter()
        .filter(|p| shard.owns(p.index))
        .cloned()
        .collect();
    let total = mine.len();
    let weights: Vec<f64> = mine
        .iter()
        .map(|p| base.expected_work(&p.settings))
        .collect();
    let all_work: f64 = weights.iter().sum::<f64>().max(1.0);
    let shares: Vec<f64> = weights.iter().map(|w| w / all_work).collect();
    let done = Mutex::new((0usize, 0.0f64));
    progress.set(0, total, 0.0);
    let runs = run_points(
        base,
        &mine,
        sweep.replications,
        jobs,
        Some((progress, &shares)),
        &|i| {
            if let Ok(mut d) = done.lock() {
                d.0 += 1;
                d.1 += weights[i];
                progress.set(d.0, total, d.1 / all_work);
            }
        },
    )?;
    let seed = base.seed()?;
    let mut df = super::results::table(sweep, &mine, &runs, seed)?;
    super::report::check_metrics(&df, metrics)?;
    let rows = super::overview::rows(&mine, &runs);
    std::fs::create_dir_all(out).map_err(|source| Error::Output {
        path: out.to_path_buf(),
        source,
    })?;
    super::results::write(out, &mut df)?;
    let name = crate::scenario::load_str(&base.text, &base.path, &base.options)?
        .0
        .name;
    let manifest = super::results::Manifest {
        experiment: base.fingerprint(),
        scenario: name,
        axes: sweep.keys(),
        groups: sweep.groups(),
        points: all.len(),
        replications: sweep.replications,
        shard: shard.index,
        shards: shard.count,
    };
    crate::io::files::write_atomic(
        &out.join("experiment.json"),
        (serde_json::to_string_pretty(&manifest).expect("manifest") + "\n").as_bytes(),
    )?;
    let mut files = vec![
        "results.parquet".to_string(),
        "results.csv".to_string(),
        "experiment.json".to_string(),
    ];
    if shard.count == 1 {
        files.extend(super::report::render(
            out,
            &df,
            &sweep.keys(),
            metrics,
            &manifest,
        )?);
    }
    Ok(SweepOutcome {
        points_run: mine.len(),
        points_total: all.len(),
        files,
        rows,
        experiment: manifest.experiment,
        scenario: manifest.scenario,
    })
}

/// What a batch wrote, and its main figures per file × platform.
#[derive(Clone, Debug)]
pub struct BatchOutcome {
    pub files: Vec<String>,
    pub rows: Vec<super::overview::Row>,
}

/// Runs scenario files once each (their own seeds) on `jobs` threads and
/// writes one combined table, a row per file × platform, to `out`.
/// `progress` is told the files done, the files in all, and the share of the
/// expected work done (files weighted by the tasks and requests each
/// simulates), both after each file and while each runs.
pub fn run_batch(
    files: &[PathBuf],
    options: &LoadOptions,
    jobs: usize,
    out: &Path,
    progress: &ExperimentProgress,
) -> Result<BatchOutcome, Error> {
    let bases: Vec<Base> = files
        .iter()
        .map(|f| Base::read(f, options.clone()))
        .collect::<Result<_, _>>()?;
    let weights: Vec<f64> = bases.iter().map(|b| b.expected_work(&[])).collect();
    let all_work: f64 = weights.iter().sum::<f64>().max(1.0);
    let next = AtomicUsize::new(0);
    let done = Mutex::new((0usize, 0.0f64));
    let slots: Vec<Mutex<Option<Result<Summary, Error>>>> =
        bases.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= bases.len() {
                        return;
                    }
                    let r = bases[i].run_shown(&[], None, Some((progress, weights[i] / all_work)));
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(r);
                    }
                    if let Ok(mut d) = done.lock() {
                        d.0 += 1;
                        d.1 += weights[i];
                        progress.set(d.0, bases.len(), d.1 / all_work);
                    }
                }
            });
        }
    });
    let mut runs = Vec::new();
    for (slot, f) in slots.into_iter().zip(files) {
        match slot.into_inner().ok().flatten() {
            Some(Ok(s)) => runs.push(vec![s]),
            Some(Err(e)) => return Err(Error::BadInput(format!("{}: {e}", f.display()))),
            None => return Err(Error::Internal(format!("{} was not run", f.display()))),
        }
    }
    let sweep = Sweep {
        axes: vec![Axis {
            keys: vec!["scenario".into()],
            values: files
                .iter()
                .map(|f| vec![toml::Value::String(f.display().to_string())])
                .collect(),
        }],
        replications: 1,
    };
    let points = sweep.points();
    let rows = super::overview::rows(&points, &runs);
    let mut df = super::results::table(&sweep, &points, &runs, 0)?;
    // Each file ran with its own seed, not a replication seed.
    let seeds: Vec<Option<u64>> = runs
        .iter()
        .flat_map(|r| {
            let s = &r[0];
            s.platforms
                .iter()
                .flat_map(|_| [Some(s.scenario.seed), None])
        })
        .collect();
    if seeds.len() == df.height() {
        df.replace("seed", seeds.into())
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    std::fs::create_dir_all(out).map_err(|source| Error::Output {
        path: out.to_path_buf(),
        source,
    })?;
    super::results::write(out, &mut df)?;
    Ok(BatchOutcome {
        files: vec!["results.parquet".into(), "results.csv".into()],
        rows,
    })
}
