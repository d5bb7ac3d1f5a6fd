//! The comparison table printed at the end of a run.

use super::summary::Summary;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

/// Money as people read it; the summary holds dollars as floats, which is
/// exact to far below the cent shown here.
fn money(usd: f64) -> String {
    fargate_money(usd).to_string()
}

fn fargate_money(usd: f64) -> crate::pricing::Money {
    crate::pricing::Money(
        (usd.max(0.0) * crate::pricing::money::ATTO_PER_USD as f64).round() as u128,
    )
}

fn secs(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(s) if s < 120.0 => format!("{s:.1}s"),
        Some(s) if s < 7200.0 => format!("{:.1}min", s / 60.0),
        Some(s) => format!("{:.1}h", s / 3600.0),
    }
}

/// A latency as people read it: `72ms`, `2.64s`.
fn latency(v: Option<f64>) -> String {
    v.map_or("—".into(), super::format::format_latency)
}

/// The services table: one row per service per platform.
fn services(summary: &Summary) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "service",
            "platform",
            "cost",
            "per 1M served",
            "served",
            "timed out",
            "rejected",
            "p50",
            "p99",
            "p99.9",
            "SLO missed",
            "replicas mean/peak",
        ]);
    let mut rows = Vec::new();
    for p in &summary.platforms {
        for s in &p.services {
            rows.push((s.name.clone(), p.name.clone(), s));
        }
    }
    // Grouped by service, platforms in scenario order within each.
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (service, platform, s) in rows {
        let r = &s.requests;
        t.add_row(vec![
            service,
            platform,
            money(s.cost_usd),
            s.cost_per_million_served_usd.map_or("—".into(), money),
            format!("{}/{}", r.served, r.arrived),
            r.timed_out.to_string(),
            (r.rejected + r.failed).to_string(),
            latency(s.latency_s.p50),
            latency(s.latency_s.p99),
            latency(s.latency_s.p99_9),
            s.slo.as_ref().map_or("—".into(), |o| {
                format!("{}/{} min", o.minutes_violated, o.minutes)
            }),
            format!("{:.1}/{}", s.replicas.mean_running, s.replicas.peak_running),
        ]);
    }
    for col in 2..12 {
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!(
        "{t}\nlatency = queue + service time of served requests; rejected includes requests lost with an interrupted replica\n"
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
const NOT_RUN_LEGEND: &str = "not run = never ran to completion and not running at the end: could never run, still waiting at the end, or given up after an interruption; running at end = cut by the horizon\n";

/// One line per option the others cannot be compared with (it left work
/// undone, tasks that could never run named with why), per option that left
/// a little work undone, and per cluster held at its `max`.
fn warnings(summary: &Summary) -> String {
    let field = super::compare::field(&summary.platforms);
    let mut out = String::new();
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
    let mut t = Table::new();
    let mut header = vec!["platform", "kind", "total cost"];
    if clusters {
        header.push("idle");
    }
    if functions {
        header.push("cold starts");
    }
    header.extend(["cost/task", "completed"]);
    if cut {
        header.push("running at end");
    }
    header.extend(["not run", "start p50", "start p95", "start p99"]);
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    for p in &summary.platforms {
        let not_run = super::compare::not_run(&p.tasks);
        let l = &p.latency.time_to_start;
        let mut row = vec![
            p.name.clone(),
            format!(
                "{} {}",
                p.kind,
                p.options
                    .get("capacity")
                    .or(p.options.get("profile"))
                    .map_or("", String::as_str)
            ),
            money(p.cost.total_usd),
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
            p.cost.per_completed_task_usd.map_or("—".into(), money),
            if p.tasks.submitted == 0 {
                "—".into()
            } else {
                format!("{}/{}", p.tasks.completed, p.tasks.submitted)
            },
        ]);
        if cut {
            row.push(p.tasks.running_at_end.to_string());
        }
        row.extend([not_run.to_string(), secs(l.p50), secs(l.p95), secs(l.p99)]);
        t.add_row(row);
    }
    for col in 2..13 {
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = format!("{}{}\n{}\n", summary.scenario.name, changed(summary), t);
    out.push_str(&warnings(summary));
    out.push_str(
        "start = time from submit to running (waiting for launch or capacity + start-up)\n",
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
