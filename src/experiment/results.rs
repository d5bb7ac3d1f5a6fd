//! `results.parquet` and `results.csv` of an experiment, and the merge of
//! shards. One row per point × platform × replication (`row` =
//! `replication`), then one per point × platform (`row` = `aggregate`) where
//! each metric column holds the mean over replications, and
//! `<metric>_sd`, `<metric>_ci95_low`, `<metric>_ci95_high` its standard
//! deviation and 95% Student-t confidence interval (empty with one
//! replication). Axis values are columns named by their key. The table is a
//! pure function of the experiment, so shards merged give the same bytes as
//! one machine.

use super::plan::{Point, PointRuns, Sweep};
use crate::Error;
use crate::io::table::{self, Column, ReadError, Table};
use std::path::Path;

pub use crate::stats::mean_ci;

/// Axis columns are numbers when every value is one, else text.
enum AxisCol {
    Number(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
}

fn axis_is_numeric(sweep: &Sweep, key: &str) -> bool {
    sweep.axes.iter().all(|a| {
        a.keys.iter().enumerate().all(|(i, k)| {
            k != key
                || a.values
                    .iter()
                    .all(|v| v[i].as_float().is_some() || v[i].as_integer().is_some())
        })
    })
}

fn as_f64(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn as_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One run's metrics as (column index, value).
type SparseRow = Vec<(usize, Option<f64>)>;

/// Builds the table of `points` (with their runs) of `sweep`.
pub fn table(
    sweep: &Sweep,
    points: &[Point],
    runs: &[PointRuns],
    base_seed: u64,
) -> Result<Table, Error> {
    let keys = sweep.keys();
    let mut point_col: Vec<u64> = Vec::new();
    let mut row_col: Vec<&'static str> = Vec::new();
    let mut rep_col: Vec<Option<u32>> = Vec::new();
    let mut seed_col: Vec<Option<u64>> = Vec::new();
    let mut platform_col: Vec<String> = Vec::new();
    let mut kind_col: Vec<String> = Vec::new();
    let mut axes: Vec<AxisCol> = keys
        .iter()
        .map(|k| {
            if axis_is_numeric(sweep, k) {
                AxisCol::Number(Vec::new())
            } else {
                AxisCol::Text(Vec::new())
            }
        })
        .collect();
    // The metric columns are the union of every platform's, in the order
    // first seen: runs need not have the same ones (a scenario with services
    // adds `service_<name>_…` columns, another scenario other names), so
    // each value is filed under its own name and left empty where a run has
    // no such metric.
    let mut metric_names: Vec<String> = Vec::new();
    let mut index: std::collections::BTreeMap<String, usize> = Default::default();
    // Per point, per platform, per replication: (metric column, value).
    let mut per_point: Vec<Vec<Vec<SparseRow>>> = Vec::new();
    for reps in runs {
        let Some(first) = reps.first() else {
            per_point.push(Vec::new());
            continue;
        };
        let mut per_platform = Vec::new();
        for pi in 0..first.platforms.len() {
            let mut per_rep = Vec::new();
            for s in reps {
                let Some(plat) = s.platforms.get(pi) else {
                    return Err(Error::Internal(format!(
                        "results table: a replication has {} platform(s), the first {}",
                        s.platforms.len(),
                        first.platforms.len()
                    )));
                };
                let row: SparseRow = crate::report::csv::metrics(plat)
                    .into_iter()
                    .map(|(name, v)| {
                        let j = *index.entry(name.clone()).or_insert_with(|| {
                            metric_names.push(name);
                            metric_names.len() - 1
                        });
                        (j, v)
                    })
                    .collect();
                per_rep.push(row);
            }
            per_platform.push(per_rep);
        }
        per_point.push(per_platform);
    }
    let width = metric_names.len();
    let dense = |row: &SparseRow| {
        let mut out = vec![None; width];
        for (j, v) in row {
            out[*j] = *v;
        }
        out
    };
    let mut metrics: Vec<Vec<Option<f64>>> = vec![Vec::new(); width];
    let mut extra: Vec<[Vec<Option<f64>>; 3]> = (0..width)
        .map(|_| [Vec::new(), Vec::new(), Vec::new()])
        .collect();
    let push_axes = |p: &Point, axes: &mut Vec<AxisCol>| {
        for (k, col) in keys.iter().zip(axes.iter_mut()) {
            let v = p.settings.iter().find(|(key, _)| key == k).map(|(_, v)| v);
            match col {
                AxisCol::Number(c) => c.push(v.and_then(as_f64)),
                AxisCol::Text(c) => c.push(v.map(as_text)),
            }
        }
    };
    for ((p, reps), rows) in points.iter().zip(runs).zip(&per_point) {
        let Some(first) = reps.first() else { continue };
        for (plat, per_rep) in first.platforms.iter().zip(rows) {
            let per_rep: Vec<Vec<Option<f64>>> = per_rep.iter().map(dense).collect();
            for (r, m) in per_rep.iter().enumerate() {
                point_col.push(p.index as u64);
                row_col.push("replication");
                rep_col.push(Some(r as u32));
                seed_col.push(Some(super::plan::replication_seed(base_seed, r as u32)));
                platform_col.push(plat.name.clone());
                kind_col.push(plat.kind.clone());
                push_axes(p, &mut axes);
                for (j, v) in m.iter().enumerate() {
                    metrics[j].push(*v);
                    for e in extra[j].iter_mut() {
                        e.push(None);
                    }
                }
            }
            point_col.push(p.index as u64);
            row_col.push("aggregate");
            rep_col.push(None);
            seed_col.push(None);
            platform_col.push(plat.name.clone());
            kind_col.push(plat.kind.clone());
            push_axes(p, &mut axes);
            for j in 0..width {
                let xs: Vec<f64> = per_rep.iter().filter_map(|m| m[j]).collect();
                match mean_ci(&xs) {
                    Some((mean, sd, half)) => {
                        metrics[j].push(Some(mean));
                        extra[j][0].push(sd);
                        extra[j][1].push(half.map(|h| mean - h));
                        extra[j][2].push(half.map(|h| mean + h));
                    }
                    None => {
                        metrics[j].push(None);
                        for e in extra[j].iter_mut() {
                            e.push(None);
                        }
                    }
                }
            }
        }
    }
    let mut cols: Vec<(String, Column)> = vec![
        ("point".into(), point_col.into()),
        ("row".into(), row_col.into()),
        ("replication".into(), rep_col.into()),
        ("seed".into(), seed_col.into()),
    ];
    for (k, c) in keys.iter().zip(axes) {
        cols.push((
            k.clone(),
            match c {
                AxisCol::Number(v) => v.into(),
                AxisCol::Text(v) => v.into(),
            },
        ));
    }
    cols.push(("platform".into(), platform_col.into()));
    cols.push(("kind".into(), kind_col.into()));
    for (j, name) in metric_names.iter().enumerate() {
        cols.push((name.clone(), std::mem::take(&mut metrics[j]).into()));
    }
    for (j, name) in metric_names.iter().enumerate() {
        let [sd, lo, hi] = std::mem::take(&mut extra[j]);
        cols.push((format!("{name}_sd"), sd.into()));
        cols.push((format!("{name}_ci95_low"), lo.into()));
        cols.push((format!("{name}_ci95_high"), hi.into()));
    }
    Table::new(cols).map_err(|e| Error::Internal(format!("results table: {e}")))
}

/// Whether `name` is a file a sweep, `merge` or `batch` writes into its
/// folder (results, manifest, charts, page): what `--force` may remove when
/// the new results do not write it again. Keep it in step with
/// `experiment::report::render`.
pub fn is_experiment_file(name: &str) -> bool {
    matches!(
        name,
        "results.parquet" | "results.csv" | "experiment.json" | "experiment.html"
    ) || name
        .strip_prefix("sweep_")
        .is_some_and(|r| r.ends_with(".png") || r.ends_with(".svg"))
}

/// Writes `results.parquet` and `results.csv` into `dir`.
pub fn write(dir: &Path, table: &mut Table) -> Result<(), Error> {
    Ok(table::write_parquet_and_csv(dir, "results", table)?)
}

/// What a shard writes beside its results, for `merge` to check.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Manifest {
    pub experiment: String,
    pub scenario: String,
    /// The axis keys, in order (the table's axis columns).
    pub axes: Vec<String>,
    /// For each key, the index of its axis (keys varied together share one).
    #[serde(default)]
    pub groups: Vec<usize>,
    pub points: usize,
    pub replications: u32,
    pub shard: usize,
    pub shards: usize,
}

/// Reads a run's results table.
pub fn read(dir: &Path) -> Result<Table, Error> {
    let path = dir.join("results.parquet");
    Table::read_parquet(&path).map_err(|e| match e {
        ReadError::Open(e) => Error::BadInput(format!(
            "{}: cannot read it ({e}); is {} the output of `fargate-sim sweep`?",
            path.display(),
            dir.display()
        )),
        ReadError::Table(e) => Error::BadInput(format!("{}: {e}", path.display())),
    })
}

/// Merges shard folders into `out`: checks that they are one experiment and
/// every shard is there once, then writes the table one machine would.
pub fn merge(dirs: &[std::path::PathBuf], out: &Path) -> Result<Manifest, Error> {
    let (manifest, mut table) = gather(dirs)?;
    write_merged(out, &manifest, &mut table)?;
    Ok(manifest)
}

/// Writes a merged experiment into `out`: its table and its manifest.
pub fn write_merged(out: &Path, manifest: &Manifest, table: &mut Table) -> Result<(), Error> {
    std::fs::create_dir_all(out).map_err(|source| Error::Output {
        path: out.to_path_buf(),
        source,
    })?;
    write(out, table)?;
    crate::io::files::write_atomic(
        &out.join("experiment.json"),
        (serde_json::to_string_pretty(manifest).expect("manifest") + "\n").as_bytes(),
    )?;
    Ok(())
}

/// Reads and checks shard folders (one experiment, every shard once, every
/// point covered) and returns the manifest and the table one machine would
/// have written, without writing anything.
pub fn gather(dirs: &[std::path::PathBuf]) -> Result<(Manifest, Table), Error> {
    let mut manifests = Vec::new();
    for d in dirs {
        let p = d.join("experiment.json");
        let text = std::fs::read_to_string(&p).map_err(|e| {
            Error::BadInput(format!(
                "{}: cannot read it ({e}); give the folders `fargate-sim sweep --shard` wrote",
                p.display()
            ))
        })?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            Error::BadInput(format!(
                "{}: not an experiment manifest ({e}); give the folders `fargate-sim sweep --shard` wrote, or run that shard again",
                p.display()
            ))
        })?;
        manifests.push((d.clone(), m));
    }
    let Some((first_dir, first)) = manifests.first().cloned() else {
        return Err(Error::BadInput(
            "merge needs at least one shard folder".into(),
        ));
    };
    for (d, m) in &manifests {
        if m.experiment != first.experiment || m.shards != first.shards || m.points != first.points
        {
            return Err(Error::BadInput(format!(
                "{} is from another experiment than {} (experiment {} with {} shards, against {} with {}); merge shards of one sweep only",
                d.display(),
                first_dir.display(),
                m.experiment,
                m.shards,
                first.experiment,
                first.shards
            )));
        }
    }
    for (d, m) in &manifests {
        if m.shards == 0 || m.shard >= m.shards {
            return Err(Error::BadInput(format!(
                "{}/experiment.json: shard {} of {} is not a valid shard",
                d.display(),
                m.shard,
                m.shards
            )));
        }
    }
    let mut seen = vec![None; first.shards];
    for (d, m) in &manifests {
        if let Some(other) = &seen[m.shard] {
            return Err(Error::BadInput(format!(
                "shard {}/{} given twice: {} and {}; give each shard's folder once",
                m.shard,
                m.shards,
                (other as &std::path::PathBuf).display(),
                d.display()
            )));
        }
        seen[m.shard] = Some(d.clone());
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{i}/{}", first.shards))
        .collect();
    if !missing.is_empty() {
        return Err(Error::BadInput(format!(
            "incomplete set: shard(s) {} missing; run `fargate-sim sweep … --shard I/{}` for them and merge again",
            missing.join(", "),
            first.shards
        )));
    }
    let mut frames = Vec::new();
    let mut covered = vec![false; first.points];
    for (d, m) in &manifests {
        let f = read(d)?;
        let points: Vec<u64> = f.u64s("point").map_err(|e| {
            Error::BadInput(format!("{}: no usable `point` column: {e}", d.display()))
        })?;
        for p in points {
            let p = p as usize;
            if p >= first.points || p % m.shards != m.shard {
                return Err(Error::BadInput(format!(
                    "{}: point {p} does not belong to shard {}/{} of a {}-point experiment; the folder was edited or mixed up",
                    d.display(),
                    m.shard,
                    m.shards,
                    first.points
                )));
            }
            covered[p] = true;
        }
        frames.push(f);
    }
    if let Some(p) = covered.iter().position(|c| !c) {
        return Err(Error::BadInput(format!(
            "point {p} is in no shard's results: shard {}/{} is incomplete; run it again",
            p % first.shards,
            first.shards
        )));
    }
    let mut all: Option<Table> = None;
    for f in frames {
        match all.as_mut() {
            None => all = Some(f),
            Some(a) => {
                a.append(&f).map_err(|e| {
                    Error::BadInput(format!("shards do not have the same columns: {e}"))
                })?;
            }
        }
    }
    let all = all.expect("at least one shard");
    // One machine writes points in order, rows within a point as run: a
    // stable sort by point.
    let n = all.height();
    let points: Vec<u64> = all
        .u64s("point")
        .map_err(|e| Error::BadInput(format!("a shard has no usable `point` column: {e}")))?;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| points[*i]);
    let all = all
        .take(&order)
        .map_err(|e| Error::Internal(format!("merging: {e}")))?;
    if all.height() != n {
        return Err(Error::Internal("merge lost rows".into()));
    }
    let merged = Manifest {
        shard: 0,
        shards: 1,
        ..first
    };
    Ok((merged, all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_interval_by_hand() {
        // n = 4, mean 2.5, sd = sqrt(5/3); t(0.975, 3) = 3.182446.
        let (m, sd, h) = mean_ci(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(m, 2.5);
        assert!((sd.unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((h.unwrap() - 3.182_446_305 * (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-6);
        assert_eq!(mean_ci(&[7.0]), Some((7.0, None, None)));
        assert_eq!(mean_ci(&[]), None);
    }
}
