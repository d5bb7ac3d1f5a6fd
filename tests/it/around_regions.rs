//! The rates around compute in every Region with Fargate rates (issue 25):
//! for each Region, one Fargate run with every charge of the bill on, worked
//! by hand from the Region's `[[around.rates]]` block in data/pricing.toml;
//! an EC2 run with its gp3 root volume in the two Regions that ship instance
//! prices; and the keys a Region still lacks, refused with what to add.

use crate::common::{Case, bin, run};
use fargate_sim::pricing::catalog::Catalog;

/// One charge's cost in a platform's summary.
fn charge(p: &fargate_sim::report::PlatformSummary, component: &str) -> f64 {
    p.cost
        .around
        .iter()
        .filter(|l| l.component == component)
        .map(|l| l.cost_usd)
        .sum()
}

/// A Region's rates as data/pricing.toml gives them (copied by hand: a
/// change to the catalog must change this table too). `None`: not sourced,
/// so left out of the catalog.
struct Rates {
    region: &'static str,
    gp3: f64,
    alb_hour: Option<f64>,
    alb_lcu: Option<f64>,
    nat: f64,
    logs: Option<f64>,
    ecr: Option<f64>,
    inter_region: f64,
    cross_zone: f64,
    metric: Option<f64>,
    endpoint_hour: Option<f64>,
    endpoint_gb: Option<f64>,
}

const REGIONS: [Rates; 9] = [
    Rates {
        region: "us-east-1",
        gp3: 0.08,
        alb_hour: Some(0.0225),
        alb_lcu: Some(0.008),
        nat: 0.045,
        logs: Some(0.50),
        ecr: Some(0.10),
        inter_region: 0.02,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.01),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "us-east-2",
        gp3: 0.08,
        alb_hour: Some(0.0225),
        alb_lcu: Some(0.008),
        nat: 0.045,
        logs: Some(0.50),
        ecr: Some(0.10),
        inter_region: 0.02,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.01),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "us-west-2",
        gp3: 0.08,
        alb_hour: Some(0.0225),
        alb_lcu: Some(0.008),
        nat: 0.045,
        logs: Some(0.50),
        ecr: Some(0.10),
        inter_region: 0.02,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.01),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "eu-west-1",
        gp3: 0.088,
        alb_hour: Some(0.0252),
        alb_lcu: Some(0.008),
        nat: 0.048,
        logs: Some(0.57),
        ecr: Some(0.10),
        inter_region: 0.02,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.011),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "eu-central-1",
        gp3: 0.0952,
        alb_hour: Some(0.027),
        alb_lcu: Some(0.008),
        nat: 0.052,
        logs: Some(0.63),
        ecr: Some(0.10),
        inter_region: 0.02,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.012),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "eu-west-2",
        gp3: 0.0928,
        alb_hour: Some(0.02646),
        alb_lcu: Some(0.0084),
        nat: 0.05,
        logs: Some(0.5985),
        ecr: Some(0.10),
        inter_region: 0.02,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.011),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "ap-northeast-1",
        gp3: 0.096,
        alb_hour: Some(0.0243),
        alb_lcu: Some(0.008),
        nat: 0.062,
        logs: Some(0.76),
        ecr: Some(0.10),
        inter_region: 0.09,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.01),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "ap-southeast-1",
        gp3: 0.096,
        alb_hour: Some(0.0252),
        alb_lcu: Some(0.008),
        nat: 0.059,
        logs: Some(0.70),
        ecr: Some(0.10),
        inter_region: 0.09,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.013),
        endpoint_gb: Some(0.01),
    },
    Rates {
        region: "sa-east-1",
        gp3: 0.152,
        alb_hour: Some(0.034),
        alb_lcu: Some(0.011),
        nat: 0.093,
        logs: Some(0.90),
        ecr: Some(0.10),
        inter_region: 0.138,
        cross_zone: 0.01,
        metric: Some(0.30),
        endpoint_hour: Some(0.021),
        endpoint_gb: Some(0.01),
    },
];

/// Two hours of a Fargate platform in a private subnet (3 zones, so 3 NAT
/// gateways) with Container Insights, serving a service behind an ALB and
/// running a burst of 10 batch tasks. Every task (the 10 and the service's
/// 2 replicas: 12) pulls a 512 MiB image from ECR in another Region, writes
/// 1 GiB of logs, sends 1 GiB out through NAT and 1 GiB to other zones.
fn scenario(region: &str) -> String {
    format!(
        r#"name = "around-{region}"
region = "{region}"
horizon = "2h"
[bill]
image_size = "512MiB"
image_source = "other_region"
log_per_task = "1GiB"
egress_per_task = "1GiB"
cross_zone_per_task = "1GiB"
[workload]
[[workload.generators]]
name = "batch"
arrivals = {{ process = "burst", at = ["0s"], size = 10 }}
duration = "10min"
sizes = [{{ cpu = 1, memory = "2GiB" }}]
[[workload.services]]
name = "api"
cpu = 1
memory = "2GiB"
replicas = {{ min = 2, max = 2 }}
concurrency = 8
service_time = "20ms"
requests = {{ curve = "constant", rate = "25/s", arrivals = "even" }}
load_balancer = "alb"
[[platforms]]
name = "f"
kind = "fargate"
bill = {{ subnet = "private", container_insights = true }}
"#
    )
}

/// Every Region's bill around compute, by hand. With 12 tasks over 2 h:
/// - public IPv4: the 3 NAT gateways' addresses, 3 x 2 h x $0.005 = $0.03;
/// - NAT hours: 3 x 2 h x `nat_hour`;
/// - NAT data: 12 GiB egress + 12 x 0.5 GiB pulls + 12 GiB of logs = 30 GiB
///   x `nat_gb`;
/// - Logs: 12 GiB x `logs_gb`;
/// - ECR: 0.5 GiB stored for 7,200 s of a 2,592,000 s month (1/720 GB-Mo) x
///   `ecr_gb_month`; 6 GiB pulled across Regions x `inter_region_gb`;
/// - cross-zone: 12 GiB each way, 24 GiB x `cross_zone_gb`;
/// - Container Insights: 10 cluster + 13 service metrics for 1/360 month x
///   `custom_metric_month`;
/// - the ALB: 2 hours x `alb_hour`; its LCUs come from new connections (one
///   per request, 25 a second is 1 LCU; the other dimensions are smaller: 1
///   concurrent request, 0.43 GiB an hour). Evenly spaced, the first request
///   at 0.04 s, the hours carry 89,999 and 90,000 requests: 999,989 and
///   1,000,000 millionths of an LCU, 1.999989 LCU-hours x `alb_lcu_hour`.
///
/// London, for instance: $0.03 + 6 x $0.05 + 30 x $0.05 + 12 x $0.5985 +
/// $0.10/720 + 6 x $0.02 + 24 x $0.01 + 23 x $0.30/360 + 2 x $0.02646 +
/// 1.999989 x $0.0084 = 0.03 + 0.30 + 1.50 + 7.182 + 0.000138889 + 0.12 +
/// 0.24 + 0.0191667 + 0.05292 + 0.0167999 = $9.4610255.
///
/// Every Region prices custom metrics (Container Insights here) and the ALB
/// since 2026-12-01, so each run bills every charge.
#[test]
fn each_region_bills_every_charge_at_its_own_rates() {
    for r in &REGIONS {
        let case = Case::new(&scenario(r.region), None);
        assert!(
            r.metric.is_some() && r.alb_hour.is_some(),
            "{}: every Region has these rates",
            r.region
        );
        let overrides: Vec<&str> = vec![];
        let ran = run(&case, &overrides);
        let p = ran.platform("f");
        // 10 batch tasks and the service's 2 replicas: 12 tasks billed.
        assert_eq!(p.tasks.completed, 10, "{}", r.region);
        let replicas = p.tasks.service_replicas.as_ref().unwrap();
        assert_eq!(replicas.running_at_end, 2, "{}", r.region);
        let near = |component: &str, want: f64| {
            let got = charge(p, component);
            assert!(
                (got - want).abs() < 1e-9,
                "{} {component}: {got} != {want}",
                r.region
            );
        };
        near("public_ipv4", 0.03);
        near("nat_gateway_hours", 6.0 * r.nat);
        near("nat_data_processed", 30.0 * r.nat);
        near("cross_zone_transfer", 24.0 * r.cross_zone);
        near("logs_ingestion", 12.0 * r.logs.unwrap_or(0.0));
        match r.ecr {
            Some(ecr) => {
                near("ecr_storage", ecr / 720.0);
                near("ecr_transfer", 6.0 * r.inter_region);
            }
            None => {
                near("ecr_storage", 0.0);
                near("ecr_transfer", 0.0);
            }
        }
        near("container_insights", 23.0 * r.metric.unwrap_or(0.0) / 360.0);
        near("load_balancer_hours", 2.0 * r.alb_hour.unwrap_or(0.0));
        near(
            "load_balancer_capacity",
            1.999_989 * r.alb_lcu.unwrap_or(0.0),
        );
        // Parts and whole agree.
        let lines: f64 = p.cost.around.iter().map(|l| l.cost_usd).sum();
        assert!((lines - p.cost.around_usd).abs() < 1e-9, "{}", r.region);
        assert!(
            (p.cost.around_usd + p.cost.compute_usd - p.cost.total_usd).abs() < 1e-9,
            "{}",
            r.region
        );
        if r.region == "eu-west-2" {
            assert!((p.cost.around_usd - 9.461_025_463_155_556).abs() < 1e-9);
        }
    }
}

/// Interface endpoints for ECR and CloudWatch Logs where the Region prices
/// them: 3 endpoints x 3 zones x 2 h x `endpoint_hour`, the 12 GiB of logs x
/// `endpoint_gb`; NAT then carries only the 12 GiB of egress (image layers
/// come through the free S3 gateway endpoint). Every Region prices them.
#[test]
fn interface_endpoints_at_each_regions_rate() {
    for r in &REGIONS {
        let case = Case::new(&scenario(r.region), None);
        let mut overrides = vec!["platforms.f.bill.vpc_endpoints=true"];
        // Only the endpoints and NAT matter here.
        overrides
            .push("platforms.f.bill.leave_out=[\"metrics\",\"load_balancer\",\"logs\",\"ecr\"]");
        let (Some(hour), Some(gb)) = (r.endpoint_hour, r.endpoint_gb) else {
            panic!("{} has no endpoint rate", r.region);
        };
        let ran = run(&case, &overrides);
        let p = ran.platform("f");
        let near = |component: &str, want: f64| {
            let got = charge(p, component);
            assert!(
                (got - want).abs() < 1e-9,
                "{} {component}: {got} != {want}",
                r.region
            );
        };
        near("vpc_endpoint_hours", 18.0 * hour);
        near("vpc_endpoint_data_processed", 12.0 * gb);
        near("nat_data_processed", 12.0 * r.nat);
    }
}

/// EC2 in the two Regions with shipped instance prices, with their own gp3
/// rates: one m5.large for 2 h. Ireland: 2 x $0.107 of instance, its 30 GiB
/// root volume 30 x $0.088 / 360 = $0.0073333, its public IPv4 $0.01. Tokyo:
/// 2 x $0.124, 30 x $0.096 / 360 = $0.008, $0.01; in a private subnet Tokyo's
/// 3 NAT gateways add 3 x 2 h x $0.062 = $0.372 and their addresses $0.03,
/// and the instance pulls its 512 MiB image once through NAT: 0.5 x $0.062.
#[test]
fn ec2_in_ireland_and_tokyo_with_gp3_root_volumes() {
    for (region, hourly, gp3) in [
        ("eu-west-1", 0.107, 0.088),
        ("ap-northeast-1", 0.124, 0.096),
    ] {
        let text = format!(
            r#"name = "ec2-{region}"
region = "{region}"
horizon = "2h"
[bill]
image_size = "512MiB"
[workload]
[[workload.generators]]
name = "g"
arrivals = {{ process = "burst", at = ["0s"], size = 1 }}
duration = "10min"
sizes = [{{ cpu = 1, memory = "2GiB" }}]
[[platforms]]
name = "c"
kind = "ec2"
instance_types = ["m5.large"]
initial = 1
min = 1
max = 1
"#
        );
        let case = Case::new(&text, None);
        let ran = run(&case, &[]);
        let p = ran.platform("c");
        assert!(
            (p.cost.compute_usd - 2.0 * hourly).abs() < 1e-12,
            "{region}"
        );
        assert!(
            (charge(p, "ebs") - 30.0 * gp3 / 360.0).abs() < 1e-12,
            "{region}"
        );
        assert!((charge(p, "public_ipv4") - 0.01).abs() < 1e-12, "{region}");
        assert!(
            (charge(p, "ecr_storage") - 0.10 / 720.0).abs() < 1e-12,
            "{region}"
        );
        if region == "ap-northeast-1" {
            let ran = run(&case, &["platforms.c.bill.subnet=private"]);
            let p = ran.platform("c");
            assert!((charge(p, "nat_gateway_hours") - 0.372).abs() < 1e-12);
            assert!((charge(p, "public_ipv4") - 0.03).abs() < 1e-12);
            assert!((charge(p, "nat_data_processed") - 0.5 * 0.062).abs() < 1e-12);
            assert!((charge(p, "ebs") - 0.008).abs() < 1e-12);
        }
    }
}

/// What a Region still lacks is refused at load time, by the binary too
/// (exit 2, never a panic), naming the key, the Region, where to add it and
/// the `leave_out` that does without: an NLB in Ohio (the hour is sourced
/// there, the NLCU rate is not).
#[test]
fn a_region_still_missing_a_key_names_what_to_add() {
    let service = r#"[[workload.services]]
name = "api"
cpu = 1
memory = "2GiB"
replicas = { min = 1, max = 1 }
service_time = "20ms"
requests = { curve = "constant", rate = "1/s", arrivals = "even" }
"#;
    let (region, balancer, key) = ("us-east-2", "nlb", "nlb_nlcu_hour");
    let text = format!(
        "name = \"m\"\nregion = \"{region}\"\nhorizon = \"1h\"\n[workload]\n{service}load_balancer = \"{balancer}\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n"
    );
    let case = Case::new(&text, None);
    std::fs::write(case.dir().join("m.toml"), &text).unwrap();
    let (code, _, err) = bin(&["run", "m.toml", "-q", "--out", "o"], case.dir());
    assert_eq!(code, 2, "{region}: {err}");
    assert!(
        err.contains(&format!("`{key}`"))
            && err.contains(region)
            && err.contains("[[around.rates]]")
            && err.contains("leave_out = [\"load_balancer\"]"),
        "{region}: {err}"
    );
    // Left out, the run goes through and bills no load balancer.
    let ran = run(&case, &["platforms.f.bill.leave_out=[\"load_balancer\"]"]);
    assert_eq!(charge(ran.platform("f"), "load_balancer_hours"), 0.0);
}

/// The built-in catalog: every Region with Fargate rates has an
/// `[[around.rates]]` block with a source, and the issue's EBS, IPv4 and NAT
/// rates in each (the ALB in all of them).
#[test]
fn every_fargate_region_has_sourced_rates_around_compute() {
    let catalog = Catalog::builtin();
    let mut fargate: Vec<&str> = catalog
        .fargate
        .rates
        .iter()
        .map(|r| r.region.as_str())
        .collect();
    fargate.sort_unstable();
    fargate.dedup();
    assert_eq!(fargate.len(), REGIONS.len(), "{fargate:?}");
    for r in &REGIONS {
        assert!(fargate.contains(&r.region), "{}", r.region);
        let rates = catalog.around_rates(r.region).unwrap();
        assert!(!rates.source.is_empty(), "{}", r.region);
        let has = |k: &str| rates.prices.contains_key(k);
        for k in [
            "gp3_gib_month",
            "public_ipv4_hour",
            "nat_hour",
            "nat_gb",
            "inter_region_gb",
            "cross_zone_gb",
        ] {
            assert!(has(k), "{} lacks {k}", r.region);
        }
        assert_eq!(has("alb_hour"), r.alb_hour.is_some(), "{}", r.region);
        assert_eq!(has("logs_gb"), r.logs.is_some(), "{}", r.region);
        assert_eq!(has("ecr_gb_month"), r.ecr.is_some(), "{}", r.region);
        assert_eq!(
            has("custom_metric_month"),
            r.metric.is_some(),
            "{}",
            r.region
        );
        assert_eq!(
            has("endpoint_hour"),
            r.endpoint_hour.is_some(),
            "{}",
            r.region
        );
        let usd = |k: &str| rates.get(k).unwrap().cost(1, 1).0 as f64 / 1e18;
        assert!((usd("gp3_gib_month") - r.gp3).abs() < 1e-15, "{}", r.region);
        assert!((usd("nat_gb") - r.nat).abs() < 1e-15, "{}", r.region);
        assert!(
            (usd("inter_region_gb") - r.inter_region).abs() < 1e-15,
            "{}",
            r.region
        );
    }
}
