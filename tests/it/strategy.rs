//! Fargate capacity provider strategies (issue 21), EKS-only launch
//! buckets and Spot interruption rates in the Spot Instance Advisor's unit,
//! with figures worked by hand.

use crate::common::{Case, run, usd};
use fargate_sim::platform::Outcome;

/// `n` tasks of 1 vCPU / 2 GiB submitted at once, running an hour each,
/// with no start-up, on one Fargate platform `p` with `extra` keys.
fn burst(n: u32, duration: &str, extra: &str) -> String {
    format!(
        r#"
name = "strategy"
seed = 7
[workload]
[[workload.generators]]
name = "g"
arrivals = {{ process = "burst", at = ["0s"], size = {n} }}
duration = "{duration}"
sizes = [{{ cpu = 1, memory = "2GiB" }}]
[[platforms]]
name = "p"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
{extra}
"#
    )
}

#[test]
fn base_two_then_one_to_three_splits_ten_tasks_four_to_six_and_bills_each_at_its_rates() {
    // FARGATE base 2 weight 1, FARGATE_SPOT weight 3; ten one-hour tasks
    // at once (all still running when the next arrives). Tasks 1-2 fill
    // the base; the other eight split 1:3 (ties to FARGATE): tasks 5 and 9
    // on FARGATE, 3, 4, 6, 7, 8 and 10 on Spot. FARGATE 4, FARGATE_SPOT 6.
    let text = burst(
        10,
        "1h",
        "capacity = { on_demand = 1, spot = 3, on_demand_base = 2 }\nspot = { interruptions_per_hour = 0 }",
    );
    let ran = run(&Case::new(&text, None), &[]);
    let p = ran.platform("p");
    assert_eq!(p.tasks.completed, 10);
    let cp = &p.capacity_providers;
    assert_eq!(cp.len(), 2);
    assert_eq!(
        (cp[0].provider.as_str(), cp[0].base, cp[0].weight),
        ("FARGATE", 2, 1)
    );
    assert_eq!(
        (cp[1].provider.as_str(), cp[1].base, cp[1].weight),
        ("FARGATE_SPOT", 0, 3)
    );
    assert_eq!((cp[0].launches, cp[1].launches), (4, 6));
    assert_eq!(cp[0].share_of_launches, Some(0.4));
    assert_eq!(cp[1].share_of_launches, Some(0.6));
    // FARGATE: 4 × 3600 s × (1 × $0.000011244 + 2 × $0.000001235)
    //        = 4 × $0.0493704 = $0.1974816.
    // FARGATE_SPOT: 6 × ($0.01264355 + 2 × $0.00138835) = 6 × $0.01542025
    //        = $0.0925215.
    assert_eq!(ran.total_atto("p"), usd("0.1974816") + usd("0.0925215"));
    assert!((cp[0].cost_usd - 0.1974816).abs() < 1e-12);
    assert!((cp[1].cost_usd - 0.0925215).abs() < 1e-12);
    assert!((cp[0].share_of_cost.unwrap() - 0.1974816 / 0.2900031).abs() < 1e-12);
    // Spot saved 6 × the on-demand hour less what Spot cost.
    let saved = 6.0 * 0.0493704 - 0.0925215;
    assert!((p.cost.components.spot_savings_usd - saved).abs() < 1e-12);
    assert_eq!(
        p.options["capacity"],
        "FARGATE base 2 weight 1, FARGATE_SPOT weight 3"
    );
    // The table names the mix and lists each provider's share under it.
    let table = fargate_sim::report::table::render(&ran.summary);
    assert!(table.contains("fargate mix"), "{table}");
    assert!(
        table.contains("FARGATE 4 launches (40%)")
            && table.contains("FARGATE_SPOT 6 launches (60%)"),
        "{table}"
    );
}

#[test]
fn the_strategy_is_applied_again_when_tasks_stop() {
    // Tasks one at a time, each done before the next arrives: every task
    // finds the base empty, so all go to FARGATE (the base is "how many
    // tasks, at a minimum, to run" on it, not a count of launches).
    let text = r#"
name = "serial"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s", "100s", "200s"], size = 1 }
duration = "60s"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "p"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
capacity = { on_demand = 1, spot = 3, on_demand_base = 1 }
"#;
    let ran = run(&Case::new(text, None), &[]);
    let cp = &ran.platform("p").capacity_providers;
    assert_eq!((cp[0].launches, cp[1].launches), (3, 0));
}

#[test]
fn interrupted_spot_tasks_are_billed_for_what_they_ran_and_their_lost_work_counted() {
    // Frequent interruptions on the Spot share; FARGATE is never interrupted.
    let text = burst(
        40,
        "1h",
        "capacity = { on_demand = 1, spot = 1, on_demand_base = 4 }\nspot = { interruptions_per_hour = 0.5 }",
    );
    let ran = run(&Case::new(&text, None), &[]);
    let p = ran.platform("p");
    let (od, spot) = (&p.capacity_providers[0], &p.capacity_providers[1]);
    assert_eq!(p.tasks.completed, 40);
    assert_eq!(od.interrupted, 0);
    assert!(spot.interrupted > 0);
    assert_eq!(spot.interrupted, p.tasks.interrupted);
    // Retries go back through the strategy: the platform's launches are the
    // tasks plus the interrupted attempts, each provider's completed ones
    // add up to the tasks.
    assert_eq!(od.launches + spot.launches, 40 + p.tasks.interrupted);
    assert_eq!(od.completed + spot.completed, 40);
    // The lost work is the run time of the interrupted attempts, each at
    // least the two-minute notice, and it is billed.
    let recs = ran.records_of("p");
    let lost: f64 = recs
        .iter()
        .filter(|r| r.outcome == Outcome::Interrupted)
        .map(|r| r.run_span as f64 / 1e6)
        .sum();
    assert!((spot.wasted_seconds - lost).abs() < 1e-6);
    assert!((p.tasks.wasted_seconds - lost).abs() < 1e-6);
    assert!(lost >= 120.0 * spot.interrupted as f64);
    // Each provider's bill is its billed seconds at its own rate (every
    // task is 1 vCPU / 2 GiB): FARGATE $0.0493704 an hour, Spot
    // $0.01542025 an hour.
    assert!((od.cost_usd - od.task_seconds / 3600.0 * 0.0493704).abs() < 1e-9);
    assert!((spot.cost_usd - spot.task_seconds / 3600.0 * 0.01542025).abs() < 1e-9);
    assert!((od.cost_usd + spot.cost_usd - p.cost.compute_usd).abs() < 1e-9);
    // Billed ≥ run: the Spot share paid for its finished hours and its
    // lost work.
    assert!(spot.task_seconds >= spot.completed as f64 * 3600.0 + lost - 1e-6);
    assert_eq!(p.billed.task_seconds, od.task_seconds + spot.task_seconds);
}

#[test]
fn eks_only_accounts_launch_a_burst_of_20_then_20_a_second() {
    // 30 pods at once on EKS with the default bucket, and EKS's pod binding
    // made fast (one pod every 10 µs): pods 1–20 bind at 0, 10, …, 190 µs and
    // launch at once from the burst of 20; then one every 1/20 s: pod 21 at
    // 0.05 s, …, pod 30 at 0.5 s.
    let launches = |extra: &str| -> Vec<u64> {
        let text = burst(30, "10s", &format!("launch_type = \"eks\"\n{extra}"));
        let ran = run(&Case::new(&text, None), &[]);
        let p = ran.platform("p");
        assert_eq!(p.options["launch_limit"], "burst 20, refill 20/s");
        let mut l: Vec<u64> = ran
            .records_of("p")
            .iter()
            .map(|r| r.launch.unwrap())
            .collect();
        l.sort_unstable();
        l
    };
    let fast = launches("pod_binding_rate = \"100000/s\"");
    assert_eq!(fast[0], 0);
    assert_eq!(fast[19], 190);
    assert_eq!(fast[20], 50_000);
    assert_eq!(fast[21], 100_000);
    assert_eq!(fast[29], 500_000);
    // The default binding, 8.7 a second, one pod at a time, is slower than
    // the bucket: a pod every ceil(10^6 / 8.7) = 114,943 µs, the 30th at
    // 29 × 114,943 µs = 3.333347 s.
    let bound = launches("");
    assert_eq!(bound[1], 114_943);
    assert_eq!(bound[29], 29 * 114_943);
    // ECS keeps the 100-task bucket.
    let ecs = run(&Case::new(&burst(30, "10s", ""), None), &[]);
    assert!(ecs.records_of("p").iter().all(|r| r.launch == Some(0)));
}

#[test]
fn spot_advisor_frequency_converts_to_a_per_hour_hazard() {
    // "50%" of capacity reclaimed a month: λ = −ln(0.5) / 720 h
    // = 0.000962704 per task-hour. 2,000 tasks of 100 h each are exposed
    // to interruption notices for about 2,000 × (100 h − 2 min) ≈ 199,933
    // task-hours (plus the little the retries add): the mean count is
    // λ × 199,933 ≈ 192.5 (Poisson, sd 13.9).
    let text = burst(
        2000,
        "100h",
        "capacity = \"spot\"\nspot = { interruption_frequency = \"50%\" }",
    );
    let ran = run(&Case::new(&text, None), &[]);
    let p = ran.platform("p");
    assert_eq!(
        p.options["spot.interruption_frequency"],
        "50% of capacity a month"
    );
    let l: f64 = p.options["spot.interruptions_per_hour"].parse().unwrap();
    assert!((l - 0.000_962_704).abs() < 1e-9, "{l}");
    let n = p.tasks.interrupted as f64;
    assert!((n - 192.5).abs() < 4.0 * 13.9, "{n} interruptions");
    // The default is the Advisor's "<5%" bucket: −ln(0.95)/720 h.
    let ran = run(
        &Case::new(&burst(1, "1h", "capacity = \"spot\""), None),
        &[],
    );
    let p = ran.platform("p");
    let l: f64 = p.options["spot.interruptions_per_hour"].parse().unwrap();
    assert!((l - 0.000_071_240_7).abs() < 1e-10, "{l}");
    assert_eq!(
        p.options["spot.interruption_frequency"],
        "5% of capacity a month"
    );
}

#[test]
fn an_ec2_on_demand_base_keeps_the_first_instances_on_demand() {
    // A fixed fleet of 6 with an on-demand base of 2 and weights 1:1 beyond
    // it: instances 1-2 on demand (base), then 3-6 split 1:1 → 2 on
    // demand, 2 Spot. Without the base, 6 at 1:1 would be 3 and 3.
    let text = r#"
name = "ec2-base"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 1 }
duration = "60s"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "e"
kind = "ec2"
instance_types = ["m5.large"]
initial = 6
capacity = { on_demand = 1, spot = 1, on_demand_base = 2 }
spot = { interruptions_per_hour = 0 }
"#;
    let ran = run(&Case::new(text, None), &[]);
    let c = ran.platform("e").cluster.as_ref().unwrap();
    assert_eq!(c.instances_launched, 6);
    assert_eq!(c.spot_instances_launched, 2);
    let ran = run(
        &Case::new(text, None),
        &["platforms.e.capacity={ on_demand = 1, spot = 1 }"],
    );
    let c = ran.platform("e").cluster.as_ref().unwrap();
    assert_eq!(c.spot_instances_launched, 3);
}

/// Launch times of platform `p`'s tasks by task id, in seconds.
fn launches_by_task(ran: &crate::common::Ran) -> Vec<(u64, f64)> {
    let mut l: Vec<(u64, f64)> = ran
        .records_of("p")
        .iter()
        .map(|r| (r.task_id, r.launch.unwrap() as f64 / 1e6))
        .collect();
    l.sort_by_key(|&(id, _)| id);
    l
}

#[test]
fn each_provider_drains_its_own_launch_bucket_at_the_refill_rate() {
    // Eight tasks at once, FARGATE weight 1 and FARGATE_SPOT weight 3: a
    // task goes to FARGATE when (FARGATE's tasks + 1) × 3 ≤ (Spot's + 1)
    // × 1, so tasks 2 and 6 to FARGATE and 0, 1, 3, 4, 5 and 7 to Spot.
    // Each provider's bucket holds one token and gains two a second, so
    // each provider launches its k-th task at k × 0.5 s, the two buckets'
    // wake-ups coming at the same instants until FARGATE's queue is empty.
    let text = burst(
        8,
        "1h",
        "capacity = { on_demand = 1, spot = 3 }\nspot = { interruptions_per_hour = 0 }\nlaunch_limit = { burst = 1, refill = \"2/s\" }",
    );
    let ran = run(&Case::new(&text, None), &[]);
    assert_eq!(
        launches_by_task(&ran),
        [
            (0, 0.0),
            (1, 0.5),
            (2, 0.0),
            (3, 1.0),
            (4, 1.5),
            (5, 2.0),
            (6, 0.5),
            (7, 2.5)
        ]
    );
    let cp = &ran.platform("p").capacity_providers;
    assert_eq!((cp[0].launches, cp[1].launches), (2, 6));
    // Waits: 0.5 on FARGATE; 0.5 + 1 + 1.5 + 2 + 2.5 on Spot: 8 s in all.
    let w = &ran.platform("p").latency.wait;
    assert_eq!(w.max, Some(2.5));
    assert!((w.mean.unwrap() - 8.0 / 8.0).abs() < 1e-12);
}

#[test]
fn a_service_replica_takes_its_token_before_the_batch_waiting_beside_it() {
    // One replica of a quiet service deployed at time 0 ("cold": it
    // launches then, where a warm one is running already) takes the
    // bucket's only token; four batch tasks submitted at 0 then launch one
    // every half second as the bucket refills, while the service's own
    // requests come and go beside them.
    let service = r#"
[[workload.services]]
name = "api"
cpu = 0.25
memory = "512MiB"
replicas = { min = 1, max = 1 }
start = "cold"
concurrency = 1
queue_limit = 100
timeout = "none"
service_time = "100ms"
requests = { curve = "constant", rate = "1/s", arrivals = "even" }
"#;
    let base = burst(4, "1h", "launch_limit = { burst = 1, refill = \"2/s\" }");
    let text = base.replacen("[[platforms]]", &format!("{service}\n[[platforms]]"), 1);
    let ran = run(&Case::new(&text, None), &["horizon=\"10s\""]);
    let batch: Vec<f64> = launches_by_task(&ran)
        .into_iter()
        .filter(|&(id, _)| !fargate_sim::platform::books::is_replica(id))
        .map(|(_, at)| at)
        .collect();
    assert_eq!(batch, [0.5, 1.0, 1.5, 2.0]);
}
