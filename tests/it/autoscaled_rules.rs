//! Placement rules under the autoscalers (issue 21): ECS managed scaling
//! counts `distinctInstance` groups and host ports one per instance and
//! leaves `memberOf` out, as ECS does; Karpenter's node claims and its
//! consolidation honour hostPort, pod anti-affinity on
//! `kubernetes.io/hostname` and node selectors. Figures worked by hand.

use crate::common::{Case, run};

/// An ECS cluster of `types` under managed scaling with `initial`
/// instances, a 30 s launch, instant starts, alarms acting at the metric
/// minute and a 300 s warm-up; `workload` and `extra` as given.
fn ecs(types: &str, initial: u32, workload: &str, extra: &str) -> String {
    format!(
        r#"
name = "ecs-rules"
[workload]
{workload}
[[platforms]]
name = "c"
kind = "ec2"
instance_types = [{types}]
autoscaler = "ecs_managed"
initial = {initial}
min = {initial}
max = 10
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
ecs_managed = {{ alarm_delay = "0s", instance_warmup = "300s" }}
{extra}
"#
    )
}

/// A burst of `n` tasks of group `name` at 0, of `cpu` vCPU / `mem`, for `d`.
fn burst(name: &str, n: u32, cpu: f64, mem: &str, d: &str) -> String {
    format!(
        r#"
[[workload.generators]]
name = "{name}"
arrivals = {{ process = "burst", at = ["0s"], size = {n} }}
duration = "{d}"
sizes = [{{ cpu = {cpu}, memory = "{mem}" }}]
"#
    )
}

/// Placement time (s) of every task of platform `c`, sorted.
fn placed_at(ran: &crate::common::Ran) -> Vec<f64> {
    let mut at: Vec<f64> = ran
        .records_of("c")
        .iter()
        .map(|r| r.launch.unwrap() as f64 / 1e6)
        .collect();
    at.sort_by(f64::total_cmp);
    at
}

#[test]
fn ecs_managed_scaling_gives_each_distinct_instance_task_its_own_instance() {
    // One m5.large, four `web` tasks of 0.25 vCPU / 512 MiB at 0 for an
    // hour. Without a constraint all four fit the one instance (2 vCPU):
    // no scale-out, all placed at 0.
    let web = burst("web", 4, 0.25, "512MiB", "1h");
    let ran = run(&Case::new(&ecs("\"m5.large\"", 1, &web, ""), None), &[]);
    assert_eq!(placed_at(&ran), vec![0.0; 4]);
    assert_eq!(
        ran.platform("c").cluster.as_ref().unwrap().peak_instances,
        1
    );

    // Under distinctInstance the first runs at 0 and three wait in
    // PROVISIONING. At the 60 s metric, M = N + 3: each needs an instance
    // of its own (a bin holding one `web` takes no other), so
    // CapacityProviderReservation = 4 / 1 = 400 % and the group asks for 3
    // instances at 60 s, ready 30 s later: the three run at 90 s on four
    // instances in all.
    let extra = r#"constraints = [{ type = "distinctInstance", group = "web" }]"#;
    let ran = run(&Case::new(&ecs("\"m5.large\"", 1, &web, extra), None), &[]);
    assert_eq!(placed_at(&ran), vec![0.0, 90.0, 90.0, 90.0]);
    let c = ran.platform("c").cluster.clone().unwrap();
    assert_eq!((c.instances_launched, c.peak_instances), (4, 4));
    // No two on one instance.
    let mut on: Vec<u32> = ran
        .records_of("c")
        .iter()
        .map(|r| r.instance.unwrap())
        .collect();
    on.sort_unstable();
    on.dedup();
    assert_eq!(on.len(), 4);
}

#[test]
fn ecs_managed_scaling_counts_host_ports_one_per_instance() {
    // Bridge mode, `web` and `api` both on static host port 80, two tasks
    // each of 0.25 vCPU on one m5.large: one runs at 0, three wait; every
    // two of them clash on port 80, so M = 1 + 3 and three instances come
    // at 90 s. On ports 80 and 8080 two run per instance: the first
    // instance takes one of each at 0, and the other two need one more
    // instance (M = 1 + 1), at 90 s.
    let w = burst("web", 2, 0.25, "512MiB", "1h") + &burst("api", 2, 0.25, "512MiB", "1h");
    let ports = |a: u32, b: u32| {
        format!("network_mode = \"bridge\"\nhost_ports = {{ web = {a}, api = {b} }}")
    };
    let ran = run(
        &Case::new(&ecs("\"m5.large\"", 1, &w, &ports(80, 80)), None),
        &[],
    );
    assert_eq!(placed_at(&ran), vec![0.0, 90.0, 90.0, 90.0]);
    assert_eq!(
        ran.platform("c").cluster.as_ref().unwrap().peak_instances,
        4
    );
    let ran = run(
        &Case::new(&ecs("\"m5.large\"", 1, &w, &ports(80, 8080)), None),
        &[],
    );
    assert_eq!(placed_at(&ran), vec![0.0, 0.0, 90.0, 90.0]);
    assert_eq!(
        ran.platform("c").cluster.as_ref().unwrap().peak_instances,
        2
    );
}

#[test]
fn ecs_managed_scaling_does_not_count_member_of_so_the_task_waits_for_a_second_scale_out() {
    // An Auto Scaling group of m5.large and c5.large, one m5.large running.
    // A `cpu` task (1 vCPU / 1 GiB) under memberOf c5.* cannot use it and
    // waits. ECS sizes the tasks in PROVISIONING by resources only, so at
    // 60 s it counts one more instance (M = 2) and the group launches the
    // next type in turn, an m5.large (ready at 90 s), where the task still
    // cannot run. The warm-up holds further scale-out until 60 + 300 =
    // 360 s; then M = 2 + 1 again and the group launches a c5.large, ready
    // at 390 s: the task starts there, 390 s late, on the third instance.
    let w = burst("cpu", 1, 1.0, "1GiB", "1h");
    let extra = r#"constraints = [{ type = "memberOf", group = "cpu", expression = "attribute:ecs.instance-type =~ c5.*" }]"#;
    let ran = run(
        &Case::new(&ecs("\"m5.large\", \"c5.large\"", 1, &w, extra), None),
        &[],
    );
    assert_eq!(placed_at(&ran), vec![390.0]);
    let r = ran.records_of("c");
    assert_eq!(r[0].instance, Some(2));
    assert_eq!(
        ran.platform("c")
            .cluster
            .as_ref()
            .unwrap()
            .instances_launched,
        3
    );
}

/// An EKS cluster of `types` under Karpenter, a 30 s launch, instant starts.
fn eks(types: &str, workload: &str, extra: &str) -> String {
    format!(
        r#"
name = "eks-rules"
[workload]
{workload}
[[platforms]]
name = "c"
kind = "ec2"
orchestrator = "eks"
instance_types = [{types}]
autoscaler = "karpenter"
instance_launch = "30s"
container_start = {{ image_pull = "0s", cached = "0s" }}
{extra}
"#
    )
}

#[test]
fn karpenter_opens_a_node_per_pod_sharing_a_host_port() {
    // One `web` and one `api` pod of 0.25 vCPU / 512 MiB: by resources one
    // m5.large holds both (1,805 m allocatable on EKS), and Karpenter
    // launches one node. Both with hostPort 80: its scheduler never puts
    // them on one node claim, so two nodes; on ports 80 and 8080 one again.
    let w = burst("web", 1, 0.25, "512MiB", "1h") + &burst("api", 1, 0.25, "512MiB", "1h");
    let launched = |extra: &str| {
        let ran = run(&Case::new(&eks("\"m5.large\"", &w, extra), None), &[]);
        assert_eq!(ran.platform("c").tasks.completed, 2);
        ran.platform("c")
            .cluster
            .as_ref()
            .unwrap()
            .instances_launched
    };
    assert_eq!(launched(""), 1);
    assert_eq!(launched("host_ports = { web = 80, api = 80 }"), 2);
    assert_eq!(launched("host_ports = { web = 80, api = 8080 }"), 1);
    // Pod anti-affinity on kubernetes.io/hostname: three `web` pods, three
    // nodes.
    let w3 = burst("web", 3, 0.25, "512MiB", "1h");
    let ran = run(
        &Case::new(
            &eks("\"m5.large\"", &w3, "pod_anti_affinity = [\"web\"]"),
            None,
        ),
        &[],
    );
    assert_eq!(
        ran.platform("c")
            .cluster
            .as_ref()
            .unwrap()
            .instances_launched,
        3
    );
}

#[test]
fn karpenter_launches_the_type_and_zone_a_node_selector_names() {
    // A 1 vCPU / 1 GiB pod: of m5.large ($0.096/h) and c5.large ($0.085/h)
    // Karpenter picks the cheaper c5.large; a nodeSelector on
    // node.kubernetes.io/instance-type = m5.large makes it an m5.large.
    // Billed from the request at 1 s (the batch window) to the end at
    // 31 + 3,600 s: 3,630 s × $0.085/h = $0.085708…, against × $0.096/h =
    // $0.0968.
    let w = burst("app", 1, 1.0, "1GiB", "1h");
    let types = "\"m5.large\", \"c5.large\"";
    let usd = |extra: &str| {
        let ran = run(&Case::new(&eks(types, &w, extra), None), &[]);
        ran.platform("c").cost.components.instances_usd
    };
    assert!((usd("") - 3630.0 * 0.085 / 3600.0).abs() < 1e-9);
    let sel = r#"node_selector = { app = { "node.kubernetes.io/instance-type" = "m5.large" } }"#;
    assert!((usd(sel) - 0.0968).abs() < 1e-9);
    // topology.kubernetes.io/zone = us-east-1c: the node goes to the third
    // zone, not the first (the emptiest zone, lowest first, otherwise).
    let sel = r#"node_selector = { app = { "topology.kubernetes.io/zone" = "us-east-1c" } }"#;
    let ran = run(&Case::new(&eks(types, &w, sel), None), &[]);
    let z = ran.platform("c").cluster.clone().unwrap().instances_by_zone;
    assert_eq!(z, vec![0, 0, 1]);
    let ran = run(&Case::new(&eks(types, &w, ""), None), &[]);
    let z = ran.platform("c").cluster.clone().unwrap().instances_by_zone;
    assert_eq!(z, vec![1, 0, 0]);
}

#[test]
fn consolidation_never_puts_two_anti_affine_pods_on_one_node() {
    // m5.large only (1,805 m allocatable on EKS). Two `web` pods of 0.5
    // vCPU for 2 h and two `short` pods of 1 vCPU for 10 min: Karpenter
    // claims two nodes, a `short` and a `web` for each (1,500 m; a second
    // `short` would need 2,500 m), and the pods, placed in submit order
    // (the short ones first), land that way. When the short pods end the two
    // nodes hold one `web` each (500 m): consolidation deletes one and
    // moves its pod to the other. With `web` anti-affine on
    // kubernetes.io/hostname the other node already runs a `web`, so
    // nothing moves and both nodes stay.
    let w = burst("short", 2, 1.0, "512MiB", "10min") + &burst("web", 2, 0.5, "512MiB", "2h");
    let moved = |extra: &str| {
        let ran = run(&Case::new(&eks("\"m5.large\"", &w, extra), None), &[]);
        let p = ran.platform("c");
        let c = p.cluster.clone().unwrap();
        assert_eq!(c.instances_launched, 2, "{extra}");
        assert_eq!(p.tasks.completed, 4);
        (c.nodes_consolidated, c.pods_moved, p.tasks.interrupted)
    };
    assert_eq!(moved(""), (1, 1, 1));
    assert_eq!(moved("pod_anti_affinity = [\"web\"]"), (0, 0, 0));
}

#[test]
fn the_binary_runs_an_eks_cluster_with_kubernetes_rules_end_to_end() {
    // `fargate-sim run` as a user runs it: two `web` pods on hostPort 80
    // anti-affine on kubernetes.io/hostname and a `batch` pod selecting
    // c5.large (or c5.xlarge, node affinity `In`), under Karpenter on
    // m5.large and c5.large. The batch pod (1 vCPU, largest first) opens a
    // c5.large claim, the first web pod joins it (1.25 vCPU), the second
    // may not (anti-affinity, port 80) and opens a second: two nodes, all
    // three pods run.
    let w = burst("web", 2, 0.25, "512MiB", "10min") + &burst("batch", 1, 1.0, "1GiB", "10min");
    let extra = r#"host_ports = { web = 80 }
pod_anti_affinity = ["web"]
node_selector = { batch = { "node.kubernetes.io/instance-type" = ["c5.large", "c5.xlarge"] } }"#;
    let text = eks("\"m5.large\", \"c5.large\"", &w, extra);
    let case = Case::new(&text, None);
    std::fs::write(case.dir().join("s.toml"), &text).unwrap();
    let (code, _, err) = crate::common::bin(&["run", "s.toml", "--out", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(case.dir().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let p = &summary["platforms"][0];
    assert_eq!(p["cluster"]["instances_launched"], 2);
    assert_eq!(p["tasks"]["completed"], 3);
}
