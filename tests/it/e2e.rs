//! The built binary, run as a user would, on the bundled quickstart and on a
//! real public trace converted to the native format.

use crate::common::{Case, bin, excerpt_traces, full_traces, run};
use fargate_sim::report::Summary;
use std::path::Path;

fn quickstart() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/quickstart.toml")
        .display()
        .to_string()
}

#[test]
fn quickstart_writes_a_summary_that_tells_a_story() {
    let d = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = bin(&["run", &quickstart(), "--out", "run1"], d.path());
    assert_eq!(code, 0, "{stderr}");
    for name in ["fargate-x86", "fargate-arm", "fargate-spot", "p50/p95/p99"] {
        assert!(stdout.contains(name), "{stdout}");
    }
    let text = std::fs::read_to_string(d.path().join("run1/summary.json")).unwrap();
    let s: Summary = serde_json::from_str(&text).unwrap();
    assert_eq!(s.scenario.name, "quickstart");
    assert_eq!(s.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(s.platforms.len(), 3);
    let cost = |n: &str| {
        s.platforms
            .iter()
            .find(|p| p.name == n)
            .unwrap()
            .cost
            .compute_usd
    };
    // Same tasks everywhere; ARM is ~20% cheaper than x86 and Spot ~69% cheaper.
    let (x86, arm, spot) = (
        cost("fargate-x86"),
        cost("fargate-arm"),
        cost("fargate-spot"),
    );
    assert!(arm < x86 && spot < arm, "{x86} {arm} {spot}");
    assert!((arm / x86 - 0.80).abs() < 0.02, "{}", arm / x86);
    for p in &s.platforms {
        assert_eq!(p.tasks.submitted, s.platforms[0].tasks.submitted);
        assert_eq!(p.tasks.completed, p.tasks.submitted);
        let c = &p.cost.components;
        let sum =
            c.vcpu_usd + c.memory_usd + c.storage_usd + c.os_license_usd + c.control_plane_usd;
        assert!((sum - p.cost.compute_usd).abs() < 1e-9);
        // The addresses: $0.005 per billed task-hour.
        let ipv4 = p.cost.around.iter().map(|l| l.cost_usd).sum::<f64>();
        assert!((ipv4 - p.billed.task_seconds * 0.005 / 3600.0).abs() < 1e-9);
        assert!((p.cost.total_usd - sum - ipv4).abs() < 1e-9);
        // The hourly burst of 150 exceeds the launch burst of 100: some tasks wait.
        assert!(p.latency.wait.max.unwrap() > 2.0);
        assert!(p.latency.time_to_start.p50.unwrap() > 20.0);
        assert!(c.storage_usd > 0.0);
    }
    // Same seed, same bytes; the JSON format prints the same summary.
    let (code, json, _) = bin(
        &["run", &quickstart(), "--out", "run2", "--format", "json"],
        d.path(),
    );
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(d.path().join("run2/summary.json")).unwrap(),
        text
    );
    assert_eq!(json, text);
    // No temporary files are left behind.
    let mut names: Vec<String> = std::fs::read_dir(d.path().join("run1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "capacity.png",
            "capacity.svg",
            "cost.png",
            "cost.svg",
            "cost_breakdown.png",
            "cost_breakdown.svg",
            "report.html",
            "summary.csv",
            "summary.json",
            "tasks.parquet",
            "time_to_start.png",
            "time_to_start.svg",
            "timeseries.csv",
            "timeseries.parquet"
        ]
    );
    // The report's verdict reads the numbers: Spot is cheapest, and the
    // start-up times differ only by noise.
    let html = std::fs::read_to_string(d.path().join("run1/report.html")).unwrap();
    assert!(
        html.contains("fargate-spot is the cheapest option at $3.81: $4.22 (52.6%) less than the next, fargate-arm at $8.03."),
        "{html}"
    );
    assert!(html.contains("Tasks start in about the same time on every option compared"));
    assert!(html.contains("Spot saved $5.95 on fargate-spot"));
    // summary.csv: one row per platform, same numbers as the JSON.
    let csv = std::fs::read_to_string(d.path().join("run1/summary.csv")).unwrap();
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(lines.len(), 1 + s.platforms.len());
    let col = |name: &str| lines[0].iter().position(|h| *h == name).unwrap();
    for (row, p) in lines[1..].iter().zip(&s.platforms) {
        assert_eq!(row.len(), lines[0].len());
        assert_eq!(row[col("name")], p.name);
        // serde_json's default float parsing is not correctly rounded: compare to 1e-15.
        let total: f64 = row[col("cost_total_usd")].parse().unwrap();
        assert!((total - p.cost.total_usd).abs() <= 1e-15 * total.max(1.0));
        assert_eq!(
            row[col("tasks_completed")].parse::<u64>().unwrap(),
            p.tasks.completed
        );
        assert_eq!(
            row[col("latency_time_to_start_p95_s")]
                .parse::<f64>()
                .unwrap(),
            p.latency.time_to_start.p95.unwrap()
        );
        assert_eq!(row[col("cluster_idle_usd")], "");
    }
}

#[test]
fn default_output_folder_is_output_slash_scenario_name() {
    let d = tempfile::tempdir().unwrap();
    let (code, _, stderr) = bin(&["run", &quickstart(), "--quiet"], d.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(d.path().join("output/quickstart/summary.json").is_file());
}

#[test]
fn validate_reports_what_it_found() {
    let d = tempfile::tempdir().unwrap();
    let (code, stdout, _) = bin(&["validate", &quickstart()], d.path());
    assert_eq!(code, 0);
    assert!(stdout.contains("is valid"), "{stdout}");
    assert!(stdout.contains("platform `fargate-spot`"), "{stdout}");
    assert!(!d.path().join("output").exists(), "validate writes nothing");
}

#[test]
fn set_overrides_change_the_run() {
    let d = tempfile::tempdir().unwrap();
    let (_, json, _) = bin(
        &[
            "run",
            &quickstart(),
            "--out",
            "a",
            "--format",
            "json",
            "--set",
            "platforms.fargate-spot.capacity=on_demand",
            "--set",
            "platforms.fargate-spot.spot.interruptions_per_hour=0",
        ],
        d.path(),
    );
    let _ = json;
    let (code, _, stderr) = bin(
        &[
            "run",
            &quickstart(),
            "--out",
            "a",
            "--set",
            "platforms.fargate-spot.capacity=on_demand",
        ],
        d.path(),
    );
    // Spot settings without Spot capacity are refused, not ignored.
    assert_eq!(code, 2);
    assert!(stderr.contains("platforms[2].spot"), "{stderr}");
    let (code, json, _) = bin(
        &[
            "run",
            &quickstart(),
            "--out",
            "b",
            "--format",
            "json",
            "--set",
            "workload.load_scale=2",
        ],
        d.path(),
    );
    assert_eq!(code, 0);
    let s: Summary = serde_json::from_str(&json).unwrap();
    assert!(
        s.platforms[0].tasks.submitted > 4000,
        "{}",
        s.platforms[0].tasks.submitted
    );
}

/// Converts the Alibaba GPU 2023 pod list (a real trace) to the native
/// format: creation time → submit, deletion − creation → duration.
fn alibaba_gpu_to_native(root: &Path) -> (String, usize, usize) {
    let text =
        std::fs::read_to_string(root.join("alibaba-gpu-v2023/openb_pod_list_default.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (c_cpu, c_mem, c_create, c_delete) = (
        col("cpu_milli"),
        col("memory_mib"),
        col("creation_time"),
        col("deletion_time"),
    );
    let mut rows: Vec<(u64, u64, String, u64, u64)> = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let (Ok(create), Ok(delete)) = (f[c_create].parse::<u64>(), f[c_delete].parse::<u64>())
        else {
            continue;
        };
        // One pod (openb-pod-1523) requests 0 MiB; a zero size is not a
        // valid native row, so the conversion leaves it out.
        if delete < create || f[c_mem] == "0" || f[c_cpu] == "0" {
            continue;
        }
        rows.push((
            create,
            delete - create,
            f[0].to_string(),
            f[c_cpu].parse().unwrap(),
            f[c_mem].parse().unwrap(),
        ));
    }
    rows.sort_by_key(|r| r.0);
    let too_big = rows
        .iter()
        .filter(|r| r.3 > 16_000 || r.4 > 120 * 1024)
        .count();
    let mut out = String::from("task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group\n");
    for (create, dur, name, cpu, mem) in &rows {
        out.push_str(&format!(
            "{name},{create},{dur},{},{mem},gpu\n",
            *cpu as f64 / 1000.0
        ));
    }
    (out, rows.len(), too_big)
}

#[test]
fn a_real_trace_runs_with_every_pod_accounted_for_excerpt() {
    // The first 2,000 pods less the one of 0 MiB; 200 of them ask for more
    // than 16 vCPU or 120 GiB.
    a_real_trace_runs_with_every_pod_accounted_for(&excerpt_traces(), (1_999, 200));
}

#[test]
fn a_real_trace_runs_with_every_pod_accounted_for_full() {
    if let Some(root) = full_traces("e2e::a_real_trace_runs_with_every_pod_accounted_for_full") {
        a_real_trace_runs_with_every_pod_accounted_for(&root, (8_151, 826));
    }
}

/// The GPU pod list run on Fargate; `expected` (pods converted, pods too
/// big for Fargate) as counted by awk.
fn a_real_trace_runs_with_every_pod_accounted_for(root: &Path, expected: (usize, usize)) {
    let (csv, n, too_big) = alibaba_gpu_to_native(root);
    assert_eq!((n, too_big), expected);
    let scenario = r#"
name = "alibaba-gpu"
[workload]
trace = "trace.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
"#;
    let case = Case::new(scenario, Some(&csv));
    let ran = run(&case, &[]);
    let p = ran.platform("fargate");
    assert_eq!(p.tasks.submitted as usize, n);
    assert_eq!(p.tasks.unschedulable as usize, too_big);
    assert_eq!(p.tasks.completed as usize, n - too_big);
    assert!(p.cost.total_usd > 0.0);

    // The same trace as Parquet gives the same numbers.
    let dir = case.dir();
    let tasks: Vec<_> = fargate_sim::workload::native::open(&dir.join("trace.csv"))
        .unwrap()
        .1
        .collect::<Result<_, _>>()
        .unwrap();
    fargate_sim::workload::native::write_native_parquet(&dir.join("trace.parquet"), &tasks)
        .unwrap();
    let pq = Case::new(&scenario.replace("trace.csv", "trace.parquet"), None);
    std::fs::copy(dir.join("trace.parquet"), pq.dir().join("trace.parquet")).unwrap();
    let ran_pq = run(&pq, &[]);
    let q = ran_pq.platform("fargate");
    assert_eq!(q.tasks, p.tasks);
    assert_eq!(q.billed, p.billed);
    assert_eq!(q.cost, p.cost);

    // And through the binary.
    let (code, stdout, stderr) = bin(&["run", "scenario.toml", "--out", "out"], case.dir());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("alibaba-gpu"));
    let s: Summary = serde_json::from_str(
        &std::fs::read_to_string(case.dir().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(s.platforms[0].tasks.submitted as usize, n);
}

#[test]
fn every_bundled_scenario_runs_and_conserves_tasks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    let mut paths = Vec::new();
    for dir in [root.clone(), root.join("classroom")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            paths.push(entry.unwrap().path());
        }
    }
    for path in paths {
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        n += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let case = Case {
            dir: tempfile::tempdir().unwrap(),
            path: path.clone(),
            text,
        };
        let ran = run(&case, &[]);
        for p in &ran.summary.platforms {
            let t = &p.tasks;
            assert_eq!(
                t.submitted,
                t.completed + t.failed + t.unschedulable + t.running_at_end + t.waiting_at_end,
                "{}",
                path.display()
            );
            if p.services.is_empty() {
                assert!(t.completed > 0, "{}: {}", path.display(), p.name);
            }
            for s in &p.services {
                let r = &s.requests;
                assert_eq!(
                    r.arrived,
                    r.served + r.timed_out + r.rejected + r.failed + r.in_flight_at_end,
                    "{}: {}",
                    path.display(),
                    s.name
                );
                assert!(r.served > r.arrived / 2, "{}: {}", path.display(), s.name);
            }
        }
    }
    // Six library scenarios and six exercises.
    assert!(n >= 12, "{n}");
}

#[test]
fn daily_peak_shows_the_trade_off() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/daily-peak.toml");
    let case = Case {
        dir: tempfile::tempdir().unwrap(),
        text: std::fs::read_to_string(&path).unwrap(),
        path,
    };
    let ran = run(&case, &[]);
    let f = ran.platform("fargate");
    for name in ["ecs-managed", "karpenter"] {
        let c = ran.platform(name);
        let cl = c.cluster.as_ref().unwrap();
        // Cached images start in seconds; Fargate pulls every time.
        assert!(
            c.latency.time_to_start.p50.unwrap() < 5.0
                && f.latency.time_to_start.p50.unwrap() > 30.0
        );
        // Some of the instance bill is idle, and tasks waited for instances.
        assert!(cl.idle_fraction.unwrap() > 0.02, "{name}");
        assert!(c.latency.wait.max.unwrap() > 10.0, "{name}");
        assert!(cl.peak_instances > cl.mean_instances as u64);
    }
    // EKS: $0.10 per cluster-hour for the 48-hour horizon.
    assert_eq!(
        ran.platform("karpenter").cost.components.control_plane_usd,
        4.8
    );
}

#[test]
fn a_service_run_writes_its_minutes_and_charts_and_report_redraws_them() {
    let case = Case::new(
        r#"
name = "svc"
horizon = "30m"
[[workload.services]]
name = "web api"
cpu = 0.25
memory = "512MiB"
replicas = { min = 1, max = 10 }
concurrency = 2
service_time = { dist = "exponential", mean = "100ms" }
slo = { percentile = 95, latency = "1s" }
requests = { curve = "spike", base = "5/s", peak = "40/s", at = "10m", length = "10m" }
[[workload.services.scaling]]
policy = "target_tracking"
metric = "requests_per_target"
target = 600
[[platforms]]
name = "fargate"
kind = "fargate"
[[platforms]]
name = "ecs"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "ecs_managed"
initial = 1
max = 5
"#,
        None,
    );
    let (code, out, err) = bin(&["run", "scenario.toml", "--out", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("web api") && out.contains("SLO") && out.contains("missed"),
        "{out}"
    );
    let dir = case.dir().join("out");
    for f in [
        "service_minutes.parquet",
        "service_minutes.csv",
        "service_web_api_latency.png",
        "service_web_api_latency.svg",
        "service_web_api_scale_out.png",
        "service_web_api_scale_out.svg",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let csv = std::fs::read_to_string(dir.join("service_minutes.csv")).unwrap();
    // 30 minutes on each of two platforms, and a header.
    assert_eq!(csv.lines().count(), 61);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let svc = &json["platforms"][0]["services"][0];
    assert_eq!(svc["name"], "web api");
    assert_eq!(svc["slo"]["minutes"], 30);
    // The spike needs more than one replica of 600 requests a minute.
    assert!(
        svc["replicas"]["peak_running"].as_u64().unwrap() >= 4,
        "{svc}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("id=\"services\"") && html.contains("Service web api:"));
    // Redraw from the files alone.
    std::fs::remove_file(dir.join("service_web_api_latency.png")).unwrap();
    let (code, _, err) = bin(&["report", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("service_web_api_latency.png").is_file());
}

#[test]
fn new_writes_a_scenario_that_runs_and_explain_reads_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(&["new", "mine.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote mine.toml"));
    // It refuses to overwrite.
    let (code, _, err) = bin(&["new", "mine.toml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    let (code, _, err) = bin(
        &["run", "mine.toml", "--set", "horizon=\"2h\"", "-q"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = bin(&["explain", "output/mine"], dir.path());
    assert_eq!(code, 0, "{err}");
    for part in [
        "Where the money went",
        "What made tasks wait",
        "The one change that would save the most",
        "The one change that would cut the wait the most",
    ] {
        assert!(out.contains(part), "{out}");
    }
    // The starter has on-demand Fargate and a cluster: the top saving is
    // computed from this run's own bill.
    let summary: Summary = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("output/mine/summary.json")).unwrap(),
    )
    .unwrap();
    let fargate = &summary.platforms[0];
    let spot_ratio = 0.01264355 / 0.04048;
    let compute = fargate.cost.components.vcpu_usd + fargate.cost.components.memory_usd;
    let expected = fargate_sim::report::format::format_usd_cents(compute * (1.0 - spot_ratio));
    assert!(
        out.contains(&format!(
            "run fargate on Fargate Spot: about {expected} less"
        )),
        "{out}"
    );
}

#[test]
fn new_with_a_trace_detects_its_format_excerpt() {
    new_with_a_trace_detects_its_format(&excerpt_traces(), 1_000);
}

#[test]
fn new_with_a_trace_detects_its_format_full() {
    if let Some(root) = full_traces("e2e::new_with_a_trace_detects_its_format_full") {
        new_with_a_trace_detects_its_format(&root, 8_819);
    }
}

/// A trace starter on the Azure LLM code trace of `requests` rows detects
/// the format, and the scenario it writes reads every request.
fn new_with_a_trace_detects_its_format(root: &Path, requests: usize) {
    let dir = tempfile::tempdir().unwrap();
    let trace = root.join("azure-llm-2023/AzureLLMInferenceTrace_code.csv");
    let (code, _, err) = bin(
        &["new", "llm.toml", "--trace", trace.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("llm.toml")).unwrap();
    assert!(text.contains("format = \"azure-llm-2023\""), "{text}");
    let (code, out, err) = bin(&["validate", "llm.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{requests} task(s)")), "{out}");
}

#[test]
fn prices_lists_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(&["prices"], dir.path());
    assert_eq!(code, 0, "{err}");
    // The AWS example's per-second x86 vCPU rate, per hour; the size grid;
    // an instance type with its price.
    assert!(out.contains("$0.040478"), "{out}");
    assert!(out.contains("2 to 8 in steps of 1"), "{out}");
    assert!(out.contains("m5.large") && out.contains("$0.096"), "{out}");
    let (code, out, _) = bin(&["prices", "sizes"], dir.path());
    assert_eq!(code, 0);
    assert!(!out.contains("m5.large"));
    let (code, _, err) = bin(&["prices", "--region", "mars-1"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("no prices"), "{err}");
}

#[test]
fn commit_recommends_a_savings_plan_from_a_finished_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let scenario = root.join("scenarios/quickstart.toml");
    let (code, _, err) = bin(
        &["run", scenario.to_str().unwrap(), "--out", "q", "-q"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = bin(&["commit", "q", "--commitment", "0.1"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("fargate-x86") && out.contains("(asked)"),
        "{out}"
    );
    assert!(
        out.contains("not eligible: fargate-spot: Fargate Spot is not covered"),
        "{out}"
    );
    let csv = std::fs::read_to_string(dir.path().join("q/commit.csv")).unwrap();
    // 101 points for each of the two eligible platforms, and a header.
    assert_eq!(csv.lines().count(), 1 + 2 * 101);
    // The first point is no commitment: the whole bill on demand.
    let summary = fargate_sim::report::read_summary(&dir.path().join("q")).unwrap();
    let x86 = summary
        .platforms
        .iter()
        .find(|p| p.name == "fargate-x86")
        .unwrap();
    let first: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(first[0], "fargate-x86");
    let cost: f64 = first[2].parse().unwrap();
    assert!(
        (cost - x86.cost.compute_usd).abs() < 1e-9,
        "{cost} vs {}",
        x86.cost.compute_usd
    );
    assert!(dir.path().join("q/commit.png").is_file());
    // No EC2 platform: an EC2 Instance plan applies to none, and says so.
    let (code, _, err) = bin(&["commit", "q", "--plan", "ec2-instance"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cover EC2 only"), "{err}");
}

#[test]
fn prices_import_reads_a_price_list_offer_file_into_a_catalog() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let offer = root.join("tests/data/price-list-offer.json");
    let (code, out, err) = bin(
        &[
            "prices",
            "import",
            offer.to_str().unwrap(),
            "--out",
            "imported.toml",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    // m5.large in us-east-1 and eu-west-1 (not the Windows SKU), m8g.large
    // added, one Fargate rate (eu-west-3).
    assert!(
        out.contains("3 EC2 instance prices (new types: m8g.large), 1 Fargate rates"),
        "{out}"
    );
    let catalog = fargate_sim::pricing::Catalog::load(&dir.path().join("imported.toml")).unwrap();
    assert_eq!(catalog.as_of, "2026-11-01T00:00:00Z");
    let m5 = catalog.instance_type("m5.large").unwrap();
    assert_eq!(
        m5.on_demand["us-east-1"].price,
        fargate_sim::pricing::Price::parse("0.095").unwrap()
    );
    assert_eq!(
        m5.on_demand["eu-west-1"].price,
        fargate_sim::pricing::Price::parse("0.107").unwrap()
    );
    let m8g = catalog.instance_type("m8g.large").unwrap();
    assert_eq!(m8g.arch, fargate_sim::pricing::Arch::Arm64);
    let paris = catalog
        .fargate_rates(
            "eu-west-3",
            fargate_sim::pricing::Os::Linux,
            fargate_sim::pricing::Arch::X86_64,
            fargate_sim::pricing::Capacity::OnDemand,
        )
        .unwrap();
    assert!(paris.source.contains(
        "[AWS Price List] AmazonEC2 offer file price-list-offer.json, published 2026-11-01"
    ));
    // A run priced from it: an m5.large in eu-west-1 for an hour, $0.107.
    std::fs::write(
        dir.path().join("s.toml"),
        "name = \"eu\"\nregion = \"eu-west-1\"\npricing = \"imported.toml\"\n[workload]\n[[workload.generators]]\nname = \"j\"\narrivals = { process = \"burst\", at = [\"0s\"], size = 1 }\nduration = \"1h\"\nsizes = [{ cpu = 1, memory = \"2GiB\" }]\n[[platforms]]\nname = \"e\"\nkind = \"ec2\"\ninstance_types = [\"m5.large\"]\ninitial = 1\nmin = 1\nmax = 1\n",
    )
    .unwrap();
    let (code, _, err) = bin(
        &["run", "s.toml", "--out", "o", "-q", "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let summary = fargate_sim::report::read_summary(&dir.path().join("o")).unwrap();
    // The instance runs from 0 to the task's end (an hour plus its container
    // start of a few seconds): $0.107 an hour, at the imported rate.
    let cost = summary.platforms[0].cost.compute_usd;
    assert!((0.107..0.107 * 1.02).contains(&cost), "{cost}");
    // Around it, at the built-in eu-west-1 rates: the instance's 30 GiB
    // gp3 root volume at $0.088 per GB-month and its address at $0.005/h.
    let hours = summary.platforms[0]
        .cluster
        .as_ref()
        .unwrap()
        .instance_hours;
    let around = 30.0 * 0.088 * hours / 720.0 + 0.005 * hours;
    assert!((summary.platforms[0].cost.around_usd - around).abs() < 1e-12);
    // A file that is not an offer file: a clear error.
    std::fs::write(dir.path().join("bad.json"), "{\"hello\": 1}").unwrap();
    let (code, _, err) = bin(&["prices", "import", "bad.json"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("bad.json: products: missing"), "{err}");
}

#[test]
fn prices_import_reads_the_csv_offer_file_too() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let offer = root.join("tests/data/price-list-offer.csv");
    let (code, out, err) = bin(
        &[
            "prices",
            "import",
            offer.to_str().unwrap(),
            "--out",
            "c.toml",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    // The on-demand m5.large only: the reserved term and the dedicated
    // m5.xlarge are not on-demand shared-tenancy prices.
    assert!(
        out.contains("1 EC2 instance prices, 0 Fargate rates"),
        "{out}"
    );
    let catalog = fargate_sim::pricing::Catalog::load(&dir.path().join("c.toml")).unwrap();
    assert_eq!(catalog.as_of, "2026-11-02T00:00:00Z");
    let m5 = catalog.instance_type("m5.large").unwrap();
    assert_eq!(
        m5.on_demand["us-east-1"].price,
        fargate_sim::pricing::Price::parse("0.094").unwrap()
    );
    // The dedicated-tenancy price ($0.2112) leaves the built-in $0.192 alone.
    let m5x = catalog.instance_type("m5.xlarge").unwrap();
    assert_eq!(
        m5x.on_demand["us-east-1"].price,
        fargate_sim::pricing::Price::parse("0.192").unwrap()
    );
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn force_removes_the_earlier_runs_files_that_the_new_run_does_not_write() {
    // Regression: `--force` left the earlier run's service charts, service
    // minutes and tasks.parquet beside the new summary, as if they were its.
    let d = tempfile::tempdir().unwrap();
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let llm = scenarios.join("llm-inference.toml").display().to_string();
    let (code, _, err) = bin(&["run", &llm, "--out", "out", "-q"], d.path());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = bin(&["commit", "out"], d.path());
    assert_eq!(code, 0, "{err}");
    let before = listing(&d.path().join("out"));
    for name in [
        "service_minutes.parquet",
        "service_code-llm_latency.png",
        "tasks.parquet",
        "commit.csv",
    ] {
        assert!(before.contains(&name.to_string()), "{before:?}");
    }
    // Every file the run and commit wrote is one --force knows as ours.
    for name in &before {
        assert!(
            fargate_sim::report::is_run_file(name),
            "{name} is not known"
        );
    }
    // The user's own things in the folder are not ours to remove.
    std::fs::write(d.path().join("out/notes.md"), "mine").unwrap();
    std::fs::write(d.path().join("out/cost.txt"), "mine").unwrap();
    std::fs::create_dir(d.path().join("out/mine")).unwrap();
    let (code, out, err) = bin(
        &[
            "run",
            &quickstart(),
            "--out",
            "out",
            "--force",
            "--no-task-records",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("removed the earlier run's commit.csv, commit.png, commit.svg, service_code-llm_latency.png"),
        "{out}"
    );
    assert_eq!(
        listing(&d.path().join("out")),
        vec![
            "capacity.png",
            "capacity.svg",
            "cost.png",
            "cost.svg",
            "cost.txt",
            "cost_breakdown.png",
            "cost_breakdown.svg",
            "mine",
            "notes.md",
            "report.html",
            "summary.csv",
            "summary.json",
            "time_to_start.png",
            "time_to_start.svg",
            "timeseries.csv",
            "timeseries.parquet"
        ]
    );
    let s: Summary =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s.scenario.name, "quickstart");
}

#[test]
fn out_into_a_folder_that_is_not_a_run_is_refused() {
    // Regression: `--out docs` wrote 14 files into the repository's docs/.
    let d = tempfile::tempdir().unwrap();
    let docs = d.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["guide.md", "experiments.md"] {
        std::fs::copy(root.join("docs").join(name), docs.join(name)).unwrap();
    }
    for force in [false, true] {
        let mut args = vec!["run", quickstart_str(), "--out", "docs"];
        if force {
            args.push("--force");
        }
        let (code, _, err) = bin(&args, d.path());
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(
                "docs is not empty and holds no earlier results of this command (no summary.json)"
            ) && err.contains("choose another folder with --out"),
            "{err}"
        );
        assert_eq!(listing(&docs), vec!["experiments.md", "guide.md"]);
    }
    // An empty folder is fine.
    std::fs::create_dir(d.path().join("empty")).unwrap();
    let (code, _, err) = bin(&["run", quickstart_str(), "--out", "empty", "-q"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(d.path().join("empty/summary.json").is_file());
}

fn quickstart_str() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(quickstart)
}

#[test]
fn out_naming_a_file_is_bad_input_not_an_os_error() {
    // Regression: `--out FILE` gave "File exists (os error 17)", exit 1.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("results.txt"), "mine").unwrap();
    let (code, _, err) = bin(&["run", quickstart_str(), "--out", "results.txt"], d.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("results.txt is a file, not a folder; give --out a new folder"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.path().join("results.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn breakeven_without_between_is_a_usage_error_not_a_panic() {
    // Regression: index out of bounds in main.rs, exit 101.
    let d = tempfile::tempdir().unwrap();
    let (code, _, err) = bin(
        &[
            "breakeven",
            quickstart_str(),
            "--axis",
            "workload.load_scale",
        ],
        d.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--between <A> <B>"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bash_completes_a_subcommands_options() {
    // `fargate-sim run --f<TAB>` must offer run's --force and --format
    // (clap-rs/clap issue 6421 broke this for names with a hyphen).
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = bin(&["completions", "bash"], dir.path());
    assert_eq!(code, 0);
    let script = dir.path().join("fargate-sim.bash");
    std::fs::write(&script, stdout).unwrap();
    let probe = format!(
        "source '{}'\nCOMP_WORDS=(fargate-sim run --f); COMP_CWORD=2\n_fargate__sim fargate-sim --f run\necho \"${{COMPREPLY[*]}}\"\n",
        script.display()
    );
    let ran = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&ran.stdout);
    assert!(
        offered.contains("--force") && offered.contains("--format"),
        "bash offered {offered:?}; stderr {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(!offered.contains("--between"), "{offered}");
}
