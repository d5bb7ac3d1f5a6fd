//! Waits, start-up and horizons asserted exactly with constant start-up times.

use crate::common::{Case, run};

const BURST_150: &str = r#"
name = "burst"
[workload]
[[workload.generators]]
name = "b"
arrivals = { process = "burst", at = ["0s"], size = 150 }
duration = "10s"
sizes = [{ cpu = 0.25, memory = "512MiB" }]
[[platforms]]
name = "p"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#;

#[test]
fn the_launch_bucket_spreads_a_burst() {
    // 100 launch at once; the other 50 one every 1/20 s: the last waits 2.5 s.
    let ran = run(&Case::new(BURST_150, None), &[]);
    let w = &ran.platform("p").latency.wait;
    assert_eq!(w.count, 150);
    assert_eq!(w.p50, Some(0.0));
    assert_eq!(w.max, Some(2.5));
    // Mean: 0.05 × (1 + … + 50) / 150 = 0.425 s.
    assert!((w.mean.unwrap() - 0.425).abs() < 1e-12);
    let mut launches: Vec<u64> = ran
        .records_of("p")
        .iter()
        .map(|r| r.launch.unwrap())
        .collect();
    launches.sort_unstable();
    assert_eq!(launches[99], 0);
    assert_eq!(launches[100], 50_000);
    assert_eq!(launches[149], 2_500_000);
}

#[test]
fn a_larger_bucket_removes_the_wait() {
    let ran = run(
        &Case::new(BURST_150, None),
        &["platforms.p.launch_limit={ burst = 200 }"],
    );
    assert_eq!(ran.platform("p").latency.wait.max, Some(0.0));
}

#[test]
fn the_horizon_cuts_running_tasks_and_bills_time_so_far() {
    let text = r#"
name = "horizon"
horizon = "90s"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s", "100s"], size = 1 }
duration = "200s"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "p"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#;
    let ran = run(&Case::new(text, None), &[]);
    let p = ran.platform("p");
    // The task at 100 s lies beyond the horizon and is never submitted.
    assert_eq!(p.tasks.submitted, 1);
    assert_eq!(p.tasks.running_at_end, 1);
    assert_eq!(p.tasks.completed, 0);
    assert_eq!(p.billed.task_seconds, 90.0);
    assert_eq!(p.simulated_end_s, 90.0);
}

#[test]
fn interrupted_spot_tasks_are_retried_and_their_time_is_billed() {
    // Interruptions so frequent that a one-hour task is nearly always hit.
    let text = r#"
name = "spot"
seed = 3
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 20 }
duration = "1h"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "p"
kind = "fargate"
capacity = "spot"
startup = { provisioning = "0s", image_pull = "0s" }
spot = { interruptions_per_hour = 0.5 }
"#;
    let ran = run(&Case::new(text, None), &[]);
    let p = ran.platform("p");
    assert_eq!(p.tasks.completed, 20);
    assert!(p.tasks.interrupted > 0);
    let recs = ran.records_of("p");
    let interrupted = recs
        .iter()
        .filter(|r| r.outcome == fargate_sim::platform::Outcome::Interrupted)
        .count();
    assert_eq!(interrupted as u64, p.tasks.interrupted);
    assert_eq!(recs.len() as u64, 20 + p.tasks.interrupted);
    // Every interrupted attempt ran at least the two-minute notice.
    for r in recs
        .iter()
        .filter(|r| r.outcome == fargate_sim::platform::Outcome::Interrupted)
    {
        assert!(r.run_span >= 120_000_000, "{r:?}");
    }
    assert!(p.tasks.wasted_seconds >= 120.0 * p.tasks.interrupted as f64);
    assert!(p.billed.task_seconds >= 20.0 * 3600.0 + p.tasks.wasted_seconds);
    // Fail instead of retry.
    let ran = run(
        &Case::new(text, None),
        &["platforms.p.spot.on_interruption=fail"],
    );
    let p = ran.platform("p");
    assert_eq!(p.tasks.failed + p.tasks.completed, 20);
    assert_eq!(p.tasks.failed, p.tasks.interrupted);
}
