//! AWS cost data with split cost allocation (`aws-cur`, issue 26): the
//! tasks rebuilt from their hourly lines, the real bill per group, and the
//! real bill beside the simulated one, on fixtures in the published CUR 2.0
//! (and legacy CUR) column names, worked by hand.
//!
//! `tests/cur/fargate-split.csv` (billing period from 2026-11-01T00:00Z),
//! priced at the catalog's us-east-1 per-second Fargate rates times 3600
//! ($0.0404784 per vCPU-hour, $0.004446 per GB-hour):
//! - task …0a1b (service web), 1 vCPU 2 GB: 0.25 h in 10:00, 1 h in 11:00,
//!   0.5 h in 12:00: started 10:45, stopped 12:30 (6,300 s);
//! - task …1b2c (web), 0.5 vCPU 1 GB: 1 h in 13:00, 0.25 h in 14:00:
//!   13:00 to 14:15 (4,500 s);
//! - task …2c3d (api), 2 vCPU 4 GB: 0.25, 1, 1, 0.5 h from 10:00: 10:45 to
//!   13:30 (9,900 s);
//! - and one EC2 instance line, which is not a task.
//!
//! `tests/cur/ec2-split.csv` (legacy `lineItem/…` headers), instance
//! i-0123456789abcdef0, each line with $0.01 of unused cost:
//! - task …3d4e (batch), 2 vCPU 4 GB: 0.5 h in 10:00, whole 11:00 and 12:00:
//!   10:30 to 13:00; split cost $0.03 + $0.005, $0.06 + $0.01, $0.06 + $0.01;
//! - task …4e5f (cron), 1 vCPU 2 GB, 11:00 to 12:00: $0.03 + $0.005.

use crate::common::bin;
use fargate_sim::pricing::Money;
use fargate_sim::workload::Task;
use fargate_sim::workload::formats::cur::{LaunchType, RealBill, parse_usd};
use fargate_sim::workload::formats::cur_bill;
use fargate_sim::workload::formats::{Format, OnBadRow, SkipCounter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cur")
        .join(name)
}

fn usd(text: &str) -> Money {
    parse_usd("test", text).unwrap()
}

/// The tasks and the real bill of an export.
fn read(path: &Path, policy: OnBadRow) -> (Result<Vec<Task>, String>, RealBill, SkipCounter) {
    let bill = Arc::new(Mutex::new(RealBill::default()));
    let skipped = SkipCounter::default();
    let opened = cur_bill::open_with_bill(path, bill.clone(), policy, false, &skipped).unwrap();
    let tasks: Result<Vec<Task>, String> = opened
        .stream
        .map(|t| t.map_err(|e| e.to_string()))
        .collect();
    let b = bill.lock().unwrap().clone();
    (tasks, b, skipped)
}

const H: u64 = 3_600_000_000;

#[test]
fn fargate_tasks_are_rebuilt_from_their_hourly_lines() {
    let path = fixture("fargate-split.csv");
    assert_eq!(Format::detect(&path).unwrap(), Format::AwsCur);
    let (tasks, bill, _) = read(&path, OnBadRow::Error);
    let tasks = tasks.unwrap();
    let got: Vec<(u64, u64, u32, u32, &str)> = tasks
        .iter()
        .map(|t| {
            (
                t.submit,
                t.duration,
                t.cpu_milli,
                t.memory_mib,
                t.group.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            // 0.25 h in its first hour: 15 minutes before 11:00; 0.5 h in
            // its last: 30 minutes after 12:00.
            (10 * H + 45 * 60_000_000, 6_300_000_000, 1000, 2048, "web"),
            (13 * H, 4_500_000_000, 500, 1024, "web"),
            (10 * H + 45 * 60_000_000, 9_900_000_000, 2000, 4096, "api"),
        ]
    );
    assert!(
        tasks[0]
            .label
            .as_ref()
            .unwrap()
            .to_string()
            .ends_with("task/prod/0a1b2c3d4e5f4a5b8c9d0e1f2a3b4c5d")
    );
    assert_eq!(bill.task_lines, 18);
    assert_eq!(bill.other_lines, 1);
    // The 2-hour task has no middle hour to size it by.
    assert_eq!(bill.sized_from_partial_hour, 1);
    assert_eq!(bill.launch_type(), LaunchType::Fargate);
}

#[test]
fn the_real_bill_per_group_is_the_sum_of_split_costs() {
    let (_, bill, _) = read(&fixture("fargate-split.csv"), OnBadRow::Error);
    let web = &bill.groups["web"];
    let api = &bill.groups["api"];
    assert_eq!(web.tasks, 2);
    assert_eq!(api.tasks, 1);
    // web: 1.75 vCPU-h + 1.25 × 0.5 vCPU-h and 3.5 GB-h + 1.25 GB-h;
    // 2.375 × 0.0404784 + 4.75 × 0.004446 = 0.0961362 + 0.0211185.
    assert_eq!(web.split_cost, usd("0.1172547"));
    // api: 5.5 vCPU-h × 0.0404784 + 11 GB-h × 0.004446.
    assert_eq!(api.split_cost, usd("0.2715372"));
    assert_eq!(api.unused_cost, Money::ZERO);
    assert_eq!(bill.total(), usd("0.3887919"));
    assert_eq!(bill.from_unix_us, Some(1_793_527_200_000_000));
    assert_eq!(
        bill.until_unix_us,
        Some(1_793_527_200_000_000 + 5 * H as i64)
    );
}

#[test]
fn ec2_split_lines_with_unused_cost_under_legacy_headers() {
    let path = fixture("ec2-split.csv");
    assert_eq!(Format::detect(&path).unwrap(), Format::AwsCur);
    let (tasks, bill, _) = read(&path, OnBadRow::Error);
    let tasks = tasks.unwrap();
    let got: Vec<(u64, u64, u32, u32, &str)> = tasks
        .iter()
        .map(|t| {
            (
                t.submit,
                t.duration,
                t.cpu_milli,
                t.memory_mib,
                t.group.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (10 * H + 30 * 60_000_000, 9_000_000_000, 2000, 4096, "batch"),
            (11 * H, 3_600_000_000, 1000, 2048, "cron"),
        ]
    );
    assert_eq!(bill.launch_type(), LaunchType::Ec2);
    let batch = &bill.groups["batch"];
    assert_eq!(batch.split_cost, usd("0.175"));
    assert_eq!(batch.unused_cost, usd("0.06"));
    assert_eq!(batch.total(), usd("0.235"));
    assert_eq!(batch.ec2_cost, usd("0.235"));
    let cron = &bill.groups["cron"];
    assert_eq!(cron.total(), usd("0.055"));
    assert_eq!(bill.total(), usd("0.29"));
}

/// The EC2 fixture as Parquet, every column text, as polars writes it.
fn parquet_copy(dir: &Path) -> PathBuf {
    use fargate_sim::io::table::{Column, Compression, Table};
    let text = std::fs::read_to_string(fixture("ec2-split.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let cols: Vec<(&str, Column)> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                *h,
                Column::Str(rows.iter().map(|r| r[i].to_string()).collect()),
            )
        })
        .collect();
    let mut t = Table::new(cols).unwrap();
    let out = dir.join("ec2-split.parquet");
    t.write_parquet(std::fs::File::create(&out).unwrap(), Compression::Zstd)
        .unwrap();
    out
}

#[test]
fn a_parquet_export_reads_as_its_csv() {
    let d = tempfile::tempdir().unwrap();
    let pq = parquet_copy(d.path());
    assert_eq!(Format::detect(&pq).unwrap(), Format::AwsCur);
    let (a, bill_a, _) = read(&fixture("ec2-split.csv"), OnBadRow::Error);
    let (b, bill_b, _) = read(&pq, OnBadRow::Error);
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(bill_a, bill_b);
}

#[test]
fn bad_lines_follow_on_bad_row_and_an_unsorted_export_says_how_to_sort() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("ec2-split.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    // A cost that is not a number, on the cron task's vCPU line.
    let bad = lines[7].replace(",0.03,0.01", ",abc,0.01");
    lines[7] = &bad;
    let p = d.path().join("bad.csv");
    std::fs::write(&p, lines.join("\n")).unwrap();
    let (tasks, _, _) = read(&p, OnBadRow::Error);
    let e = tasks.unwrap_err();
    assert!(
        e.contains("line 8") && e.contains("split_line_item_split_cost"),
        "{e}"
    );
    let (tasks, bill, skipped) = read(&p, OnBadRow::Skip);
    // The cron task lost its vCPU line: it cannot be sized, and is counted.
    assert_eq!(tasks.unwrap().len(), 1);
    assert_eq!(skipped.total(), 1);
    assert_eq!(bill.unsized_tasks, 1);
    assert_eq!(bill.groups["cron"].total(), usd("0.015"));
    // The batch task's last hour after the cron task's lines.
    let mut lines: Vec<&str> = text.lines().collect();
    let moved = lines.remove(6);
    lines.push(moved);
    let p = d.path().join("unsorted.csv");
    std::fs::write(&p, lines.join("\n")).unwrap();
    let (tasks, _, _) = read(&p, OnBadRow::Error);
    let e = tasks.unwrap_err();
    assert!(e.contains("sort the export"), "{e}");
}

const SCENARIO: &str = r#"name = "own-bill"
seed = 1
[workload]
trace = "fargate-split.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
[[platforms]]
name = "spot"
kind = "fargate"
capacity = "spot"
spot = { interruptions_per_hour = 0 }
startup = { provisioning = "0s", image_pull = "0s" }
"#;

#[test]
fn the_report_sets_the_real_bill_beside_the_simulated_one() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("fargate-split.csv"),
        d.path().join("fargate-split.csv"),
    )
    .unwrap();
    std::fs::write(d.path().join("own.toml"), SCENARIO).unwrap();
    let (code, out, err) = bin(&["run", "own.toml", "--out", "run"], d.path());
    assert_eq!(code, 0, "{err}");
    // The accuracy comes before the alternatives' costs.
    let real = out.find("real bill").expect(&out);
    let table = out.find("platform").expect(&out);
    assert!(real < table, "{out}");
    assert!(out.contains("+0.0 %"), "{out}");
    let html = std::fs::read_to_string(d.path().join("run/report.html")).unwrap();
    assert!(html.find("id=\"real-bill\"").unwrap() < html.find("id=\"verdict\"").unwrap());
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("run/summary.json")).unwrap())
            .unwrap();
    let r = &s["real_bill"];
    assert_eq!(r["baseline"], "fargate");
    assert_eq!(r["launch_type"], "FARGATE");
    assert_eq!(r["from"], "2026-11-01T10:00:00Z");
    assert_eq!(r["until"], "2026-11-01T15:00:00Z");
    let near = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-9;
    // Each task's simulated bill is its span at the same per-second rates:
    // equal to the real split cost (to the cent and below).
    assert!(near(&r["total"]["real_usd"], 0.3887919), "{r}");
    assert!(near(&r["total"]["simulated_usd"], 0.3887919), "{r}");
    assert!(
        r["total"]["gap_percent"].as_f64().unwrap().abs() < 1e-6,
        "{r}"
    );
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups[0]["group"], "api");
    assert!(near(&groups[0]["simulated_usd"], 0.2715372), "{r}");
    assert_eq!(groups[1]["group"], "web");
    assert!(near(&groups[1]["simulated_usd"], 0.1172547), "{r}");
    assert!(near(&groups[1]["real_usd"], 0.1172547), "{r}");
}

#[test]
fn on_ec2_the_idle_cost_is_spread_over_the_groups_as_the_export_does() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("ec2-split.csv"), d.path().join("ec2-split.csv")).unwrap();
    std::fs::write(
        d.path().join("own.toml"),
        r#"name = "own-ec2"
seed = 1
[workload]
trace = "ec2-split.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
[[platforms]]
name = "cluster"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
"#,
    )
    .unwrap();
    let (code, out, err) = bin(
        &["run", "own.toml", "--out", "run", "--format", "json"],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &s["real_bill"];
    assert_eq!(r["baseline"], "cluster");
    assert_eq!(r["launch_type"], "EC2");
    assert!((r["total"]["real_usd"].as_f64().unwrap() - 0.29).abs() < 1e-12);
    assert!((r["total"]["real_unused_usd"].as_f64().unwrap() - 0.08).abs() < 1e-12);
    // The groups' simulated bills add up to the cluster's whole bill.
    let sim: f64 = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["simulated_usd"].as_f64().unwrap())
        .sum();
    let total = r["total"]["simulated_usd"].as_f64().unwrap();
    assert!((sim - total).abs() < 1e-9, "{sim} {total}");
    let cluster = s["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cluster")
        .unwrap();
    assert!((cluster["cost"]["total_usd"].as_f64().unwrap() - total).abs() < 1e-12);
}
