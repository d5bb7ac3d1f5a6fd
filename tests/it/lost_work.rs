//! Issue 34: work an option throws away and runs again (a pod evicted by
//! Karpenter's consolidation, a task interrupted by Spot) is counted in
//! summary.json (`tasks.wasted_seconds`, `wasted_billed_seconds`,
//! `wasted_cost_usd`, by group) and said by `run`'s table, the HTML
//! verdict and `explain`, with the fix the scenario can express.

use crate::common::{Case, bin, run, usd};
use fargate_sim::platform::Outcome;
use std::path::Path;

/// Twelve 1-vCPU pods for 1,750 s and one `batch` pod for an hour, on a
/// Karpenter cluster of m5.large, m5.xlarge and m5.4xlarge; `extra` goes
/// into the platform table.
fn evicted(extra: &str) -> String {
    format!(
        r#"
name = "evicted"
[workload]
[[workload.generators]]
name = "short"
arrivals = {{ process = "burst", at = ["0s"], size = 12 }}
duration = "1750s"
sizes = [{{ cpu = 1, memory = "1GiB" }}]
[[workload.generators]]
name = "batch"
arrivals = {{ process = "burst", at = ["0s"], size = 1 }}
duration = "1h"
sizes = [{{ cpu = 1, memory = "1GiB" }}]
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large", "m5.xlarge", "m5.4xlarge"]
autoscaler = "karpenter"
instance_launch = "30s"
container_start = {{ image_pull = "4s", cached = "4s" }}
reserved = {{ memory_percent = 0 }}
{extra}
"#
    )
}

#[test]
fn consolidation_evicting_a_one_hour_pod_at_half_an_hour_loses_half_an_hour() {
    // One batch of 13 pods: one node claim, an m5.4xlarge (16 vCPU,
    // $0.768/h), requested at 1 s, ready at 31 s; every pod pulls its image
    // for 4 s and runs from 35 s. The 12 short pods end at 1,785 s; the
    // 1,790 s poll finds the batch pod alone, fitting an m5.large
    // ($0.096/h): after the 15 s validation the m5.large is requested at
    // 1,805 s, ready at 1,835 s, and the batch pod is evicted then, half an
    // hour into its hour (1,835 − 35 = 1,800 s lost). Its attempt held the
    // 4xlarge from 31 s to 1,835 s: 1,804 s billed, and its share of the
    // node is 1 of 16 vCPU (its memory share, 1 of 64 GiB, is smaller):
    // $0.768 / 16 × 1,804 / 3,600 = $0.0240533….
    let ran = run(&Case::new(&evicted(""), None), &[]);
    let p = ran.platform("ec2");
    let c = p.cluster.as_ref().unwrap();
    assert_eq!((c.nodes_consolidated, c.pods_moved), (1, 1));
    assert_eq!(p.tasks.interrupted, 1);
    assert_eq!(p.tasks.completed, 13);
    assert_eq!(p.tasks.wasted_seconds, 1800.0);
    assert_eq!(p.tasks.wasted_billed_seconds, 1804.0);
    let share = usd("0.768") * 1804 / 16 / 3600;
    let atto = (p.tasks.wasted_cost_usd * 1e18).round() as u128;
    assert!(atto.abs_diff(share) < 1_000, "{atto} vs {share}");
    assert_eq!(p.tasks.wasted_seconds_by_group.get("batch"), Some(&1800.0));
    assert_eq!(p.tasks.wasted_seconds_by_group.len(), 1);
    // The evicted attempt, as tasks.parquet has it.
    let lost: Vec<_> = ran
        .records_of("ec2")
        .into_iter()
        .filter(|r| r.outcome == Outcome::Interrupted)
        .map(|r| (r.end.unwrap(), r.run_span, r.billed_span))
        .collect();
    assert_eq!(lost, vec![(1_835_000_000, 1_800_000_000, 1_804_000_000)]);
    // It starts again on the m5.large: pulls 4 s, runs an hour, ends at
    // 1,839 + 3,600 = 5,439 s. Bill: the 4xlarge 1..1,835 s (1,834 s ×
    // $0.768/h = $0.3912533…) and the m5.large 1,805..5,439 s (3,634 s ×
    // $0.096/h = $0.0969066…).
    assert_eq!(p.simulated_end_s, 5439.0);
    assert_eq!(
        ran.total_atto("ec2"),
        usd("0.768") * 1834 / 3600 + usd("0.096") * 3634 / 3600
    );
    // With the batch pods annotated karpenter.sh/do-not-disrupt nothing is
    // lost: the 4xlarge stays until the pod ends at 3,635 s (3,634 s ×
    // $0.768/h = $0.77529…), dearer than losing half an hour.
    let ran = run(
        &Case::new(
            &evicted("karpenter = { do_not_disrupt = [\"batch\"] }"),
            None,
        ),
        &[],
    );
    let p = ran.platform("ec2");
    assert_eq!(p.tasks.interrupted, 0);
    assert_eq!(p.tasks.wasted_seconds, 0.0);
    assert_eq!(p.tasks.wasted_billed_seconds, 0.0);
    assert_eq!(p.tasks.wasted_cost_usd, 0.0);
    assert_eq!(ran.total_atto("ec2"), usd("0.768") * 3634 / 3600);
}

#[test]
fn run_and_explain_say_the_lost_half_hour_and_the_fix() {
    let case = Case::new(&evicted(""), None);
    let (code, out, err) = bin(&["run", "scenario.toml", "--out", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: ec2 threw away 0.50 task-hours of run time"),
        "{out}"
    );
    assert!(
        out.contains("1 pod(s) evicted by Karpenter's consolidation"),
        "{out}"
    );
    assert!(out.contains("billed 0.50 task-hours, $0.02"), "{out}");
    assert!(out.contains("do_not_disrupt = [\"batch\"]"), "{out}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(case.dir().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let t = &json["platforms"][0]["tasks"];
    assert_eq!(t["wasted_seconds"], 1800.0);
    assert_eq!(t["wasted_billed_seconds"], 1804.0);
    assert!(
        (t["wasted_cost_usd"].as_f64().unwrap() - 0.768 / 16.0 * 1804.0 / 3600.0).abs() < 1e-12
    );
    assert_eq!(t["wasted_seconds_by_group"]["batch"], 1800.0);
    let csv = std::fs::read_to_string(case.dir().join("out/summary.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains("tasks_wasted_cost_usd")
    );
    let (code, out, err) = bin(&["explain", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\nWork thrown away and run again\n"), "{out}");
    assert!(out.contains("ec2 threw away 0.50 task-hours"), "{out}");
    assert!(out.contains("karpenter.sh/do-not-disrupt"), "{out}");
    assert!(
        out.contains("consolidation_policy = \"WhenEmpty\""),
        "{out}"
    );
    let (code, out, _) = bin(&["explain", "out", "--format", "json"], case.dir());
    assert_eq!(code, 0);
    let e: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(e["lost_work"].as_array().unwrap().len(), 1);
}

#[test]
fn nightly_batch_says_what_karpenter_consolidation_threw_away() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/nightly-batch.toml");
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(
        &["run", scenario.to_str().unwrap(), "--out", "nb"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("warning: karpenter threw away"), "{out}");
    assert!(
        out.contains("evicted by Karpenter's consolidation"),
        "{out}"
    );
    assert!(out.contains("do_not_disrupt = [\"pipeline\"]"), "{out}");
    let (code, out, err) = bin(&["explain", "nb"], dir.path());
    assert_eq!(code, 0, "{err}");
    let section = out
        .split("\nWork thrown away and run again\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    assert!(section.contains("- karpenter threw away"), "{out}");
    assert!(section.contains("task-hours"), "{out}");
    assert!(section.contains("its last task ended"), "{out}");
    // The verdict in report.html names the lost work too.
    let html = std::fs::read_to_string(dir.path().join("nb/report.html")).unwrap();
    assert!(
        html.contains("Lost work: karpenter threw away"),
        "report.html"
    );
    // The figures in summary.json: every thrown-away attempt is billed, so
    // its billed time is at least its lost run time, and its cost is part
    // of the total.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("nb/summary.json")).unwrap())
            .unwrap();
    let k = json["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "karpenter")
        .unwrap();
    let t = &k["tasks"];
    let wasted = t["wasted_seconds"].as_f64().unwrap();
    assert!(wasted > 100.0 * 3600.0, "{t}");
    assert!(t["wasted_billed_seconds"].as_f64().unwrap() >= wasted);
    let cost = t["wasted_cost_usd"].as_f64().unwrap();
    assert!(cost > 0.0 && cost < k["cost"]["total_usd"].as_f64().unwrap());
    assert_eq!(
        t["wasted_seconds_by_group"]["pipeline"].as_f64(),
        Some(wasted)
    );
}

/// Forty 1-vCPU / 2-GiB tasks of an hour on Fargate on demand (`od`) and on
/// Fargate Spot with interruptions made frequent, 0.5 per task-hour (`sp`).
const SPOT: &str = r#"
name = "spot-lost"
[workload]
[[workload.generators]]
name = "jobs"
arrivals = { process = "burst", at = ["0s"], size = 40 }
duration = "1h"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "od"
kind = "fargate"
[[platforms]]
name = "sp"
kind = "fargate"
capacity = "spot"
spot = { interruptions_per_hour = 0.5 }
"#;

#[test]
fn spot_interruptions_lose_work_billed_at_the_spot_rate_and_the_cheapest_says_so() {
    let case = Case::new(SPOT, None);
    let ran = run(&case, &[]);
    let p = ran.platform("sp");
    assert!(p.tasks.interrupted > 0);
    assert_eq!(p.tasks.completed, 40);
    // The lost work is the interrupted attempts' records: their run time,
    // their billed time, and their cost, each 1 vCPU / 2 GiB at Fargate
    // Spot's $0.01542025 an hour (tests/it/strategy.rs has the rate).
    let lost: Vec<_> = ran
        .records_of("sp")
        .into_iter()
        .filter(|r| r.outcome == Outcome::Interrupted)
        .collect();
    assert_eq!(lost.len() as u64, p.tasks.interrupted);
    let run_s: f64 = lost.iter().map(|r| r.run_span as f64 / 1e6).sum();
    let billed_s: f64 = lost.iter().map(|r| r.billed_span as f64 / 1e6).sum();
    let cost_atto: u128 = lost.iter().map(|r| r.cost.unwrap().0).sum();
    assert!((p.tasks.wasted_seconds - run_s).abs() < 1e-6);
    assert!((p.tasks.wasted_billed_seconds - billed_s).abs() < 1e-6);
    assert!(p.tasks.wasted_billed_seconds >= p.tasks.wasted_seconds);
    assert!((p.tasks.wasted_cost_usd - cost_atto as f64 / 1e18).abs() < 1e-12);
    assert!((p.tasks.wasted_cost_usd - billed_s / 3600.0 * 0.01542025).abs() < 1e-9);
    assert_eq!(
        p.tasks.wasted_seconds_by_group["jobs"],
        p.tasks.wasted_seconds
    );
    // On demand loses nothing.
    let od = ran.platform("od");
    assert_eq!(
        (
            od.tasks.wasted_seconds,
            od.tasks.wasted_billed_seconds,
            od.tasks.wasted_cost_usd
        ),
        (0.0, 0.0, 0.0)
    );
    // Spot is the cheapest, but `explain` crowns it only with the caution,
    // and says what it lost (no Karpenter fix on Fargate).
    let (code, _, err) = bin(&["run", "scenario.toml", "--out", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = bin(&["explain", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Cheapest: sp at")
            && out.contains("Caution: sp ran every task, but not only once"),
        "{out}"
    );
    assert!(out.contains("attempt(s) interrupted by Spot"), "{out}");
    assert!(!out.contains("do_not_disrupt"), "{out}");
    let html = std::fs::read_to_string(case.dir().join("out/report.html")).unwrap();
    assert!(html.contains("Caution: sp ran every task, but not only once"));
}
