//! The assumptions of the bill around compute (issue 25): for each platform,
//! which charges are in it, at which rates, from which settings, and what
//! stays out of the bill.

/// One row of the assumptions: applies to, item, value, source (the
/// assumptions module turns it into its own type; no import back).
pub type Row = (String, String, String, String);
use crate::platform::PlatformSpec;
use crate::pricing::Catalog;
use crate::pricing::around::{Balancer, Group, ImageSource, Subnet};
use crate::scenario::Scenario;

fn row(applies_to: &str, item: &str, value: String, source: &str) -> Row {
    (
        applies_to.to_string(),
        item.to_string(),
        value,
        source.to_string(),
    )
}

fn size(bytes: u64) -> String {
    const U: [(&str, u64); 4] = [
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
        ("B", 1),
    ];
    for (name, n) in U {
        if bytes >= n && bytes.is_multiple_of(n) {
            return format!("{} {name}", bytes / n);
        }
    }
    format!("{bytes} B")
}

/// The rows for every platform, then what no platform's bill holds.
pub fn list(scenario: &Scenario, catalog: &Catalog) -> Vec<Row> {
    let mut out = Vec::new();
    let src = "data/pricing.toml [[around.rates]]; settings: scenario `bill` keys or data/defaults.toml [bill]";
    for (spec, s) in scenario.platforms.iter().zip(&scenario.bills) {
        let name = spec.name();
        let (region, ec2) = match spec {
            PlatformSpec::Fargate(f) => (f.region.as_str(), false),
            PlatformSpec::Ec2(e) => (e.region.as_str(), true),
            PlatformSpec::Function(_) => {
                out.push(row(
                    name,
                    "bill around compute",
                    "none: a function platform's bill is its requests and duration".into(),
                    "model scope",
                ));
                continue;
            }
        };
        let rate = |k: &str| {
            catalog
                .around_rates(region)
                .ok()
                .and_then(|r| r.prices.get(k).copied())
                .map_or("no rate".to_string(), |p| p.to_string())
        };
        let mut on = Vec::new();
        if ec2 && s.includes(Group::Ebs) {
            on.push(format!(
                "EBS gp3 {} GiB per instance at {}/GB-month",
                s.root_volume_gib + s.data_volume_gib,
                rate("gp3_gib_month")
            ));
        }
        if s.includes(Group::PublicIpv4) {
            on.push(match s.subnet {
                Subnet::Public => format!(
                    "a public IPv4 per {} at {}/h",
                    if ec2 { "instance" } else { "task" },
                    rate("public_ipv4_hour")
                ),
                Subnet::Private => format!(
                    "private subnet: {} NAT gateway(s) at {}/h and {}/GB, each with a public IPv4",
                    s.nat_gateways,
                    rate("nat_hour"),
                    rate("nat_gb")
                ),
            });
        }
        for t in &s.services {
            match t.balancer {
                Some(Balancer::Alb) if s.includes(Group::LoadBalancer) => on.push(format!(
                    "ALB for {} at {}/h and {}/LCU-h ({} request, {} response, {} request(s) per connection)",
                    t.name,
                    rate("alb_hour"),
                    rate("alb_lcu_hour"),
                    size(t.request_bytes),
                    size(t.response_bytes),
                    t.requests_per_connection
                )),
                Some(Balancer::Nlb) if s.includes(Group::LoadBalancer) => on.push(format!(
                    "NLB for {} at {}/h and {}/NLCU-h",
                    t.name,
                    rate("nlb_hour"),
                    rate("nlb_nlcu_hour")
                )),
                _ => {}
            }
        }
        let logs =
            s.log_bytes_per_task > 0 || s.services.iter().any(|t| t.log_bytes_per_request > 0);
        if logs && s.includes(Group::Logs) {
            on.push(format!(
                "CloudWatch Logs ingestion at {}/GB ({} per task)",
                rate("logs_gb"),
                size(s.log_bytes_per_task)
            ));
        }
        if s.image_bytes > 0 && s.includes(Group::Ecr) {
            on.push(format!(
                "ECR image of {} ({})",
                size(s.image_bytes),
                match s.image_source {
                    ImageSource::SameRegion => "same Region: storage only",
                    ImageSource::OtherRegion => "another Region: storage and transfer",
                    ImageSource::Internet => "a public registry: no ECR charge",
                }
            ));
        }
        if s.egress_bytes_per_task > 0 {
            on.push(format!("egress {} per task", size(s.egress_bytes_per_task)));
        }
        if s.cross_zone_bytes_per_task > 0 && s.includes(Group::CrossZone) {
            on.push(format!(
                "cross-zone {} per task at {}/GB each way",
                size(s.cross_zone_bytes_per_task),
                rate("cross_zone_gb")
            ));
        }
        if s.vpc_endpoints && s.includes(Group::VpcEndpoints) {
            on.push(format!(
                "{} interface VPC endpoint(s) per zone in {} zone(s) for ECR and CloudWatch Logs at {}/h and {}/GB (image layers through the free S3 gateway endpoint)",
                s.endpoint_count,
                s.zones,
                rate("endpoint_hour"),
                rate("endpoint_gb")
            ));
        }
        if s.includes(Group::Metrics) && s.insights_metrics > 0 {
            on.push(format!(
                "Container Insights: {} metrics at {}/metric-month (custom metrics)",
                s.insights_metrics,
                rate("custom_metric_month")
            ));
        }
        if s.includes(Group::Metrics) && s.high_resolution_metrics > 0 {
            on.push(format!(
                "{} high-resolution scaling metric(s) at {}/metric-month",
                s.high_resolution_metrics,
                rate("custom_metric_month")
            ));
        }
        if !s.leave_out.is_empty() {
            on.push(format!(
                "left out: {}",
                s.leave_out
                    .iter()
                    .map(|g| g.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push(row(name, "bill around compute", on.join("; "), src));
    }
    out.push(row(
        "all",
        "out of the bill",
        "internet data transfer out (responses to clients, egress beyond NAT processing), CloudWatch Logs storage and queries, Container Insights' performance log events and its enhanced observability, custom metrics past the first 10,000 (cheaper tiers not applied), alarms, VPC endpoints other than ECR and CloudWatch Logs, Route 53, ACM, KMS, Secrets Manager, support plans, taxes, and free tiers (none applied)".into(),
        "model scope (issue 25): not simulated, so not billed",
    ));
    out
}
