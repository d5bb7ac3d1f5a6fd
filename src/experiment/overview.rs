//! The main figures of an experiment, one row per point (or batch file) ×
//! platform: what `sweep` and `batch` print, as a table like the run's or as
//! `--format json`. Figures are means over the point's replications; the
//! full table with standard deviations and intervals is `results.csv`.

use super::plan::{Point, PointRuns};
use crate::report::compare;
use crate::report::format::{clean_number, seconds_group_column, usd_column};
use crate::report::table::{NOT_RUN_LEGEND, align_numbers, table};
use crate::stats::SpanSummary;
use serde::Serialize;

/// One point (or batch file) × platform.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The point's index in the experiment (batch: the file's position).
    pub point: usize,
    /// The point's axis values by key (batch: `scenario`, the file).
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub platform: String,
    pub kind: String,
    /// Runs the figures are the mean of.
    pub replications: usize,
    pub cost_total_usd: f64,
    /// The 95% confidence interval of the mean cost (null with one replication).
    pub cost_total_usd_ci95: Option<[f64; 2]>,
    pub cost_per_completed_task_usd: Option<f64>,
    pub tasks_submitted: f64,
    pub tasks_completed: f64,
    pub tasks_running_at_end: f64,
    /// Unschedulable, waiting at the end or given up (docs/outputs.md).
    pub tasks_not_run: f64,
    pub time_to_start_p50_s: Option<f64>,
    pub time_to_start_p95_s: Option<f64>,
    pub time_to_start_p99_s: Option<f64>,
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// The mean of the values present; None when none is.
fn mean_some(xs: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = xs.flatten().collect();
    (!v.is_empty()).then(|| mean(v.into_iter()))
}

/// The rows of `points` with their `runs`, in point order, platforms in
/// scenario order.
pub fn rows(points: &[Point], runs: &[PointRuns]) -> Vec<Row> {
    let mut out = Vec::new();
    for (p, reps) in points.iter().zip(runs) {
        let Some(first) = reps.first() else { continue };
        let settings: serde_json::Map<String, serde_json::Value> = p
            .settings
            .iter()
            .map(|(k, v)| {
                let v = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
                (k.clone(), v)
            })
            .collect();
        for (i, plat) in first.platforms.iter().enumerate() {
            let each: Vec<&crate::report::PlatformSummary> =
                reps.iter().filter_map(|s| s.platforms.get(i)).collect();
            let costs: Vec<f64> = each.iter().map(|q| q.cost.total_usd).collect();
            let ci = super::results::mean_ci(&costs)
                .and_then(|(m, _, half)| half.map(|h| [m - h, m + h]));
            let tts = |f: fn(&SpanSummary) -> Option<f64>| {
                mean_some(each.iter().map(|q| f(&q.latency.time_to_start)))
            };
            out.push(Row {
                point: p.index,
                settings: settings.clone(),
                platform: plat.name.clone(),
                kind: plat.kind.clone(),
                replications: each.len(),
                cost_total_usd: mean(costs.iter().copied()),
                cost_total_usd_ci95: ci,
                cost_per_completed_task_usd: mean_some(
                    each.iter().map(|q| q.cost.per_completed_task_usd),
                ),
                tasks_submitted: mean(each.iter().map(|q| q.tasks.submitted as f64)),
                tasks_completed: mean(each.iter().map(|q| q.tasks.completed as f64)),
                tasks_running_at_end: mean(each.iter().map(|q| q.tasks.running_at_end as f64)),
                tasks_not_run: mean(each.iter().map(|q| compare::not_run(&q.tasks) as f64)),
                time_to_start_p50_s: tts(|l| l.p50),
                time_to_start_p95_s: tts(|l| l.p95),
                time_to_start_p99_s: tts(|l| l.p99),
            });
        }
    }
    out
}

/// A count as the run's table writes it (`2515`), or a mean of counts
/// (`12.5`) when not whole.
fn count(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// An axis value as a cell: numbers as a person writes them, text as is.
fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => clean_number(&other.to_string()),
    }
}

/// A file's name without folder and extension.
fn stem(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .map_or(path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Whether a batch's scenario files can be shown by name alone, without
/// folder and extension (`quickstart`): when no two share one.
fn short_names(rows: &[Row]) -> bool {
    let mut names: Vec<(&str, String)> = rows
        .iter()
        .filter_map(|r| r.settings.get("scenario")?.as_str())
        .map(|p| (p, stem(p)))
        .collect();
    names.sort();
    names.dedup();
    let mut only: Vec<&String> = names.iter().map(|(_, n)| n).collect();
    only.sort();
    only.dedup();
    only.len() == names.len()
}

/// The printed table: a column per axis key (`keys`), then the platform and
/// its main figures, formatted as the run's table, within 100 columns (the
/// axis columns wrap, the figures never do); a point's axis values are
/// written on its first row only.
pub fn render(keys: &[String], rows: &[Row]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let short = short_names(rows);
    let shown = |k: &str, v: &serde_json::Value| match v.as_str() {
        Some(p) if short && k == "scenario" => stem(p),
        _ => cell(v),
    };
    let cut = rows.iter().any(|r| r.tasks_running_at_end > 0.0);
    let mut header: Vec<&str> = keys.iter().map(String::as_str).collect();
    header.extend(["platform", "total\ncost", "cost/\ntask", "completed"]);
    if cut {
        header.push("running\nat end");
    }
    header.extend(["not\nrun", "start\np50/p95/p99"]);
    let mut t = table(header);
    t.set_width(100);
    let total = usd_column(
        &rows
            .iter()
            .map(|r| Some(r.cost_total_usd))
            .collect::<Vec<_>>(),
    );
    let per_task = usd_column(
        &rows
            .iter()
            .map(|r| r.cost_per_completed_task_usd)
            .collect::<Vec<_>>(),
    );
    let start = seconds_group_column(
        &rows
            .iter()
            .map(|r| {
                vec![
                    r.time_to_start_p50_s,
                    r.time_to_start_p95_s,
                    r.time_to_start_p99_s,
                ]
            })
            .collect::<Vec<_>>(),
    );
    for (i, r) in rows.iter().enumerate() {
        let first = i == 0 || rows[i - 1].point != r.point;
        let mut row: Vec<String> = keys
            .iter()
            .map(|k| {
                if first {
                    r.settings.get(k).map_or("—".into(), |v| shown(k, v))
                } else {
                    String::new()
                }
            })
            .collect();
        row.extend([
            r.platform.clone(),
            total[i].clone(),
            per_task[i].clone(),
            if r.tasks_submitted == 0.0 {
                "—".into()
            } else {
                format!("{}/{}", count(r.tasks_completed), count(r.tasks_submitted))
            },
        ]);
        if cut {
            row.push(count(r.tasks_running_at_end));
        }
        row.extend([count(r.tasks_not_run), start[i].clone()]);
        t.add_row(row);
    }
    align_numbers(&mut t, keys.len() + 1);
    for i in keys.len()..t.column_count() {
        if let Some(c) = t.column_mut(i) {
            c.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        }
    }
    let mut out = format!("{t}\n");
    let reps = rows.iter().map(|r| r.replications).max().unwrap_or(1);
    if reps > 1 {
        out.push_str(&format!(
            "figures are means over {reps} replications; results.csv has each run, the standard deviations and the 95% intervals\n"
        ));
    }
    out.push_str(
        "start = time from submit to running (waiting for launch or capacity + start-up)\n",
    );
    if cut || rows.iter().any(|r| r.tasks_not_run > 0.0) {
        out.push_str(NOT_RUN_LEGEND);
    }
    out
}
