//! Invariants on random scenarios: tasks are conserved, billed time is at
//! least run time, the launch limit is never exceeded, the same seed gives
//! the same bytes, and adding a platform changes no other platform's numbers.

use crate::common::{Case, run};
use fargate_sim::platform::Outcome;
use proptest::prelude::*;

fn scenario(
    rate_per_min: u32,
    burst: u32,
    spot_rate: f64,
    horizon: Option<u32>,
    seed: u64,
) -> String {
    let horizon = horizon
        .map(|h| format!("horizon = \"{h}min\""))
        .unwrap_or_default();
    format!(
        r#"
name = "prop"
seed = {seed}
{horizon}
[workload]
[[workload.generators]]
name = "steady"
arrivals = {{ process = "poisson", rate = "{rate_per_min}/min" }}
duration = {{ dist = "lognormal", median = "2min", p90 = "10min" }}
sizes = [{{ cpu = 0.25, memory = "512MiB", weight = 2 }}, {{ cpu = 3, memory = "9GiB" }}, {{ cpu = 20, memory = "8GiB", weight = 0.1 }}]
until = "1h"
[[workload.generators]]
name = "burst"
arrivals = {{ process = "burst", at = ["10min", "40min"], size = {burst} }}
duration = {{ dist = "exponential", mean = "5min" }}
sizes = [{{ cpu = 1, memory = "2GiB", storage = "30GiB" }}]
[[platforms]]
name = "od"
kind = "fargate"
[[platforms]]
name = "spot"
kind = "fargate"
capacity = "spot"
spot = {{ interruptions_per_hour = {spot_rate} }}
"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold(rate in 1u32..40, burst in 1u32..400, spot_rate in 0.0f64..3.0,
                       horizon in proptest::option::of(5u32..120), seed in 0u64..1000) {
        let case = Case::new(&scenario(rate, burst, spot_rate, horizon, seed), None);
        let ran = run(&case, &[]);
        for p in &ran.summary.platforms {
            let t = &p.tasks;
            prop_assert_eq!(t.submitted, t.completed + t.failed + t.unschedulable + t.running_at_end + t.waiting_at_end,
                "conservation on {}", p.name);
            let recs = ran.records_of(&p.name);
            // Billed time ≥ time the container ran, for every attempt.
            for r in &recs {
                prop_assert!(r.billed_span >= r.run_span, "{:?}", r);
                if r.outcome != Outcome::RunningAtEnd {
                    prop_assert!(r.billed_span >= 60_000_000, "minimum charge: {:?}", r);
                }
            }
            let billed: u64 = recs.iter().map(|r| r.billed_span).sum();
            prop_assert_eq!(billed as f64 / 1e6, p.billed.task_seconds);
            // The launch bucket (100, 20/s): k+1 launches beyond the burst need k/20 s.
            let mut launches: Vec<u64> = recs.iter().filter_map(|r| r.launch).collect();
            launches.sort_unstable();
            for k in [100usize, 120, 200] {
                for w in launches.windows(k + 1) {
                    let needed = (k as u64 + 1 - 100) * 50_000;
                    prop_assert!(w[k] - w[0] >= needed, "{} launches in {} µs", k + 1, w[k] - w[0]);
                }
            }
            if p.name == "od" {
                prop_assert_eq!(t.interrupted, 0);
            }
        }
    }
}

#[test]
fn same_seed_same_bytes_and_other_seed_differs() {
    let case = Case::new(&scenario(20, 150, 1.0, None, 9), None);
    let a = serde_json::to_string(&run(&case, &[]).summary).unwrap();
    let b = serde_json::to_string(&run(&case, &[]).summary).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&run(&case, &["seed=10"]).summary).unwrap();
    assert_ne!(a, c);
}

#[test]
fn adding_a_platform_changes_no_other_platform() {
    let full = scenario(20, 150, 1.0, None, 5);
    let only_spot = full.replace("[[platforms]]\nname = \"od\"\nkind = \"fargate\"\n", "");
    assert_ne!(full, only_spot);
    let a = run(&Case::new(&full, None), &[]);
    let b = run(&Case::new(&only_spot, None), &[]);
    assert_eq!(b.summary.platforms.len(), 1);
    assert_eq!(a.platform("spot"), b.platform("spot"));
}
