//! Invariants on random scenarios: tasks are conserved, billed time is at
//! least run time, the launch limit is never exceeded, the same seed gives
//! the same bytes, and adding a platform changes no other platform's numbers.

use crate::common::{Case, run};
use fargate_sim::platform::Outcome;
use proptest::prelude::*;

/// Durations are log-normal with a p90 of 5 minutes. A heavier tail (p90 of
/// 10 minutes) once drew a task of many hours; at 3 interruptions an hour
/// with `retry`, finishing it takes about e^(3 × hours) attempts, and the
/// test ran out of memory recording them. That is the model working as
/// specified (a retried task is retried until it finishes), not a bug.
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
duration = {{ dist = "lognormal", median = "2min", p90 = "5min" }}
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
[[platforms]]
name = "mix"
kind = "fargate"
capacity = {{ on_demand = 1, spot = 3, on_demand_base = 2 }}
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
            prop_assert!(p.littles_law.relative_error < 1e-9, "Little's law on {}: {:?}", p.name, p.littles_law);
            let recs = ran.records_of(&p.name);
            // Every task that never launched has a record saying why.
            let unlaunched = |o: Outcome| recs.iter().filter(|r| r.launch.is_none() && r.outcome == o).count() as u64;
            prop_assert_eq!(unlaunched(Outcome::Unschedulable), t.unschedulable);
            prop_assert_eq!(unlaunched(Outcome::WaitingAtEnd), t.waiting_at_end);
            let recs: Vec<_> = recs.into_iter().filter(|r| r.launch.is_some()).collect();
            // Billed time ≥ time the container ran, for every attempt.
            for r in &recs {
                prop_assert!(r.billed_span >= r.run_span, "{:?}", r);
                if r.outcome != Outcome::RunningAtEnd {
                    prop_assert!(r.billed_span >= 60_000_000, "minimum charge: {:?}", r);
                }
            }
            let billed: u64 = recs.iter().map(|r| r.billed_span).sum();
            prop_assert_eq!(billed as f64 / 1e6, p.billed.task_seconds);
            // Each capacity provider's part adds up to the platform's.
            let cp = &p.capacity_providers;
            prop_assert_eq!(cp.iter().map(|c| c.launches).sum::<u64>(), recs.len() as u64);
            prop_assert_eq!(cp.iter().map(|c| c.interrupted).sum::<u64>(), t.interrupted);
            let cost: f64 = cp.iter().map(|c| c.cost_usd).sum();
            prop_assert!((cost - p.cost.compute_usd).abs() <= 1e-9 * p.cost.compute_usd.max(1.0));
            if p.name == "mix" {
                // FARGATE and FARGATE_SPOT have a launch bucket each.
                prop_assert_eq!(cp[0].interrupted, 0);
                continue;
            }
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
    assert_eq!(b.summary.platforms.len(), 2);
    assert_eq!(a.platform("spot"), b.platform("spot"));
    assert_eq!(a.platform("mix"), b.platform("mix"));
}

fn cluster_scenario(
    rate: u32,
    autoscaler: &str,
    spot: bool,
    horizon: Option<u32>,
    seed: u64,
) -> String {
    let horizon = horizon
        .map(|h| format!("horizon = \"{h}min\""))
        .unwrap_or_default();
    let capacity = if spot {
        "capacity = { on_demand = 1, spot = 1 }\nspot = { interruptions_per_hour = 2.0 }"
    } else {
        ""
    };
    let (initial, max) = if autoscaler == "none" {
        (6, 6)
    } else {
        (1, 40)
    };
    format!(
        r#"
name = "cluster-prop"
seed = {seed}
{horizon}
[workload]
[[workload.generators]]
name = "steady"
arrivals = {{ process = "poisson", rate = "{rate}/min" }}
duration = {{ dist = "lognormal", median = "3min", p90 = "12min" }}
sizes = [{{ cpu = 0.25, memory = "512MiB", weight = 2 }}, {{ cpu = 1, memory = "3GiB" }}, {{ cpu = 2, memory = "7GiB", weight = 0.5 }}, {{ cpu = 4, memory = "1GiB", weight = 0.1 }}]
until = "90min"
[[workload.generators]]
name = "burst"
arrivals = {{ process = "burst", at = ["20min"], size = 60 }}
duration = "5min"
sizes = [{{ cpu = 0.5, memory = "1GiB" }}]
[[platforms]]
name = "cluster"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "{autoscaler}"
initial = {initial}
max = {max}
placement = ["spread", "binpack"]
{capacity}
"#
    )
}

proptest! {
    // A random seed (PROPTEST_RNG_SEED picks one). Seed 127 once found a
    // Karpenter run that never ended (rate 6/min, no horizon, scenario
    // seed 659: consolidation moved the same pods again and again); fixed
    // in issue 21 and kept as tests/it/karpenter_churn.rs. 300 seeds were
    // run clean after the fix (docs/model.md, Karpenter disruption).
    #![proptest_config(ProptestConfig {
        cases: 24,
        .. ProptestConfig::default()
    })]

    #[test]
    fn cluster_invariants_hold(rate in 1u32..30, which in 0usize..3, spot in proptest::bool::ANY,
                               horizon in proptest::option::of(30u32..200), seed in 0u64..1000) {
        let autoscaler = ["none", "ecs_managed", "karpenter"][which];
        let case = Case::new(&cluster_scenario(rate, autoscaler, spot, horizon, seed), None);
        let ran = run(&case, &[]);
        let p = ran.platform("cluster");
        let t = &p.tasks;
        prop_assert_eq!(t.submitted, t.completed + t.failed + t.unschedulable + t.running_at_end + t.waiting_at_end);
        // 4 vCPU tasks never fit an m5.large (2 vCPU): unschedulable, each with its reason.
        prop_assert_eq!(t.unschedulable, t.unschedulable_reasons.values().sum::<u64>());
        // Capacity never exceeded: an m5.large schedules 2 vCPU and 8192 − 1.9% MiB.
        let (cap_cpu, cap_mem) = (2000u64, 8192 - (8192.0f64 * 0.019).ceil() as u64);
        let mut by_instance: std::collections::BTreeMap<u32, Vec<(u64, i64, i64)>> = Default::default();
        let recs = ran.records_of("cluster");
        let unlaunched = |o: Outcome| recs.iter().filter(|r| r.launch.is_none() && r.outcome == o).count() as u64;
        prop_assert_eq!(unlaunched(Outcome::Unschedulable), t.unschedulable);
        prop_assert_eq!(unlaunched(Outcome::WaitingAtEnd), t.waiting_at_end);
        for r in recs.into_iter().filter(|r| r.launch.is_some()) {
            let i = r.instance.unwrap();
            let (c, m) = (r.cpu_milli_requested as i64, r.memory_mib_requested as i64);
            by_instance.entry(i).or_default().push((r.launch.unwrap(), c, m));
            by_instance.entry(i).or_default().push((r.end.unwrap(), -c, -m));
        }
        for (i, mut ev) in by_instance {
            // Releases before takes at equal times.
            ev.sort_by_key(|e| (e.0, e.1 > 0));
            let (mut c, mut m) = (0i64, 0i64);
            for (time, dc, dm) in ev {
                c += dc;
                m += dm;
                prop_assert!(c <= cap_cpu as i64 && m <= cap_mem as i64, "instance {} over capacity at {}: {} mCPU, {} MiB", i, time, c, m);
            }
        }
        let cl = p.cluster.as_ref().unwrap();
        // Billed instance time ≥ the time instances existed.
        prop_assert!(cl.instance_hours * 3.6e9 + 1.0 >= cl.mean_instances * p.simulated_end_s * 1e6,
            "{} h billed vs {} mean × {} s", cl.instance_hours, cl.mean_instances, p.simulated_end_s);
        prop_assert!(cl.allocated_usd <= p.cost.components.instances_usd + 1e-12);
        prop_assert!((cl.allocated_usd + cl.idle_usd - p.cost.components.instances_usd).abs() < 1e-9);
        // Interruptions: Spot, and Karpenter's consolidation evictions.
        prop_assert!(t.interrupted >= cl.pods_moved);
        if !spot {
            prop_assert_eq!(t.interrupted, cl.pods_moved);
        }
        if autoscaler != "karpenter" {
            prop_assert_eq!(cl.pods_moved, 0);
        }
    }
}

#[test]
fn cluster_runs_are_deterministic() {
    for autoscaler in ["none", "ecs_managed", "karpenter"] {
        let case = Case::new(&cluster_scenario(20, autoscaler, true, Some(120), 3), None);
        let a = serde_json::to_string(&run(&case, &[]).summary).unwrap();
        let b = serde_json::to_string(&run(&case, &[]).summary).unwrap();
        assert_eq!(a, b, "{autoscaler}");
    }
}
