//! Issue 21's remaining cluster behaviours, each with a figure worked by
//! hand: the ECS per-service launch rate on Fargate, Karpenter's
//! consolidation under pod slots, disruption controls and budgets, and ECS
//! placement constraints and host ports.

use crate::common::{Case, run, usd};

/// A cold service of `replicas` 0.25-vCPU replicas on Fargate with no
/// start-up time; `extra` goes into the platform table.
fn fargate_service(replicas: u32, extra: &str) -> String {
    format!(
        r#"
name = "rate"
horizon = "3min"
[[workload.services]]
name = "api"
cpu = 0.25
memory = "512MiB"
replicas = {{ min = {replicas}, max = {replicas}, desired = {replicas} }}
start = "cold"
service_time = "10ms"
requests = {{ curve = "constant", rate = "1/s" }}
[[platforms]]
name = "f"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
{extra}
"#
    )
}

/// Launch times of the platform's records, in µs, sorted.
fn launches(ran: &crate::common::Ran, platform: &str) -> Vec<u64> {
    let mut l: Vec<u64> = ran
        .records_of(platform)
        .iter()
        .map(|r| r.launch.expect("launched"))
        .collect();
    l.sort_unstable();
    l
}

#[test]
fn fargate_service_scaling_out_by_1200_launches_999_in_its_first_minute() {
    // 1,200 replicas at t = 0. The service's bucket (500 a minute) lets 500
    // go at once; the k-th held one gets its token when 8,333 milli-tokens a
    // second (500/60, kept to 1/1000) reach k tokens: t_k = ceil(k × 10^9 /
    // 8,333) µs. The account's bucket (100, then 20/s) launches those 500 by
    // 20 s and keeps up with 8.3/s after 34.3 s (500 + 8.33 t = 100 + 20 t),
    // so launches follow the service's tokens: t_499 = 59.882396 s,
    // t_500 = 60.002401 s, t_700 = 84.003361 s.
    let ran = run(&Case::new(&fargate_service(1200, ""), None), &[]);
    let l = launches(&ran, "f");
    assert_eq!(l.len(), 1200);
    assert_eq!(l.iter().filter(|&&t| t <= 60_000_000).count(), 999);
    assert_eq!(l[998], 59_882_396);
    assert_eq!(l[999], 60_002_401);
    assert_eq!(l[1199], 84_003_361);
    // The account's bucket alone: 100 at once then 20 a second, the last of
    // 1,200 at (1,200 − 100) / 20 = 55 s.
    let ran = run(
        &Case::new(
            &fargate_service(1200, "service_launch_per_minute = 1000000"),
            None,
        ),
        &[],
    );
    let l = launches(&ran, "f");
    assert_eq!(l.iter().filter(|&&t| t <= 60_000_000).count(), 1200);
    assert_eq!(l[1199], 55_000_000);
}

/// Twenty-nine small pods for an hour on EKS m5.large nodes under
/// Karpenter; `extra` goes into the platform table.
fn full_of_pods(extra: &str) -> String {
    format!(
        r#"
name = "slots"
[workload]
[[workload.generators]]
name = "small"
arrivals = {{ process = "burst", at = ["0s"], size = 29 }}
duration = "1h"
sizes = [{{ cpu = 0.05, memory = "64MiB" }}]
[[platforms]]
name = "ec2"
kind = "ec2"
orchestrator = "eks"
instance_types = ["m5.large"]
autoscaler = "karpenter"
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
{extra}
"#
    )
}

#[test]
fn consolidation_does_not_move_pods_onto_a_node_without_pod_slots() {
    // An EKS m5.large runs 29 pods (the VPC CNI's max pods) less aws-node
    // and kube-proxy: 27 of the workload. The batch of 29 pods of 50 m /
    // 64 MiB becomes two nodes: 27 pods (1,350 m of 1,805 m) and 2. By CPU
    // and memory the second node's 2 pods fit the first (455 m and about
    // 5.7 GiB free), so a fit by CPU and memory alone would delete it; the
    // first has no pod slot left, so nothing is consolidated and both
    // nodes run from the 1 s request to the end at 31 + 3,600 s. (Fitting by
    // CPU and memory alone, the model moved pods back and forth: 66 nodes
    // consolidated, 132 pods evicted, the run ending at 7,231 s.)
    let ran = run(&Case::new(&full_of_pods(""), None), &[]);
    let p = ran.platform("ec2");
    let c = p.cluster.as_ref().unwrap();
    assert_eq!(c.instances_launched, 2);
    assert_eq!((c.nodes_consolidated, c.pods_moved), (0, 0));
    assert_eq!(p.tasks.interrupted, 0);
    assert_eq!(p.tasks.completed, 29);
    assert_eq!(p.simulated_end_s, 3631.0);
}

/// On m5.large, m5.xlarge and m5.4xlarge under Karpenter: 12 pods of
/// 1 vCPU / 1 GiB end after 10 minutes, 4 (`long`) run 2 hours; `extra`
/// goes into the `karpenter` table.
fn repack(extra: &str) -> String {
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
karpenter = {{ {extra} }}
"#
    )
}

/// (nodes consolidated, pods moved, total in atto-dollars).
fn consolidation(ran: &crate::common::Ran) -> (u64, u64, u128) {
    let c = ran.platform("ec2").cluster.clone().unwrap();
    (c.nodes_consolidated, c.pods_moved, ran.total_atto("ec2"))
}

#[test]
fn do_not_disrupt_pods_keep_their_node() {
    // Without the annotation (tests/it/ec2.rs, the same case): at 631 s the
    // 12 short pods end and the 4 long ones move to an m5.xlarge, $0.53152
    // in all. With `long` annotated karpenter.sh/do-not-disrupt the
    // m5.4xlarge stays until the long pods end at 7,231 s: 7,230 s ×
    // $0.768/h = $1.54240.
    let ran = run(&Case::new(&repack(""), None), &[]);
    assert_eq!(consolidation(&ran), (1, 4, usd("0.53152")));
    let ran = run(
        &Case::new(&repack("do_not_disrupt = [\"long\"]"), None),
        &[],
    );
    assert_eq!(consolidation(&ran), (0, 0, usd("1.5424")));
    assert_eq!(ran.platform("ec2").tasks.interrupted, 0);
    // Annotating the short pods only changes nothing: they are gone by then.
    let ran = run(
        &Case::new(&repack("do_not_disrupt = [\"short\"]"), None),
        &[],
    );
    assert_eq!(consolidation(&ran), (1, 4, usd("0.53152")));
}

#[test]
fn a_pod_disruption_budget_holds_back_a_move_that_would_exceed_it() {
    // Moving the m5.4xlarge's 4 long pods evicts all 4 at once: a budget of
    // maxUnavailable 3 forbids it, so the node stays ($1.54240, as above);
    // a budget of 4 allows it ($0.53152).
    let pdb = |n: u32| format!("pod_disruption_budgets = {{ long = {{ max_unavailable = {n} }} }}");
    let ran = run(&Case::new(&repack(&pdb(3)), None), &[]);
    assert_eq!(consolidation(&ran), (0, 0, usd("1.5424")));
    let ran = run(&Case::new(&repack(&pdb(4)), None), &[]);
    assert_eq!(consolidation(&ran), (1, 4, usd("0.53152")));
}
