//! The 1 M-task Fargate run's hot path (issue 24): a task that finds the
//! launch queue empty and a token in the bucket launches without going
//! through the queue, a task's own cost is priced only when something
//! wants it, the latency quantiles of a large run are computed on two
//! threads, and `FARGATE_SIM_TIMINGS` prints the phases. None of it may
//! move a number: these tests check figures worked by hand through each
//! path, and the same run with and without records.

use crate::common::{Case, bin, run};
use fargate_sim::report::summary;
use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::simulate;

/// A trace that takes each path of the launch bucket (100 tokens, then 20
/// a second): 120 tasks at 0 s (100 launch at once, 20 wait in the queue),
/// one at 100 s (the bucket is full again: straight through), 101 at
/// 200 s (the last waits for a token).
fn bucket_trace() -> String {
    let mut t = String::from("task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n");
    let mut id = 0;
    let mut add = |t: &mut String, at: u32, n: u32| {
        for _ in 0..n {
            t.push_str(&format!("t{id},{at},10,0.25,512\n"));
            id += 1;
        }
    };
    add(&mut t, 0, 120);
    add(&mut t, 100, 1);
    add(&mut t, 200, 101);
    t
}

const BUCKET: &str = r#"
name = "bucket-paths"
[workload]
trace = "trace.csv"
[[platforms]]
name = "p"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#;

#[test]
fn tasks_launch_straight_through_or_from_the_queue_at_the_buckets_times() {
    let ran = run(&Case::new(BUCKET, Some(&bucket_trace())), &[]);
    let mut launches: Vec<(u64, u64)> = ran
        .records_of("p")
        .iter()
        .map(|r| (r.task_id, r.launch.unwrap()))
        .collect();
    launches.sort();
    assert_eq!(launches.len(), 222);
    for &(k, launch) in &launches {
        let want = match k {
            // The burst: 100 tokens, then one every 50 ms.
            0..=119 => k.saturating_sub(99) * 50_000,
            // 99 s later the bucket is full again.
            120 => 100_000_000,
            // 100 of the 101 take the refilled bucket, the last waits 50 ms.
            121..=220 => 200_000_000,
            _ => 200_050_000,
        };
        assert_eq!(launch, want, "task {k}");
    }
    let p = ran.platform("p");
    // Waits: 0.05 × (1 + … + 20) = 10.5 s at 0 s, and 0.05 s at 200 s.
    let w = &p.latency.wait;
    assert_eq!(w.count, 222);
    assert_eq!(w.max, Some(1.0));
    assert!((w.mean.unwrap() - 10.55 / 222.0).abs() < 1e-12);
    // Each task is billed the one-minute minimum: 222 × 0.25 vCPU × 60 s
    // and 222 × 0.5 GiB × 60 s.
    assert!((p.billed.vcpu_seconds - 3330.0).abs() < 1e-9);
    assert!((p.billed.memory_gib_seconds - 6660.0).abs() < 1e-9);
    assert_eq!(p.tasks.completed, 222);
}

#[test]
fn a_run_without_task_records_bills_and_summarises_the_same() {
    // Without a sink a task's own cost is not priced: the bill, the time
    // series and every summary figure must not notice.
    let case = Case::new(BUCKET, Some(&bucket_trace()));
    let with = run(&case, &[]);
    let (scenario, catalog) = load_str(&case.text, &case.path, &LoadOptions::default()).unwrap();
    let mut without = simulate::run(&scenario, &catalog, None).unwrap();
    let summary = summary::summarize(&scenario, &mut without);
    assert_eq!(without.platforms[0].cost, with.output.platforms[0].cost);
    let json = |s: &summary::Summary| serde_json::to_string_pretty(s).unwrap();
    assert_eq!(json(&summary), json(&with.summary));
    let rows = |o: &simulate::RunOutput| o.platforms[0].series.as_ref().map(|s| s.len());
    assert_eq!(rows(&without), rows(&with.output));
}

/// 70,000 tasks at once, no start-up: task k (from 0) launches at
/// max(0, k − 99) × 50 ms, which is its wait and its time to start.
const BURST_70K: &str = r#"
name = "burst-70k"
[workload]
[[workload.generators]]
name = "b"
arrivals = { process = "burst", at = ["0s"], size = 70000 }
duration = "10s"
sizes = [{ cpu = 0.25, memory = "512MiB" }]
[[platforms]]
name = "p"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#;

#[test]
fn quantiles_of_a_large_run_are_exact_nearest_ranks() {
    // 70,000 samples a metric: enough for the quantiles to be computed on
    // two threads. Nearest rank r is task r − 1: (r − 100) × 0.05 s.
    let ran = run(&Case::new(BURST_70K, None), &[]);
    let l = &ran.platform("p").latency;
    for s in [&l.wait, &l.time_to_start] {
        assert_eq!(s.count, 70_000);
        assert!(s.exact);
        // p50: rank 35,000; p95: rank 66,500; p99: rank 69,300.
        assert_eq!(s.p50, Some(1745.0));
        assert_eq!(s.p95, Some(3320.0));
        assert_eq!(s.p99, Some(3460.0));
        assert_eq!(s.max, Some(3495.0));
    }
    assert_eq!(l.startup.p99, Some(0.0));
    let pct = &l.time_to_start_percentiles_s;
    assert_eq!(pct.len(), 101);
    // p1: rank 700 → 600 × 0.05 s; p100: the last task.
    assert_eq!(pct[0], 0.0);
    assert_eq!(pct[1], 30.0);
    assert_eq!(pct[50], 1745.0);
    assert_eq!(pct[100], 3495.0);
}

#[test]
fn timings_go_to_stderr_and_change_no_file() {
    let case = Case::new(crate::common::TINY, None);
    let dir = case.dir();
    let plain = bin(
        &[
            "run",
            "scenario.toml",
            "--out",
            "plain",
            "-q",
            "--no-task-records",
        ],
        dir,
    );
    assert_eq!(plain.0, 0, "{}", plain.2);
    assert!(!plain.2.contains("timing:"), "{}", plain.2);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fargate-sim"))
        .args([
            "run",
            "scenario.toml",
            "--out",
            "timed",
            "-q",
            "--no-task-records",
        ])
        .env("FARGATE_SIM_TIMINGS", "1")
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    for phase in [
        "timing: load the scenario",
        "timing: simulated f ",
        "timing: simulated s ",
        "timing: simulate (trace read beside)",
        "timing: summarize",
        "timing: write the files",
    ] {
        assert!(err.contains(phase), "no `{phase}` in:\n{err}");
    }
    for file in ["summary.csv", "timeseries.csv", "report.html", "cost.svg"] {
        let a = std::fs::read(dir.join("plain").join(file)).unwrap();
        let b = std::fs::read(dir.join("timed").join(file)).unwrap();
        assert!(a == b, "{file} differs with timings on");
    }
}
