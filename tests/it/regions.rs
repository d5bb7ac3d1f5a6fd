//! EC2 (and the rates around it) outside us-east-1, issue 25: the built-in
//! catalog prices every instance type in eu-west-1 and ap-northeast-1, with
//! those Regions' own EBS, NAT, endpoint and logs rates; a Region without an
//! instance price still names `prices import`. Figures worked by hand from
//! data/pricing.toml (sources cited there).

use crate::common::{Case, bin, run, usd};
use fargate_sim::pricing::{Catalog, Price};

fn charge(p: &fargate_sim::report::PlatformSummary, component: &str) -> f64 {
    p.cost
        .around
        .iter()
        .filter(|l| l.component == component)
        .map(|l| l.cost_usd)
        .sum()
}

fn cluster(region: &str) -> String {
    cluster_of(region, "m5.large")
}

fn cluster_of(region: &str, itype: &str) -> String {
    format!(
        r#"name = "two"
region = "{region}"
horizon = "2h"
[workload]
[[workload.generators]]
name = "g"
arrivals = {{ process = "burst", at = ["0s"], size = 2 }}
duration = "10min"
sizes = [{{ cpu = 1, memory = "2GiB" }}]
[[platforms]]
name = "c"
kind = "ec2"
instance_types = ["{itype}"]
initial = 2
min = 2
max = 2
"#
    )
}

/// Two m5.large for 2 h with the built-in catalog (no user catalog), each
/// with its 30 GiB gp3 root volume and a public IPv4 address.
/// Tokyo: 2 x 2 h x $0.124 = $0.496 of instances; 2 x 30 GiB x $0.096 per
/// GB-month x 7,200 s / 2,592,000 s = $0.016 of volumes; 2 x 2 h x $0.005 =
/// $0.02 of addresses: $0.532 in all.
/// Ireland: 2 x 2 h x $0.107 = $0.428; 2 x 30 x $0.088 / 360 = $0.0146667;
/// $0.02 of addresses: $0.4626667.
#[test]
fn an_ec2_cluster_in_ireland_and_tokyo_is_priced_from_the_built_in_catalog() {
    let tokyo = run(&Case::new(&cluster("ap-northeast-1"), None), &[]);
    let p = tokyo.platform("c");
    let hours = p.cluster.as_ref().unwrap().instance_hours;
    assert!((hours - 4.0).abs() < 1e-12, "{hours}");
    assert!((p.cost.compute_usd - 0.496).abs() < 1e-12);
    assert!((charge(p, "ebs") - 0.016).abs() < 1e-12);
    assert!((charge(p, "public_ipv4") - 0.02).abs() < 1e-12);
    // The instance bill exactly (atto-dollars); the whole bill to the cent.
    assert_eq!(tokyo.total_atto("c"), usd("0.496"));
    assert!((p.cost.total_usd - 0.532).abs() < 1e-12);

    let ireland = run(&Case::new(&cluster("eu-west-1"), None), &[]);
    let p = ireland.platform("c");
    assert!((p.cost.compute_usd - 0.428).abs() < 1e-12);
    assert!((charge(p, "ebs") - 2.0 * 30.0 * 0.088 / 360.0).abs() < 1e-12);
    assert!((charge(p, "public_ipv4") - 0.02).abs() < 1e-12);
    assert!((p.cost.total_usd - (0.428 + 0.02 + 0.0528 / 3.6)).abs() < 1e-12);
    // The same cluster in us-east-1 costs 2 x 2 h x $0.096 = $0.384 of
    // instances: Ireland is 11.5 % dearer, Tokyo 29.2 %.
    let virginia = run(&Case::new(&cluster("us-east-1"), None), &[]);
    assert!((virginia.platform("c").cost.compute_usd - 0.384).abs() < 1e-12);
}

/// Every instance type in the built-in catalog has an Irish and a Tokyo
/// price, each above its us-east-1 price (as AWS prices these Regions); a
/// few spot values read from the source table.
#[test]
fn every_catalog_type_has_an_irish_and_a_tokyo_price() {
    let c = Catalog::builtin();
    let types = &c.ec2.instance_types;
    assert_eq!(types.len(), 36);
    for t in types {
        let us = t.on_demand["us-east-1"].price;
        for region in ["eu-west-1", "ap-northeast-1"] {
            let r = t
                .on_demand
                .get(region)
                .unwrap_or_else(|| panic!("{} has no {region} price", t.name));
            assert!(r.price.pico_usd > us.pico_usd, "{} in {region}", t.name);
        }
    }
    let price = |name: &str, region: &str| c.instance_type(name).unwrap().on_demand[region].price;
    assert_eq!(
        price("t3.medium", "eu-west-1"),
        Price::parse("0.0456").unwrap()
    );
    assert_eq!(
        price("c6i.large", "eu-west-1"),
        Price::parse("0.0912").unwrap()
    );
    assert_eq!(
        price("m7g.4xlarge", "eu-west-1"),
        Price::parse("0.7276").unwrap()
    );
    assert_eq!(
        price("r6i.2xlarge", "ap-northeast-1"),
        Price::parse("0.608").unwrap()
    );
    assert_eq!(
        price("c7g.4xlarge", "ap-northeast-1"),
        Price::parse("0.7277").unwrap()
    );
}

/// A type without a price in the run's Region (r5.large in sa-east-1, in a
/// catalog that lacks it: the built-in one prices every type in each of its
/// Regions) is refused at load, naming the type, the Region and
/// `prices import`.
#[test]
fn a_region_without_an_instance_price_still_names_prices_import() {
    let case = Case::without_price(
        &cluster_of("sa-east-1", "r5.large"),
        "r5.large",
        "sa-east-1",
    );
    std::fs::copy(&case.path, case.dir().join("s.toml")).unwrap();
    let (code, _, err) = bin(&["run", "s.toml", "-q", "--out", "o"], case.dir());
    assert_eq!(code, 2, "{err}");
    for want in [
        "platforms[0].instance_types[0]",
        "no sa-east-1 price for r5.large",
        "fargate-sim prices import",
        "--pricing",
    ] {
        assert!(err.contains(want), "no `{want}` in\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// `fargate-sim prices ec2` lists the new Regions as columns; limited to
/// Tokyo it shows Tokyo's m5.large price and no other Region's.
#[test]
fn prices_list_the_instance_regions() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(&["prices", "ec2"], dir.path());
    assert_eq!(code, 0, "{err}");
    for region in ["us-east-1", "eu-west-1", "ap-northeast-1"] {
        assert!(out.contains(region), "no {region} in\n{out}");
    }
    let (code, out, err) = bin(
        &[
            "prices",
            "ec2",
            "--region",
            "ap-northeast-1",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let types = json["ec2"]["instance_types"].as_array().unwrap();
    assert_eq!(types.len(), 36);
    for t in types {
        let prices = t["on_demand_usd_per_hour"].as_object().unwrap();
        let regions: Vec<&String> = prices.keys().collect();
        assert_eq!(regions, ["ap-northeast-1"], "{t}");
        if t["name"] == "m5.large" {
            assert_eq!(prices["ap-northeast-1"], 0.124);
        }
    }
}

/// Ireland's own NAT, logs and endpoint rates: 10 Fargate tasks in a
/// private subnet (3 zones) over 2 h, each writing 1 GiB of logs.
/// NAT gateways 3 x 2 h x $0.048 = $0.288; logs 10 GiB x $0.57 = $5.70,
/// and the same 10 GiB through NAT at $0.048 = $0.48. With interface
/// endpoints: 3 endpoints x 3 zones x 2 h x $0.011 = $0.198 (us-east-1 would
/// be $0.18), and no NAT processing.
#[test]
fn ireland_bills_nat_logs_and_endpoints_at_its_own_rates() {
    let text = r#"name = "eu"
region = "eu-west-1"
horizon = "2h"
[bill]
log_per_task = "1GiB"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 10 }
duration = "10min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "f"
kind = "fargate"
bill = { subnet = "private" }
"#;
    let case = Case::new(text, None);
    let ran = run(&case, &[]);
    let p = ran.platform("f");
    assert_eq!(p.tasks.completed, 10);
    assert!((charge(p, "nat_gateway_hours") - 0.288).abs() < 1e-12);
    assert!((charge(p, "logs_ingestion") - 5.70).abs() < 1e-9);
    let logs_via_nat = p
        .cost
        .around
        .iter()
        .find(|l| l.resource.ends_with("/nat/ecr-logs"))
        .unwrap();
    assert!((logs_via_nat.cost_usd - 10.0 * 0.048).abs() < 1e-9);
    let ran = run(&case, &["platforms.f.bill.vpc_endpoints=true"]);
    let p = ran.platform("f");
    assert!((charge(p, "vpc_endpoint_hours") - 0.198).abs() < 1e-12);
    assert_eq!(charge(p, "nat_data_processed"), 0.0);
}

/// Container Insights in Tokyo, now that Tokyo has a custom-metric rate:
/// on Fargate 10 cluster metrics, prorated over 7,200 s of a 2,592,000 s
/// month at $0.30: 10 x 0.30 / 360 = $0.0083333 (no service, so no
/// service metrics).
#[test]
fn tokyo_bills_container_insights() {
    let text = r#"name = "ci"
region = "ap-northeast-1"
horizon = "2h"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "burst", at = ["0s"], size = 1 }
duration = "10min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "f"
kind = "fargate"
bill = { container_insights = true }
"#;
    let ran = run(&Case::new(text, None), &[]);
    let ci = charge(ran.platform("f"), "container_insights");
    assert!((ci - 10.0 * 0.30 / 360.0).abs() < 1e-12, "{ci}");
}
