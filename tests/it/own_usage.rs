//! Usage from an account's own exports (issue 27): the CUR's
//! `split_line_item_actual_usage` (averages, no peak) and Container
//! Insights performance events joined to an ECS task or pod export by
//! `workload.usage`; `new --from --usage`, then `run` and `rightsize`.
//!
//! Fixtures (hand-made, shapes from the published schemas; see
//! tests/data/account/insights/SOURCE.md):
//! - `tests/cur/fargate-split.csv`: task …0a1b (web, 1 vCPU / 2 GB) used
//!   0.1 + 0.5 + 0.2 = 0.8 vCPU-hours and 0.25 + 1.2 + 0.55 = 2.0 GB-hours
//!   over its 0.25 + 1 + 0.5 = 1.75 hours: 0.457142… vCPU → 458 m, and
//!   1.142857… GB × 1024 = 1170.3 → 1171 MiB; task …1b2c (web, 0.5 vCPU /
//!   1 GB) used 0.4 + 0.1 = 0.5 vCPU-hours and 0.6 + 0.15 = 0.75 GB-hours
//!   over 0.625 / 0.5 = 1.25 hours: 400 m and 0.6 GB = 614.4 → 615 MiB;
//!   task …2c3d (api) has no actual usage.
//! - `insights/ecs-report-events.jsonl`: three Fargate tasks of service
//!   `report`, 2 vCPU / 4 GB (2048 CPU units, 4096 MiB), each created a
//!   minute after the one before, pulling from +8 s to +18 s, running from
//!   +20 s to +620 s (600 s).
//! - `insights/ecs-performance.jsonl`: Task events of task d1… (CpuUtilized
//!   307.2, 819.2, 614.4, 307.2 CPU units: average 512 units = 500 m, peak
//!   819.2 units = 800 m; MemoryUtilized 1000, 1500, 1300, 1000 MiB: average
//!   1200, peak 1500) and of task e1… (409.6 and 614.4 units: average 500 m,
//!   peak 600 m; 800 and 900 MiB: average 850, peak 900); task f1… has none;
//!   one Task event of a task not in the export, a Container and a Cluster
//!   event (passed over).
//! - `insights/pods-performance.jsonl`: two Pod events of
//!   shop/web-7d4b9c8f6d-abcde (pod_cpu_usage_total 200 and 400 millicores:
//!   average 300 m, peak 400 m; pod_memory_working_set 524,288,000 and
//!   734,003,200 bytes = 500 and 700 MiB: average 600, peak 700), and a Node
//!   event.

use crate::common::bin;
use fargate_sim::workload::formats::cur::RealBill;
use fargate_sim::workload::formats::{OnBadRow, SkipCounter, cur_bill};
use fargate_sim::workload::{Task, Usage};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn insights(name: &str) -> PathBuf {
    data("tests/data/account/insights").join(name)
}

fn usage_of(tasks: &[Task], label_end: &str) -> Option<Usage> {
    tasks
        .iter()
        .find(|t| t.label.as_deref().is_some_and(|l| l.ends_with(label_end)))
        .unwrap_or_else(|| panic!("no task {label_end}"))
        .usage
        .as_deref()
        .copied()
}

/// The tasks of a scenario's trace, read as a run reads them.
fn scenario_tasks(dir: &Path, text: &str) -> (Result<Vec<Task>, String>, Vec<String>) {
    let (s, _) = fargate_sim::scenario::load_str(text, &dir.join("s.toml"), &Default::default())
        .map_err(|e| e.to_string())
        .unwrap();
    let t = s.workload.trace.unwrap();
    let skipped = SkipCounter::default();
    let opened = match fargate_sim::workload::formats::open(
        &t.path,
        t.format,
        &t.params,
        t.on_bad_row,
        false,
        &skipped,
    ) {
        Ok(o) => o,
        Err(e) => return (Err(e.to_string()), Vec::new()),
    };
    let tasks = opened
        .stream
        .map(|t| t.map_err(|e| e.to_string()))
        .collect();
    (tasks, opened.notes)
}

#[test]
fn cur_actual_usage_is_each_tasks_time_weighted_average_without_a_peak() {
    let bill = Arc::new(Mutex::new(RealBill::default()));
    let opened = cur_bill::open_with_bill(
        &data("tests/cur/fargate-split.csv"),
        bill.clone(),
        OnBadRow::Error,
        false,
        &SkipCounter::default(),
    )
    .unwrap();
    assert!(
        opened
            .notes
            .iter()
            .any(|n| n.contains("split_line_item_actual_usage")),
        "{:?}",
        opened.notes
    );
    let tasks: Vec<Task> = opened.stream.map(|t| t.unwrap()).collect();
    assert_eq!(
        usage_of(&tasks, "0a1b2c3d4e5f4a5b8c9d0e1f2a3b4c5d"),
        Some(Usage::averages_only(458, 1171))
    );
    assert_eq!(
        usage_of(&tasks, "1b2c3d4e5f6a4b5c9d0e1f2a3b4c5d6e"),
        Some(Usage::averages_only(400, 615))
    );
    assert_eq!(usage_of(&tasks, "2c3d4e5f6a7b4c5d8e0f1a2b3c4d5e6f"), None);
    assert_eq!(bill.lock().unwrap().tasks_with_actual_usage, 2);
    // The legacy-header EC2 fixture has no actual-usage column: no usage.
    let opened = cur_bill::open_with_bill(
        &data("tests/cur/ec2-split.csv"),
        Arc::new(Mutex::new(RealBill::default())),
        OnBadRow::Error,
        false,
        &SkipCounter::default(),
    )
    .unwrap();
    let mut stream = opened.stream;
    assert!(stream.all(|t| t.unwrap().usage.is_none()));
}

#[test]
fn cur_usage_keeps_the_request_at_max_and_saves_at_avg_as_worked_by_hand() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("tests/cur/fargate-split.csv"),
        d.path().join("fargate-split.csv"),
    )
    .unwrap();
    std::fs::write(
        d.path().join("cur.toml"),
        r#"name = "cur"
seed = 1
[workload]
trace = "fargate-split.csv"
[[platforms]]
name = "fargate"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
[[platforms]]
name = "at-max"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
rightsizing = { policy = "usage", cpu = "max", memory = "max", headroom = 0.15 }
[[platforms]]
name = "at-avg"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
rightsizing = { policy = "usage", cpu = "avg", memory = "avg", headroom = 0 }
"#,
    )
    .unwrap();
    let (code, _, err) = bin(&["run", "cur.toml", "--out", "run", "-q"], d.path());
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("run/summary.json")).unwrap())
            .unwrap();
    let p = |i: usize| &s["platforms"][i];
    let near = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-9;
    // As requested: the real split cost, $0.3887919 (tests/it/cur.rs).
    assert!(near(&p(0)["cost"]["compute_usd"], 0.3887919), "{}", p(0));
    // No peak: `max` keeps every request; nothing moves.
    assert_eq!(p(1)["rightsizing"]["resized"], 0);
    assert!(near(&p(1)["cost"]["compute_usd"], 0.3887919), "{}", p(1));
    // From the averages: …0a1b asks 458 m / 1171 MiB, Fargate's 0.5 vCPU /
    // 2 GB, half a vCPU less for its 6,300 s: 0.5 × 6300 × $0.000011244 =
    // $0.0354186 less. …1b2c (400 m / 615 MiB) stays at 0.5 vCPU / 1 GB.
    assert_eq!(p(2)["rightsizing"]["resized"], 1);
    assert_eq!(p(2)["rightsizing"]["oom_kills"], 0);
    assert!(near(&p(2)["cost"]["compute_usd"], 0.3533733), "{}", p(2));
    // usage.csv keeps averages apart from peaks, and `rightsize` refuses
    // to recommend a size without a peak.
    let usage = std::fs::read_to_string(d.path().join("run/usage.csv")).unwrap();
    assert!(
        usage.contains("\nweb,2,2,1,2048,0.4,0.458,0,0,0,0,0,0,1171\n"),
        "{usage}"
    );
    let (code, text, err) = bin(&["rightsize", "run"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("web: 2 tasks, asked 1 vCPU / 2048 MiB; their usage has averages only (p90 of the averages: 0.458 vCPU, 1171 MiB) and no peak, so no size is recommended"),
        "{text}"
    );
    assert!(!text.contains("policy = \"fixed\""), "{text}");
}

#[test]
fn ecs_performance_events_give_each_task_its_average_and_peak() {
    let d = tempfile::tempdir().unwrap();
    for f in ["ecs-report-events.jsonl", "ecs-performance.jsonl"] {
        std::fs::copy(insights(f), d.path().join(f)).unwrap();
    }
    let (tasks, notes) = scenario_tasks(
        d.path(),
        "name = 's'\n[workload]\ntrace = 'ecs-report-events.jsonl'\nusage = 'ecs-performance.jsonl'\n[[platforms]]\nname = 'f'\nkind = 'fargate'\n",
    );
    let tasks = tasks.unwrap();
    let full = |cpu_avg, cpu_max, memory_avg, memory_max| Usage {
        cpu_avg_milli: cpu_avg,
        cpu_max_milli: cpu_max,
        memory_avg_mib: memory_avg,
        memory_max_mib: memory_max,
        peak_known: true,
    };
    assert_eq!(
        usage_of(&tasks, "d1b2c3d4e5f60718293a4b5c6d7e8f90"),
        Some(full(500, 800, 1200, 1500))
    );
    assert_eq!(
        usage_of(&tasks, "e1b2c3d4e5f60718293a4b5c6d7e8f90"),
        Some(full(500, 600, 850, 900))
    );
    assert_eq!(usage_of(&tasks, "f1b2c3d4e5f60718293a4b5c6d7e8f90"), None);
    // The sizes and times are the export's, untouched by the join.
    assert!(
        tasks
            .iter()
            .all(|t| (t.cpu_milli, t.memory_mib, t.duration) == (2000, 4096, 600_000_000))
    );
    let note = notes
        .iter()
        .find(|n| n.contains("performance events"))
        .unwrap();
    assert!(
        note.contains("usage for 2 of 3 tasks from 7 performance events"),
        "{note}"
    );
    assert!(note.contains("1 tasks have no events"), "{note}");
    assert!(
        note.contains("1 ids in the events are not in the export"),
        "{note}"
    );
}

#[test]
fn pod_performance_events_join_by_namespace_and_pod_name() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("tests/data/account/pods.json"),
        d.path().join("pods.json"),
    )
    .unwrap();
    std::fs::copy(
        insights("pods-performance.jsonl"),
        d.path().join("perf.jsonl"),
    )
    .unwrap();
    // The Pending pod of the fixture is a bad record: skipped.
    let (tasks, notes) = scenario_tasks(
        d.path(),
        "name = 's'\n[workload]\ntrace = 'pods.json'\nusage = 'perf.jsonl'\non_bad_row = 'skip'\n[[platforms]]\nname = 'f'\nkind = 'fargate'\nlaunch_type = 'eks'\n",
    );
    let tasks = tasks.unwrap();
    assert_eq!(
        usage_of(&tasks, "shop/web-7d4b9c8f6d-abcde"),
        Some(Usage {
            cpu_avg_milli: 300,
            cpu_max_milli: 400,
            memory_avg_mib: 600,
            memory_max_mib: 700,
            peak_known: true,
        })
    );
    assert_eq!(usage_of(&tasks, "batch/report-28472910-x7k2p"), None);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("usage for 1 of 2 pods from 2 performance events")),
        "{notes:?}"
    );
}

#[test]
fn a_performance_log_of_the_other_kind_matches_nothing_and_says_so() {
    // ECS Task events beside a pods export: no Pod event, no usage.
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("tests/data/account/pods.json"),
        d.path().join("pods.json"),
    )
    .unwrap();
    std::fs::copy(
        insights("ecs-performance.jsonl"),
        d.path().join("perf.jsonl"),
    )
    .unwrap();
    let (tasks, notes) = scenario_tasks(
        d.path(),
        "name = 's'\n[workload]\ntrace = 'pods.json'\nusage = 'perf.jsonl'\non_bad_row = 'skip'\n[[platforms]]\nname = 'f'\nkind = 'fargate'\nlaunch_type = 'eks'\n",
    );
    assert!(tasks.unwrap().iter().all(|t| t.usage.is_none()));
    assert!(
        notes.iter().any(
            |n| n.contains("usage for 0 of 2 pods from 0 performance events")
                && n.contains("no \"Type\": \"Pod\" event")
        ),
        "{notes:?}"
    );
}

#[test]
fn new_from_with_usage_runs_right_sized_and_rightsize_prints_the_sizes() {
    let d = tempfile::tempdir().unwrap();
    for f in ["ecs-report-events.jsonl", "ecs-performance.jsonl"] {
        std::fs::copy(insights(f), d.path().join(f)).unwrap();
    }
    let (code, out, err) = bin(
        &[
            "new",
            "own.toml",
            "--from",
            "ecs-report-events.jsonl",
            "--usage",
            "ecs-performance.jsonl",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("usage for 2 of them from ecs-performance.jsonl"),
        "{out}"
    );
    let text = std::fs::read_to_string(d.path().join("own.toml")).unwrap();
    assert!(
        text.contains("\nusage = \"ecs-performance.jsonl\"\n"),
        "{text}"
    );
    assert!(text.contains("name = \"fargate-rightsized\""), "{text}");
    let (code, out, err) = bin(&["run", "own.toml", "--out", "run"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("usage for 2 of 3 tasks"), "{out}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("run/summary.json")).unwrap())
            .unwrap();
    let platform = |name: &str| {
        s["platforms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    let near = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() < 1e-9;
    // Each task is billed from its pull (start-up calibrated from the
    // export: 12 s of pull and container start) through its 600 s run:
    // 612 s. As asked, 3 × 612 s × (2 × $0.000011244 + 4 × $0.000001235)
    // = $0.050357... Right-sized per group (the `"usage"` default: p90 of
    // the two tasks' average CPU, 500 m and 500 m, and of their peaks,
    // 900 and 1500 MiB; p90 of two values is the 2nd; + 15 %): d1 and e1
    // ask 575 m / 1725 MiB, Fargate's 1 vCPU / 2 GB; f1 (no usage)
    // keeps 2 vCPU / 4 GB: vCPU 612 × (1 + 1 + 2) × $0.000011244 =
    // $0.027525312, memory 612 × (2 + 2 + 4) × $0.000001235 = $0.00604656.
    let base = platform("baseline-fargate");
    assert!(near(&base["cost"]["compute_usd"], 0.050357808), "{base}");
    let right = platform("fargate-rightsized");
    assert!(near(&right["cost"]["compute_usd"], 0.033571872), "{right}");
    assert_eq!(right["rightsizing"]["resized"], 2);
    assert_eq!(right["rightsizing"]["kept"], 1);
    assert_eq!(right["rightsizing"]["oom_kills"], 0);
    assert_eq!(right["rightsizing"]["groups"][0]["size_cpu_vcpu"], 0.575);
    assert_eq!(right["rightsizing"]["groups"][0]["size_memory_mib"], 1725);
    // rightsize with no flags prints the run's own group size.
    let (code, text, err) = bin(&["rightsize", "run"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains(
            "report: 3 tasks, asked 2 vCPU / 4096 MiB, recommended 0.575 vCPU / 1725 MiB"
        ),
        "{text}"
    );
    // rightsize: CPU from the p90 of the peaks (800 m) + 15 % = 920 m;
    // memory from the largest peak (1500 MiB) + 15 % = 1725 MiB; on
    // Fargate 1 vCPU / 2 GB, "cpu": "1024", "memory": "2048".
    let (code, text, err) = bin(
        &["rightsize", "run", "--cpu", "peak-p90", "--memory", "max"],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("report: 3 tasks, asked 2 vCPU / 4096 MiB, recommended 0.92 vCPU / 1725 MiB"),
        "{text}"
    );
    assert!(
        text.contains("\"cpu\": \"1024\", \"memory\": \"2048\" (1 vCPU / 2 GiB)"),
        "{text}"
    );
    assert!(
        text.contains("resources: { requests: { cpu: 920m, memory: 1725Mi } }"),
        "{text}"
    );
    assert!(
        text.contains(
            "rightsizing = { policy = \"fixed\", groups = { report = { cpu = 0.92, memory = \"1725MiB\" } } }"
        ),
        "{text}"
    );
}

#[test]
fn new_from_refuses_a_bad_performance_log_naming_file_line_and_field() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        insights("ecs-report-events.jsonl"),
        d.path().join("events.jsonl"),
    )
    .unwrap();
    std::fs::write(
        d.path().join("perf.jsonl"),
        "{\"Type\":\"Task\",\"TaskId\":\"d1\",\"CpuUtilized\":1,\"MemoryUtilized\":1}\n{\"Type\":\"Task\",\"TaskId\":\"d1\",\"CpuUtilized\":2}\n",
    )
    .unwrap();
    let (code, _, err) = bin(
        &[
            "new",
            "own.toml",
            "--from",
            "events.jsonl",
            "--usage",
            "perf.jsonl",
        ],
        d.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("perf.jsonl"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("MemoryUtilized"), "{err}");
    assert!(!d.path().join("own.toml").exists());
    // --usage without --from is a usage error.
    let (code, _, _) = bin(&["new", "x.toml", "--usage", "perf.jsonl"], d.path());
    assert_eq!(code, 2);
}
