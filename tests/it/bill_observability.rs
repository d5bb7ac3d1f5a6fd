//! The bill around compute, issue 25's later items: Container Insights and
//! high-resolution service metrics, interface VPC endpoints against NAT for
//! image pulls and logs (with `explain`'s comparison), and a Region's own
//! rates (Tokyo). Figures worked by hand from data/pricing.toml.

use crate::common::{Case, bin, run};
use fargate_sim::report::summary::Summary;

fn charge(p: &fargate_sim::report::PlatformSummary, component: &str) -> f64 {
    p.cost
        .around
        .iter()
        .filter(|l| l.component == component)
        .map(|l| l.cost_usd)
        .sum()
}

const SERVICE: &str = r#"[[workload.services]]
name = "api"
cpu = 1
memory = "2GiB"
replicas = { min = 2, max = 10 }
concurrency = 8
service_time = "20ms"
requests = { curve = "spike", base = "20/s", peak = "100/s", at = "1h", length = "10m" }
metric_resolution = "high"
[[workload.services.scaling]]
policy = "target_tracking"
metric = "cpu"
target = 50
"#;

/// Container Insights on a two-hour run with one service: on Fargate 10
/// cluster + 13 service metrics = 23, on ECS on EC2 11 + 13 = 24, each at
/// $0.30 per metric-month prorated over 7,200 s of a 2,592,000 s month
/// (x 1/360): $0.0191667 and $0.02. The service scales on its 20-second CPU
/// metric: one more metric, $0.30 / 360 = $0.000833 on each platform.
#[test]
fn container_insights_and_the_high_resolution_metric_are_billed() {
    let text = format!(
        r#"name = "ci"
horizon = "2h"
[workload]
{SERVICE}
[[platforms]]
name = "f"
kind = "fargate"
bill = {{ container_insights = true }}
[[platforms]]
name = "c"
kind = "ec2"
instance_types = ["m5.xlarge"]
autoscaler = "ecs_managed"
initial = 2
min = 1
max = 10
bill = {{ container_insights = true }}
"#
    );
    let case = Case::new(&text, None);
    let ran = run(&case, &[]);
    let f = ran.platform("f");
    let c = ran.platform("c");
    assert!((charge(f, "container_insights") - 23.0 * 0.30 / 360.0).abs() < 1e-12);
    assert!((charge(c, "container_insights") - 24.0 * 0.30 / 360.0).abs() < 1e-12);
    for p in [f, c] {
        assert!((charge(p, "high_resolution_metrics") - 0.30 / 360.0).abs() < 1e-12);
        assert!((p.cost.around_usd + p.cost.compute_usd - p.cost.total_usd).abs() < 1e-9);
    }
    // Off (the default) and left out: no metric charge at all; the
    // high-resolution metric stays billed while the service scales on it.
    let ran = run(&case, &["platforms.f.bill.container_insights=false"]);
    assert_eq!(charge(ran.platform("f"), "container_insights"), 0.0);
    assert!(charge(ran.platform("f"), "high_resolution_metrics") > 0.0);
    let ran = run(&case, &["platforms.f.bill.leave_out=[\"metrics\"]"]);
    assert_eq!(charge(ran.platform("f"), "high_resolution_metrics"), 0.0);
}

/// 100 Fargate tasks in a private subnet (3 zones) over 2 h, each pulling a
/// 500 MiB image and writing 10 MiB of logs. Through NAT: 100 x 510 MiB =
/// 49.8046875 GiB x $0.045 = $2.2412109. With interface endpoints for ECR
/// and CloudWatch Logs: 3 endpoints x 3 zones x 2 h x $0.01 = $0.18, the
/// logs 0.9765625 GiB x $0.01 = $0.0097656, the layers through the free S3
/// gateway endpoint: $0.1897656. `explain` names both figures.
#[test]
fn vpc_endpoints_against_nat_for_pulls_and_logs() {
    let text = r#"name = "ep"
horizon = "2h"
[bill]
image_size = "500MiB"
log_per_task = "10MiB"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 100 }
duration = "10min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "f"
kind = "fargate"
bill = { subnet = "private" }
"#;
    let case = Case::new(text, None);
    std::fs::copy(&case.path, case.dir().join("ep.toml")).unwrap();
    let (code, _, err) = bin(&["run", "ep.toml", "--out", "out", "-q"], case.dir());
    assert_eq!(code, 0, "{err}");
    let s: Summary = serde_json::from_str(
        &std::fs::read_to_string(case.dir().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let p = &s.platforms[0];
    assert_eq!(p.tasks.completed, 100);
    assert!((charge(p, "nat_data_processed") - 49.804_687_5 * 0.045).abs() < 1e-12);
    assert_eq!(charge(p, "vpc_endpoint_hours"), 0.0);
    let (code, out, err) = bin(&["explain", "out"], case.dir());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("image pulls and CloudWatch Logs traffic make $2.24")
            && out.contains("would carry them for $0.1898")
            && out.contains("vpc_endpoints = true"),
        "{out}"
    );
    let ran = run(&case, &["platforms.f.bill.vpc_endpoints=true"]);
    let p = ran.platform("f");
    assert!((charge(p, "vpc_endpoint_hours") - 0.18).abs() < 1e-12);
    assert!((charge(p, "vpc_endpoint_data_processed") - 0.009_765_625).abs() < 1e-12);
    assert_eq!(charge(p, "nat_data_processed"), 0.0);
    // The gateways themselves stay: 3 x 2 h x $0.045.
    assert!((charge(p, "nat_gateway_hours") - 0.27).abs() < 1e-12);
}

/// Tokyo's own rates: 3 NAT gateways x 2 h x $0.062 = $0.372; 10 tasks
/// writing 1 GiB of logs each: 10 GiB x $0.76 = $7.60 ingested and
/// 10 GiB x $0.062 = $0.62 through NAT; the service's ALB 2 h x $0.0243.
#[test]
fn tokyo_bills_nat_logs_and_the_alb_at_its_own_rates() {
    let text = r#"name = "tokyo"
region = "ap-northeast-1"
horizon = "2h"
[bill]
log_per_task = "1GiB"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 10 }
duration = "10min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[workload.services]]
name = "api"
cpu = 1
memory = "2GiB"
replicas = { min = 2, max = 10 }
concurrency = 8
service_time = "20ms"
requests = { curve = "spike", base = "20/s", peak = "100/s", at = "1h", length = "10m" }
load_balancer = "alb"
[[workload.services.scaling]]
policy = "target_tracking"
metric = "cpu"
target = 50
[[platforms]]
name = "f"
kind = "fargate"
bill = { subnet = "private" }
"#
    .to_string();
    let case = Case::new(&text, None);
    let ran = run(&case, &[]);
    let p = ran.platform("f");
    assert!((charge(p, "nat_gateway_hours") - 0.372).abs() < 1e-12);
    assert!((charge(p, "load_balancer_hours") - 2.0 * 0.0243).abs() < 1e-12);
    // The service's tasks write no logs of their own (log_per_request is
    // not set), so the logs are the generator's 10 GiB (service replicas
    // count as tasks too: each adds 1 GiB).
    let tasks = (charge(p, "logs_ingestion") / 0.76).round();
    assert!(tasks >= 10.0, "{tasks}");
    assert!((charge(p, "logs_ingestion") - tasks * 0.76).abs() < 1e-9);
    let nat = p
        .cost
        .around
        .iter()
        .find(|l| l.resource.ends_with("/nat/ecr-logs"))
        .unwrap();
    assert!((nat.cost_usd - tasks * 0.062).abs() < 1e-9);
    // Endpoints in Tokyo: 3 x 3 zones x 2 h x $0.01 = $0.18.
    let ran = run(&case, &["platforms.f.bill.vpc_endpoints=true"]);
    assert!((charge(ran.platform("f"), "vpc_endpoint_hours") - 0.18).abs() < 1e-12);
}

/// An EC2 cluster in eu-west-1 whose instance price comes from the user's
/// own catalog (as `prices import` writes one; $0.2 here is the test's
/// figure, not a sourced price, and it replaces the built-in $0.107): one
/// m5.large for 2 h, its 30 GiB gp3 root volume at Ireland's $0.088 per
/// GB-month: 30 x 0.088 x 7,200 / 2,592,000 = $0.0073333, its public IPv4
/// 2 h x $0.005 = $0.01. A catalog without an Irish price names
/// `prices import`.
#[test]
fn an_ec2_run_in_ireland_takes_its_regional_volume_rate() {
    let text = r#"name = "eu"
region = "eu-west-1"
horizon = "2h"
pricing = "cat.toml"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 1 }
duration = "10min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "c"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
min = 1
max = 1
"#;
    let case = Case::new(text, None);
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/pricing.toml"),
    )
    .unwrap();
    // m5.large's line (m6i.large has the same prices and comes later).
    let line = "on_demand_usd_per_hour = { us-east-1 = \"0.096\", eu-west-1 = \"0.107\", ap-northeast-1 = \"0.124\", us-east-2 = \"0.096\", us-west-2 = \"0.096\", eu-central-1 = \"0.115\", eu-west-2 = \"0.111\", ap-southeast-1 = \"0.12\", sa-east-1 = \"0.153\" }";
    assert!(builtin.contains(line));
    std::fs::write(
        case.dir().join("cat.toml"),
        builtin.replacen(
            line,
            "on_demand_usd_per_hour = { us-east-1 = \"0.096\", eu-west-1 = \"0.2\" }",
            1,
        ),
    )
    .unwrap();
    let ran = run(&case, &[]);
    let p = ran.platform("c");
    assert!((p.cost.compute_usd - 2.0 * 0.2).abs() < 1e-12);
    assert!((charge(p, "ebs") - 30.0 * 0.088 * 7200.0 / 2_592_000.0).abs() < 1e-12);
    assert!((charge(p, "public_ipv4") - 0.01).abs() < 1e-12);
    // A catalog without an Irish m5.large price: refused, naming the way.
    std::fs::write(
        case.dir().join("cat.toml"),
        builtin.replacen(
            line,
            "on_demand_usd_per_hour = { us-east-1 = \"0.096\" }",
            1,
        ),
    )
    .unwrap();
    std::fs::copy(&case.path, case.dir().join("eu.toml")).unwrap();
    let (code, _, err) = bin(&["run", "eu.toml", "-q", "--out", "o"], case.dir());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("prices import"), "{err}");
}
