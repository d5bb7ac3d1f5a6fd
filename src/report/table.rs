//! The comparison table printed at the end of a run.

use super::summary::Summary;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::format::{latency_column, seconds_group_column, usd_column};

/// One column's cells, formatted together (one unit, one money format), from
/// a value of each row.
fn column<T>(
    rows: &[T],
    value: impl Fn(&T) -> Option<f64>,
    format: fn(&[Option<f64>]) -> Vec<String>,
) -> Vec<String> {
    format(&rows.iter().map(value).collect::<Vec<_>>())
}

/// A table in the house style: headers may break into two lines, so that
/// a table fits 100 columns without wrapping inside a cell.
pub fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    t
}

/// Numbers read right-aligned, from column `from` on.
pub fn align_numbers(t: &mut Table, from: usize) {
    for col in from..t.column_count() {
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// The services tables: one row per service per platform, what it cost and
/// served, then how fast and how many replicas.
fn services(summary: &Summary) -> String {
    let mut rows = Vec::new();
    for p in &summary.platforms {
        for s in &p.services {
            rows.push((s.name.clone(), p.name.clone(), s));
        }
    }
    // Grouped by service, platforms in scenario order within each.
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let cost = column(&rows, |r| Some(r.2.cost_usd), usd_column);
    let per_million = column(&rows, |r| r.2.cost_per_million_served_usd, usd_column);
    let p50 = column(&rows, |r| r.2.latency_s.p50, latency_column);
    let p99 = column(&rows, |r| r.2.latency_s.p99, latency_column);
    let p99_9 = column(&rows, |r| r.2.latency_s.p99_9, latency_column);
    let mut served = table(vec![
        "service",
        "platform",
        "cost",
        "per 1M\nserved",
        "served/arrived",
        "timed\nout",
        "rejected",
    ]);
    let mut speed = table(vec![
        "service",
        "platform",
        "p50",
        "p99",
        "p99.9",
        "SLO\nmissed",
        "replicas\nmean/peak",
    ]);
    for (i, (service, platform, s)) in rows.into_iter().enumerate() {
        let r = &s.requests;
        served.add_row(vec![
            service.clone(),
            platform.clone(),
            cost[i].clone(),
            per_million[i].clone(),
            format!("{}/{}", r.served, r.arrived),
            r.timed_out.to_string(),
            (r.rejected + r.failed).to_string(),
        ]);
        speed.add_row(vec![
            service,
            platform,
            p50[i].clone(),
            p99[i].clone(),
            p99_9[i].clone(),
            s.slo.as_ref().map_or("—".into(), |o| {
                format!("{}/{} min", o.minutes_violated, o.minutes)
            }),
            format!("{:.1}/{}", s.replicas.mean_running, s.replicas.peak_running),
        ]);
    }
    align_numbers(&mut served, 2);
    align_numbers(&mut speed, 2);
    format!(
        "{served}\n{speed}\nlatency = queue + service time of served requests; rejected includes requests lost with an interrupted replica\n"
    )
}

/// What this run changed from the scenario file, for the title line:
/// ` (--set workload.load_scale=0.2, --seed 5)`, or nothing.
fn changed(summary: &Summary) -> String {
    let sc = &summary.scenario;
    let mut parts: Vec<String> = sc.overrides.iter().map(|o| format!("--set {o}")).collect();
    if sc.seed_source.starts_with("--seed") {
        parts.push(format!("--seed {}", sc.seed));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// What "running at end" and "not run" mean, the same in every output.
pub const NOT_RUN_LEGEND: &str = "not run = never ran to completion and not running at the end: could never run, still waiting at the end, or given up after an interruption; running at end = cut by the horizon\n";

/// One line per option the others cannot be compared with (it left work
/// undone, tasks that could never run named with why), per option that left
/// a little work undone, and per cluster held at its `max`.
fn warnings(summary: &Summary) -> String {
    let field = super::compare::field(&summary.platforms);
    let mut out = String::new();
    if let Some(why) = super::compare::no_work(&summary.platforms) {
        out.push_str(&format!("warning: {why}\n"));
    }
    for p in &summary.platforms {
        let excluded = field.excluded.iter().find(|(q, _)| q.name == p.name);
        if let Some((_, why)) = excluded.filter(|_| summary.platforms.len() > 1) {
            out.push_str(&format!(
                "warning: {}: {why}; not compared with the others on cost or start time\n",
                p.name
            ));
        } else if let Some(undone) = super::compare::undone_work(p) {
            out.push_str(&format!("warning: {}: {undone}\n", p.name));
        }
        if let Some(line) = super::compare::pinned(p) {
            out.push_str(&format!("warning: {line}\n"));
        }
        if let Some(line) = super::compare::unbounded_backlog(p) {
            out.push_str(&format!("warning: {line}\n"));
        }
        out.push_str(&lost_work_lines(p));
    }
    out
}

/// Issue 34: the work an option threw away and ran again, with the fix
/// the scenario can express, when it is notable.
fn lost_work_lines(p: &super::PlatformSummary) -> String {
    let mut out = String::new();
    if !super::lost_work::notable(p) {
        return out;
    }
    if let Some(line) = super::lost_work::sentence(p) {
        out.push_str(&format!("warning: {line}\n"));
    }
    if let Some(fix) = super::lost_work::fix(p) {
        out.push_str(&format!("hint: {fix}\n"));
    }
    out
}

/// One line per platform whose capacity provider strategy mixes FARGATE
/// and FARGATE_SPOT: each provider's launches, interruptions, lost work and
/// bill, with their shares.
fn provider_shares(summary: &Summary) -> String {
    let mut out = String::new();
    for p in summary
        .platforms
        .iter()
        .filter(|p| p.capacity_providers.len() > 1)
    {
        let parts: Vec<String> = p
            .capacity_providers
            .iter()
            .map(|c| {
                let pct = |v: Option<f64>| v.map_or("—".into(), |f| format!("{:.0}%", f * 100.0));
                let lost = if c.interrupted > 0 {
                    format!(
                        ", {} interrupted ({} of work lost, billed)",
                        c.interrupted,
                        super::format::format_seconds(c.wasted_seconds)
                    )
                } else {
                    String::new()
                };
                format!(
                    "{} {} launches ({}){lost}, {} ({} of the bill)",
                    c.provider,
                    c.launches,
                    pct(c.share_of_launches),
                    super::format::format_usd(c.cost_usd),
                    pct(c.share_of_cost),
                )
            })
            .collect();
        let strategy = p.options.get("capacity").cloned().unwrap_or_default();
        out.push_str(&format!(
            "{}: capacity providers ({strategy}): {}\n",
            p.name,
            parts.join("; ")
        ));
    }
    out
}

/// Renders the per-platform comparison.
pub fn render(summary: &Summary) -> String {
    // The idle column only means something for clusters.
    let clusters = summary.platforms.iter().any(|p| p.cluster.is_some());
    let functions = summary.platforms.iter().any(|p| p.function.is_some());
    // Tasks cut by the horizon are neither done nor undone: their own column.
    let cut = summary.platforms.iter().any(|p| p.tasks.running_at_end > 0);
    let mut header = vec!["platform", "kind", "total\ncost"];
    if clusters {
        header.push("idle");
    }
    if functions {
        header.push("cold starts");
    }
    header.extend(["cost/\ntask", "completed"]);
    if cut {
        header.push("running\nat end");
    }
    header.extend(["not\nrun", "start\np50/p95/p99"]);
    let mut t = table(header);
    let ps = &summary.platforms;
    let total = column(ps, |p| Some(p.cost.total_usd), usd_column);
    let per_task = column(ps, |p| p.cost.per_completed_task_usd, usd_column);
    let start = seconds_group_column(
        &ps.iter()
            .map(|p| {
                let l = &p.latency.time_to_start;
                vec![l.p50, l.p95, l.p99]
            })
            .collect::<Vec<_>>(),
    );
    for (i, p) in summary.platforms.iter().enumerate() {
        let not_run = super::compare::not_run(&p.tasks);
        let mut row = vec![
            p.name.clone(),
            // On demand is the default, said once in the note below; a
            // function platform is named by its profile.
            match (p.kind.as_str(), p.options.get("capacity")) {
                ("function", _) => p
                    .options
                    .get("profile")
                    .map_or_else(|| p.kind.clone(), String::clone),
                (_, None) => p.kind.clone(),
                (_, Some(c)) if c == "on_demand" => p.kind.clone(),
                // A strategy over FARGATE and FARGATE_SPOT: its shares
                // are listed under the table.
                (kind, _) if p.capacity_providers.len() > 1 => format!("{kind} mix"),
                (kind, Some(c)) => format!("{kind} {c}"),
            },
            total[i].clone(),
        ];
        if clusters {
            row.push(
                p.cluster
                    .as_ref()
                    .and_then(|c| c.idle_fraction)
                    .map_or("—".into(), |f| format!("{:.0}%", f * 100.0)),
            );
        }
        if functions {
            row.push(p.function.as_ref().map_or("—".into(), |f| {
                let rate = f.cold_start_rate.unwrap_or(0.0) * 100.0;
                let throttled = if f.throttles > 0 {
                    format!(", {} throttled", f.throttles)
                } else {
                    String::new()
                };
                format!("{} ({rate:.2}%){throttled}", f.cold_starts)
            }));
        }
        row.extend([
            per_task[i].clone(),
            if p.tasks.submitted == 0 {
                "—".into()
            } else {
                format!("{}/{}", p.tasks.completed, p.tasks.submitted)
            },
        ]);
        if cut {
            row.push(p.tasks.running_at_end.to_string());
        }
        row.extend([not_run.to_string(), start[i].clone()]);
        t.add_row(row);
    }
    align_numbers(&mut t, 2);
    let mut out = format!("{}{}\n{}\n", summary.scenario.name, changed(summary), t);
    out.push_str(&warnings(summary));
    out.push_str(&provider_shares(summary));
    out.push_str(&super::rightsizing_lines::lines(&summary.platforms));
    out.push_str(
        "start = time from submit to running (waiting for launch or capacity + start-up); kind: on demand unless it says spot\n",
    );
    if cut
        || summary
            .platforms
            .iter()
            .any(|p| super::compare::not_run(&p.tasks) > 0)
    {
        out.push_str(NOT_RUN_LEGEND);
    }
    if summary.platforms.iter().any(|p| p.cluster.is_some()) {
        out.push_str("idle = share of the instance bill not allocated to tasks (EC2)\n");
    }
    if functions {
        out.push_str("cold starts = instances started on demand (and the share of invocations that waited for one); function platforms only\n");
    }
    out.push_str(&around_table(summary));
    if summary.platforms.iter().any(|p| !p.services.is_empty()) {
        out.push_str(
            "tasks are the workload's own: service replicas are not tasks (summary.json `tasks.service_replicas` counts them), and on function platforms each request is an invocation\n",
        );
        out.push_str(&services(summary));
    }
    for n in &summary.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    let skipped: u64 = summary.skipped_rows.values().sum();
    if skipped > 0 {
        out.push_str(&format!(
            "note: skipped {skipped} trace row(s) (on_bad_row = \"skip\"); by reason in summary.json `skipped_rows`\n"
        ));
    }
    out
}

/// The whole bill apart: compute and around compute (EBS, public IPv4,
/// load balancers, NAT, logs, ECR) and the largest item around compute.
fn around_table(summary: &Summary) -> String {
    let ps = &summary.platforms;
    if !ps.iter().any(|p| p.cost.around_usd > 0.0) {
        return String::new();
    }
    let mut t = table(vec![
        "platform",
        "compute",
        "around\ncompute",
        "whole\nbill",
        "largest item\naround compute",
    ]);
    let compute = column(ps, |p| Some(p.cost.compute()), usd_column);
    let around = column(ps, |p| Some(p.cost.around_usd), usd_column);
    let total = column(ps, |p| Some(p.cost.total_usd), usd_column);
    // The largest item at the precision of the columns beside it, so a
    // bill of a few tenths of a cent does not read "$0.00".
    let largest_usd = column(
        ps,
        |p| p.cost.around_by_component().first().map(|(_, v)| *v),
        usd_column,
    );
    for (i, p) in ps.iter().enumerate() {
        let largest = p
            .cost
            .around_by_component()
            .first()
            .map_or("—".to_string(), |(name, _)| {
                format!("{} {}", name.replace('_', " "), largest_usd[i].trim())
            });
        t.add_row(vec![
            p.name.clone(),
            compute[i].clone(),
            around[i].clone(),
            total[i].clone(),
            largest,
        ]);
    }
    align_numbers(&mut t, 1);
    format!(
        "{t}\naround compute = EBS volumes, public IPv4, load balancers, NAT and VPC endpoints, logs and metrics, ECR; what stays out is in the assumptions (report.html)\n"
    )
}
