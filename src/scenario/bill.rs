//! The scenario keys of the bill around compute (issue 25): the workload's
//! traffic volumes (`[bill]`), each platform's network and volumes
//! (`bill = { .. }` on a platform), each service's load balancer and
//! request sizes (`[[workload.services]]` keys), checked into
//! `pricing::around::Settings`, one per platform.

use super::check::{Invalid, invalid, region_key};
use super::raw::{PlatformKind, RawScenario};
use super::raw_bill::{BillDefaults, Switch};
use crate::platform::PlatformSpec;
use crate::platform::ec2::Orchestrator;
use crate::pricing::Catalog;
use crate::pricing::around::{
    Balancer, Group, ImageSource, ServiceTraffic, Settings, Subnet, missing,
};
use std::collections::BTreeSet;

/// Parses a byte size: `512B`, `64KiB`, `10MiB`, `1.5GiB`, `1TiB`, or `0`.
/// Decimal units are refused: AWS bills a GB of 1024³ bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("`{t}` does not start with a number; write a size such as \"10MiB\"")
    })?;
    let factor = match unit.trim() {
        "" if value == 0.0 => 1.0,
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "KB" | "MB" | "GB" | "TB" => {
            return Err(format!(
                "`{t}`: write binary units (KiB, MiB, GiB, TiB): AWS bills a GB of 1024³ bytes"
            ));
        }
        "" => {
            return Err(format!(
                "`{t}` has no unit; write \"{t}B\", \"{t}KiB\", \"{t}MiB\" or \"{t}GiB\""
            ));
        }
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{t}`; use B, KiB, MiB, GiB or TiB"
            ));
        }
    };
    let bytes = value * factor;
    if !bytes.is_finite() || !(0.0..=1e18).contains(&bytes) {
        return Err(format!("`{t}` is not a size from 0 to 1 EiB"));
    }
    Ok(bytes.round() as u64)
}

fn bytes(key: &str, text: &Option<String>) -> Result<u64, Invalid> {
    match text {
        None => Ok(0),
        Some(t) => parse_bytes(t).map_err(|m| invalid(key, m)),
    }
}

/// Each platform's bill settings, in platform order; refuses a Region
/// without a rate a default-on charge needs.
pub fn settings(
    raw: &RawScenario,
    platforms: &[PlatformSpec],
    catalog: &Catalog,
    defaults: &BillDefaults,
    zones_default: u32,
) -> Result<Vec<Settings>, Invalid> {
    let b = raw.bill.clone().unwrap_or_default();
    let egress = bytes("bill.egress_per_task", &b.egress_per_task)?;
    let cross_zone = bytes("bill.cross_zone_per_task", &b.cross_zone_per_task)?;
    let log_per_task = bytes("bill.log_per_task", &b.log_per_task)?;
    let image = bytes("bill.image_size", &b.image_size)?;
    let image_source = match b.image_source.as_deref() {
        None | Some("same_region") => ImageSource::SameRegion,
        Some("other_region") => ImageSource::OtherRegion,
        Some("internet") => ImageSource::Internet,
        Some(other) => {
            return Err(invalid(
                "bill.image_source",
                format!(
                    "`{other}` is not a source; use \"same_region\", \"other_region\" or \"internet\""
                ),
            ));
        }
    };
    let d =
        |key: &str, t: &str| parse_bytes(t).map_err(|m| invalid(format!("defaults bill.{key}"), m));
    let mut services = Vec::new();
    for (i, s) in raw.workload.services.iter().enumerate() {
        let key = |k: &str| format!("workload.services[{i}].{k}");
        let balancer = match s.load_balancer.as_deref() {
            None | Some("none") => None,
            Some("alb") => Some(Balancer::Alb),
            Some("nlb") => Some(Balancer::Nlb),
            Some(other) => {
                return Err(invalid(
                    key("load_balancer"),
                    format!("`{other}` is not a load balancer; use \"alb\", \"nlb\" or \"none\""),
                ));
            }
        };
        let size = |k: &str, v: &Option<String>, default: &str| -> Result<u64, Invalid> {
            match v {
                Some(t) => parse_bytes(t).map_err(|m| invalid(key(k), m)),
                None => d(k, default),
            }
        };
        let count = |k: &str, v: Option<i64>, default: u64, min: i64| -> Result<u64, Invalid> {
            match v {
                None => Ok(default),
                Some(n) if n >= min => Ok(n as u64),
                Some(n) => Err(invalid(key(k), format!("`{n}` must be {min} or more"))),
            }
        };
        services.push(ServiceTraffic {
            name: s.name.clone(),
            balancer,
            request_bytes: size("request_size", &s.request_size, &defaults.request_size)?,
            response_bytes: size("response_size", &s.response_size, &defaults.response_size)?,
            requests_per_connection: count(
                "requests_per_connection",
                s.requests_per_connection,
                defaults.requests_per_connection,
                1,
            )?,
            rules: count("rules", s.rules, defaults.rules, 0)?,
            log_bytes_per_request: bytes(&key("log_per_request"), &s.log_per_request)?,
        });
    }
    let mut out = Vec::new();
    for (i, (p, spec)) in raw.platforms.iter().zip(platforms).enumerate() {
        let key = |k: &str| format!("platforms[{i}].bill.{k}");
        let pb = p.bill.clone().unwrap_or_default();
        if p.kind == PlatformKind::Function && p.bill.is_some() {
            return Err(invalid(
                format!("platforms[{i}].bill"),
                "does not apply to kind = \"function\": a function platform's bill is its own (requests and duration)",
            ));
        }
        let subnet = match pb.subnet.as_deref().unwrap_or(defaults.subnet.as_str()) {
            "public" => Subnet::Public,
            "private" => Subnet::Private,
            other => {
                return Err(invalid(
                    key("subnet"),
                    format!(
                        "`{other}` is not a subnet; use \"public\" (a public IPv4 address each) or \"private\" (NAT gateways)"
                    ),
                ));
            }
        };
        let (zones, root_default, region) = match spec {
            PlatformSpec::Ec2(e) => (
                e.zones,
                match e.orchestrator {
                    Orchestrator::Ecs => defaults.root_volume_ecs.as_str(),
                    Orchestrator::Eks => defaults.root_volume_eks.as_str(),
                },
                e.region.as_str(),
            ),
            PlatformSpec::Fargate(f) => (zones_default, "0B", f.region.as_str()),
            PlatformSpec::Function(_) => (zones_default, "0B", ""),
        };
        let nat_gateways = match pb.nat_gateways {
            None => zones,
            Some(n) if (1..=64).contains(&n) => n as u32,
            Some(n) => {
                return Err(invalid(
                    key("nat_gateways"),
                    format!("`{n}` must be from 1 to 64 (AWS advises one per zone)"),
                ));
            }
        };
        let is_ec2 = matches!(spec, PlatformSpec::Ec2(_));
        for (k, v) in [
            ("root_volume", &pb.root_volume),
            ("data_volume", &pb.data_volume),
        ] {
            if v.is_some() && !is_ec2 {
                return Err(invalid(
                    key(k),
                    "applies to EC2 instances only; Fargate's 20 GiB of ephemeral storage are in the task price (more is set with `storage`)",
                ));
            }
        }
        let gib = |k: &str, v: &Option<String>, default: &str| -> Result<u32, Invalid> {
            let b = match v {
                Some(t) => parse_bytes(t).map_err(|m| invalid(key(k), m))?,
                None => d(k, default)?,
            };
            if b % (1 << 30) != 0 || b > 64 * 1024 * (1 << 30) {
                return Err(invalid(
                    key(k),
                    "must be a whole number of GiB up to 64 TiB, such as \"30GiB\"",
                ));
            }
            Ok((b >> 30) as u32)
        };
        let root_volume_gib = gib("root_volume", &pb.root_volume, root_default)?;
        let data_volume_gib = gib("data_volume", &pb.data_volume, "0B")?;
        let mut leave_out = BTreeSet::new();
        for (j, g) in pb.leave_out.iter().flatten().enumerate() {
            let group = Group::parse(g).ok_or_else(|| {
                invalid(
                    format!("platforms[{i}].bill.leave_out[{j}]"),
                    format!(
                        "`{g}` is not a charge; use any of {}",
                        Group::ALL.map(|g| format!("\"{}\"", g.name())).join(", ")
                    ),
                )
            })?;
            leave_out.insert(group);
        }
        let is_eks = matches!(spec, PlatformSpec::Ec2(e) if e.orchestrator == Orchestrator::Eks);
        let n_services = raw.workload.services.len() as u32;
        let insights_metrics = match &pb.container_insights {
            None | Some(Switch::Flag(false)) => 0,
            Some(Switch::Word(w)) if w == "off" => 0,
            Some(Switch::Flag(true)) if is_eks => {
                return Err(invalid(
                    key("container_insights"),
                    "applies to ECS clusters only: Container Insights on EKS publishes other (node and pod) metrics, not modelled; remove the key or use an ECS platform",
                ));
            }
            Some(Switch::Flag(true)) => {
                let cluster = if is_ec2 {
                    defaults.insights_cluster_metrics_ec2
                } else {
                    defaults.insights_cluster_metrics_fargate
                };
                cluster + n_services * defaults.insights_service_metrics
            }
            Some(Switch::Word(w)) if w == "enhanced" => {
                return Err(invalid(
                    key("container_insights"),
                    "\"enhanced\" (Container Insights with enhanced observability) is priced per observation, and the catalog has no sourced rate or observation count for it; write true (standard Container Insights, charged as custom metrics) or false",
                ));
            }
            Some(Switch::Word(w)) => {
                return Err(invalid(
                    key("container_insights"),
                    format!(
                        "`{w}` is not a setting; write true (standard Container Insights) or false (off, the default)"
                    ),
                ));
            }
        };
        // ECS publishes a service's 20-second CPU metric when it scales on
        // it (`metric_resolution = "high"`, issue 21).
        let high_resolution_metrics = if is_eks {
            0
        } else {
            raw.workload
                .services
                .iter()
                .filter(|s| s.metric_resolution.as_deref() == Some("high"))
                .count() as u32
        };
        let vpc_endpoints = pb.vpc_endpoints.unwrap_or(false);
        if vpc_endpoints && subnet != Subnet::Private {
            return Err(invalid(
                key("vpc_endpoints"),
                "needs subnet = \"private\": tasks in a public subnet reach ECR and CloudWatch Logs over their public address, and endpoints would only add their hours",
            ));
        }
        if defaults.vpc_endpoints_per_zone == 0 {
            return Err(invalid(
                "defaults bill.vpc_endpoints_per_zone",
                "must be 1 or more, such as 3 (ECR API, ECR Docker, CloudWatch Logs)",
            ));
        }
        let s = Settings {
            subnet,
            nat_gateways,
            root_volume_gib,
            data_volume_gib,
            egress_bytes_per_task: egress,
            cross_zone_bytes_per_task: cross_zone,
            log_bytes_per_task: log_per_task,
            image_bytes: image,
            image_source,
            services: services.clone(),
            leave_out,
            zones,
            insights_metrics,
            high_resolution_metrics,
            vpc_endpoints,
            endpoint_count: defaults.vpc_endpoints_per_zone,
        };
        if !matches!(spec, PlatformSpec::Function(_)) {
            let field = region_key(&format!("platforms[{i}]"), p.region.is_some());
            check_rates(&s, is_ec2, region, catalog).map_err(|m| invalid(field, m))?;
        }
        out.push(s);
    }
    Ok(out)
}

/// Refuses a Region that lacks a rate the platform's bill will need.
fn check_rates(s: &Settings, is_ec2: bool, region: &str, catalog: &Catalog) -> Result<(), String> {
    let mut need: Vec<&str> = Vec::new();
    if is_ec2 && s.includes(Group::Ebs) && s.root_volume_gib + s.data_volume_gib > 0 {
        need.push("gp3_gib_month");
    }
    if s.includes(Group::PublicIpv4) {
        need.push("public_ipv4_hour");
    }
    if s.subnet == Subnet::Private && s.includes(Group::Nat) {
        need.extend(["nat_hour", "nat_gb"]);
    }
    if s.vpc_endpoints && s.includes(Group::VpcEndpoints) {
        need.extend(["endpoint_hour", "endpoint_gb"]);
    }
    if s.includes(Group::Metrics) && s.insights_metrics + s.high_resolution_metrics > 0 {
        need.push("custom_metric_month");
    }
    if s.includes(Group::CrossZone) && s.cross_zone_bytes_per_task > 0 {
        need.push("cross_zone_gb");
    }
    let logs = s.log_bytes_per_task > 0 || s.services.iter().any(|t| t.log_bytes_per_request > 0);
    if s.includes(Group::Logs) && logs {
        need.push("logs_gb");
    }
    if s.includes(Group::Ecr) && s.image_bytes > 0 {
        match s.image_source {
            ImageSource::SameRegion => need.push("ecr_gb_month"),
            ImageSource::OtherRegion => need.extend(["ecr_gb_month", "inter_region_gb"]),
            ImageSource::Internet => {}
        }
    }
    if s.includes(Group::LoadBalancer) {
        for t in &s.services {
            match t.balancer {
                Some(Balancer::Alb) => need.extend(["alb_hour", "alb_lcu_hour"]),
                Some(Balancer::Nlb) => need.extend(["nlb_hour", "nlb_nlcu_hour"]),
                None => {}
            }
        }
    }
    if need.is_empty() {
        return Ok(());
    }
    let rates = catalog.around_rates(region)?;
    for k in need {
        if !rates.prices.contains_key(k) {
            return Err(missing(region, k));
        }
    }
    Ok(())
}
