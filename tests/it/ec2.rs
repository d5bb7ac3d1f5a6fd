//! The EC2 cluster model: placements, waits and bills computed by hand, the
//! autoscalers' steps, and the invariants on random scenarios.

use crate::common::{Case, run, usd};
use fargate_sim::platform::Outcome;

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n";
const FOUR_TASKS: &str = "a,0,100,1,4096\nb,0,100,1,2048\nc,10,50,1,4096\nd,20,30,2,1024\n";

fn fixed_fleet(placement: &str) -> String {
    format!(
        r#"
name = "fleet"
[workload]
trace = "trace.csv"
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
initial = 2
placement = {placement}
container_start = {{ image_pull = "0s", cached = "0s" }}
reserved = {{ memory_percent = 0 }}
"#
    )
}

/// (task label → (instance, placed at s, wait s)) from the records.
fn placements(ran: &crate::common::Ran) -> std::collections::BTreeMap<u64, (u32, f64)> {
    ran.records_of("ec2")
        .iter()
        .map(|r| {
            (
                r.task_id,
                (r.instance.unwrap(), r.launch.unwrap() as f64 / 1e6),
            )
        })
        .collect()
}

#[test]
fn binpack_on_two_instances_by_hand() {
    let case = Case::new(
        &fixed_fleet("\"binpack\""),
        Some(&format!("{HEADER}{FOUR_TASKS}")),
    );
    let ran = run(&case, &[]);
    let p = placements(&ran);
    // a → 0; b → 0 (least memory left that fits); c (4 GiB) only fits 1;
    // d (2 vCPU) fits nowhere until c ends at 60 s.
    assert_eq!(p[&0], (0, 0.0));
    assert_eq!(p[&1], (0, 0.0));
    assert_eq!(p[&2], (1, 10.0));
    assert_eq!(p[&3], (1, 60.0));
    let s = ran.platform("ec2");
    assert_eq!(s.latency.wait.max, Some(40.0));
    assert_eq!(s.simulated_end_s, 100.0);
    // Two m5.large for 100 s at $0.096/h; tasks were allocated 155 of the 200
    // instance-seconds: 0.5×100 + 0.5×100 + 0.5×50 + 1×30.
    // Each instance is priced exactly, then floored to the atto-dollar.
    assert_eq!(ran.total_atto("ec2"), 2 * (usd("0.096") * 100 / 3600));
    let c = s.cluster.as_ref().unwrap();
    assert!((c.allocated_usd - 0.096 * 155.0 / 3600.0).abs() < 1e-15);
    assert!((c.idle_usd - 0.096 * 45.0 / 3600.0).abs() < 1e-15);
    assert_eq!(c.peak_instances, 2);
    assert_eq!(c.instance_hours, 200.0 / 3600.0);
    assert_eq!(s.cost.components.instances_usd, s.cost.compute_usd);
}

#[test]
fn spread_on_two_instances_by_hand() {
    let case = Case::new(
        &fixed_fleet("\"spread\""),
        Some(&format!("{HEADER}{FOUR_TASKS}")),
    );
    let ran = run(&case, &[]);
    let p = placements(&ran);
    // a → 0, b → 1, c → 0 (both run one task: lowest id); d waits until a
    // and c have left instance 0 at 100 s.
    assert_eq!(p[&0], (0, 0.0));
    assert_eq!(p[&1], (1, 0.0));
    assert_eq!(p[&2], (0, 10.0));
    assert_eq!(p[&3], (0, 100.0));
    let s = ran.platform("ec2");
    assert_eq!(s.latency.wait.max, Some(80.0));
    assert_eq!(s.simulated_end_s, 130.0);
    assert_eq!(ran.total_atto("ec2"), 2 * (usd("0.096") * 130 / 3600));
}

#[test]
fn a_short_run_pays_the_sixty_second_minimum_per_instance_only_once_stopped() {
    // The run ends (drains) at 10 s: instances still up are billed for 10 s.
    let case = Case::new(
        &fixed_fleet("\"binpack\""),
        Some(&format!("{HEADER}a,0,10,1,1024\n")),
    );
    let ran = run(&case, &[]);
    assert_eq!(ran.total_atto("ec2"), 2 * (usd("0.096") * 10 / 3600));
}

fn ecs_managed(initial: u32, burst: u32, horizon: &str) -> String {
    format!(
        r#"
name = "ecs"
horizon = "{horizon}"
[workload]
[[workload.generators]]
name = "burst"
arrivals = {{ process = "burst", at = ["0s"], size = {burst} }}
duration = "10min"
sizes = [{{ cpu = 1, memory = "1GiB" }}]
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "ecs_managed"
initial = {initial}
min = 1
max = 10
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
reserved = {{ memory_percent = 0 }}
"#
    )
}

#[test]
fn ecs_managed_scales_out_after_the_alarm_then_scales_in_a_part_each_minute() {
    let ran = run(&Case::new(&ecs_managed(1, 8, "1h"), None), &[]);
    let s = ran.platform("ec2");
    // One instance takes 2 tasks. At the first metric (60 s) the 6 waiting
    // tasks need 3 more m5.large: M = 4, N = 1. The high alarm and the Auto
    // Scaling group take the default alarm_delay of 30 s: the 3 instances are
    // requested at 90 s and ready at 120 s (launch 30 s), so the first task
    // that waited runs at 120 s.
    let mut waits: Vec<f64> = ran
        .records_of("ec2")
        .iter()
        .map(|r| (r.launch.unwrap() - r.submit) as f64 / 1e6)
        .collect();
    waits.sort_by(f64::total_cmp);
    assert_eq!(
        waits,
        vec![0.0, 0.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0]
    );
    let c = s.cluster.as_ref().unwrap();
    assert_eq!(c.instances_launched, 4);
    assert_eq!(c.peak_instances, 4);
    // Instance 0 empties at 600 s, the rest at 720 s. From the 600 s metric
    // on the reservation is below target; after 15 datapoints (1440 s) the
    // group sheds at least one and less than half of itself a minute, down
    // to min = 1: ⌈4/2⌉ − 1 = 1 at 1440 s (instance 0), ⌈3/2⌉ − 1 → 1 at
    // 1500 s, 1 at 1560 s. Billed: 1440 + (1500 − 90) + (1560 − 90)
    // + (3600 − 90) = 7830 s.
    assert_eq!(c.instance_hours, 7830.0 / 3600.0);
    assert_eq!(ran.total_atto("ec2"), usd("0.096") * 7830 / 3600);
    assert_eq!(s.tasks.completed, 8);
    // The older behaviour, as an option: every surplus instance at 1440 s.
    let old = ecs_managed(1, 8, "1h").replace(
        "autoscaler = \"ecs_managed\"",
        "autoscaler = \"ecs_managed\"\necs_managed = { scale_in = \"all_at_once\", alarm_delay = \"0s\" }",
    );
    let ran = run(&Case::new(&old, None), &[]);
    let c = ran.platform("ec2").cluster.clone().unwrap();
    // No alarm delay: requested at 60 s, ready at 90 s, empty at 690 s; the
    // three surplus go at 1440 s: 1440 + 2 × 1380 + 3540 s.
    assert_eq!(c.instance_hours, (1440.0 + 2.0 * 1380.0 + 3540.0) / 3600.0);
}

#[test]
fn ecs_managed_from_zero_launches_two_then_waits_for_the_warm_up() {
    let ran = run(
        &Case::new(&ecs_managed(0, 8, "2h").replace("min = 1", "min = 0"), None),
        &[],
    );
    let mut waits: Vec<f64> = ran
        .records_of("ec2")
        .iter()
        .map(|r| (r.launch.unwrap() - r.submit) as f64 / 1e6)
        .collect();
    waits.sort_by(f64::total_cmp);
    // 60 s: no instances → scale out to two, requested at 90 s after the
    // alarm, ready at 120 s (4 tasks placed). The warm-up runs 300 s from the
    // launch (90 s): the 360 s metric is still inside it, the 420 s one asks
    // for 2 more, requested at 450 s, ready at 480 s.
    assert_eq!(
        waits,
        vec![120.0, 120.0, 120.0, 120.0, 480.0, 480.0, 480.0, 480.0]
    );
}

#[test]
fn ecs_managed_counts_only_the_tasks_in_provisioning_up_to_the_quota() {
    // 20 tasks of 1 vCPU on m5.large (2 a node), one node at the start, no
    // warm-up, no alarm delay, and a quota of 4 tasks in PROVISIONING: each
    // metric sees 4 of the 18 waiting tasks and launches 2 nodes, so the
    // backlog drains 4 a minute: placed at 90, 150, 210, 270 s, and the last
    // 2 at 330 s (one node). Without the quota one step of 9 nodes.
    let scenario = ecs_managed(1, 20, "1h").replace(
        "autoscaler = \"ecs_managed\"",
        "autoscaler = \"ecs_managed\"\necs_managed = { instance_warmup = \"0s\", alarm_delay = \"0s\", provisioning_limit = 4 }",
    ).replace("max = 10", "max = 20");
    let ran = run(&Case::new(&scenario, None), &[]);
    let mut waits: Vec<f64> = ran
        .records_of("ec2")
        .iter()
        .map(|r| (r.launch.unwrap() - r.submit) as f64 / 1e6)
        .collect();
    waits.sort_by(f64::total_cmp);
    let mut expected = vec![0.0, 0.0];
    for t in [90.0, 150.0, 210.0, 270.0] {
        expected.extend([t; 4]);
    }
    expected.extend([330.0; 2]);
    assert_eq!(waits, expected);
    let c = ran.platform("ec2").cluster.clone().unwrap();
    assert_eq!(c.instances_launched, 10);
    // The quota as the default (500) lets the first metric see all 18.
    let ran = run(
        &Case::new(&scenario.replace(", provisioning_limit = 4", ""), None),
        &[],
    );
    let mut waits: Vec<f64> = ran
        .records_of("ec2")
        .iter()
        .map(|r| (r.launch.unwrap() - r.submit) as f64 / 1e6)
        .collect();
    waits.sort_by(f64::total_cmp);
    assert_eq!(waits[2..], [90.0; 18]);
}

#[test]
fn an_ecs_service_launches_at_most_its_quota_of_tasks_a_minute() {
    // A service deployed cold with 64 replicas of 0.25 vCPU / 512 MiB on a
    // fixed fleet of 8 m5.large (8 each), and a quota of 60 tasks per service
    // per minute: 60 launch at 0 s, then one a second (60 a minute refilled
    // evenly): the 61st to 64th at 1, 2, 3 and 4 s.
    let scenario = r#"
name = "svc"
horizon = "2min"
[[workload.services]]
name = "api"
cpu = 0.25
memory = "512MiB"
replicas = { min = 64, max = 64, desired = 64 }
start = "cold"
service_time = "10ms"
requests = { curve = "constant", rate = "1/s" }
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
initial = 8
service_launch_per_minute = 60
container_start = { image_pull = "0s", cached = "0s" }
reserved = { memory_percent = 0 }
"#;
    let ran = run(&Case::new(scenario, None), &[]);
    let mut launches: Vec<f64> = ran
        .records_of("ec2")
        .iter()
        .map(|r| r.launch.unwrap() as f64 / 1e6)
        .collect();
    launches.sort_by(f64::total_cmp);
    assert_eq!(launches.len(), 64);
    assert_eq!(launches[..60], [0.0; 60]);
    assert_eq!(launches[60..], [1.0, 2.0, 3.0, 4.0]);
    // Batch tasks (RunTask) are not a service's: all 64 at once.
    let batch = format!(
        "{}\n[[workload.generators]]\nname = \"b\"\narrivals = {{ process = \"burst\", at = [\"0s\"], size = 64 }}\nduration = \"1min\"\nsizes = [{{ cpu = 0.25, memory = \"512MiB\" }}]\n",
        "name = \"batch\"\nhorizon = \"2min\"\n[[platforms]]\nname = \"ec2\"\nkind = \"ec2\"\ninstance_types = [\"m5.large\"]\ninitial = 8\nservice_launch_per_minute = 60\ncontainer_start = { image_pull = \"0s\", cached = \"0s\" }\nreserved = { memory_percent = 0 }"
    );
    let ran = run(&Case::new(&batch, None), &[]);
    assert!(ran.records_of("ec2").iter().all(|r| r.launch == Some(0)));
}

#[test]
fn ecs_managed_with_two_types_counts_in_the_largest_and_never_scales_for_what_only_it_runs() {
    // m5.large (2 vCPU / 8 GiB) and m5.xlarge (4 vCPU / 16 GiB) in one group;
    // one m5.large at the start. Eight 1-vCPU tasks and, last, one of 3 vCPU
    // that only m5.xlarge runs. At 60 s the 6 waiting 1-vCPU tasks need
    // ⌈6 / 4⌉ = 2 instances counted in the largest type (M = 3, N = 1); the
    // 3-vCPU task is not compatible with the smallest type and is not
    // counted. The group launches the types in turn (m5.large, m5.xlarge),
    // requested at 90 s after the alarm, ready at 120 s: they take the six.
    // The 3-vCPU task never causes a scale-out; it runs when the m5.xlarge
    // frees, at 720 s.
    let trace = format!(
        "{HEADER}{}z,0,600,3,1024\n",
        (0..8)
            .map(|i| format!("t{i},0,600,1,1024\n"))
            .collect::<String>()
    );
    let scenario = r#"
name = "mixed"
horizon = "1h"
[workload]
trace = "trace.csv"
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large", "m5.xlarge"]
autoscaler = "ecs_managed"
initial = 1
min = 1
max = 10
instance_launch = "30s"
container_start = { image_pull = "0s", cached = "0s" }
reserved = { memory_percent = 0 }
"#;
    let ran = run(&Case::new(scenario, Some(&trace)), &[]);
    let c = ran.platform("ec2").cluster.clone().unwrap();
    assert_eq!(c.instances_launched, 3);
    let mut launches: Vec<(u64, f64)> = ran
        .records_of("ec2")
        .iter()
        .map(|r| (r.task_id, r.launch.unwrap() as f64 / 1e6))
        .collect();
    launches.sort_by_key(|l| l.0);
    assert_eq!(
        launches.iter().map(|l| l.1).collect::<Vec<_>>(),
        vec![0.0, 0.0, 120.0, 120.0, 120.0, 120.0, 120.0, 120.0, 720.0]
    );
}

fn karpenter(burst: u32) -> String {
    format!(
        r#"
name = "karpenter"
[workload]
[[workload.generators]]
name = "burst"
arrivals = {{ process = "burst", at = ["0s"], size = {burst} }}
duration = "10min"
sizes = [{{ cpu = 1, memory = "1GiB" }}]
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large", "m5.xlarge"]
autoscaler = "karpenter"
initial = 0
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
reserved = {{ memory_percent = 0 }}
"#
    )
}

#[test]
fn karpenter_batches_then_launches_the_cheapest_type_that_fits() {
    // 3 tasks: a batch closes after the 1 s idle window; an m5.large holds
    // only 2, so the cheapest type holding all 3 is an m5.xlarge, ready at 31 s.
    let ran = run(&Case::new(&karpenter(3), None), &[]);
    for r in ran.records_of("ec2") {
        assert_eq!(r.launch.unwrap(), 31_000_000);
    }
    let s = ran.platform("ec2");
    let c = s.cluster.as_ref().unwrap();
    assert_eq!(c.instances_launched, 1);
    // The run drains at 631 s, before the 640 s disruption poll.
    assert_eq!(ran.total_atto("ec2"), usd("0.192") * 630 / 3600);
    // One task fits the cheaper m5.large.
    let ran = run(&Case::new(&karpenter(1), None), &[]);
    assert_eq!(ran.total_atto("ec2"), usd("0.096") * 630 / 3600);
}

#[test]
fn karpenter_removes_empty_nodes_at_the_next_poll_after_validation() {
    let text = karpenter(1).replace(
        "name = \"karpenter\"\n",
        "name = \"karpenter\"\nhorizon = \"1h\"\n",
    );
    let ran = run(&Case::new(&text, None), &[]);
    // Karpenter v1 defaults: consolidateAfter 0 s, polls every 10 s, a
    // command waits 15 s. Requested at 1 s, ready at 31 s, empty at 631 s;
    // the 640 s poll finds it empty, it goes at 655 s: 654 s billed.
    assert_eq!(ran.total_atto("ec2"), usd("0.096") * 654 / 3600);
    let c = ran.platform("ec2").cluster.clone().unwrap();
    assert_eq!((c.nodes_consolidated, c.pods_moved), (1, 0));
    // WhenEmpty with consolidate_after = 1 min, close to the old model:
    // consolidatable at 691 s, found at the 700 s poll, gone at 715 s.
    let text = text.replace(
        "reserved = {",
        "karpenter = { consolidation_policy = \"WhenEmpty\", consolidate_after = \"1min\" }\nreserved = {",
    );
    let ran = run(&Case::new(&text, None), &[]);
    assert_eq!(ran.total_atto("ec2"), usd("0.096") * 714 / 3600);
    // "Never": the node stays to the horizon (1 s to 3600 s).
    let never = text.replace("\"1min\"", "\"Never\"");
    let ran = run(&Case::new(&never, None), &[]);
    assert_eq!(ran.total_atto("ec2"), usd("0.096") * 3599 / 3600);
}

/// 16 pods of 1 vCPU on an ECS Karpenter cluster of m5.large, m5.xlarge and
/// m5.4xlarge: 12 end after 10 minutes, 4 run 2 hours.
fn repack(policy: &str) -> String {
    format!(
        r#"
name = "repack"
[workload]
[[workload.generators]]
name = "short"
arrivals = {{ process = "burst", at = ["0s"], size = 12 }}
duration = "10min"
sizes = [{{ cpu = 1, memory = "1GiB" }}]
[[workload.generators]]
name = "long"
arrivals = {{ process = "burst", at = ["0s"], size = 4 }}
duration = "2h"
sizes = [{{ cpu = 1, memory = "1GiB" }}]
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large", "m5.xlarge", "m5.4xlarge"]
autoscaler = "karpenter"
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
reserved = {{ memory_percent = 0 }}
karpenter = {{ consolidation_policy = "{policy}" }}
"#
    )
}

#[test]
fn karpenter_replaces_an_underused_node_with_a_cheaper_one() {
    // One batch of 16 pods: one node claim, which only the m5.4xlarge
    // (16 vCPU, $0.768/h) holds; requested at 1 s, ready at 31 s. At 631 s
    // the 12 short pods end; the 640 s poll finds the 4 long pods fit one
    // m5.xlarge ($0.192/h < $0.768/h): at 655 s (after the 15 s validation)
    // the xlarge is requested and the 4xlarge cordoned; at 685 s the xlarge
    // is ready, the 4 pods are evicted (each loses 685 - 31 = 654 s of
    // work) and restart there, ending at 685 + 7200 = 7885 s, the run's end.
    // Bill: 4xlarge 1..685 s = 684 s × $0.768/h = $0.14592; xlarge
    // 655..7885 s = 7230 s × $0.192/h = $0.38560; total $0.53152.
    let ran = run(&Case::new(&repack("WhenEmptyOrUnderutilized"), None), &[]);
    assert_eq!(
        ran.total_atto("ec2"),
        usd("0.768") * 684 / 3600 + usd("0.192") * 7230 / 3600
    );
    assert_eq!(ran.total_atto("ec2"), usd("0.53152"));
    let p = ran.platform("ec2");
    let c = p.cluster.as_ref().unwrap();
    assert_eq!(c.instances_launched, 2);
    assert_eq!(
        (
            c.nodes_consolidated,
            c.pods_moved,
            c.consolidation_replacements
        ),
        (1, 4, 1)
    );
    assert_eq!(p.tasks.completed, 16);
    assert_eq!(p.tasks.interrupted, 4);
    assert_eq!(p.tasks.wasted_seconds, 4.0 * 654.0);
    let moved: Vec<_> = ran
        .records_of("ec2")
        .into_iter()
        .filter(|r| r.outcome == Outcome::Interrupted)
        .map(|r| (r.end.unwrap(), r.run_span))
        .collect();
    assert_eq!(moved, vec![(685_000_000, 654_000_000); 4]);
    // WhenEmpty keeps the 4xlarge until the long pods end at 7231 s:
    // 7230 s × $0.768/h = $1.54240, 2.9 times as much.
    let ran = run(&Case::new(&repack("WhenEmpty"), None), &[]);
    assert_eq!(ran.total_atto("ec2"), usd("1.5424"));
    let c = ran.platform("ec2").cluster.clone().unwrap();
    assert_eq!((c.nodes_consolidated, c.pods_moved), (0, 0));
}

/// 12 pods of 2 vCPU on m5.large (one per node), all ending at 631 s.
fn twelve_nodes(budget: &str) -> String {
    format!(
        r#"
name = "budget"
horizon = "1h"
[workload]
[[workload.generators]]
name = "g"
arrivals = {{ process = "burst", at = ["0s"], size = 12 }}
duration = "10min"
sizes = [{{ cpu = 2, memory = "1GiB" }}]
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "karpenter"
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
reserved = {{ memory_percent = 0 }}
karpenter = {{ budget = "{budget}" }}
"#
    )
}

#[test]
fn the_disruption_budget_limits_nodes_removed_per_command() {
    // 12 empty nodes at the 640 s poll. Budget 10 %: ceil(1.2) = 2 go at
    // 655 s; then with 10 nodes, ceil(1.0) = 1 per command, each 15 s after
    // the last: 670, 685, ..., 805 s. Lifetimes from the 1 s request:
    // 2 × 654 + (669 + 684 + ... + 804) = 1308 + 7365 = 8673 s.
    let ran = run(&Case::new(&twelve_nodes("10%"), None), &[]);
    assert_eq!(ran.total_atto("ec2"), usd("0.096") * 8673 / 3600);
    assert_eq!(
        ran.platform("ec2")
            .cluster
            .as_ref()
            .unwrap()
            .nodes_consolidated,
        12
    );
    // Budget 100 %: all 12 at 655 s, 12 × 654 s.
    let ran = run(&Case::new(&twelve_nodes("100%"), None), &[]);
    assert_eq!(ran.total_atto("ec2"), usd("0.096") * 12 * 654 / 3600);
    // A count: 5 per command, 655 s (5), 670 s (5), 685 s (2).
    let ran = run(&Case::new(&twelve_nodes("5"), None), &[]);
    assert_eq!(
        ran.total_atto("ec2"),
        usd("0.096") * (5 * 654 + 5 * 669 + 2 * 684) / 3600
    );
}

#[test]
fn karpenter_nodepool_limits_bound_cpu_not_an_instance_count() {
    // limits.cpu = 4: two m5.large (2 vCPU each) at most; ten pods of
    // 1.5 vCPU (one per node) run two at a time.
    let text = twelve_nodes("10%")
        .replace("size = 12", "size = 10")
        .replace("cpu = 2, memory", "cpu = 1.5, memory")
        .replace("budget = \"10%\"", "limits = { cpu = 4 }");
    let ran = run(&Case::new(&text, None), &[]);
    let p = ran.platform("ec2");
    assert_eq!(p.cluster.as_ref().unwrap().peak_instances, 2);
    assert!(p.cluster.as_ref().unwrap().pinned_at_max_s > 0.0);
    assert_eq!(p.options.get("limits").map(String::as_str), Some("cpu = 4"));
}

#[test]
fn tasks_larger_than_every_instance_type_are_unschedulable() {
    let case = Case::new(
        &fixed_fleet("\"binpack\""),
        Some(&format!(
            "{HEADER}a,0,10,4,1024\nb,0,10,1,8192\nc,0,10,1,9000\n"
        )),
    );
    let s = run(&case, &[]);
    let p = s.platform("ec2");
    assert_eq!(p.tasks.unschedulable, 2);
    assert_eq!(p.tasks.completed, 1);
}

#[test]
fn spot_instances_are_discounted_and_interruptions_requeue_tasks() {
    let text = r#"
name = "spot"
seed = 4
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 20 }
duration = "2h"
sizes = [{ cpu = 1, memory = "1GiB" }]
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
autoscaler = "ecs_managed"
initial = 10
max = 20
capacity = "spot"
spot = { discount = 0.7, interruptions_per_hour = 0.5 }
"#;
    let ran = run(&Case::new(text, None), &[]);
    let p = ran.platform("ec2");
    let c = p.cluster.as_ref().unwrap();
    assert!(c.instance_interruptions > 0);
    assert_eq!(c.spot_instances_launched, c.instances_launched);
    assert_eq!(p.tasks.completed, 20);
    assert!(p.tasks.interrupted > 0);
    let interrupted = ran
        .records_of("ec2")
        .iter()
        .filter(|r| r.outcome == Outcome::Interrupted)
        .count() as u64;
    assert_eq!(interrupted, p.tasks.interrupted);
    // Billed at 30% of $0.096/h.
    let per_hour = p.cost.components.instances_usd / c.instance_hours;
    assert!((per_hour - 0.0288).abs() < 1e-9, "{per_hour}");
}

#[test]
fn eks_adds_the_control_plane_fee() {
    let text = fixed_fleet("\"binpack\"")
        .replace("kind = \"ec2\"", "kind = \"ec2\"\norchestrator = \"eks\"");
    let ran = run(
        &Case::new(&text, Some(&format!("{HEADER}a,0,3600,1,1024\n"))),
        &[],
    );
    // 2 × m5.large for an hour + $0.10 for the cluster-hour.
    assert_eq!(ran.total_atto("ec2"), usd("0.192") + usd("0.10"));
}

/// Three m5.large ($0.096 an hour) for a two-hour horizon: $0.576 on
/// demand. Reservations at 40 % off cover up to their count at any moment
/// and are paid for the whole run, used or not.
fn reserved_bill(count: u32) -> (u128, fargate_sim::report::summary::ReservedSummary) {
    let text = format!(
        r#"
name = "ri"
seed = 1
horizon = "2h"
[workload]
[[workload.generators]]
name = "j"
arrivals = {{ process = "burst", at = ["0s"], size = 3 }}
duration = "30min"
sizes = [{{ cpu = 1, memory = "2GiB" }}]
[[platforms]]
name = "e"
kind = "ec2"
instance_types = ["m5.large"]
initial = 3
min = 3
max = 3
reserved_instances = {{ count = {count}, discount = 0.4 }}
"#
    );
    let ran = run(&Case::new(&text, None), &[]);
    let r = ran.platform("e").cluster.clone().unwrap().reserved.unwrap();
    (ran.total_atto("e"), r)
}

#[test]
fn reserved_instances_below_and_above_the_fleet_by_hand() {
    // Two reservations: they cover 2 × 2 h = 4 instance-hours ($0.384 on
    // demand) and cost 2 × 2 h × $0.096 × 0.6 = $0.2304:
    // $0.576 − $0.384 + $0.2304 = $0.4224.
    let (total, r) = reserved_bill(2);
    assert_eq!(total, usd("0.4224"));
    assert_eq!((r.covered_instance_hours, r.utilisation), (4.0, 1.0));
    // Five reservations for three instances: all 6 instance-hours covered,
    // but all five are paid: 5 × 2 × $0.096 × 0.6 = $0.576; utilisation 60 %.
    let (total, r) = reserved_bill(5);
    assert_eq!(total, usd("0.576"));
    assert_eq!(r.covered_instance_hours, 6.0);
    assert!((r.utilisation - 0.6).abs() < 1e-12);
}

#[test]
fn an_image_pull_is_shared_by_tasks_placed_during_it() {
    // One instance; the image takes 10 s to pull, a cached start 2 s. Task a
    // starts the pull at 0 and runs at 10 s; b, placed at 3 s while the pull
    // is still running, waits for it and runs at 10 s too (not at 3 + 2 s);
    // c, placed at 20 s, finds the image there and runs at 22 s.
    let text = r#"
name = "image-cache"
[workload]
trace = "trace.csv"
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
container_start = { image_pull = "10s", cached = "2s" }
reserved = { memory_percent = 0 }
"#;
    let case = Case::new(
        text,
        Some(&format!(
            "{HEADER}a,0,100,0.25,512\nb,3,100,0.25,512\nc,20,100,0.25,512\n"
        )),
    );
    let ran = run(&case, &[]);
    let running: Vec<f64> = ran
        .records_of("ec2")
        .iter()
        .map(|r| r.running.unwrap() as f64 / 1e6)
        .collect();
    assert_eq!(running, vec![10.0, 10.0, 22.0]);
    let s = ran.platform("ec2");
    // Start-up (placed to running): 10 s, 7 s and 2 s.
    assert_eq!(s.latency.startup.max, Some(10.0));
    assert_eq!(s.latency.startup.p50, Some(7.0));
    assert_eq!(s.latency.startup.count, 3);
}

#[test]
fn an_m5_large_eks_node_offers_pods_1805_millicores_and_7518_mib() {
    use fargate_sim::scenario::defaults::Defaults;
    let node = Defaults::builtin().ec2.eks_node;
    let catalog = fargate_sim::pricing::Catalog::builtin();
    let t = catalog.instance_type("m5.large").expect("in the catalog");
    // 3 ENIs × (10 − 1) + 2, as amazon-eks-ami's eni-max-pods.txt lists.
    assert_eq!(t.max_pods(), Some(29));
    // 6 % of the first core and 1 % of the second: 70 m.
    assert_eq!(node.reserved_cpu_milli(2000), 70);
    // 255 + 11 × 29 = 574 MiB kube-reserved, and 100 MiB for eviction.
    assert_eq!(node.reserved_memory_mib(29), 674);
    // aws-node (25 m) and kube-proxy (100 m) take their CPU too.
    assert_eq!(node.allocatable(t), (1805, 7518));
    // 16 cores: 60 + 10 + 5 + 5 + 12 × 2.5 = 110 m.
    assert_eq!(node.reserved_cpu_milli(16_000), 110);
    let big = catalog.instance_type("m5.4xlarge").expect("in the catalog");
    assert_eq!(big.max_pods(), Some(234));
}

fn forty_pods(orchestrator: &str, extra: &str) -> crate::common::Ran {
    let text = format!(
        r#"
name = "forty-pods"
[workload]
trace = "trace.csv"
[[platforms]]
name = "c"
kind = "ec2"
orchestrator = "{orchestrator}"
instance_types = ["m5.large"]
autoscaler = "karpenter"
initial = 0
max = 100
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
{extra}
"#
    );
    let rows: String = (0..40).map(|i| format!("p{i},0,600,0.5,1024\n")).collect();
    run(&Case::new(&text, Some(&format!("{HEADER}{rows}"))), &[])
}

#[test]
fn forty_half_vcpu_pods_need_fourteen_m5_large_eks_nodes_not_ten() {
    // An EKS m5.large offers pods 1,805 m CPU: three 0.5 vCPU pods per node,
    // so 40 pods need ⌈40 / 3⌉ = 14 nodes. On ECS the node offers its 2 vCPU:
    // four tasks per node, 10 nodes.
    let eks = forty_pods("eks", "");
    let c = eks.platform("c").cluster.clone().unwrap();
    assert_eq!(c.instances_launched, 14);
    assert_eq!(eks.platform("c").tasks.completed, 40);
    let ecs = forty_pods("ecs", "");
    assert_eq!(
        ecs.platform("c")
            .cluster
            .clone()
            .unwrap()
            .instances_launched,
        10
    );
    // A DaemonSet of the scenario's own (0.3 vCPU on every node) leaves
    // 1,505 m: three pods still fit. At 0.4 vCPU (1,405 m) only two do.
    let ds = forty_pods(
        "eks",
        "daemonsets = [{ name = \"logs\", cpu = 0.3, memory = \"200MiB\" }]",
    );
    assert_eq!(
        ds.platform("c").cluster.clone().unwrap().instances_launched,
        14
    );
    let ds = forty_pods("eks", "daemonsets = [{ name = \"logs\", cpu = 0.4 }]");
    assert_eq!(
        ds.platform("c").cluster.clone().unwrap().instances_launched,
        20
    );
}

/// One c5.large (or `types`), ECS, with `extra` keys; twenty tasks of
/// 0.1 vCPU / 128 MiB for 100 s, all submitted at 0.
fn twenty_small_tasks(types: &str, extra: &str) -> crate::common::Ran {
    let text = format!(
        r#"
name = "slots"
[workload]
trace = "trace.csv"
[[platforms]]
name = "c"
kind = "ec2"
instance_types = [{types}]
initial = 1
container_start = {{ image_pull = "0s", cached = "0s" }}
{extra}
"#
    );
    let rows: String = (0..20).map(|i| format!("t{i},0,100,0.1,128\n")).collect();
    run(&Case::new(&text, Some(&format!("{HEADER}{rows}"))), &[])
}

/// Submit-to-placement waits in seconds, sorted.
fn waits(ran: &crate::common::Ran, platform: &str) -> Vec<f64> {
    let mut w: Vec<f64> = ran
        .records_of(platform)
        .iter()
        .map(|r| (r.launch.unwrap() - r.submit) as f64 / 1e6)
        .collect();
    w.sort_by(f64::total_cmp);
    w
}

#[test]
fn awsvpc_tasks_per_c5_large_are_2_without_eni_trunking_and_10_with_it() {
    // The catalog's limits: ENIs − 1 without trunking, the ECS trunking
    // table's "Task limit with ENI trunking" with it; t3 has no trunking.
    let catalog = fargate_sim::pricing::Catalog::builtin();
    let limits = |name: &str| {
        let t = catalog.instance_type(name).expect("in the catalog");
        (t.awsvpc_tasks(false), t.awsvpc_tasks(true))
    };
    assert_eq!(limits("c5.large"), (Some(2), Some(10)));
    assert_eq!(limits("m5.xlarge"), (Some(3), Some(20)));
    assert_eq!(limits("r5.2xlarge"), (Some(3), Some(40)));
    assert_eq!(limits("m5.4xlarge"), (Some(7), Some(60)));
    assert_eq!(limits("t3.medium"), (Some(2), Some(2)));

    // Twenty tasks of 0.1 vCPU / 128 MiB fit one c5.large by CPU and memory
    // (2.0 vCPU, 2,560 MiB of 4,018): in bridge mode (the default) all start
    // at 0 and the run ends at 100 s.
    let bridge = twenty_small_tasks("\"c5.large\"", "");
    assert_eq!(waits(&bridge, "c"), vec![0.0; 20]);
    assert_eq!(bridge.platform("c").simulated_end_s, 100.0);
    // awsvpc without trunking: two ENIs for tasks, so two at a time, ten
    // rounds of 100 s: waits 0, 0, 100, 100, ..., 900, 900; ends at 1,000 s.
    let plain = twenty_small_tasks("\"c5.large\"", "network_mode = \"awsvpc\"");
    let expected: Vec<f64> = (0..20).map(|i| (i / 2 * 100) as f64).collect();
    assert_eq!(waits(&plain, "c"), expected);
    assert_eq!(plain.platform("c").simulated_end_s, 1000.0);
    // One c5.large for 1,000 s at $0.085 per hour.
    assert_eq!(plain.total_atto("c"), usd("0.085") * 1000 / 3600);
    // With trunking: ten at a time, two rounds; ends at 200 s.
    let trunked = twenty_small_tasks(
        "\"c5.large\"",
        "network_mode = \"awsvpc\"\neni_trunking = true",
    );
    let expected: Vec<f64> = (0..20).map(|i| (i / 10 * 100) as f64).collect();
    assert_eq!(waits(&trunked, "c"), expected);
    assert_eq!(trunked.platform("c").simulated_end_s, 200.0);
    // A t3.medium does not support trunking: still two at a time.
    let t3 = twenty_small_tasks(
        "\"t3.medium\"",
        "network_mode = \"awsvpc\"\neni_trunking = true",
    );
    assert_eq!(t3.platform("c").simulated_end_s, 1000.0);
}

#[test]
fn managed_scaling_counts_task_slots_when_it_sizes_a_scale_out() {
    // The twenty small tasks in awsvpc mode on c5.large under ECS managed
    // scaling: one instance at time 0 runs 2, and the 18 waiting need
    // ceil(18 / 2) = 9 more instances by ENIs, though one holds them all by
    // CPU and memory. The first metric asks for all 9 at once: a peak of 10.
    let ran = twenty_small_tasks(
        "\"c5.large\"",
        "network_mode = \"awsvpc\"\nautoscaler = \"ecs_managed\"\nmin = 1\nmax = 20",
    );
    let c = ran.platform("c").cluster.clone().unwrap();
    assert_eq!(c.peak_instances, 10);
    assert_eq!(ran.platform("c").tasks.completed, 20);
}

#[test]
fn an_m5_large_eks_node_runs_out_of_pod_slots_before_cpu_or_memory() {
    // Max pods 29 on an m5.large, less aws-node and kube-proxy: 27 pods of
    // the workload. Thirty pods of 0.05 vCPU / 64 MiB need 1,500 m and
    // 1,920 MiB of the node's 1,805 m and 7,518 MiB, yet only 27 start at 0;
    // the other 3 wait for the first to end at 100 s.
    let text = |extra: &str| {
        format!(
            r#"
name = "pods"
[workload]
trace = "trace.csv"
[[platforms]]
name = "c"
kind = "ec2"
orchestrator = "eks"
instance_types = ["m5.large"]
initial = 1
container_start = {{ image_pull = "0s", cached = "0s" }}
{extra}
"#
        )
    };
    let rows: String = (0..30).map(|i| format!("p{i},0,100,0.05,64\n")).collect();
    let trace = format!("{HEADER}{rows}");
    let ran = run(&Case::new(&text(""), Some(&trace)), &[]);
    let mut expected = vec![0.0; 27];
    expected.extend([100.0; 3]);
    assert_eq!(waits(&ran, "c"), expected);
    assert_eq!(ran.platform("c").simulated_end_s, 200.0);
    // A DaemonSet of the scenario's own takes one more slot: 26 at once.
    let ran = run(
        &Case::new(
            &text("daemonsets = [{ name = \"logs\", cpu = 0.01 }]"),
            Some(&trace),
        ),
        &[],
    );
    let mut expected = vec![0.0; 26];
    expected.extend([100.0; 4]);
    assert_eq!(waits(&ran, "c"), expected);
}

fn zoned_fleet(initial: u32, extra: &str) -> String {
    format!(
        r#"
name = "zones"
[workload]
trace = "trace.csv"
[[platforms]]
name = "ec2"
kind = "ec2"
instance_types = ["m5.large"]
initial = {initial}
container_start = {{ image_pull = "0s", cached = "0s" }}
{extra}
"#
    )
}

#[test]
fn instances_are_balanced_over_three_zones_by_default() {
    let trace = format!("{HEADER}a,0,10,1,1024\n");
    let zones = |extra: &str, initial: u32| {
        run(&Case::new(&zoned_fleet(initial, extra), Some(&trace)), &[])
            .platform("ec2")
            .cluster
            .clone()
            .unwrap()
            .instances_by_zone
    };
    // Seven instances, each launched in the zone with the fewest: 3, 2, 2.
    assert_eq!(zones("", 7), vec![3, 2, 2]);
    assert_eq!(zones("zones = 2", 7), vec![4, 3]);
    assert_eq!(zones("zones = 1", 2), vec![2]);
}

#[test]
fn spread_by_zone_places_a_known_answer() {
    // Four m5.large: instances 0 and 3 in zone 1, 1 in zone 2, 2 in zone 3.
    // Six tasks of 1 vCPU / 1 GiB at time 0, in trace order.
    let rows: String = (0..6).map(|i| format!("t{i},0,100,1,1024\n")).collect();
    let trace = format!("{HEADER}{rows}");
    let on = |placement: &str| -> Vec<u32> {
        let ran = run(
            &Case::new(
                &zoned_fleet(4, &format!("placement = {placement}")),
                Some(&trace),
            ),
            &[],
        );
        let p = placements(&ran);
        (0..6).map(|i| p[&i].0).collect()
    };
    // ECS's service default, spread over zones then over instances: zones
    // 1, 2, 3 take one task each; zone 1 again, where instance 3 runs none;
    // then zones 2 and 3.
    assert_eq!(on("[\"spread:zone\", \"spread\"]"), vec![0, 1, 2, 3, 1, 2]);
    // It is the default of an ECS cluster.
    let ran = run(&Case::new(&zoned_fleet(4, ""), Some(&trace)), &[]);
    let p = placements(&ran);
    assert_eq!(
        (0..6).map(|i| p[&i].0).collect::<Vec<u32>>(),
        vec![0, 1, 2, 3, 1, 2]
    );
    // Spread over zones, then binpack: zone 1's second task joins instance 0.
    assert_eq!(on("[\"spread:zone\", \"binpack\"]"), vec![0, 1, 2, 0, 1, 2]);
    // Binpack alone fills instances in id order, two tasks each.
    assert_eq!(on("\"binpack\""), vec![0, 0, 1, 1, 2, 2]);
}
