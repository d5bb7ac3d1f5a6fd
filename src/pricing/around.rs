//! The charges around compute: what a platform's run costs besides its
//! vCPU, memory and instances (issue 25). EBS volumes of instances, public
//! IPv4 addresses, load balancers, NAT gateways, CloudWatch Logs, ECR storage
//! and transfer, and cross-zone traffic.
//!
//! One place computes them all, from what the run already knows (billed
//! task and instance time, launches, each service's requests by minute), as
//! [`CostLine`]s: a named component, the billed quantity in integer base
//! units, and the price, multiplied at the end (see `money.rs`). The report
//! sums them and the FOCUS export writes them row by row, so the two never
//! disagree.

use super::money::{Money, Price};
use crate::time::{HOUR, SimTime};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Bytes in the GB of AWS bills (1024³: "on this page GB = 1024^3 bytes",
/// AWS Fargate pricing; EBS and data transfer are billed the same way).
pub const GIB: u128 = 1 << 30;
/// µ-units per unit of a capacity-unit quantity (LCU and NLCU are kept in
/// millionths).
pub const MICRO: u128 = 1_000_000;

/// A group of charges a scenario can leave out (`leave_out = [..]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Ebs,
    PublicIpv4,
    LoadBalancer,
    Nat,
    Logs,
    Ecr,
    CrossZone,
    /// Container Insights and high-resolution service metrics (CloudWatch).
    Metrics,
    /// VPC interface endpoints for ECR and CloudWatch Logs.
    VpcEndpoints,
}

impl Group {
    pub const ALL: [Group; 9] = [
        Group::Ebs,
        Group::PublicIpv4,
        Group::LoadBalancer,
        Group::Nat,
        Group::Logs,
        Group::Ecr,
        Group::CrossZone,
        Group::Metrics,
        Group::VpcEndpoints,
    ];

    /// The name a scenario writes.
    pub fn name(self) -> &'static str {
        match self {
            Group::Ebs => "ebs",
            Group::PublicIpv4 => "public_ipv4",
            Group::LoadBalancer => "load_balancer",
            Group::Nat => "nat",
            Group::Logs => "logs",
            Group::Ecr => "ecr",
            Group::CrossZone => "cross_zone",
            Group::Metrics => "metrics",
            Group::VpcEndpoints => "vpc_endpoints",
        }
    }

    pub fn parse(text: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == text)
    }
}

/// One charge of the bill around compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// EBS gp3 volumes of EC2 instances, GiB-month.
    Ebs,
    /// In-use public IPv4 addresses, address-hours.
    PublicIpv4,
    /// Load balancer hours (ALB or NLB), partial hours billed as full.
    LoadBalancerHours,
    /// LCU-hours (ALB) or NLCU-hours (NLB).
    LoadBalancerCapacity,
    /// NAT gateway hours, partial hours billed as full.
    NatHours,
    /// GB processed by NAT gateways.
    NatData,
    /// CloudWatch Logs ingestion, GB.
    Logs,
    /// ECR storage of the image, GB-month.
    EcrStorage,
    /// Image pulls from a registry in another Region, GB.
    EcrTransfer,
    /// Traffic between Availability Zones, GB (billed in and out).
    CrossZone,
    /// Container Insights metrics, charged as custom metrics, metric-months.
    ContainerInsights,
    /// Services' high-resolution (20 s) scaling metrics, metric-months.
    HighResolutionMetrics,
    /// Interface VPC endpoint hours, per endpoint per zone (partial hours
    /// billed as full).
    EndpointHours,
    /// GB processed by interface VPC endpoints.
    EndpointData,
}

impl Component {
    /// The name in summary.json, summary.csv and the FOCUS export.
    pub fn name(self) -> &'static str {
        match self {
            Component::Ebs => "ebs",
            Component::PublicIpv4 => "public_ipv4",
            Component::LoadBalancerHours => "load_balancer_hours",
            Component::LoadBalancerCapacity => "load_balancer_capacity",
            Component::NatHours => "nat_gateway_hours",
            Component::NatData => "nat_data_processed",
            Component::Logs => "logs_ingestion",
            Component::EcrStorage => "ecr_storage",
            Component::EcrTransfer => "ecr_transfer",
            Component::CrossZone => "cross_zone_transfer",
            Component::ContainerInsights => "container_insights",
            Component::HighResolutionMetrics => "high_resolution_metrics",
            Component::EndpointHours => "vpc_endpoint_hours",
            Component::EndpointData => "vpc_endpoint_data_processed",
        }
    }

    /// Every component, in report order.
    pub const ALL: [Component; 14] = [
        Component::Ebs,
        Component::PublicIpv4,
        Component::LoadBalancerHours,
        Component::LoadBalancerCapacity,
        Component::NatHours,
        Component::NatData,
        Component::Logs,
        Component::EcrStorage,
        Component::EcrTransfer,
        Component::CrossZone,
        Component::ContainerInsights,
        Component::HighResolutionMetrics,
        Component::EndpointHours,
        Component::EndpointData,
    ];

    /// The AWS service the charge appears under (FOCUS ServiceName).
    pub fn service(self) -> &'static str {
        match self {
            Component::Ebs => "Amazon Elastic Block Store",
            Component::PublicIpv4
            | Component::NatHours
            | Component::NatData
            | Component::EndpointHours
            | Component::EndpointData => "Amazon Virtual Private Cloud",
            Component::LoadBalancerHours | Component::LoadBalancerCapacity => {
                "Elastic Load Balancing"
            }
            Component::Logs | Component::ContainerInsights | Component::HighResolutionMetrics => {
                "Amazon CloudWatch"
            }
            Component::EcrStorage | Component::EcrTransfer => "Amazon Elastic Container Registry",
            Component::CrossZone => "AWS Data Transfer",
        }
    }

    /// The FOCUS ServiceCategory.
    pub fn category(self) -> &'static str {
        match self {
            Component::Ebs | Component::EcrStorage => "Storage",
            Component::Logs | Component::ContainerInsights | Component::HighResolutionMetrics => {
                "Management and Governance"
            }
            _ => "Networking",
        }
    }
}

/// A line of the bill: `quantity` base units, `per_unit` of which make one
/// pricing unit, at `price` per pricing unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostLine {
    pub component: Component,
    /// What it is charged for: `<platform>/instances`, `<service>/alb`.
    pub resource: String,
    pub description: String,
    pub quantity: u128,
    pub per_unit: u128,
    /// FOCUS PricingUnit: "GB-Mo", "Hrs", "GB", "LCU-Hrs", "NLCU-Hrs".
    pub unit: &'static str,
    pub price: Price,
    /// The hour of the run the charge falls in, when it is hourly
    /// (load balancer and NAT hours, LCUs); None spreads it over the run.
    pub hour: Option<u64>,
}

impl CostLine {
    pub fn cost(&self) -> Money {
        self.price.cost(self.quantity, self.per_unit)
    }

    /// The quantity in pricing units, for reports.
    pub fn pricing_quantity(&self) -> f64 {
        self.quantity as f64 / self.per_unit as f64
    }
}

/// The rate keys of an `[[around.rates]]` block, each a price per pricing
/// unit: GB-month, hour, LCU-hour, GB.
pub const RATE_KEYS: [&str; 15] = [
    "gp3_gib_month",
    "public_ipv4_hour",
    "alb_hour",
    "alb_lcu_hour",
    "nlb_hour",
    "nlb_nlcu_hour",
    "nat_hour",
    "nat_gb",
    "logs_gb",
    "ecr_gb_month",
    "inter_region_gb",
    "cross_zone_gb",
    "custom_metric_month",
    "endpoint_hour",
    "endpoint_gb",
];

/// Rates around compute for one Region (`[[around.rates]]` in pricing.toml).
/// A Region may price only some components; a run that needs a missing
/// one is refused with what to add.
#[derive(Clone, Debug, PartialEq)]
pub struct AroundRates {
    pub region: String,
    pub prices: BTreeMap<String, Price>,
    /// Seconds in the month of a GB-month (EBS and ECR storage).
    pub seconds_per_month: u64,
    pub source: String,
}

impl AroundRates {
    /// The price under `key`, or an error naming the Region and the key.
    pub fn get(&self, key: &str) -> Result<Price, String> {
        self.prices
            .get(key)
            .copied()
            .ok_or_else(|| missing(&self.region, key))
    }
}

/// The error of a missing rate: what to add, and how to do without it.
pub fn missing(region: &str, key: &str) -> String {
    format!(
        "the pricing catalog has no `{key}` rate around compute for {region}; add `{key} = \"<USD>\"` to an [[around.rates]] block with region = \"{region}\" in a catalog given with `pricing = \"file.toml\"` (`fargate-sim prices import` writes compute prices; take this rate from the AWS pricing page), or leave the charge out with `bill = {{ leave_out = [\"{}\"] }}` on the platform",
        group_of_key(key)
    )
}

fn group_of_key(key: &str) -> &'static str {
    match key {
        "gp3_gib_month" => "ebs",
        "public_ipv4_hour" => "public_ipv4",
        "alb_hour" | "alb_lcu_hour" | "nlb_hour" | "nlb_nlcu_hour" => "load_balancer",
        "nat_hour" | "nat_gb" => "nat",
        "logs_gb" => "logs",
        "ecr_gb_month" | "inter_region_gb" => "ecr",
        "custom_metric_month" => "metrics",
        "endpoint_hour" | "endpoint_gb" => "vpc_endpoints",
        _ => "cross_zone",
    }
}

/// `[[around.rates]]` as written.
#[derive(Clone, Debug, Deserialize)]
pub struct RawAroundRates {
    pub region: String,
    #[serde(default)]
    pub seconds_per_month: Option<u64>,
    pub source: String,
    #[serde(flatten)]
    pub prices: BTreeMap<String, String>,
}

impl RawAroundRates {
    /// Parses the prices; errors name the key.
    pub fn parse(self) -> Result<AroundRates, String> {
        let mut prices = BTreeMap::new();
        for (key, v) in self.prices {
            if !RATE_KEYS.contains(&key.as_str()) {
                return Err(format!(
                    "unknown key `{key}`; the rates are {}",
                    RATE_KEYS.join(", ")
                ));
            }
            prices.insert(
                key.clone(),
                Price::parse(&v).map_err(|m| format!("{key}: {m}"))?,
            );
        }
        let seconds_per_month = self.seconds_per_month.unwrap_or(2_592_000);
        if seconds_per_month == 0 {
            return Err("seconds_per_month: must be positive, such as 2592000 (30 days)".into());
        }
        Ok(AroundRates {
            region: self.region,
            prices,
            seconds_per_month,
            source: self.source,
        })
    }
}

/// The subnet a platform's tasks (Fargate) or instances (EC2) sit in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subnet {
    /// A public IPv4 address each, billed per hour.
    Public,
    /// No public address; egress through NAT gateways.
    Private,
}

/// Where the image is pulled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageSource {
    /// ECR in the same Region: no transfer charge.
    SameRegion,
    /// ECR in another Region: inter-Region transfer per GB.
    OtherRegion,
    /// A public registry on the internet: data in is free.
    Internet,
}

/// A service's load balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancer {
    Alb,
    Nlb,
}

/// What a service's traffic weighs (`[[workload.services]]` keys).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceTraffic {
    pub name: String,
    pub balancer: Option<Balancer>,
    pub request_bytes: u64,
    pub response_bytes: u64,
    /// Requests carried by one client connection (1: a new connection each).
    pub requests_per_connection: u64,
    /// Listener rules evaluated per request (the first 10 are free).
    pub rules: u64,
    pub log_bytes_per_request: u64,
}

/// The settings of one platform's bill around compute, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub subnet: Subnet,
    /// NAT gateways (one per zone) when the subnet is private.
    pub nat_gateways: u32,
    pub root_volume_gib: u32,
    pub data_volume_gib: u32,
    /// Bytes each task sends out of the VPC (through NAT when private).
    pub egress_bytes_per_task: u64,
    /// Bytes each task sends to another zone.
    pub cross_zone_bytes_per_task: u64,
    pub log_bytes_per_task: u64,
    /// The image's size (0: not given; no ECR charges, no pulled bytes).
    pub image_bytes: u64,
    pub image_source: ImageSource,
    pub services: Vec<ServiceTraffic>,
    pub leave_out: BTreeSet<Group>,
    /// Availability Zones the platform spans (one endpoint ENI in each).
    pub zones: u32,
    /// Container Insights metrics the platform publishes (its cluster's
    /// and each service's); 0 when Container Insights is off.
    pub insights_metrics: u32,
    /// High-resolution scaling metrics published (one per service with
    /// `metric_resolution = "high"`).
    pub high_resolution_metrics: u32,
    /// Interface VPC endpoints for ECR and CloudWatch Logs instead of NAT.
    pub vpc_endpoints: bool,
    /// How many interface endpoints that takes in each zone (ECR API, ECR
    /// Docker, CloudWatch Logs: 3).
    pub endpoint_count: u32,
}

impl Settings {
    pub fn includes(&self, g: Group) -> bool {
        !self.leave_out.contains(&g)
    }
}

/// What kind of capacity the platform bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fleet {
    /// One ENI per task (Fargate).
    Tasks,
    /// Instances with their own volumes and addresses (EC2).
    Instances,
    /// Nothing around compute is modelled (function platforms).
    None,
}

/// One minute of a service's traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MinuteTraffic {
    pub start: SimTime,
    pub requests: u64,
    /// Requests in flight on average over the minute.
    pub concurrent: f64,
}

/// What the run measured that the bill around compute needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    pub platform: String,
    pub fleet: Fleet,
    /// The run's end: how long the load balancers and NAT gateways existed.
    pub end: SimTime,
    /// Billed task time (per second, 60 s minimum), summed over tasks.
    pub billed_task_us: u128,
    /// Tasks billed (each attempt pulls its image and gets an address).
    pub tasks: u64,
    pub billed_instance_us: u128,
    pub instances: u64,
    /// Each service's traffic by minute, in `Settings::services` order.
    pub services: Vec<Vec<MinuteTraffic>>,
}

/// Whole hours that cover `end` (a partial hour is billed as a full one).
pub fn hours_covering(end: SimTime) -> u64 {
    end.div_ceil(HOUR)
}

/// The bill around compute of one platform's run.
/// Errors name a rate the Region lacks.
pub fn bill(
    usage: &Usage,
    settings: &Settings,
    rates: &AroundRates,
) -> Result<Vec<CostLine>, String> {
    let mut lines = Vec::new();
    if usage.fleet == Fleet::None {
        return Ok(lines);
    }
    let p = &usage.platform;
    let month_us = settings_month_us(rates);
    let hours = hours_covering(usage.end);
    let (fleet_us, fleet_name) = match usage.fleet {
        Fleet::Tasks => (usage.billed_task_us, "tasks"),
        _ => (usage.billed_instance_us, "instances"),
    };
    if usage.fleet == Fleet::Instances && settings.includes(Group::Ebs) {
        let gib = (settings.root_volume_gib + settings.data_volume_gib) as u128;
        if gib > 0 && usage.billed_instance_us > 0 {
            lines.push(CostLine {
                component: Component::Ebs,
                resource: format!("{p}/instances"),
                description: format!(
                    "gp3 volumes, {gib} GiB per instance ({} root + {} data), for each instance's billed life",
                    settings.root_volume_gib, settings.data_volume_gib
                ),
                quantity: gib * usage.billed_instance_us,
                per_unit: month_us,
                unit: "GB-Mo",
                price: rates.get("gp3_gib_month")?,
                hour: None,
            });
        }
    }
    if settings.includes(Group::PublicIpv4) {
        if settings.subnet == Subnet::Public && fleet_us > 0 {
            lines.push(CostLine {
                component: Component::PublicIpv4,
                resource: format!("{p}/{fleet_name}"),
                description: format!(
                    "a public IPv4 address per {}",
                    &fleet_name[..fleet_name.len() - 1]
                ),
                quantity: fleet_us,
                per_unit: HOUR as u128,
                unit: "Hrs",
                price: rates.get("public_ipv4_hour")?,
                hour: None,
            });
        }
        if settings.subnet == Subnet::Private && settings.includes(Group::Nat) {
            let n = settings.nat_gateways as u128;
            if n > 0 && usage.end > 0 {
                lines.push(CostLine {
                    component: Component::PublicIpv4,
                    resource: format!("{p}/nat"),
                    description: format!("the public IPv4 address of each of {n} NAT gateway(s)"),
                    quantity: n * usage.end as u128,
                    per_unit: HOUR as u128,
                    unit: "Hrs",
                    price: rates.get("public_ipv4_hour")?,
                    hour: None,
                });
            }
        }
    }
    // Images pulled: every Fargate task pulls; an instance pulls once and
    // keeps it cached.
    let pulls = match usage.fleet {
        Fleet::Tasks => usage.tasks,
        _ => usage.instances,
    } as u128;
    let pulled_bytes = pulls * settings.image_bytes as u128;
    // Log bytes the tasks write (per task, and per request of each service).
    let mut log_bytes = usage.tasks as u128 * settings.log_bytes_per_task as u128;
    for (s, minutes) in settings.services.iter().zip(&usage.services) {
        let requests: u128 = minutes.iter().map(|m| m.requests as u128).sum();
        log_bytes += requests * s.log_bytes_per_request as u128;
    }
    let private = settings.subnet == Subnet::Private;
    let endpoints = private && settings.vpc_endpoints && settings.includes(Group::VpcEndpoints);
    if private && settings.includes(Group::Nat) {
        let n = settings.nat_gateways as u64;
        for h in 0..hours {
            if n > 0 {
                lines.push(CostLine {
                    component: Component::NatHours,
                    resource: format!("{p}/nat"),
                    description: format!("{n} NAT gateway(s), one per zone"),
                    quantity: n as u128,
                    per_unit: 1,
                    unit: "Hrs",
                    price: rates.get("nat_hour")?,
                    hour: Some(h),
                });
            }
        }
        let egress = usage.tasks as u128 * settings.egress_bytes_per_task as u128;
        if egress > 0 {
            lines.push(CostLine {
                component: Component::NatData,
                resource: format!("{p}/nat"),
                description: "tasks' egress through NAT".into(),
                quantity: egress,
                per_unit: GIB,
                unit: "GB",
                price: rates.get("nat_gb")?,
                hour: None,
            });
        }
        // Without interface endpoints, image pulls and the awslogs driver's
        // traffic to CloudWatch Logs leave the private subnet through NAT.
        let aws = pulled_bytes + log_bytes;
        if !endpoints && aws > 0 {
            let price = rates.get("nat_gb")?;
            let mut description = format!(
                "image pulls ({}) and CloudWatch Logs traffic ({}) through NAT",
                gib_text(pulled_bytes),
                gib_text(log_bytes)
            );
            if let Some(alt) = endpoint_alternative(usage, settings, rates, log_bytes) {
                description.push_str(&format!(
                    "; interface VPC endpoints would carry them for {alt} against {} here",
                    price.cost(aws, GIB)
                ));
            }
            lines.push(CostLine {
                component: Component::NatData,
                resource: format!("{p}/nat/ecr-logs"),
                description,
                quantity: aws,
                per_unit: GIB,
                unit: "GB",
                price,
                hour: None,
            });
        }
    }
    if endpoints {
        let n = settings.endpoint_count as u128 * settings.zones.max(1) as u128;
        for h in 0..hours {
            lines.push(CostLine {
                component: Component::EndpointHours,
                resource: format!("{p}/vpc-endpoints"),
                description: format!(
                    "{} interface VPC endpoint(s) (ECR API, ECR Docker, CloudWatch Logs) in each of {} zone(s)",
                    settings.endpoint_count,
                    settings.zones.max(1)
                ),
                quantity: n,
                per_unit: 1,
                unit: "Hrs",
                price: rates.get("endpoint_hour")?,
                hour: Some(h),
            });
        }
        if log_bytes > 0 {
            lines.push(CostLine {
                component: Component::EndpointData,
                resource: format!("{p}/vpc-endpoints"),
                description: "CloudWatch Logs traffic through the logs endpoint (image layers come through the free S3 gateway endpoint)".into(),
                quantity: log_bytes,
                per_unit: GIB,
                unit: "GB",
                price: rates.get("endpoint_gb")?,
                hour: None,
            });
        }
    }
    if settings.includes(Group::Metrics) && usage.end > 0 {
        for (component, count, what) in [
            (
                Component::ContainerInsights,
                settings.insights_metrics,
                "container-insights",
            ),
            (
                Component::HighResolutionMetrics,
                settings.high_resolution_metrics,
                "high-resolution-metrics",
            ),
        ] {
            if count > 0 {
                lines.push(CostLine {
                    component,
                    resource: format!("{p}/{what}"),
                    description: format!(
                        "{count} CloudWatch metric(s) charged as custom metrics for the platform's life"
                    ),
                    quantity: count as u128 * usage.end as u128,
                    per_unit: month_us,
                    unit: "Metric-Mo",
                    price: rates.get("custom_metric_month")?,
                    hour: None,
                });
            }
        }
    }
    if settings.includes(Group::CrossZone) && settings.cross_zone_bytes_per_task > 0 {
        let bytes = usage.tasks as u128 * settings.cross_zone_bytes_per_task as u128;
        if bytes > 0 {
            lines.push(CostLine {
                component: Component::CrossZone,
                resource: format!("{p}/{fleet_name}"),
                description:
                    "task-to-task traffic across zones, billed out of one zone and into the other"
                        .into(),
                // Charged in each direction: twice the bytes.
                quantity: 2 * bytes,
                per_unit: GIB,
                unit: "GB",
                price: rates.get("cross_zone_gb")?,
                hour: None,
            });
        }
    }
    for (s, minutes) in settings.services.iter().zip(&usage.services) {
        if let Some(kind) = s.balancer
            && settings.includes(Group::LoadBalancer)
        {
            balancer_lines(&mut lines, s, kind, minutes, hours, rates)?;
        }
    }
    if settings.includes(Group::Logs) && log_bytes > 0 {
        lines.push(CostLine {
            component: Component::Logs,
            resource: format!("{p}/logs"),
            description: "CloudWatch Logs ingestion (awslogs driver)".into(),
            quantity: log_bytes,
            per_unit: GIB,
            unit: "GB",
            price: rates.get("logs_gb")?,
            hour: None,
        });
    }
    if settings.includes(Group::Ecr) && settings.image_bytes > 0 {
        if settings.image_source != ImageSource::Internet && usage.end > 0 {
            lines.push(CostLine {
                component: Component::EcrStorage,
                resource: format!("{p}/image"),
                description: "the image stored in ECR for the run".into(),
                quantity: settings.image_bytes as u128 * usage.end as u128,
                per_unit: GIB * month_us,
                unit: "GB-Mo",
                price: rates.get("ecr_gb_month")?,
                hour: None,
            });
        }
        if settings.image_source == ImageSource::OtherRegion && pulled_bytes > 0 {
            lines.push(CostLine {
                component: Component::EcrTransfer,
                resource: format!("{p}/image"),
                description: "image pulls from ECR in another Region".into(),
                quantity: pulled_bytes,
                per_unit: GIB,
                unit: "GB",
                price: rates.get("inter_region_gb")?,
                hour: None,
            });
        }
    }
    Ok(lines)
}

/// What interface VPC endpoints for ECR and CloudWatch Logs would cost
/// instead of NAT for the run: their hours in every zone plus the log bytes
/// they process (image layers come from S3 through the free gateway
/// endpoint). None when the Region lacks a rate.
pub fn endpoint_alternative(
    usage: &Usage,
    settings: &Settings,
    rates: &AroundRates,
    log_bytes: u128,
) -> Option<Money> {
    let hour = rates.prices.get("endpoint_hour")?;
    let gb = rates.prices.get("endpoint_gb")?;
    let n = settings.endpoint_count as u128 * settings.zones.max(1) as u128;
    let hours = hours_covering(usage.end) as u128;
    Some(hour.cost(n * hours, 1) + gb.cost(log_bytes, GIB))
}

/// Bytes as GiB for descriptions: `1.5 GiB`.
fn gib_text(bytes: u128) -> String {
    let g = bytes as f64 / GIB as f64;
    format!("{} GiB", (g * 1000.0).round() / 1000.0)
}

fn settings_month_us(rates: &AroundRates) -> u128 {
    rates.seconds_per_month as u128 * 1_000_000
}

/// A service's load balancer: its hours, and each hour's capacity units,
/// the largest of the dimensions AWS measures.
fn balancer_lines(
    lines: &mut Vec<CostLine>,
    s: &ServiceTraffic,
    kind: Balancer,
    minutes: &[MinuteTraffic],
    hours: u64,
    rates: &AroundRates,
) -> Result<(), String> {
    let (label, hour_price, unit_price, unit) = match kind {
        Balancer::Alb => (
            "alb",
            rates.get("alb_hour")?,
            rates.get("alb_lcu_hour")?,
            "LCU-Hrs",
        ),
        Balancer::Nlb => (
            "nlb",
            rates.get("nlb_hour")?,
            rates.get("nlb_nlcu_hour")?,
            "NLCU-Hrs",
        ),
    };
    let resource = format!("{}/{label}", s.name);
    for h in 0..hours {
        lines.push(CostLine {
            component: Component::LoadBalancerHours,
            resource: resource.clone(),
            description: format!("{} hour", label.to_uppercase()),
            quantity: 1,
            per_unit: 1,
            unit: "Hrs",
            price: hour_price,
            hour: Some(h),
        });
        let (from, to) = (h * HOUR, (h + 1) * HOUR);
        let in_hour: Vec<&MinuteTraffic> = minutes
            .iter()
            .filter(|m| m.start >= from && m.start < to)
            .collect();
        let micro = capacity_units_micro(s, kind, &in_hour);
        if micro > 0 {
            lines.push(CostLine {
                component: Component::LoadBalancerCapacity,
                resource: resource.clone(),
                description: format!("{unit} in hour {h}"),
                quantity: micro,
                per_unit: MICRO,
                unit,
                price: unit_price,
                hour: Some(h),
            });
        }
    }
    Ok(())
}

/// One hour's capacity units in millionths (rounded up): the largest of new
/// connections per second, active connections per minute, GB processed and
/// (ALB) rule evaluations per second, each over its allowance per unit.
pub fn capacity_units_micro(
    s: &ServiceTraffic,
    kind: Balancer,
    minutes: &[&MinuteTraffic],
) -> u128 {
    let requests: u128 = minutes.iter().map(|m| m.requests as u128).sum();
    let rpc = s.requests_per_connection.max(1) as u128;
    // ALB: 25 new connections/s, 3,000 active connections/min, 1 GB/h
    // (EC2 and IP targets), 1,000 rule evaluations/s; NLB (TCP): 800 new
    // flows/s, 100,000 active flows/min, 1 GB/h.
    let (new_per_s, active, evals_per_s) = match kind {
        Balancer::Alb => (25u128, 3_000f64, 1_000u128),
        Balancer::Nlb => (800, 100_000f64, 0),
    };
    // New connections per second, averaged over the hour.
    let new = (requests * MICRO).div_ceil(rpc * 3600 * new_per_s);
    // Active connections per minute, averaged over the hour's minutes.
    let conc: f64 = minutes.iter().map(|m| m.concurrent).sum::<f64>() / 60.0;
    let act = (conc / active * MICRO as f64).ceil().max(0.0) as u128;
    let bytes = requests * (s.request_bytes as u128 + s.response_bytes as u128);
    let gb = (bytes * MICRO).div_ceil(GIB);
    let rules = match kind {
        Balancer::Alb if s.rules > 10 => {
            (requests * (s.rules as u128 - 10) * MICRO).div_ceil(3600 * evals_per_s)
        }
        _ => 0,
    };
    new.max(act).max(gb).max(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates() -> AroundRates {
        let text = include_str!("../../data/pricing.toml");
        let t: toml::Table = toml::from_str(text).unwrap();
        let raw: Vec<RawAroundRates> = t["around"]["rates"].clone().try_into().unwrap();
        raw.into_iter()
            .find(|r| r.region == "us-east-1")
            .unwrap()
            .parse()
            .unwrap()
    }

    fn settings() -> Settings {
        Settings {
            subnet: Subnet::Public,
            nat_gateways: 3,
            root_volume_gib: 30,
            data_volume_gib: 0,
            egress_bytes_per_task: 0,
            cross_zone_bytes_per_task: 0,
            log_bytes_per_task: 0,
            image_bytes: 0,
            image_source: ImageSource::SameRegion,
            services: vec![],
            leave_out: BTreeSet::new(),
            zones: 3,
            insights_metrics: 0,
            high_resolution_metrics: 0,
            vpc_endpoints: false,
            endpoint_count: 3,
        }
    }

    fn usage(fleet: Fleet) -> Usage {
        Usage {
            platform: "p".into(),
            fleet,
            end: 2 * HOUR,
            billed_task_us: 0,
            tasks: 0,
            billed_instance_us: 0,
            instances: 0,
            services: vec![],
        }
    }

    fn cost_of(lines: &[CostLine], c: Component) -> Money {
        lines
            .iter()
            .filter(|l| l.component == c)
            .map(|l| l.cost())
            .sum()
    }

    #[test]
    fn a_30_gib_gp3_root_volume_over_two_hours() {
        // 30 GiB x $0.08 per GB-month x 7,200 s / 2,592,000 s (30-day month)
        // = $0.0066666…; the instance's public IPv4: 2 h x $0.005 = $0.01.
        let mut u = usage(Fleet::Instances);
        u.billed_instance_us = 2 * HOUR as u128;
        u.instances = 1;
        let lines = bill(&u, &settings(), &rates()).unwrap();
        assert_eq!(
            cost_of(&lines, Component::Ebs),
            Money(6_666_666_666_666_666)
        );
        assert_eq!(
            cost_of(&lines, Component::PublicIpv4),
            Money(10_000_000_000_000_000)
        );
    }

    #[test]
    fn a_hundred_fargate_tasks_with_public_ips_for_ten_minutes() {
        // 100 x 600 s x $0.005 / 3,600 s = $0.083333…
        let mut u = usage(Fleet::Tasks);
        u.billed_task_us = 100 * 600 * 1_000_000;
        u.tasks = 100;
        let lines = bill(&u, &settings(), &rates()).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(
            cost_of(&lines, Component::PublicIpv4),
            Money(83_333_333_333_333_333)
        );
        // No EBS on Fargate (its 20 GiB are in the task price).
        assert_eq!(cost_of(&lines, Component::Ebs), Money::ZERO);
    }

    #[test]
    fn nat_processing_of_one_gib_per_task() {
        // 100 tasks x 1 GiB x $0.045 = $4.50; 3 gateways x 2 h x $0.045 =
        // $0.27; their 3 addresses x 2 h x $0.005 = $0.03; no task addresses.
        let mut u = usage(Fleet::Tasks);
        u.billed_task_us = 100 * 600 * 1_000_000;
        u.tasks = 100;
        let mut s = settings();
        s.subnet = Subnet::Private;
        s.egress_bytes_per_task = 1 << 30;
        let lines = bill(&u, &s, &rates()).unwrap();
        let usd = |c| cost_of(&lines, c).0;
        assert_eq!(usd(Component::NatData), 4_500_000_000_000_000_000);
        assert_eq!(usd(Component::NatHours), 270_000_000_000_000_000);
        assert_eq!(usd(Component::PublicIpv4), 30_000_000_000_000_000);
        s.leave_out.insert(Group::Nat);
        assert!(bill(&u, &s, &rates()).unwrap().is_empty());
    }

    #[test]
    fn an_alb_serving_a_flash_sale() {
        // One hour at 1,200 requests/s, 2 KiB in and 18 KiB out each, one
        // request per connection, 0.06 s each (72 in flight):
        // new connections 1,200/s / 25 = 48 LCU; active 72 / 3,000 = 0.024;
        // bytes 4,320,000 x 20 KiB = 82.397 GiB = 82.397 LCU: the bytes win.
        // 82.397461 LCU x $0.008 = $0.65918 plus the hour, $0.0225.
        let s = ServiceTraffic {
            name: "api".into(),
            balancer: Some(Balancer::Alb),
            request_bytes: 2048,
            response_bytes: 18 * 1024,
            requests_per_connection: 1,
            rules: 1,
            log_bytes_per_request: 0,
        };
        let minutes: Vec<MinuteTraffic> = (0..60)
            .map(|m| MinuteTraffic {
                start: m * crate::time::MINUTE,
                requests: 72_000,
                concurrent: 72.0,
            })
            .collect();
        let refs: Vec<&MinuteTraffic> = minutes.iter().collect();
        // 4,320,000 x 20,480 B / 2^30 = 82.3974609375 GiB exactly.
        assert_eq!(capacity_units_micro(&s, Balancer::Alb, &refs), 82_397_461);
        let mut u = usage(Fleet::Tasks);
        u.end = HOUR;
        u.services = vec![minutes.clone()];
        let mut set = settings();
        set.services = vec![s.clone()];
        let lines = bill(&u, &set, &rates()).unwrap();
        assert_eq!(
            cost_of(&lines, Component::LoadBalancerHours).0,
            22_500_000_000_000_000
        );
        assert_eq!(
            cost_of(&lines, Component::LoadBalancerCapacity).0,
            659_179_688_000_000_000
        );
        // Keep-alive: 100 requests a connection, 20-byte exchanges: the
        // connections are 0.48 LCU and the bytes 0.0805, so 0.48 wins.
        let small = ServiceTraffic {
            request_bytes: 10,
            response_bytes: 10,
            requests_per_connection: 100,
            ..s
        };
        assert_eq!(capacity_units_micro(&small, Balancer::Alb, &refs), 480_000);
    }

    #[test]
    fn container_insights_and_a_high_resolution_metric_over_two_hours() {
        // A Fargate cluster with one service: 10 cluster + 13 service
        // metrics = 23, at $0.30 per metric-month over 7,200 s of a
        // 2,592,000 s month: 23 x 0.30 / 360 = $0.0191666…; the service's
        // 20-second CPU metric: 0.30 / 360 = $0.000833333….
        let mut u = usage(Fleet::Tasks);
        u.billed_task_us = 2 * HOUR as u128;
        u.tasks = 1;
        let mut s = settings();
        s.insights_metrics = 23;
        s.high_resolution_metrics = 1;
        let lines = bill(&u, &s, &rates()).unwrap();
        assert_eq!(
            cost_of(&lines, Component::ContainerInsights),
            Money(19_166_666_666_666_666)
        );
        assert_eq!(
            cost_of(&lines, Component::HighResolutionMetrics),
            Money(833_333_333_333_333)
        );
        s.leave_out.insert(Group::Metrics);
        let lines = bill(&u, &s, &rates()).unwrap();
        assert_eq!(cost_of(&lines, Component::ContainerInsights), Money::ZERO);
    }

    #[test]
    fn vpc_endpoints_against_nat_for_image_pulls_and_logs() {
        // 100 Fargate tasks in a private subnet over 2 h in 3 zones, each
        // pulling a 500 MiB image and writing 10 MiB of logs.
        // Through NAT: pulls 48.828125 GiB + logs 0.9765625 GiB =
        // 49.8046875 GiB x $0.045 = $2.2412109375.
        // With endpoints: 3 endpoints x 3 zones x 2 h x $0.01 = $0.18, plus
        // the logs 0.9765625 GiB x $0.01 = $0.009765625; the layers come
        // through the free S3 gateway endpoint. Alternative: $0.189765625.
        let mut u = usage(Fleet::Tasks);
        u.billed_task_us = 100 * 600 * 1_000_000;
        u.tasks = 100;
        let mut s = settings();
        s.subnet = Subnet::Private;
        s.image_bytes = 500 << 20;
        s.log_bytes_per_task = 10 << 20;
        s.leave_out.insert(Group::Ecr);
        s.leave_out.insert(Group::Logs);
        let lines = bill(&u, &s, &rates()).unwrap();
        let nat = lines
            .iter()
            .find(|l| l.resource == "p/nat/ecr-logs")
            .unwrap();
        assert_eq!(nat.cost().0, 2_241_210_937_500_000_000);
        assert!(
            nat.description.contains("would carry them for $0.1898"),
            "{}",
            nat.description
        );
        assert_eq!(
            endpoint_alternative(&u, &s, &rates(), (10 * 100) << 20),
            Some(Money(189_765_625_000_000_000))
        );
        s.vpc_endpoints = true;
        let lines = bill(&u, &s, &rates()).unwrap();
        let usd = |c| cost_of(&lines, c).0;
        assert_eq!(usd(Component::EndpointHours), 180_000_000_000_000_000);
        assert_eq!(usd(Component::EndpointData), 9_765_625_000_000_000);
        // NAT still runs (hours and addresses) but carries neither.
        assert_eq!(usd(Component::NatData), 0);
        assert_eq!(usd(Component::NatHours), 270_000_000_000_000_000);
    }
}
