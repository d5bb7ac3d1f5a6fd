//! EC2 in the five more Regions the built-in catalog prices (issue 25's last
//! item): us-east-2, us-west-2, eu-central-1, eu-west-2 and ap-southeast-1,
//! each from the AWS offer rows in [3P] skypilot-catalog (see the comment
//! above the first [[ec2.instance_types]] in data/pricing.toml), and
//! sa-east-1 from a copy of its AmazonEC2 offer file (r5 and r6i from two
//! older generated copies). A catalog without a type's price in the run's
//! Region refuses the run naming `prices import`. Bills worked by hand
//! from data/pricing.toml.

use crate::common::{Case, bin, run, usd};
use fargate_sim::pricing::{Catalog, Price};

/// The Regions added here, in the catalog's order.
const NEW: [&str; 5] = [
    "us-east-2",
    "us-west-2",
    "eu-central-1",
    "eu-west-2",
    "ap-southeast-1",
];

/// Two instances of `itype` for 2 h. EBS is left out so the test needs no
/// gp3 rate in the Region (rates around compute are another item); public
/// IPv4 ($0.005 per address-hour everywhere) stays in.
fn cluster(region: &str, itype: &str) -> String {
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
bill = {{ leave_out = ["ebs"] }}
"#
    )
}

/// 2 x m5.large for 2 h with the built-in catalog, per Region:
///   us-east-2, us-west-2: 2 x 2 h x $0.096 = $0.384
///   eu-central-1:         2 x 2 h x $0.115 = $0.46
///   eu-west-2:            2 x 2 h x $0.111 = $0.444
///   ap-southeast-1:       2 x 2 h x $0.12  = $0.48
/// plus 2 public IPv4 addresses x 2 h x $0.005 = $0.02 in each.
#[test]
fn two_m5_large_for_two_hours_in_each_new_region() {
    for (region, compute, text) in [
        ("us-east-2", 0.384, "0.384"),
        ("us-west-2", 0.384, "0.384"),
        ("eu-central-1", 0.46, "0.46"),
        ("eu-west-2", 0.444, "0.444"),
        ("ap-southeast-1", 0.48, "0.48"),
    ] {
        let ran = run(&Case::new(&cluster(region, "m5.large"), None), &[]);
        let p = ran.platform("c");
        let hours = p.cluster.as_ref().unwrap().instance_hours;
        assert!((hours - 4.0).abs() < 1e-12, "{region}: {hours}");
        assert!(
            (p.cost.compute_usd - compute).abs() < 1e-12,
            "{region}: {}",
            p.cost.compute_usd
        );
        // The instance bill to the atto-dollar, the whole bill to 1e-12.
        assert_eq!(ran.total_atto("c"), usd(text), "{region}");
        assert!(
            (p.cost.total_usd - (compute + 0.02)).abs() < 1e-12,
            "{region}: {}",
            p.cost.total_usd
        );
    }
}

/// Other families: 2 x r6i.xlarge in Frankfurt for 2 h = 4 x $0.304 =
/// $1.216; 2 x c6i.2xlarge in London = 4 x $0.404 = $1.616; 2 x t3.large in
/// Singapore = 4 x $0.1056 = $0.4224.
#[test]
fn other_families_in_frankfurt_london_and_singapore() {
    for (region, itype, compute, text) in [
        ("eu-central-1", "r6i.xlarge", 1.216, "1.216"),
        ("eu-west-2", "c6i.2xlarge", 1.616, "1.616"),
        ("ap-southeast-1", "t3.large", 0.4224, "0.4224"),
    ] {
        let ran = run(&Case::new(&cluster(region, itype), None), &[]);
        let p = ran.platform("c");
        assert!(
            (p.cost.compute_usd - compute).abs() < 1e-12,
            "{region} {itype}: {}",
            p.cost.compute_usd
        );
        assert_eq!(ran.total_atto("c"), usd(text), "{region} {itype}");
    }
}

/// All 36 types are priced in every new Region. Ohio and Oregon equal
/// N. Virginia except c7g in Ohio (the offer rows price it $0.0723 per
/// c7g.large-hour there, $0.0725 in N. Virginia); Frankfurt, London and
/// Singapore are dearer than N. Virginia for every type, and São Paulo
/// dearer than all of them.
#[test]
fn every_catalog_type_is_priced_in_the_new_regions() {
    let c = Catalog::builtin();
    let types = &c.ec2.instance_types;
    assert_eq!(types.len(), 36);
    for t in types {
        let us = t.on_demand["us-east-1"].price;
        for region in NEW {
            let r = t
                .on_demand
                .get(region)
                .unwrap_or_else(|| panic!("{} has no {region} price", t.name))
                .price;
            match region {
                "us-east-2" if t.name.starts_with("c7g.") => {
                    assert!(r.pico_usd < us.pico_usd, "{} in {region}", t.name)
                }
                "us-east-2" | "us-west-2" => assert_eq!(r, us, "{} in {region}", t.name),
                _ => assert!(r.pico_usd > us.pico_usd, "{} in {region}", t.name),
            }
        }
        let sp = t
            .on_demand
            .get("sa-east-1")
            .unwrap_or_else(|| panic!("{} has no sa-east-1 price", t.name))
            .price;
        for region in NEW {
            let r = t.on_demand[region].price;
            assert!(
                sp.pico_usd > r.pico_usd,
                "{} in sa-east-1 and {region}",
                t.name
            );
        }
    }
    let price = |name: &str, region: &str| c.instance_type(name).unwrap().on_demand[region].price;
    for (name, region, want) in [
        ("c7g.large", "us-east-2", "0.0723"),
        ("c7g.4xlarge", "us-east-2", "0.5781"),
        ("m7g.xlarge", "us-west-2", "0.1632"),
        ("t3.medium", "eu-central-1", "0.048"),
        ("m6g.large", "eu-central-1", "0.092"),
        ("m7g.4xlarge", "eu-central-1", "0.7821"),
        ("m6g.xlarge", "eu-west-2", "0.1776"),
        ("c7g.2xlarge", "eu-west-2", "0.3434"),
        ("r5.large", "ap-southeast-1", "0.152"),
        ("c5.xlarge", "ap-southeast-1", "0.196"),
        ("m5.large", "sa-east-1", "0.153"),
        ("m6i.4xlarge", "sa-east-1", "1.224"),
        ("m7g.xlarge", "sa-east-1", "0.2601"),
        ("c7g.2xlarge", "sa-east-1", "0.4443"),
        ("c6i.large", "sa-east-1", "0.131"),
        ("t3.medium", "sa-east-1", "0.0672"),
        ("r5.large", "sa-east-1", "0.201"),
        ("r6i.2xlarge", "sa-east-1", "0.804"),
    ] {
        assert_eq!(
            price(name, region),
            Price::parse(want).unwrap(),
            "{name} {region}"
        );
    }
}

/// `fargate-sim prices ec2` has a column for each of the nine Regions with
/// instance prices; limited to Frankfurt (JSON) it shows Frankfurt only.
#[test]
fn prices_list_the_nine_instance_regions() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(&["prices", "ec2"], dir.path());
    assert_eq!(code, 0, "{err}");
    for region in NEW
        .iter()
        .chain(&["us-east-1", "eu-west-1", "ap-northeast-1", "sa-east-1"])
    {
        assert!(
            out.contains(&format!("{region} per hour")),
            "no {region} in\n{out}"
        );
    }
    let (code, out, err) = bin(
        &[
            "prices",
            "ec2",
            "--region",
            "eu-central-1",
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
        assert_eq!(regions, ["eu-central-1"], "{t}");
        if t["name"] == "m5.large" {
            assert_eq!(prices["eu-central-1"], 0.115);
        }
    }
}

/// São Paulo: the listing limited to it prices all 36 types. With a catalog
/// that lacks r5.xlarge there, an EC2 run with it is refused at load (exit
/// 2, no panic), naming the type, the Region, `prices import` and the
/// listing. (The same refusal is in regions.rs and errors.rs.)
#[test]
fn sao_paulo_prices_every_type_and_a_missing_one_names_prices_import() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(
        &["prices", "ec2", "--region", "sa-east-1", "--format", "json"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let types = json["ec2"]["instance_types"].as_array().unwrap();
    assert_eq!(types.len(), 36);
    for t in types {
        let prices = t["on_demand_usd_per_hour"].as_object().unwrap();
        assert_eq!(prices.len(), 1, "{t}");
        if t["name"] == "c5.xlarge" {
            assert_eq!(prices["sa-east-1"], 0.262);
        }
        if t["name"] == "r5.xlarge" {
            assert_eq!(prices["sa-east-1"], 0.402);
        }
    }
    let case = Case::without_price(&cluster("sa-east-1", "r5.xlarge"), "r5.xlarge", "sa-east-1");
    std::fs::copy(&case.path, case.dir().join("s.toml")).unwrap();
    let (code, _, err) = bin(&["run", "s.toml", "-q", "--out", "o"], case.dir());
    assert_eq!(code, 2, "{err}");
    for want in [
        "platforms[0].instance_types[0]",
        "no sa-east-1 price for r5.xlarge",
        "fargate-sim prices import",
        "fargate-sim prices ec2 --region sa-east-1",
    ] {
        assert!(err.contains(want), "no `{want}` in\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Two instances for 2 h in São Paulo, worked by hand from the offer rows:
///   m5.large:    4 instance-hours x $0.153  = $0.612
///   c7g.2xlarge: 4 x $0.4443 = $1.7772 (the offer's four decimals, not 4 x
///                the large's $0.1111)
///   t3.medium:   4 x $0.0672 = $0.2688
///   r6i.xlarge:  4 x $0.402  = $1.608
/// plus 2 public IPv4 addresses x 2 h x $0.005 = $0.02.
#[test]
fn two_instances_for_two_hours_in_sao_paulo() {
    for (itype, compute, text) in [
        ("m5.large", 0.612, "0.612"),
        ("c7g.2xlarge", 1.7772, "1.7772"),
        ("t3.medium", 0.2688, "0.2688"),
        ("r6i.xlarge", 1.608, "1.608"),
    ] {
        let ran = run(&Case::new(&cluster("sa-east-1", itype), None), &[]);
        let p = ran.platform("c");
        let hours = p.cluster.as_ref().unwrap().instance_hours;
        assert!((hours - 4.0).abs() < 1e-12, "{itype}: {hours}");
        assert_eq!(ran.total_atto("c"), usd(text), "{itype}");
        assert!(
            (p.cost.compute_usd - compute).abs() < 1e-12,
            "{itype}: {}",
            p.cost.compute_usd
        );
        assert!(
            (p.cost.total_usd - (compute + 0.02)).abs() < 1e-12,
            "{itype}: {}",
            p.cost.total_usd
        );
    }
}

/// A list of several types with one unpriced in the Region: the refusal
/// also offers the simplest fix, dropping that type from the list (a
/// single-type list is not offered an empty one).
#[test]
fn an_unpriced_type_in_a_list_can_be_dropped() {
    let text = cluster("sa-east-1", "m5.large").replace(
        "instance_types = [\"m5.large\"]",
        "instance_types = [\"m5.large\", \"r6i.xlarge\"]",
    );
    let case = Case::without_price(&text, "r6i.xlarge", "sa-east-1");
    let err = fargate_sim::scenario::load(&case.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("platforms[0].instance_types[1]"), "{err}");
    assert!(err.contains("no sa-east-1 price for r6i.xlarge"), "{err}");
    assert!(
        err.contains("or take r6i.xlarge out of instance_types"),
        "{err}"
    );
    let one = Case::without_price(
        &cluster("sa-east-1", "r6i.xlarge"),
        "r6i.xlarge",
        "sa-east-1",
    );
    let err = fargate_sim::scenario::load(&one.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(!err.contains("out of instance_types"), "{err}");
}
