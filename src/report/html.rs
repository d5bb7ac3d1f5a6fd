//! `report.html`: one self-contained page (charts inline as SVG, no network
//! fetches) for a design review: the scenario, a verdict computed from the
//! numbers, the comparison table, the charts, and every assumption with its
//! source.

use super::compare;
use super::format::{format_seconds, format_usd_cents as format_usd, format_usd_fine, thousands};
use super::plot::{Chart, platform_color};
use super::replications::{self, CostCall};
use super::summary::{PlatformSummary, Summary};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn not_run(p: &PlatformSummary) -> u64 {
    compare::not_run(&p.tasks)
}

fn p95(p: &PlatformSummary) -> Option<f64> {
    p.latency.time_to_start.p95
}

fn pct(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.0}%", (a - b) / b * 100.0)
    } else {
        "n/a".into()
    }
}

/// "N of M tasks completed", or nothing when the run had no tasks (services only).
fn completed_part(p: &PlatformSummary) -> String {
    if p.tasks.submitted == 0 {
        String::new()
    } else {
        format!(
            " ({} of {} tasks completed)",
            thousands(&p.tasks.completed.to_string()),
            thousands(&p.tasks.submitted.to_string())
        )
    }
}

/// Issue 34: the cheapest option's caveat when it threw work away and ran
/// it again, then each option's lost work and its fix.
fn lost_work_verdict(ps: &[PlatformSummary], compared: &[&PlatformSummary]) -> Vec<String> {
    use super::lost_work;
    let mut out = Vec::new();
    if let Some(c) = compared
        .first()
        .filter(|_| compared.len() > 1)
        .and_then(|p| lost_work::crown_caveat(p))
    {
        out.push(format!("Caution: {c}."));
    }
    for p in ps.iter().filter(|p| lost_work::notable(p)) {
        if let Some(s) = lost_work::sentence(p) {
            out.push(format!("Lost work: {s}."));
        }
        if let Some(f) = lost_work::fix(p) {
            out.push(format!("{f}."));
        }
    }
    out
}

/// A few sentences a reader can act on, computed from the summary. Only
/// options that did the same work are compared ([`compare::field`]); the
/// others are named with the work they left undone.
pub fn verdict(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let ps = &s.platforms;
    if ps.is_empty() {
        return out;
    }
    if let Some(why) = compare::no_work(ps) {
        let mut first = why.chars();
        let capital: String = first
            .next()
            .into_iter()
            .flat_map(char::to_uppercase)
            .collect();
        out.push(super::format::sentence(&format!(
            "{capital}{}",
            first.as_str()
        )));
        return out;
    }
    let field = compare::field(ps);
    let compared = field.by_cost();
    if ps.len() == 1 {
        let only = &ps[0];
        out.push(format!(
            "{} costs {} for this workload{}.",
            only.name,
            format_usd(only.cost.total_usd),
            completed_part(only)
        ));
    } else if compared.is_empty() {
        out.push(
            "No option did all the work, so none is called the cheapest or the fastest: each total below pays for a different part of the workload.".to_string(),
        );
    } else if compared.len() == 1 {
        let only = compared[0];
        out.push(format!(
            "{} is the only option that did the work, at {}{}.",
            only.name,
            format_usd(only.cost.total_usd),
            completed_part(only)
        ));
    } else {
        let cheapest = compared[0];
        let runner = compared[1];
        let diff = runner.cost.total_usd - cheapest.cost.total_usd;
        let call = replications::cost_call(s, cheapest, runner);
        // The latency sentences below speak of a saving only when the
        // cheapest is called cheaper.
        let called = call == CostCall::Cheaper;
        match call {
            CostCall::Untold(g) => out.push(format!(
                "{} and {} cannot be told apart on cost: {} and {} in this run, and {} runs (this one and {} with other seeds) do not show {} cheaper beyond their noise.",
                cheapest.name,
                runner.name,
                format_usd(cheapest.cost.total_usd),
                format_usd(runner.cost.total_usd),
                g.runs,
                g.runs - 1,
                cheapest.name
            )),
            CostCall::AboutSame => out.push(format!(
                "{} and {} cost about the same ({} and {}, within {:.0}%).",
                cheapest.name,
                runner.name,
                format_usd(cheapest.cost.total_usd),
                format_usd(runner.cost.total_usd),
                compare::COST_NOISE_SHARE * 100.0
            )),
            CostCall::Cheaper => out.push(format!(
                "{} is the cheapest option at {}: {} ({:.1}%) less than the next, {} at {}.",
                cheapest.name,
                format_usd(cheapest.cost.total_usd),
                format_usd_fine(diff),
                if runner.cost.total_usd > 0.0 {
                    diff / runner.cost.total_usd * 100.0
                } else {
                    0.0
                },
                runner.name,
                format_usd(runner.cost.total_usd)
            )),
        }
        match s.replications.as_ref() {
            Some(r) => out.extend(replications::gap_sentence(r, &cheapest.name, &runner.name)),
            None if called => out.extend(replications::one_run_hint(
                cheapest.cost.total_usd,
                runner.cost.total_usd,
            )),
            None => {}
        }
        if compared.len() > 2 {
            let last = compared[compared.len() - 1];
            out.push(format!(
                "The most expensive, {}, costs {} ({} more than {}).",
                last.name,
                format_usd(last.cost.total_usd),
                pct(last.cost.total_usd, cheapest.cost.total_usd),
                cheapest.name
            ));
        }
        // The options that started tasks, fastest first (p95).
        let mut by_start: Vec<&PlatformSummary> = compared
            .iter()
            .copied()
            .filter(|p| p95(p).is_some())
            .collect();
        by_start.sort_by(|a, b| p95(a).unwrap_or(0.0).total_cmp(&p95(b).unwrap_or(0.0)));
        let (fastest, next_fastest) = (by_start.first().copied(), by_start.get(1).copied());
        let (lo, hi) = (
            fastest.and_then(p95).unwrap_or(0.0),
            by_start.last().copied().and_then(p95).unwrap_or(0.0),
        );
        let same_start = |a, b| replications::same_start(s, a, b);
        let over_runs = s.replications.as_ref().map_or(String::new(), |r| {
            format!(
                " in this run, and within the noise of {} runs",
                r.seeds.len()
            )
        });
        let all_same = by_start.len() == compared.len()
            && match (fastest, by_start.last()) {
                (Some(f), Some(l)) => same_start(f, l),
                _ => false,
            };
        if all_same {
            out.push(format!(
                "Tasks start in about the same time on every option compared (p95 between {} and {}{over_runs}): {}.",
                format_seconds(lo),
                format_seconds(hi),
                if called {
                    "the choice is about cost"
                } else {
                    "on this evidence neither cost nor start time sets the cheapest two apart"
                }
            ));
        } else if let (Some(f), Some(c95)) = (fastest, p95(cheapest)) {
            let f95 = p95(f).unwrap_or(c95);
            let tied = next_fastest.filter(|n| s.replications.is_some() && same_start(f, n));
            if let Some(n) = tied {
                out.push(format!(
                    "{} and {} start tasks about as fast (p95 {} and {}{over_runs}).",
                    f.name,
                    n.name,
                    format_seconds(f95),
                    format_seconds(p95(n).unwrap_or(f95))
                ));
            } else if f.name == cheapest.name {
                out.push(format!(
                    "{} is {}the fastest to start tasks: p95 time to start {}.",
                    cheapest.name,
                    if called { "also " } else { "" },
                    format_seconds(c95)
                ));
            } else if same_start(cheapest, f) {
                out.push(format!(
                    "{} starts tasks about as fast as the fastest option, {} (p95 {} against {}).",
                    cheapest.name,
                    f.name,
                    format_seconds(c95),
                    format_seconds(f95)
                ));
            } else if !called {
                out.push(format!(
                    "{} is the fastest to start tasks: p95 time to start {}, against {} on {}.",
                    f.name,
                    format_seconds(f95),
                    format_seconds(c95),
                    cheapest.name
                ));
            } else {
                out.push(format!(
                    "The saving has a latency cost: at p95, tasks start in {} on {} against {} on {}, the fastest option, which costs {} more.",
                    format_seconds(c95),
                    cheapest.name,
                    format_seconds(f95),
                    f.name,
                    format_usd(f.cost.total_usd - cheapest.cost.total_usd)
                ));
            }
        }
    }
    out.extend(lost_work_verdict(ps, &compared));
    for (p, why) in field.excluded.iter().filter(|_| ps.len() > 1) {
        out.push(format!(
            "{} is not compared: {}; its {} pays for only the work it did.",
            p.name,
            why,
            format_usd(p.cost.total_usd)
        ));
    }
    for p in ps {
        let missing = not_run(p);
        if missing > 0 && (ps.len() == 1 || !field.excluded.iter().any(|(q, _)| q.name == p.name)) {
            out.push(format!(
                "Caution: on {}, {}, so its cost covers only part of the workload.",
                p.name,
                compare::undone_work(p).unwrap_or_default()
            ));
        }
        if let Some(line) = compare::pinned(p) {
            out.push(super::format::sentence(&line));
        }
        if let Some(line) = compare::unbounded_backlog(p) {
            out.push(super::format::sentence(&line));
        }
        if let Some(c) = &p.cluster
            && let Some(idle) = c.idle_fraction
            && idle >= 0.25
        {
            out.push(format!(
                "{} pays for idle capacity: {:.0}% of its instance cost ({}) was not allocated to any task.",
                p.name,
                idle * 100.0,
                format_usd(c.idle_usd)
            ));
        }
        if p.cost.components.spot_savings_usd > 0.0 {
            out.push(format!(
                "Spot saved {} on {} against the same usage on demand, with {} interruption(s).",
                format_usd(p.cost.components.spot_savings_usd),
                p.name,
                p.tasks.interrupted + p.cluster.as_ref().map_or(0, |c| c.instance_interruptions)
            ));
        }
    }
    for p in &s.platforms {
        if let Some(c) = p.cluster.as_ref().filter(|c| c.nodes_consolidated > 0) {
            out.push(format!(
                "Karpenter consolidated {} node(s) of {} ({} replaced by a cheaper one), evicting {} pod(s) that restarted elsewhere.",
                c.nodes_consolidated, p.name, c.consolidation_replacements, c.pods_moved
            ));
        }
    }
    out.extend(service_verdict(s));
    out
}

/// One line per service: each platform's SLO record (or p99) and cost.
fn service_verdict(s: &Summary) -> Vec<String> {
    let mut names: Vec<&str> = Vec::new();
    for p in &s.platforms {
        for sv in &p.services {
            if !names.contains(&sv.name.as_str()) {
                names.push(&sv.name);
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            let parts: Vec<String> = s
                .platforms
                .iter()
                .filter_map(|p| {
                    p.services
                        .iter()
                        .find(|sv| sv.name == name)
                        .map(|sv| (p, sv))
                })
                .map(|(p, sv)| {
                    let lost = sv.requests.timed_out + sv.requests.rejected + sv.requests.failed;
                    let record = match &sv.slo {
                        Some(o) => format!(
                            "met its SLO in {} of {} minutes",
                            o.minutes - o.minutes_violated,
                            o.minutes
                        ),
                        None => format!("p99 {}", opt_s(sv.latency_s.p99)),
                    };
                    format!(
                        "{} {record}, {:.2}% of requests not served, for {}",
                        p.name,
                        100.0 * lost as f64 / sv.requests.arrived.max(1) as f64,
                        format_usd(sv.cost_usd)
                    )
                })
                .collect();
            format!("Service {name}: {}.", parts.join("; "))
        })
        .collect()
}

fn opt_s(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), format_seconds)
}

fn table(s: &Summary) -> String {
    let mut h = String::from(
        "<table class=\"cmp\"><thead><tr><th>platform</th><th>kind</th><th>total cost</th><th>cost per completed task</th><th>completed</th><th>running at end</th><th>not run</th><th>start p50</th><th>start p95</th><th>start p99</th><th>idle instance cost</th></tr></thead><tbody>\n",
    );
    // Start times in one unit for the whole table, as the terminal table
    // writes them (sub-second values in milliseconds).
    let starts = super::format::seconds_column(
        &s.platforms
            .iter()
            .flat_map(|p| {
                let l = &p.latency.time_to_start;
                [l.p50, l.p95, l.p99]
            })
            .collect::<Vec<_>>(),
    );
    let start = |i: usize, k: usize| starts[i * 3 + k].replace('—', "–");
    for (i, p) in s.platforms.iter().enumerate() {
        let c = platform_color(i);
        // As the terminal table names it (on demand is the default).
        let kind = super::kind::kind_label(p);
        let idle = p.cluster.as_ref().map_or("–".to_string(), |c| {
            format!(
                "{} ({:.0}%)",
                format_usd(c.idle_usd),
                c.idle_fraction.unwrap_or(0.0) * 100.0
            )
        });
        h.push_str(&format!(
            "<tr><td><span class=\"dot\" style=\"background:rgb({},{},{})\"></span>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            c.0,
            c.1,
            c.2,
            esc(&p.name),
            esc(kind.trim()),
            format_usd(p.cost.total_usd),
            p.cost
                .per_completed_task_usd
                .map_or("–".into(), |v| format!("${v:.4}")),
            if p.tasks.submitted == 0 {
                "–".to_string()
            } else {
                format!("{}/{}", p.tasks.completed, p.tasks.submitted)
            },
            p.tasks.running_at_end,
            not_run(p),
            start(i, 0),
            start(i, 1),
            start(i, 2),
            idle
        ));
    }
    h.push_str("</tbody></table>\n");
    h
}

/// The bill around compute: per platform, compute and around compute
/// apart and together, then one row per charge.
fn around_table(s: &Summary) -> String {
    let mut h = String::from(
        "<table class=\"cmp\"><thead><tr><th>platform</th><th>charge</th><th>resource</th><th>quantity</th><th>price</th><th>cost</th></tr></thead><tbody>\n",
    );
    for p in &s.platforms {
        h.push_str(&format!(
            "<tr><td>{}</td><td><b>compute</b></td><td></td><td></td><td></td><td class=\"n\">{}</td></tr>\n",
            esc(&p.name),
            format_usd(p.cost.compute())
        ));
        for l in &p.cost.around {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{:.4} {}</td><td class=\"n\">${}</td><td class=\"n\">{}</td></tr>\n",
                esc(&p.name),
                esc(&l.component),
                esc(&l.resource),
                l.quantity,
                esc(&l.unit),
                l.price_usd,
                format_usd(l.cost_usd)
            ));
        }
        h.push_str(&format!(
            "<tr><td>{}</td><td><b>around compute</b></td><td></td><td></td><td></td><td class=\"n\">{}</td></tr>\n<tr><td>{}</td><td><b>whole bill</b></td><td></td><td></td><td></td><td class=\"n\"><b>{}</b></td></tr>\n",
            esc(&p.name),
            format_usd(p.cost.around_usd),
            esc(&p.name),
            format_usd(p.cost.total_usd)
        ));
    }
    h.push_str("</tbody></table>\n<p class=\"meta\">What stays out of the bill is listed under the assumptions.</p>\n");
    h
}

/// The services table: one row per service per platform.
fn services_table(s: &Summary) -> String {
    let mut h = String::from(
        "<table class=\"cmp\"><thead><tr><th>service</th><th>platform</th><th>cost</th><th>per million served</th><th>served / arrived</th><th>timed out</th><th>rejected or lost</th><th>latency p50</th><th>p99</th><th>p99.9</th><th>SLO missed</th><th>replicas mean / peak</th></tr></thead><tbody>\n",
    );
    let mut rows = Vec::new();
    for (i, p) in s.platforms.iter().enumerate() {
        for sv in &p.services {
            rows.push((i, p, sv));
        }
    }
    rows.sort_by(|a, b| a.2.name.cmp(&b.2.name));
    let ms = |v: Option<f64>| v.map_or("–".to_string(), super::format::format_latency);
    for (i, p, sv) in rows {
        let c = platform_color(i);
        let r = &sv.requests;
        h.push_str(&format!(
            "<tr><td>{}</td><td><span class=\"dot\" style=\"background:rgb({},{},{})\"></span>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}/{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1} / {}</td></tr>\n",
            esc(&sv.name),
            c.0,
            c.1,
            c.2,
            esc(&p.name),
            format_usd(sv.cost_usd),
            sv.cost_per_million_served_usd.map_or("–".into(), format_usd),
            thousands(&r.served.to_string()),
            thousands(&r.arrived.to_string()),
            thousands(&r.timed_out.to_string()),
            thousands(&(r.rejected + r.failed).to_string()),
            ms(sv.latency_s.p50),
            ms(sv.latency_s.p99),
            ms(sv.latency_s.p99_9),
            sv.slo.as_ref().map_or("–".into(), |o| format!(
                "{} of {} min (p{} ≤ {})",
                o.minutes_violated,
                o.minutes,
                o.percentile,
                ms(Some(o.latency_s))
            )),
            sv.replicas.mean_running,
            sv.replicas.peak_running,
        ));
    }
    h.push_str("</tbody></table>\n<p class=\"meta\">latency = queue + service time of served requests. A service's cost is its replicas' bills on serverless platforms and their share of the instances on EC2 (the idle part of an instance is not charged to a service). Per-minute figures are in service_minutes.csv.</p>\n");
    h
}

/// The whole page.
pub fn render(s: &Summary, charts: &[Chart]) -> String {
    let sc = &s.scenario;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<title>{} — fargate-sim report</title>\n",
        esc(&sc.name)
    ));
    h.push_str("<style>\nbody{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\nh1{margin-bottom:.2em}.meta{color:#666}\ntable{border-collapse:collapse;margin:1em 0;display:block;max-width:100%;overflow-x:auto}th,td{border-bottom:1px solid #ddd;padding:.35em .7em;text-align:left;vertical-align:top}\nth{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}\n.dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.4em}\n.verdict{background:#f3f8ff;border-left:4px solid #1f77b4;padding:.6em 1em}\nfigure{margin:1.5em 0}figure svg{max-width:100%;height:auto}figcaption{color:#555}\ntable.assume td{font-size:.9em;overflow-wrap:anywhere}\ncode{overflow-wrap:anywhere}\n@media (max-width:1000px){table.cmp th,table.cmp td{padding:.3em .4em;font-size:.9em}}\n</style>\n</head>\n<body>\n");
    h.push_str(&format!("<h1>{}</h1>\n", esc(&sc.name)));
    if !sc.description.trim().is_empty() {
        h.push_str(&format!("<p>{}</p>\n", esc(sc.description.trim())));
    }
    if !sc.overrides.is_empty() {
        h.push_str(&format!(
            "<p class=\"meta\">Changed from the scenario file: {}</p>\n",
            sc.overrides
                .iter()
                .map(|o| format!("<code>--set {}</code>", esc(o)))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    h.push_str(&format!(
        "<p class=\"meta\">{} {} · seed {}{} · {}</p>\n",
        esc(&s.tool),
        esc(&s.version),
        sc.seed,
        if sc.seed_source.is_empty() {
            String::new()
        } else {
            format!(" ({})", esc(&sc.seed_source))
        },
        match sc.horizon_s {
            Some(hz) => format!("horizon {}", format_seconds(hz)),
            None => "run until the workload drained".into(),
        }
    ));
    if let Some(r) = &s.real_bill {
        h.push_str(&real_bill_section(r));
    }
    h.push_str("<h2 id=\"verdict\">Verdict</h2>\n<div class=\"verdict\">\n");
    for line in verdict(s) {
        h.push_str(&format!("<p>{}</p>\n", esc(&line)));
    }
    h.push_str("</div>\n<h2 id=\"comparison\">Comparison</h2>\n");
    h.push_str(&table(s));
    h.push_str("<p class=\"meta\">start = time from submit to running (waiting for a launch or capacity, then start-up). Kind: on demand unless it says spot (or mix, for a strategy over both). Running at end = cut by the horizon. Not run = never ran to completion and not running at the end: could never run, still waiting at the end, or given up after an interruption. Service replicas are not tasks.</p>\n");
    if s.platforms.iter().any(|p| p.cost.around_usd > 0.0) {
        h.push_str("<h2 id=\"around\">Compute and around compute</h2>\n");
        h.push_str(&around_table(s));
    }
    if s.platforms.iter().any(|p| p.rightsizing.is_some()) {
        h.push_str("<h2 id=\"rightsizing\">Right-sizing per group</h2>\n");
        h.push_str(&rightsizing_groups_table(&s.platforms));
    }
    if s.platforms.iter().any(|p| !p.services.is_empty()) {
        h.push_str("<h2 id=\"services\">Services</h2>\n");
        h.push_str(&services_table(s));
    }
    h.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for c in charts {
        h.push_str(&format!(
            "<figure id=\"chart-{}\">\n{}\n<figcaption>{} (also {}.png and {}.svg)</figcaption>\n</figure>\n",
            c.name,
            strip_xml_header(&c.svg),
            esc(&c.title),
            c.name,
            c.name
        ));
    }
    h.push_str("<h2 id=\"assumptions\">Assumptions</h2>\n<p>Every price and default this run used, with its source. Challenge any of them with <code>--set</code>, a scenario key, or <code>--pricing</code>.</p>\n<table class=\"assume\"><thead><tr><th>applies to</th><th>item</th><th>value</th><th>source</th></tr></thead><tbody>\n");
    for a in &s.assumptions {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&a.applies_to),
            esc(&a.item),
            esc(&a.value),
            esc(&a.source)
        ));
    }
    h.push_str("</tbody></table>\n");
    if !s.notes.is_empty() || !s.skipped_rows.is_empty() {
        h.push_str("<h2 id=\"notes\">Notes on the inputs</h2>\n<ul>\n");
        for n in &s.notes {
            h.push_str(&format!("<li>{}</li>\n", esc(n)));
        }
        for (reason, n) in &s.skipped_rows {
            h.push_str(&format!(
                "<li>skipped {n} trace row(s): {}</li>\n",
                esc(reason)
            ));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<p class=\"meta\">Data: summary.json, summary.csv, timeseries.parquet, timeseries.csv and tasks.parquet in this folder.</p>\n</body>\n</html>\n");
    h
}

/// The account's real bill beside the simulated one (before the verdict).
fn real_bill_section(r: &crate::report::real_bill::RealBillSummary) -> String {
    use crate::report::real_bill::{headline, rows};
    let mut h = String::from("<h2 id=\"real-bill\">Your real bill beside the simulation</h2>\n");
    h.push_str(&format!("<p>{}</p>\n", esc(&headline(r))));
    h.push_str("<table class=\"cmp\"><thead><tr><th>group</th><th>tasks</th><th>real</th><th>of which unused</th><th>simulated</th><th>gap</th></tr></thead><tbody>\n");
    for row in rows(r) {
        h.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                h.push_str(&format!("<td>{}</td>", esc(c)));
            } else {
                h.push_str(&format!("<td class=\"n\">{}</td>", esc(c)));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    for w in &r.why {
        h.push_str(&format!("<p class=\"meta\">{}</p>\n", esc(w)));
    }
    h
}

fn strip_xml_header(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// The HTML table of the groups of every right-sizing platform.
fn rightsizing_groups_table(platforms: &[PlatformSummary]) -> String {
    let mut h = String::from(
        "<table class=\"cmp\"><thead><tr><th>platform</th><th>group</th><th>tasks</th><th>resized</th><th>killed for memory</th><th>slowed by CPU</th><th>extra time</th><th>bill before</th><th>bill after</th><th>saving</th><th>new size</th></tr></thead><tbody>\n",
    );
    // The request a percentile form gave the group's tasks; a per-task form
    // sizes each task from its own usage.
    let size = |g: &super::rightsizing::GroupRow| match (g.size_cpu_vcpu, g.size_memory_mib) {
        (None, None) if g.group == super::rightsizing::REST => "–".to_string(),
        (None, None) => "per task".to_string(),
        (c, m) => format!(
            "{} / {}",
            c.map_or("per task".into(), |v| format!(
                "{} vCPU",
                super::format::clean_number(&v.to_string())
            )),
            m.map_or("per task".into(), |v| format!("{v} MiB"))
        ),
    };
    let pct = |v: Option<f64>| v.map_or("–".into(), |f| format!("{:.1}%", f * 100.0));
    let usd = |v: Option<f64>| v.map_or("–".into(), super::format::format_usd);
    for p in platforms {
        let Some(r) = &p.rightsizing else { continue };
        for g in &r.groups {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} ({})</td><td class=\"n\">{} ({})</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                esc(&p.name),
                esc(&g.group),
                g.tasks,
                g.resized,
                g.tasks_killed,
                pct(g.kill_rate),
                g.slowed,
                pct(g.slowed_rate),
                format_seconds(g.slowed_extra_seconds + g.oom_lost_seconds),
                usd(g.before_usd),
                usd(g.cost_usd),
                usd(g.saving_usd),
                size(g),
            ));
        }
    }
    h.push_str("</tbody></table>\n<p class=\"meta\">new size = the request each task of the group was given under a percentile form (<code>cpu = \"p90\"</code>), before Fargate rounds it up to one of its sizes; \"per task\" when each task was sized from its own usage (<code>fargate-sim rightsize</code> on the run's folder prints one size per group for those). before = the group's bill on the first platform of the same kind that runs tasks as requested. On EC2 a group's bill is its tasks' share of their instances (the larger of CPU and memory share, over the time held); (rest) is what no group carries: idle instance time, fees, tasks without a group. extra time = run time lost to kills plus run time added by CPU limits. Also in rightsizing.csv.</p>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
