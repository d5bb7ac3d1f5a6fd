//! The files a run writes besides the summary: the time series (checked
//! against bills computed by hand and against the summary), tasks.parquet
//! (columns, types, and one row per outcome the summary counts), the charts
//! and the HTML report, and `fargate-sim report`.

use crate::common::{Case, bin, usd};
use fargate_sim::io::table::{Kind, Table};
use fargate_sim::platform::series::SeriesRow;
use fargate_sim::report::summary::Summary;
use fargate_sim::report::{tasks, timeseries};
use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::simulate::{self, RunOptions};
use std::path::Path;

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n";

/// Runs a case through the library, with a time series every `every_s`
/// seconds or none.
fn run_lib(
    case: &Case,
    every_s: Option<u64>,
) -> (fargate_sim::scenario::Scenario, simulate::RunOutput) {
    let (scenario, catalog) =
        load_str(&case.text, &case.path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let out = simulate::run_with(
        &scenario,
        &catalog,
        None,
        RunOptions {
            series_every: every_s.map(|s| s * 1_000_000),
            progress: None,
        },
    )
    .unwrap();
    (scenario, out)
}

/// Runs a case through the library with a time series every `every_s` seconds.
fn series(case: &Case, every_s: u64) -> Vec<(String, Vec<SeriesRow>, u128)> {
    run_lib(case, Some(every_s))
        .1
        .platforms
        .into_iter()
        .map(|p| {
            (
                p.spec.name().to_string(),
                p.series.unwrap().to_vec().unwrap(),
                p.cost.total().0,
            )
        })
        .collect()
}

#[test]
fn fargate_series_accrues_the_bill_minute_by_minute() {
    // One 1 vCPU / 2 GiB task for 300 s, no start-up: it costs
    // $0.000011244 + 2 × $0.000001235 = $0.000013714 per second.
    let case = Case::new(
        r#"
name = "one"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fg"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#,
        Some(&format!("{HEADER}a,0,300,1,2048\n")),
    );
    let runs = series(&case, 60);
    let (_, rows, total) = &runs[0];
    assert_eq!(rows.len(), 5);
    for (k, r) in rows.iter().enumerate() {
        let secs = 60 * (k as u128 + 1);
        assert_eq!(
            (r.start, r.end),
            (
                secs as u64 * 1_000_000 - 60_000_000,
                secs as u64 * 1_000_000
            )
        );
        assert_eq!(
            r.cost_cumulative.0,
            usd("0.000013714") * secs,
            "minute {}",
            k + 1
        );
        if k < 4 {
            assert_eq!(r.gauges.tasks_running, 1);
            assert_eq!(r.gauges.cpu_milli_provisioned, 1000);
            assert_eq!(r.gauges.memory_mib_allocated, 2048);
            assert_eq!(r.gauges.instances_running, None);
        }
    }
    assert_eq!(rows[0].tasks_submitted, 1);
    assert_eq!(rows.iter().map(|r| r.tasks_completed).sum::<u64>(), 1);
    assert_eq!(rows.last().unwrap().cost_cumulative.0, *total);
}

#[test]
fn a_short_fargate_task_shows_its_minimum_charge_when_it_stops() {
    // 30 s of 1 vCPU / 2 GiB, billed 60 s: the first row (state at 60 s,
    // the run drained at 30 s) carries the whole minimum charge.
    let case = Case::new(
        r#"
name = "short"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fg"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#,
        Some(&format!("{HEADER}a,0,30,1,2048\n")),
    );
    let runs = series(&case, 60);
    let (_, rows, total) = &runs[0];
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].start, rows[0].end), (0, 30_000_000));
    assert_eq!(rows[0].cost_cumulative.0, usd("0.000013714") * 60);
    assert_eq!(rows[0].cost_cumulative.0, *total);
}

#[test]
fn ec2_series_accrues_instance_time_and_counts_instances() {
    // Two m5.large ($0.096/h) for a 10-minute horizon; a 1 vCPU task runs
    // from 0 to 150 s on one of them.
    let case = Case::new(
        r#"
name = "fleet"
horizon = "10min"
[workload]
trace = "trace.csv"
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
initial = 2
container_start = { image_pull = "0s", cached = "0s" }
reserved = { memory_percent = 0 }
"#,
        Some(&format!("{HEADER}a,0,150,1,1024\n")),
    );
    let runs = series(&case, 60);
    let (_, rows, total) = &runs[0];
    assert_eq!(rows.len(), 10);
    for (k, r) in rows.iter().enumerate() {
        let secs = 60 * (k as u128 + 1);
        // Each instance is priced on its own, floored to the atto-dollar.
        assert_eq!(r.cost_cumulative.0, 2 * (usd("0.096") * secs / 3600));
        assert_eq!(r.gauges.instances_running, Some(2));
        assert_eq!(r.gauges.instances_launching, Some(0));
        assert_eq!(r.gauges.cpu_milli_provisioned, 4000);
        let running = u64::from(secs <= 150);
        assert_eq!(r.gauges.tasks_running, running);
        assert_eq!(r.gauges.cpu_milli_allocated, 1000 * running);
    }
    assert_eq!(rows.last().unwrap().cost_cumulative.0, *total);
}

fn df(path: &Path) -> Table {
    Table::read_parquet(path).unwrap()
}

fn run_daily_peak(dir: &Path, extra: &[&str]) -> Summary {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/daily-peak.toml");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
        // A shorter day keeps the test quick; the Spot platform adds interruptions.
        "--set",
        "horizon=6h",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = bin(&args, dir.parent().unwrap());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "", "--quiet prints nothing");
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn col_f64(df: &Table, name: &str) -> Vec<Option<f64>> {
    assert_eq!(df.kind(name), Some(Kind::F64), "{name}");
    df.f64s(name).unwrap()
}

fn col_str(df: &Table, name: &str) -> Vec<String> {
    df.strs(name)
        .unwrap()
        .into_iter()
        .map(|s| s.unwrap())
        .collect()
}

#[test]
fn a_run_writes_files_that_agree_with_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let summary = run_daily_peak(&dir, &[]);
    // Nothing half-written or temporary is left behind.
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "left over: {name}");
    }

    // The time series: documented columns and types, contiguous rows, and
    // totals equal to the summary's.
    let ts = df(&dir.join("timeseries.parquet"));
    let names: Vec<String> = ts.names();
    let documented: Vec<String> = timeseries::COLUMNS
        .iter()
        .map(|c| c.0.to_string())
        .collect();
    assert_eq!(names, documented);
    assert_eq!(ts.kind("platform"), Some(Kind::Str));
    assert_eq!(ts.kind("tasks_running"), Some(Kind::U64));
    assert_eq!(ts.kind("instances_running"), Some(Kind::U64));
    assert_eq!(ts.kind("cost_cumulative_usd"), Some(Kind::F64));
    let platform = col_str(&ts, "platform");
    let t_start = col_f64(&ts, "t_start_s");
    let t_end = col_f64(&ts, "t_end_s");
    let cost = col_f64(&ts, "cost_usd");
    let cumulative = col_f64(&ts, "cost_cumulative_usd");
    let submitted: Vec<u64> = ts.u64s("tasks_submitted").unwrap();
    let completed: Vec<u64> = ts.u64s("tasks_completed").unwrap();
    let instances = ts.f64s("instances_running").unwrap();
    for p in &summary.platforms {
        let idx: Vec<usize> = (0..platform.len())
            .filter(|i| platform[*i] == p.name)
            .collect();
        assert_eq!(idx.len(), 360, "{}: one row per minute of 6 h", p.name);
        for w in idx.windows(2) {
            assert_eq!(t_start[w[1]], t_end[w[0]]);
        }
        let last = *idx.last().unwrap();
        assert_eq!(t_end[last], Some(p.simulated_end_s));
        // The series follows compute; the bill around it is apart.
        let total = p.cost.compute_usd;
        assert!(
            (cumulative[last].unwrap() - total).abs() < 1e-9 * total.max(1.0),
            "{}",
            p.name
        );
        let summed: f64 = idx.iter().map(|i| cost[*i].unwrap()).sum();
        assert!(
            (summed - total).abs() < 1e-6,
            "{}: {summed} vs {total}",
            p.name
        );
        assert_eq!(
            idx.iter().map(|i| submitted[*i]).sum::<u64>(),
            p.tasks.submitted
        );
        assert_eq!(
            idx.iter().map(|i| completed[*i]).sum::<u64>(),
            p.tasks.completed
        );
        assert_eq!(idx.iter().all(|i| instances[*i].is_some()), p.kind == "ec2");
    }
    let csv = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), documented.join(","));
    assert_eq!(csv.lines().count(), ts.height() + 1);

    // tasks.parquet: documented columns, one row per attempt, outcomes that
    // match the summary's counts.
    let t = tasks::read(&dir.join("tasks.parquet")).unwrap();
    let names: Vec<String> = t.names();
    let documented: Vec<String> = tasks::COLUMNS.iter().map(|c| c.0.to_string()).collect();
    assert_eq!(names, documented);
    assert_eq!(t.kind("task_id"), Some(Kind::U64));
    assert_eq!(t.kind("submit_s"), Some(Kind::F64));
    assert_eq!(t.kind("instance"), Some(Kind::U32));
    let tp = col_str(&t, "platform");
    let outcome = col_str(&t, "outcome");
    let tcost = col_f64(&t, "cost_usd");
    for p in &summary.platforms {
        let count = |o: &str| {
            (0..tp.len())
                .filter(|i| tp[*i] == p.name && outcome[*i] == o)
                .count() as u64
        };
        assert_eq!(count("completed"), p.tasks.completed, "{}", p.name);
        assert_eq!(count("interrupted"), p.tasks.interrupted, "{}", p.name);
        assert_eq!(count("unschedulable"), p.tasks.unschedulable, "{}", p.name);
        assert_eq!(
            count("running_at_end"),
            p.tasks.running_at_end,
            "{}",
            p.name
        );
        assert_eq!(
            count("waiting_at_end"),
            p.tasks.waiting_at_end,
            "{}",
            p.name
        );
        let task_cost: f64 = (0..tp.len())
            .filter(|i| tp[*i] == p.name)
            .filter_map(|i| tcost[i])
            .sum();
        let c = &p.cost.components;
        let expected = match &p.cluster {
            // Serverless: the tasks' bills are the bill (less the control plane).
            None => p.cost.compute_usd - c.control_plane_usd,
            // EC2: the tasks' shares are the allocated part of the instances.
            Some(cl) => cl.allocated_usd,
        };
        assert!(
            (task_cost - expected).abs() < 1e-6,
            "{}: {task_cost} vs {expected}",
            p.name
        );
    }
    assert!(summary.platforms.iter().any(|p| p.tasks.running_at_end > 0));

    // Charts: valid PNG and SVG, not trivially small; the report has every
    // platform, the table and every chart, and fetches nothing.
    for name in ["cost", "capacity", "time_to_start", "cost_breakdown"] {
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}.png");
        assert!(png.len() > 20_000, "{name}.png is {} bytes", png.len());
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}.svg"
        );
        assert!(
            svg.matches("<text").count() >= 5,
            "{name}.svg has axis labels"
        );
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<table class=\"cmp\">"));
    for p in &summary.platforms {
        assert!(
            html.contains(&format!("</span>{}</td>", p.name)),
            "{}",
            p.name
        );
    }
    for name in ["cost", "capacity", "time_to_start", "cost_breakdown"] {
        assert!(
            html.contains(&format!("<figure id=\"chart-{name}\">")),
            "{name}"
        );
    }
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(html.contains("id=\"assumptions\""));
    assert!(html.contains("0.096") || html.contains("m5") || html.contains("instance"));
    for fetch in ["<script", "<link", "src=\"http", "url(http", "@import"] {
        assert!(
            !html.contains(fetch),
            "the report must not fetch anything: {fetch}"
        );
    }
    assert!(!summary.assumptions.is_empty());

    // `report` re-draws the same files from the run's data.
    let before = html.clone();
    let svg_before = std::fs::read_to_string(dir.join("capacity.svg")).unwrap();
    for name in ["report.html", "capacity.svg", "capacity.png"] {
        std::fs::remove_file(dir.join(name)).unwrap();
    }
    let (code, out, err) = bin(&["report", dir.to_str().unwrap()], tmp.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("report.html"));
    assert_eq!(
        std::fs::read_to_string(dir.join("report.html")).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("capacity.svg")).unwrap(),
        svg_before
    );
    assert!(dir.join("capacity.png").is_file());
}

#[test]
fn same_seed_same_bytes_and_no_task_records_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    run_daily_peak(&a, &["--set", "horizon=2h"]);
    run_daily_peak(&b, &["--set", "horizon=2h"]);
    for f in [
        "summary.json",
        "summary.csv",
        "timeseries.parquet",
        "timeseries.csv",
        "tasks.parquet",
        "cost.svg",
        "capacity.svg",
        "time_to_start.svg",
        "cost_breakdown.svg",
        "report.html",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let c = tmp.path().join("c");
    run_daily_peak(
        &c,
        &[
            "--no-task-records",
            "--set",
            "report.interval=10m",
            "--set",
            "horizon=2h",
        ],
    );
    assert!(!c.join("tasks.parquet").exists());
    assert!(c.join("report.html").is_file());
    let ts = df(&c.join("timeseries.parquet"));
    assert_eq!(ts.height(), 3 * 12, "three platforms, 2 h at 10 min");
}

#[test]
fn report_on_a_folder_without_a_run_says_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = bin(&["report", "nowhere"], tmp.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("nowhere/summary.json") && err.contains("finished run"),
        "{err}"
    );
}

#[test]
fn a_bad_interval_is_refused_with_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let (code, _, err) = bin(
        &[
            "run",
            scenario.to_str().unwrap(),
            "--set",
            "report.interval=10ms",
        ],
        tmp.path(),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("report.interval") && err.contains("one second"),
        "{err}"
    );
}

#[test]
fn a_run_where_nothing_starts_still_writes_every_file() {
    let case = Case::new(
        "name = \"edge\"\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"fg\"\nkind = \"fargate\"\n",
        Some(&format!("{HEADER}a,0,10,64,1024\nb,5,10,64,1024\n")),
    );
    let (code, _, err) = bin(&["run", "scenario.toml", "--out", "out", "-q"], case.dir());
    assert_eq!(code, 0, "{err}");
    let out = case.dir().join("out");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Caution: on fg, 2 of 2 tasks not run (2 could never run: 64 vCPU is above the largest size (16 vCPU)), so its cost covers only part of the workload."),
        "{html}"
    );
    assert!(
        std::fs::read_to_string(out.join("time_to_start.svg"))
            .unwrap()
            .contains("No task started")
    );
    let t = tasks::read(&out.join("tasks.parquet")).unwrap();
    assert_eq!(
        col_str(&t, "outcome"),
        vec!["unschedulable", "unschedulable"]
    );
    assert_eq!(col_f64(&t, "cost_usd"), vec![None, None]);
}

/// A bundled scenario, cut to `horizon`, through the library.
fn bundled(name: &str, horizon: &str) -> crate::common::Ran {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("scenarios").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    // Relative trace paths resolve beside the bundled file.
    let case = crate::common::Case {
        dir: tempfile::tempdir().unwrap(),
        path,
        text,
    };
    crate::common::run(&case, &[&format!("horizon={horizon}")])
}

#[test]
fn the_terminal_tables_fit_100_columns_without_wrapping_a_cell() {
    // Regression: on a 100-column terminal the tables wrapped inside cells.
    // Each bundled shape (clusters, function platforms, services), with its
    // numbers inflated to a busy day's worth.
    for name in [
        "web-api-day.toml",
        "serverless-peers.toml",
        "daily-peak.toml",
    ] {
        let mut s = bundled(name, "30m").summary;
        for p in &mut s.platforms {
            p.cost.total_usd = 1_234.56;
            p.cost.per_completed_task_usd = Some(0.0123);
            p.tasks.submitted = 123_456;
            p.tasks.completed = 123_000;
            p.tasks.waiting_at_end = 456;
            let l = &mut p.latency.time_to_start;
            (l.p50, l.p95, l.p99) = (Some(2.1), Some(113.8), Some(204.0));
            if let Some(f) = &mut p.function {
                f.cold_starts = 1_234;
                f.cold_start_rate = Some(0.1234);
            }
            for svc in &mut p.services {
                svc.requests.arrived = 19_010_651;
                svc.requests.served = 19_010_645;
                svc.requests.rejected = 1_558;
                svc.cost_usd = 4_729.38;
                svc.cost_per_million_served_usd = Some(248.8);
                if let Some(o) = &mut svc.slo {
                    (o.minutes_violated, o.minutes) = (1_440, 14_400);
                }
                svc.replicas.mean_running = 123.4;
                svc.replicas.peak_running = 1_234;
            }
        }
        let text = fargate_sim::report::table::render(&s);
        for line in text.lines().filter(|l| l.starts_with(['│', '┌', '└', '╞'])) {
            assert!(
                line.chars().count() <= 100,
                "{name}: {} columns:\n{text}",
                line.chars().count()
            );
        }
        // One unit per column: the three start percentiles share theirs.
        assert!(text.contains("2/114/204s"), "{text}");
    }
}

#[test]
fn the_cost_breakdown_adds_up_to_each_total() {
    // Regression: the breakdown left out request fees, so the bars of
    // function platforms stopped short of their labels.
    for name in [
        "serverless-peers.toml",
        "web-api-day.toml",
        "daily-peak.toml",
    ] {
        let s = bundled(name, "2h").summary;
        let parts = fargate_sim::report::charts::components(&s);
        for (i, p) in s.platforms.iter().enumerate() {
            let sum: f64 = parts.iter().map(|c| c.2[i]).sum();
            assert!(
                (sum - p.cost.total_usd).abs() < 1e-9,
                "{name}/{}: parts {sum} against {}",
                p.name,
                p.cost.total_usd
            );
        }
    }
}

/// Service replicas have their own column in the time series: a service-only
/// run submits, completes and runs no task, and its two replicas run every
/// minute with their capacity allocated (issue 22: replicas are not tasks).
#[test]
fn the_time_series_counts_replicas_apart_from_tasks() {
    let case = Case::new(
        r#"
name = "service-only"
horizon = "10min"
[workload]
[[workload.services]]
name = "api"
cpu = 0.5
memory = "1GiB"
replicas = { min = 2, max = 2 }
service_time = "20ms"
requests = { curve = "constant", rate = "10/s" }
[[platforms]]
name = "fargate"
kind = "fargate"
[[platforms]]
name = "ecs"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
"#,
        None,
    );
    for (platform, rows, _) in series(&case, 60) {
        assert_eq!(rows.len(), 10, "{platform}");
        for r in &rows {
            let g = &r.gauges;
            assert_eq!(
                (
                    r.tasks_submitted,
                    r.tasks_completed,
                    g.tasks_running,
                    g.tasks_starting
                ),
                (0, 0, 0, 0),
                "{platform}"
            );
            assert_eq!(g.replicas_running, 2, "{platform}");
            assert_eq!(g.cpu_milli_allocated, 1000, "{platform}");
        }
    }
}

/// The summary of a case run through the library, with or without a time
/// series.
fn summary_with_series(case: &Case, every_s: Option<u64>) -> Summary {
    let (scenario, mut out) = run_lib(case, every_s);
    assert_eq!(out.platforms[0].series.is_some(), every_s.is_some());
    fargate_sim::report::summary::summarize(&scenario, &mut out)
}

#[test]
fn the_time_series_only_watches_a_run() {
    // A sweep's points record no time series, and a Fargate platform then
    // keeps no meters: the bills, counts and latencies must not move.
    // Spot and on-demand tasks, a launch bucket that empties, a service.
    let case = Case::new(
        r#"
name = "watched"
seed = 3
horizon = "2h"
[workload]
[[workload.generators]]
name = "jobs"
arrivals = { process = "poisson", rate = "40/min" }
duration = { dist = "exponential", mean = "7min" }
sizes = [{ cpu = 0.5, memory = "1GiB" }, { cpu = 2, memory = "8GiB" }]
[[workload.services]]
name = "api"
cpu = 0.25
memory = "512MiB"
replicas = { min = 1, max = 4 }
concurrency = 4
queue_limit = 100
timeout = "none"
service_time = "80ms"
requests = { curve = "constant", rate = "20/s" }
[[platforms]]
name = "fg"
kind = "fargate"
capacity = { on_demand = 1, spot = 1 }
launch_limit = { burst = 5, refill = "0.2/s" }
"#,
        None,
    );
    let watched = summary_with_series(&case, Some(60));
    let alone = summary_with_series(&case, None);
    let json = |s: &Summary| serde_json::to_value(&s.platforms).unwrap();
    assert_eq!(json(&watched), json(&alone));
    let p = &alone.platforms[0];
    assert!(p.tasks.completed > 1_000, "{}", p.tasks.completed);
    assert!(p.latency.wait.max.unwrap() > 10.0, "the bucket empties");
}
