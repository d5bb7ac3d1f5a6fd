//! An experiment's charts and `experiment.html`, drawn from its results
//! table (so a merge of shards draws the same).

use super::results::Manifest;
use crate::Error;
use crate::io::files::{safe_file_name, write_atomic};
use crate::io::table::Table;
use crate::report::compare;
use crate::report::format::{clean_number, format_usd_cents};
use crate::report::html::esc;
use crate::report::xy_chart::{XyChart, XySeries, render_xy};
use std::path::Path;

/// Columns the charts and the page use, by name.
pub const COST: &str = "cost_total_usd";
pub const P95: &str = "latency_time_to_start_p95_s";

/// The metrics asked for, or the cost and start p95 when none are.
pub fn metrics_or_default(asked: Vec<String>) -> Vec<String> {
    if asked.is_empty() {
        vec![COST.to_string(), P95.to_string()]
    } else {
        asked
    }
}

fn f64s(df: &Table, name: &str) -> Vec<Option<f64>> {
    df.f64s(name).unwrap_or_else(|_| vec![None; df.height()])
}

fn texts(df: &Table, name: &str) -> Vec<String> {
    df.text(name)
        .map(|t| {
            t.values()
                .iter()
                .map(|v| v.unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_else(|_| vec![String::new(); df.height()])
}

/// The saving-against-risk charts of a sweep whose platforms right-size
/// (issue 27): the total cost of each point against the share of tasks
/// killed for memory (`sweep_rightsizing_kills`) and slowed by CPU
/// (`sweep_rightsizing_slowed`), one line per platform through the sweep's
/// points in their order; a platform that runs tasks as requested kills and
/// slows nothing: its mean cost is drawn as a level line across the chart,
/// the baseline. None drawn when no platform right-sizes.
fn rightsizing_risk(
    dir: &Path,
    df: &Table,
    rows: &[usize],
    names: &[String],
    svgs: &mut Vec<(String, String)>,
) -> Result<Vec<String>, Error> {
    let kills = f64s(df, "rightsizing_kill_rate");
    if !rows.iter().any(|i| kills[*i].is_some()) {
        return Ok(Vec::new());
    }
    let platforms = texts(df, "platform");
    let kinds = texts(df, "kind");
    let cost = f64s(df, COST);
    let mut files = Vec::new();
    for (column, name, what) in [
        (
            "rightsizing_kill_rate",
            "sweep_rightsizing_kills",
            "tasks killed for memory",
        ),
        (
            "rightsizing_slowed_rate",
            "sweep_rightsizing_slowed",
            "tasks slowed by CPU",
        ),
    ] {
        let share = f64s(df, column);
        let series: Vec<XySeries> = names
            .iter()
            .enumerate()
            .filter_map(|(c, n)| {
                let idx: Vec<usize> = rows
                    .iter()
                    .copied()
                    .filter(|i| &platforms[*i] == n)
                    .collect();
                // A platform without a policy: 0 when it is of a kind that
                // can right-size (its baseline); functions are left out.
                let sizes = idx.iter().any(|i| share[*i].is_some())
                    || idx.iter().all(|i| {
                        kinds[*i].is_empty() || kinds[*i] == "fargate" || kinds[*i] == "ec2"
                    });
                let points: Vec<(f64, f64)> = idx
                    .iter()
                    .filter_map(|i| Some((share[*i].unwrap_or(0.0) * 100.0, cost[*i]?)))
                    .collect();
                let baseline = !idx.iter().any(|i| share[*i].is_some());
                (sizes && !points.is_empty()).then(|| XySeries {
                    name: if baseline {
                        format!("{n} (as requested)")
                    } else {
                        n.clone()
                    },
                    color: c,
                    points,
                    band: Vec::new(),
                })
            })
            .collect();
        // A platform that runs tasks as requested kills and slows nothing:
        // drawn as a level line at its mean cost across the chart, the
        // baseline each right-sized point is read against (a dot at 0
        // hid behind the others' points).
        let right_edge = series
            .iter()
            .filter(|s| !s.name.ends_with(" (as requested)"))
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .fold(1.0_f64, f64::max);
        let series: Vec<XySeries> = series
            .into_iter()
            .map(|mut s| {
                if s.name.ends_with(" (as requested)") {
                    let mean = s.points.iter().map(|p| p.1).sum::<f64>() / s.points.len() as f64;
                    s.points = vec![(0.0, mean), (right_edge, mean)];
                }
                s
            })
            .collect();
        let title = format!(
            "Saving against risk: total cost against the share of {what}, every sweep point"
        );
        let chart = XyChart {
            title: title.clone(),
            x_desc: format!("{what} (% of submitted, mean)"),
            y_desc: "total cost (USD, mean)".into(),
            money_y: true,
            money_x: false,
            scatter: false,
            series,
            marker: None,
            frontier: Vec::new(),
            off_frontier: Vec::new(),
        };
        svgs.push((title, render_xy(dir, name, &chart)?));
        files.push(format!("{name}.png"));
        files.push(format!("{name}.svg"));
    }
    Ok(files)
}

/// Points that are not dominated: no other is both cheaper and faster.
pub fn pareto(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, f64)> = points.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut front = Vec::new();
    let mut best = f64::INFINITY;
    for p in sorted {
        if p.1 < best {
            front.push(p);
            best = p.1;
        }
    }
    front
}

/// Which rows left work undone, by the verdicts' rule applied to the means
/// of each aggregate row: a task that could never run, more than 1 % not
/// run, or fewer completed than 95 % of the best option at the same point.
/// Indexed like the table; rows without task columns (services only) did
/// their work.
fn undone_rows(df: &Table, rows: &[usize], point: &[Option<f64>]) -> Vec<bool> {
    let col = |name: &str| f64s(df, name);
    let (submitted, completed) = (col("tasks_submitted"), col("tasks_completed"));
    let (unschedulable, waiting, failed) = (
        col("tasks_unschedulable"),
        col("tasks_waiting_at_end"),
        col("tasks_failed"),
    );
    let v = |c: &[Option<f64>], i: usize| c[i].unwrap_or(0.0);
    let mut undone = vec![false; df.height()];
    for &i in rows {
        let best = rows
            .iter()
            .filter(|j| point[**j] == point[i])
            .map(|j| v(&completed, *j))
            .fold(0.0, f64::max);
        let not_run = v(&unschedulable, i) + v(&waiting, i) + v(&failed, i);
        undone[i] = compare::left_work_undone(v(&submitted, i), not_run, v(&unschedulable, i))
            || compare::completed_too_few(v(&completed, i), best);
    }
    undone
}

/// Refuses a `--metric` that is not a column of the results, before any
/// file is written.
pub fn check_metrics(df: &Table, metrics: &[String]) -> Result<(), Error> {
    for m in metrics {
        if !df.has(m) {
            return Err(Error::BadInput(format!(
                "--metric {m}: no such column in the results (metrics are the columns of summary.csv, such as {COST} or {P95})"
            )));
        }
    }
    Ok(())
}

/// Draws the charts and writes `experiment.html`; returns the file names.
pub fn render(
    dir: &Path,
    df: &Table,
    keys: &[String],
    metrics: &[String],
    manifest: &Manifest,
) -> Result<Vec<String>, Error> {
    check_metrics(df, metrics)?;
    let agg: Vec<bool> = texts(df, "row").iter().map(|r| r == "aggregate").collect();
    let rows: Vec<usize> = (0..df.height()).filter(|i| agg[*i]).collect();
    let platforms = texts(df, "platform");
    let mut names: Vec<String> = Vec::new();
    for i in &rows {
        if !names.contains(&platforms[*i]) {
            names.push(platforms[*i].clone());
        }
    }
    let color = |p: &str| names.iter().position(|n| n == p).unwrap_or(0);
    let axis_text: Vec<Vec<String>> = keys.iter().map(|k| texts(df, k)).collect();
    let mut files = Vec::new();
    let mut svgs: Vec<(String, String)> = Vec::new();
    // Each metric against each numeric axis, the other axes held at their
    // value in the first point, one line per platform with its 95% band.
    for (a, key) in keys.iter().enumerate() {
        let x = f64s(df, key);
        if !rows.iter().all(|i| x[*i].is_some()) {
            continue;
        }
        // Keys varied together with this one move with it; the others are held.
        let group = |k: usize| manifest.groups.get(k).copied().unwrap_or(k);
        let held: Vec<(usize, String)> = (0..keys.len())
            .filter(|b| group(*b) != group(a))
            .map(|b| {
                (
                    b,
                    rows.first()
                        .map_or(String::new(), |i| axis_text[b][*i].clone()),
                )
            })
            .collect();
        let in_slice = |i: usize| held.iter().all(|(b, h)| &axis_text[*b][i] == h);
        for metric in metrics {
            let money = metric.ends_with("_usd");
            let y = f64s(df, metric);
            let lo = f64s(df, &format!("{metric}_ci95_low"));
            let hi = f64s(df, &format!("{metric}_ci95_high"));
            let series: Vec<XySeries> = names
                .iter()
                .map(|n| {
                    let idx: Vec<usize> = rows
                        .iter()
                        .copied()
                        .filter(|i| &platforms[*i] == n && in_slice(*i) && y[*i].is_some())
                        .collect();
                    XySeries {
                        name: n.clone(),
                        color: color(n),
                        points: idx
                            .iter()
                            .map(|i| (x[*i].unwrap_or(0.0), y[*i].unwrap_or(0.0)))
                            .collect(),
                        band: idx
                            .iter()
                            .filter_map(|i| Some((x[*i]?, lo[*i]?, hi[*i]?)))
                            .collect(),
                    }
                })
                .collect();
            let name = format!("sweep_{}__{}", safe_file_name(metric), safe_file_name(key));
            let mut caption = format!("{metric} against {key}");
            if !held.is_empty() {
                caption.push_str(&format!(
                    " ({})",
                    held.iter()
                        .map(|(b, v)| format!("{} = {}", keys[*b], clean_number(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            // With one replication a point is one run: no mean, no band.
            let banded = series.iter().any(|s| !s.band.is_empty());
            let chart = XyChart {
                title: caption.clone(),
                x_desc: key.clone(),
                y_desc: if banded {
                    format!("{metric} (mean, 95% band)")
                } else {
                    format!("{metric} (one run a point)")
                },
                money_y: money,
                money_x: false,
                scatter: false,
                series,
                marker: None,
                frontier: Vec::new(),
                off_frontier: Vec::new(),
            };
            svgs.push((caption, render_xy(dir, &name, &chart)?));
            files.push(format!("{name}.png"));
            files.push(format!("{name}.svg"));
        }
    }
    // Right-sizing: cost against the share of tasks killed (or slowed),
    // one point per sweep point (issue 27).
    files.extend(rightsizing_risk(dir, df, &rows, &names, &mut svgs)?);
    // The cost-latency plane. Only options that did the work of their point
    // are on the frontier: one that left tasks undone is cheap because it
    // ran less (the verdicts' rule, report::compare).
    let cost = f64s(df, COST);
    let p95 = f64s(df, P95);
    let point = f64s(df, "point");
    let undone = undone_rows(df, &rows, &point);
    let all: Vec<(f64, f64)> = rows
        .iter()
        .filter(|i| !undone[**i])
        .filter_map(|i| Some((cost[*i]?, p95[*i]?)))
        .collect();
    let off: Vec<(f64, f64)> = rows
        .iter()
        .filter(|i| undone[**i])
        .filter_map(|i| Some((cost[*i]?, p95[*i]?)))
        .collect();
    let plane = XyChart {
        title: "Cost against time to start (p95), every point and platform".into(),
        x_desc: "total cost (USD, mean)".into(),
        y_desc: "time to start p95 (s, mean)".into(),
        money_y: false,
        money_x: true,
        scatter: true,
        series: names
            .iter()
            .map(|n| XySeries {
                name: n.clone(),
                color: color(n),
                points: rows
                    .iter()
                    .filter(|i| &platforms[**i] == n)
                    .filter_map(|i| Some((cost[*i]?, p95[*i]?)))
                    .collect(),
                band: Vec::new(),
            })
            .collect(),
        marker: None,
        frontier: pareto(&all),
        off_frontier: off.clone(),
    };
    let mut caption = String::from("Cost–latency plane with the Pareto frontier");
    if !off.is_empty() {
        caption.push_str(&format!(
            "; {} option(s) that left work undone are ringed and kept off the frontier",
            off.len()
        ));
    }
    svgs.push((caption, render_xy(dir, "sweep_pareto", &plane)?));
    files.push("sweep_pareto.png".into());
    files.push("sweep_pareto.svg".into());
    // The page.
    let lo = f64s(df, &format!("{COST}_ci95_low"));
    let hi = f64s(df, &format!("{COST}_ci95_high"));
    let plo = f64s(df, &format!("{P95}_ci95_low"));
    let phi = f64s(df, &format!("{P95}_ci95_high"));
    let mut h =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<title>{} — experiment</title>\n",
        esc(&manifest.scenario)
    ));
    h.push_str("<style>\nbody{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222}\ntable{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}\nfigure svg{max-width:100%;height:auto}\n</style>\n</head>\n<body>\n");
    h.push_str(&format!(
        "<h1>Experiment: {}</h1>\n<p>{} point(s) × {} replication(s); 95% intervals are Student-t over replications. Full table: results.csv and results.parquet.</p>\n",
        esc(&manifest.scenario),
        manifest.points,
        manifest.replications
    ));
    h.push_str("<table class=\"exp\"><thead><tr><th>point</th>");
    for k in keys {
        h.push_str(&format!("<th>{}</th>", esc(k)));
    }
    h.push_str("<th>platform</th><th>total cost (mean)</th><th>95% interval</th><th>start p95 (mean)</th><th>95% interval</th></tr></thead><tbody>\n");
    let money = |v: Option<f64>| v.map_or("–".to_string(), format_usd_cents);
    // Start times in one unit for the whole table, as the terminal table
    // writes them (sub-second values in milliseconds).
    let n = p95.len();
    let start_cells = crate::report::format::seconds_column(
        &p95.iter()
            .chain(plo.iter())
            .chain(phi.iter())
            .copied()
            .collect::<Vec<_>>(),
    );
    let secs = |column: usize, i: usize| {
        start_cells
            .get(column * n + i)
            .map_or("–".to_string(), |c| c.replace('—', "–"))
    };
    for i in &rows {
        h.push_str(&format!(
            "<tr><td class=\"n\">{}</td>",
            point[*i].unwrap_or(0.0)
        ));
        for c in &axis_text {
            h.push_str(&format!("<td>{}</td>", esc(&clean_number(&c[*i]))));
        }
        let platform = if undone[*i] {
            format!("{} (left work undone: not compared)", platforms[*i])
        } else {
            platforms[*i].clone()
        };
        h.push_str(&format!(
            "<td>{}</td><td class=\"n\">{}</td><td class=\"n\">{} – {}</td><td class=\"n\">{}</td><td class=\"n\">{} – {}</td></tr>\n",
            esc(&platform),
            money(cost[*i]),
            money(lo[*i]),
            money(hi[*i]),
            secs(0, *i),
            secs(1, *i),
            secs(2, *i)
        ));
    }
    h.push_str("</tbody></table>\n");
    for (caption, svg) in &svgs {
        let start = svg.find("<svg").unwrap_or(0);
        h.push_str(&format!(
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            &svg[start..],
            esc(caption)
        ));
    }
    h.push_str("</body>\n</html>\n");
    write_atomic(&dir.join("experiment.html"), h.as_bytes())?;
    files.push("experiment.html".into());
    Ok(files)
}

#[cfg(test)]
mod tests {
    use crate::io::table::{Column, Table};

    /// Two points of a sweep, two platforms each. At point 1 a cluster left
    /// 40 of 1,000 tasks waiting (4 % > 1 %); at point 2 it completed 900
    /// against Fargate's 1,000 (below 95 %); a services-only row has no
    /// tasks and did its work.
    #[test]
    fn options_that_left_work_undone_are_kept_off_the_frontier() {
        let f = |v: &[f64]| Column::F64(v.to_vec());
        let df = Table::new(vec![
            ("point", f(&[1.0, 1.0, 2.0, 2.0, 3.0])),
            ("row", Column::Str(vec!["aggregate".to_string(); 5])),
            ("tasks_submitted", f(&[1000.0, 1000.0, 1000.0, 1000.0, 0.0])),
            ("tasks_completed", f(&[1000.0, 960.0, 1000.0, 900.0, 0.0])),
            ("tasks_unschedulable", f(&[0.0, 0.0, 0.0, 0.0, 0.0])),
            ("tasks_waiting_at_end", f(&[0.0, 40.0, 0.0, 5.0, 0.0])),
            ("tasks_failed", f(&[0.0, 0.0, 0.0, 0.0, 0.0])),
        ])
        .unwrap();
        let point = super::f64s(&df, "point");
        let undone = super::undone_rows(&df, &[0, 1, 2, 3, 4], &point);
        assert_eq!(undone, vec![false, true, false, true, false]);
    }

    #[test]
    fn pareto_keeps_the_undominated() {
        let f = super::pareto(&[(3.0, 1.0), (1.0, 5.0), (2.0, 2.0), (2.5, 3.0), (1.0, 6.0)]);
        assert_eq!(f, vec![(1.0, 5.0), (2.0, 2.0), (3.0, 1.0)]);
    }
}
