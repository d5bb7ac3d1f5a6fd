//! A backlog larger than memory keeps (issue 24): Fargate's launch queue
//! spills to disk past two chunks of 65,536 tasks and must give back its
//! tasks first come, first served, with every figure as if it were held in
//! memory.

use crate::common::{Case, run};
use fargate_sim::platform::Outcome;

/// 150,000 tasks at once against the launch bucket (100, then 20 a
/// second): 149,900 wait, more than two chunks, so the middle of the queue
/// goes through the spill file.
const BURST_150K: &str = r#"
name = "burst-150k"
[workload]
[[workload.generators]]
name = "b"
arrivals = { process = "burst", at = ["0s"], size = 150000 }
duration = "10s"
sizes = [{ cpu = 0.25, memory = "512MiB" }]
[[platforms]]
name = "p"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#;

#[test]
fn a_backlog_spilled_to_disk_launches_first_come_first_served() {
    let ran = run(&Case::new(BURST_150K, None), &[]);
    let w = &ran.platform("p").latency.wait;
    assert_eq!(w.count, 150_000);
    // Task k (k ≥ 100) launches at (k − 99) × 50 ms: the last at 7,495 s.
    assert_eq!(w.max, Some(7495.0));
    // Mean: 0.05 × (1 + … + 149,900) / 150,000 = 3,745.026650 s.
    let mean = w.mean.unwrap();
    assert!((mean - 3745.02665).abs() < 1e-6, "{mean}");
    let records = ran.records_of("p");
    assert_eq!(records.len(), 150_000);
    for r in records {
        let k = r.task_id;
        assert_eq!(r.launch, Some(k.saturating_sub(99) * 50_000), "task {k}");
        assert_eq!(r.outcome, Outcome::Completed);
    }
}

#[test]
fn tasks_still_queued_at_the_horizon_come_back_from_disk_in_order() {
    // By 2,999.99 s the tasks up to k = 60,098 have launched ((k − 99) ×
    // 50 ms ≤ 2,999.99 s); the other 89,901 wait, most of them on disk.
    let text = BURST_150K.replace("[workload]", "horizon = \"2999990ms\"\n[workload]");
    let ran = run(&Case::new(&text, None), &[]);
    let records = ran.records_of("p");
    let waiting: Vec<u64> = records
        .iter()
        .filter(|r| r.outcome == Outcome::WaitingAtEnd)
        .map(|r| r.task_id)
        .collect();
    assert_eq!(waiting.len(), 89_901);
    assert!(waiting.iter().copied().eq(60_099..150_000));
    assert_eq!(records.len(), 150_000);
    let tally = &ran
        .output
        .platforms
        .iter()
        .find(|p| p.spec.name() == "p")
        .unwrap()
        .tally;
    assert_eq!(tally.waiting_at_end, 89_901);
}
