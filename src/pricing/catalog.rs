//! The pricing catalog: rates, billing rules and size grids, with sources.
//!
//! The built-in catalog is `data/pricing.toml`, compiled into the binary so the
//! tool works from any directory; `--pricing FILE` (or the scenario key
//! `pricing`) replaces it with a file of the same shape. Nothing in the
//! simulator hard-codes a price.

use super::money::{Price, Rate};
use crate::time::{SimTime, parse_duration};
use crate::units::{parse_memory_mib, vcpu_to_milli};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The catalog shipped with the tool.
pub const BUILTIN_PRICING: &str = include_str!("../../data/pricing.toml");

/// [`BUILTIN_PRICING`] once parsed (see [`Catalog::builtin_ref`]).
static BUILTIN: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();

/// Why Fargate Spot has no ARM64 rate and a scenario may not ask for it.
pub const ARM64_SPOT: &str = "Fargate Spot does not run ARM64 tasks (AWS: \"Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity provider\", Amazon ECS Developer Guide, Fargate capacity providers)";

/// Something wrong in a catalog file.
#[derive(Debug, thiserror::Error)]
#[error("pricing catalog {origin}: {message}")]
pub struct CatalogError {
    /// The file, or "built-in".
    pub origin: String,
    pub message: String,
}

/// The operating system of a serverless task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Os {
    Linux,
    Windows,
}

/// The CPU architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    X86_64,
    Arm64,
}

/// How capacity is bought.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    OnDemand,
    Spot,
}

/// The Fargate rates for one region, OS, architecture and capacity type.
#[derive(Clone, Debug)]
pub struct FargateRates {
    pub region: String,
    pub os: Os,
    pub arch: Arch,
    pub capacity: Capacity,
    pub vcpu: Rate,
    pub memory_gib: Rate,
    pub storage_gib: Rate,
    pub os_license_vcpu: Rate,
    pub source: String,
}

/// One CPU row of the Fargate size grid: the memory sizes valid with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizeRow {
    pub cpu_milli: u32,
    /// Valid memory sizes in MiB, ascending.
    pub memory_mib: Vec<u32>,
}

/// Fargate's billing rules, sizes and rates.
#[derive(Clone, Debug)]
pub struct FargateCatalog {
    pub billing_granularity: SimTime,
    pub minimum_billed_linux: SimTime,
    pub minimum_billed_windows: SimTime,
    pub free_storage_gib: u32,
    pub max_storage_gib_ecs: u32,
    pub max_storage_gib_eks: u32,
    pub eks_pod_overhead_mib: u32,
    pub windows_min_cpu_milli: u32,
    pub windows_max_cpu_milli: u32,
    /// Rows ascending by CPU.
    pub size_grid: Vec<SizeRow>,
    pub rates: Vec<FargateRates>,
}

/// An EC2 instance type.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub cpu_milli: u32,
    pub memory_mib: u32,
    pub arch: Arch,
    /// On-demand Linux price per instance-hour, by region.
    pub on_demand: BTreeMap<String, Rate>,
    /// Where the price comes from.
    pub note: String,
    /// Network interfaces the type can attach, and IPv4 addresses each
    /// interface holds (unknown for types imported without them).
    pub enis: Option<u32>,
    pub ipv4_per_eni: Option<u32>,
    /// ECS tasks in `awsvpc` mode the type takes with ENI trunking (None:
    /// the type does not support trunking, or it is unknown).
    pub trunk_tasks: Option<u32>,
}

impl InstanceType {
    /// Pods a node of this type may run with the VPC CNI in its default
    /// (secondary IP) mode: ENIs × (IPv4 per ENI − 1) + 2, the first address
    /// of each interface being the node's and the 2 the host-network pods
    /// (aws-node, kube-proxy) [AWS] amazon-eks-ami files/eni-max-pods.txt.
    pub fn max_pods(&self) -> Option<u32> {
        Some(self.enis? * self.ipv4_per_eni?.saturating_sub(1) + 2)
    }

    /// ECS tasks in `awsvpc` network mode an instance of this type can run:
    /// one ENI each, the primary interface counting as one (ENIs − 1), or
    /// the type's limit with ENI trunking where it supports trunking
    /// [AWS] ECS developer guide, "Elastic network interface trunking".
    /// None when the type's ENI limit is unknown.
    pub fn awsvpc_tasks(&self, trunking: bool) -> Option<u32> {
        let plain = self.enis?.saturating_sub(1);
        Some(if trunking {
            self.trunk_tasks.unwrap_or(plain)
        } else {
            plain
        })
    }
}

/// EC2's billing rules and instance types.
#[derive(Clone, Debug)]
pub struct Ec2Catalog {
    pub billing_granularity: SimTime,
    pub minimum_billed: SimTime,
    pub instance_types: Vec<InstanceType>,
}

/// The whole catalog.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// Where it came from: "built-in" or a path.
    pub origin: String,
    pub name: String,
    pub as_of: String,
    pub fargate: FargateCatalog,
    pub ec2: Ec2Catalog,
    pub eks_control_plane: Rate,
    /// The EKS fee on extended support, when the catalog has it.
    pub eks_control_plane_extended: Option<Rate>,
    pub eks_source: String,
    /// Serverless peers (Lambda, Cloud Run, ACI), by profile name.
    pub functions: Vec<super::functions::FunctionProfile>,
    /// Savings Plan discounts, for `fargate-sim commit`.
    pub savings_plans: SavingsPlanRates,
    /// Rates around compute by Region (`[[around.rates]]`, issue 25).
    pub around: Vec<super::around::AroundRates>,
}

/// Savings Plan discounts off on-demand (fractions).
#[derive(Clone, Copy, Debug, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavingsPlanRates {
    pub compute_fargate: f64,
    pub compute_ec2: f64,
    pub compute_lambda: f64,
    pub ec2_instance: f64,
}

impl Catalog {
    /// The catalog compiled into the binary: parsed once a process (its
    /// comment lines left out), then copied.
    pub fn builtin() -> Catalog {
        Catalog::builtin_ref().clone()
    }

    /// The built-in catalog, parsed by the first caller; a second caller
    /// meanwhile waits for it (`scenario::load` starts it on a thread of
    /// its own while it reads the scenario: issue 24).
    pub fn builtin_ref() -> &'static Catalog {
        BUILTIN.get_or_init(|| {
            let text = crate::io::toml_text::blank_comment_lines(BUILTIN_PRICING);
            Catalog::parse(&text, "built-in")
                .expect("the built-in catalog is checked by the test suite")
        })
    }

    /// Whether the built-in catalog has been parsed in this process.
    pub fn builtin_parsed() -> bool {
        BUILTIN.get().is_some()
    }

    /// Reads a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError {
            origin: path.display().to_string(),
            message: format!(
                "cannot read it: {e}; give a pricing catalog file (TOML), such as one `fargate-sim prices import` wrote"
            ),
        })?;
        Catalog::parse(&text, &path.display().to_string())
    }

    /// Parses catalog text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
        let err = |message: String| CatalogError {
            origin: origin.to_string(),
            message,
        };
        let raw: RawCatalog = toml::from_str(text).map_err(|e| {
            let mut m = e.to_string();
            // No top-level `catalog` name at all: another kind of file (a
            // scenario, say), not a catalog with a typo.
            let named = toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("catalog"));
            if e.message().contains("`catalog`") && !named {
                m = format!(
                    "{}\nhint: this is not a pricing catalog; `fargate-sim prices import` writes one from an AWS Price List offer file",
                    m.trim_end()
                );
            }
            err(m)
        })?;
        let f = raw.fargate;
        let dur =
            |key: &str, v: &str| parse_duration(v).map_err(|m| err(format!("fargate.{key}: {m}")));
        let mut size_grid = Vec::new();
        for (i, row) in f.size_grid.iter().enumerate() {
            let at = format!("fargate.size_grid[{i}]");
            let cpu_milli = vcpu_to_milli(row.vcpu).ok_or_else(|| {
                err(format!(
                    "{at}.vcpu: `{}` is not a positive vCPU count",
                    row.vcpu
                ))
            })?;
            let mem =
                |k: &str, v: &str| parse_memory_mib(v).map_err(|m| err(format!("{at}.{k}: {m}")));
            let memory_mib = match (
                &row.memory,
                &row.memory_min,
                &row.memory_max,
                &row.memory_step,
            ) {
                (Some(list), None, None, None) => list
                    .iter()
                    .map(|m| mem("memory", m))
                    .collect::<Result<Vec<_>, _>>()?,
                (None, Some(lo), Some(hi), Some(step)) => {
                    let (lo, hi, step) = (
                        mem("memory_min", lo)?,
                        mem("memory_max", hi)?,
                        mem("memory_step", step)?,
                    );
                    (lo..=hi).step_by(step as usize).collect()
                }
                _ => {
                    return Err(err(format!(
                        "{at}: give either `memory = [..]` or all of memory_min, memory_max and memory_step"
                    )));
                }
            };
            if memory_mib.is_empty() || memory_mib.windows(2).any(|w| w[0] >= w[1]) {
                return Err(err(format!(
                    "{at}: memory sizes must be ascending and non-empty"
                )));
            }
            size_grid.push(SizeRow {
                cpu_milli,
                memory_mib,
            });
        }
        if size_grid.is_empty()
            || size_grid
                .windows(2)
                .any(|w| w[0].cpu_milli >= w[1].cpu_milli)
        {
            return Err(err(
                "fargate.size_grid: rows must be ascending by vcpu and non-empty".into(),
            ));
        }
        let mut rates = Vec::new();
        for (i, r) in f.rates.into_iter().enumerate() {
            let at = format!("fargate.rates[{i}]");
            if r.arch == Arch::Arm64 && r.capacity == Capacity::Spot {
                return Err(err(format!("{at}: {ARM64_SPOT}; remove this row")));
            }
            rates.push(FargateRates {
                vcpu: r
                    .vcpu
                    .to_rate()
                    .map_err(|m| err(format!("{at}.vcpu: {m}")))?,
                memory_gib: r
                    .memory_gib
                    .to_rate()
                    .map_err(|m| err(format!("{at}.memory_gib: {m}")))?,
                storage_gib: r
                    .storage_gib
                    .to_rate()
                    .map_err(|m| err(format!("{at}.storage_gib: {m}")))?,
                os_license_vcpu: r
                    .os_license_vcpu
                    .to_rate()
                    .map_err(|m| err(format!("{at}.os_license_vcpu: {m}")))?,
                region: r.region,
                os: r.os,
                arch: r.arch,
                capacity: r.capacity,
                source: r.source,
            });
        }
        let cpu = |v: f64, key: &str| {
            vcpu_to_milli(v)
                .ok_or_else(|| err(format!("fargate.{key}: `{v}` is not a positive vCPU count")))
        };
        let mut instance_types = Vec::new();
        for (i, t) in raw.ec2.instance_types.into_iter().enumerate() {
            let at = format!("ec2.instance_types[{i}]");
            let cpu_milli = cpu(t.vcpu, &format!("instance_types[{i}].vcpu"))
                .map_err(|e| err(format!("{at}: {}", e.message)))?;
            let memory_mib =
                parse_memory_mib(&t.memory).map_err(|m| err(format!("{at}.memory: {m}")))?;
            let mut on_demand = BTreeMap::new();
            for (region, usd) in t.on_demand_usd_per_hour {
                let price = Price::parse(&usd)
                    .map_err(|m| err(format!("{at}.on_demand_usd_per_hour.{region}: {m}")))?;
                on_demand.insert(
                    region,
                    Rate {
                        price,
                        per_us: 3_600_000_000,
                    },
                );
            }
            if instance_types
                .iter()
                .any(|x: &InstanceType| x.name == t.name)
            {
                return Err(err(format!("{at}.name: `{}` is listed twice", t.name)));
            }
            instance_types.push(InstanceType {
                name: t.name,
                cpu_milli,
                memory_mib,
                arch: t.arch,
                on_demand,
                note: t.note,
                enis: t.enis,
                ipv4_per_eni: t.ipv4_per_eni,
                trunk_tasks: t.trunk_tasks,
            });
        }
        let around = match raw.around {
            Some(a) => {
                let mut out: Vec<super::around::AroundRates> = Vec::new();
                for (i, r) in a.rates.into_iter().enumerate() {
                    let r = r
                        .parse()
                        .map_err(|m| err(format!("around.rates[{i}]: {m}")))?;
                    if out.iter().any(|o| o.region == r.region) {
                        return Err(err(format!(
                            "around.rates[{i}].region: `{}` is listed twice",
                            r.region
                        )));
                    }
                    out.push(r);
                }
                out
            }
            None if origin == "built-in" => Vec::new(),
            None => Catalog::builtin().around,
        };
        Ok(Catalog {
            around,
            origin: origin.to_string(),
            ec2: Ec2Catalog {
                billing_granularity: parse_duration(&raw.ec2.billing_granularity)
                    .map_err(|m| err(format!("ec2.billing_granularity: {m}")))?
                    .max(1),
                minimum_billed: parse_duration(&raw.ec2.minimum_billed)
                    .map_err(|m| err(format!("ec2.minimum_billed: {m}")))?,
                instance_types,
            },
            name: raw.catalog,
            as_of: raw.as_of,
            fargate: FargateCatalog {
                billing_granularity: dur("billing_granularity", &f.billing_granularity)?.max(1),
                minimum_billed_linux: dur("minimum_billed_linux", &f.minimum_billed_linux)?,
                minimum_billed_windows: dur("minimum_billed_windows", &f.minimum_billed_windows)?,
                free_storage_gib: f.free_storage_gib,
                max_storage_gib_ecs: f.max_storage_gib_ecs,
                max_storage_gib_eks: f.max_storage_gib_eks,
                eks_pod_overhead_mib: f.eks_pod_overhead_mib,
                windows_min_cpu_milli: cpu(f.windows_min_vcpu, "windows_min_vcpu")?,
                windows_max_cpu_milli: cpu(f.windows_max_vcpu, "windows_max_vcpu")?,
                size_grid,
                rates,
            },
            eks_control_plane: raw
                .eks
                .control_plane
                .to_rate()
                .map_err(|m| err(format!("eks.control_plane: {m}")))?,
            eks_control_plane_extended: raw
                .eks
                .control_plane_extended
                .as_ref()
                .map(|r| r.to_rate())
                .transpose()
                .map_err(|m| err(format!("eks.control_plane_extended: {m}")))?,
            eks_source: raw.eks.source,
            savings_plans: {
                let sp = raw.savings_plans;
                for (k, v) in [
                    ("compute_fargate", sp.compute_fargate),
                    ("compute_ec2", sp.compute_ec2),
                    ("compute_lambda", sp.compute_lambda),
                    ("ec2_instance", sp.ec2_instance),
                ] {
                    if !(0.0..1.0).contains(&v) {
                        return Err(err(format!(
                            "savings_plans.{k}: {v} is not a discount from 0 up to 1"
                        )));
                    }
                }
                sp
            },
            functions: {
                let mut out: Vec<super::functions::FunctionProfile> = Vec::new();
                for (i, f) in raw.functions.into_iter().enumerate() {
                    let p = f.parse(i).map_err(err)?;
                    if out.iter().any(|o| o.name == p.name) {
                        return Err(err(format!(
                            "functions[{i}].name: `{}` is listed twice",
                            p.name
                        )));
                    }
                    out.push(p);
                }
                out
            },
        })
    }

    /// The rates around compute of `region`, or what to add.
    pub fn around_rates(&self, region: &str) -> Result<&super::around::AroundRates, String> {
        self.around.iter().find(|r| r.region == region).ok_or_else(|| {
            format!(
                "the pricing catalog ({}) has no rates around compute (EBS, public IPv4, load balancers, NAT, logs) for {region}; add an [[around.rates]] block with region = \"{region}\" to a catalog given with `pricing = \"file.toml\"`, or leave the charges out with `bill = {{ leave_out = [\"ebs\", \"public_ipv4\"] }}` on the platform; priced Regions: {}",
                self.origin,
                self.around.iter().map(|r| r.region.as_str()).collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// Every region the catalog prices something in, sorted.
    pub fn regions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .fargate
            .rates
            .iter()
            .map(|r| r.region.as_str())
            .chain(
                self.ec2
                    .instance_types
                    .iter()
                    .flat_map(|t| t.on_demand.keys().map(String::as_str)),
            )
            .chain(self.functions.iter().map(|p| p.region.as_str()))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// `; did you mean `us-east-1`?` when `region` is unknown to the
    /// catalog and a slip away from a region it knows; else empty.
    pub fn region_hint(&self, region: &str) -> String {
        let known = self.regions();
        if known.contains(&region) {
            return String::new();
        }
        closest(region, known.iter().copied())
            .map(|r| format!("; did you mean `{r}`?"))
            .unwrap_or_default()
    }

    /// An instance type by name, or an error naming the closest known names.
    pub fn instance_type(&self, name: &str) -> Result<&InstanceType, String> {
        if let Some(t) = self.ec2.instance_types.iter().find(|t| t.name == name) {
            return Ok(t);
        }
        let mut near: Vec<(usize, &str)> = self
            .ec2
            .instance_types
            .iter()
            .map(|t| (edit_distance(name, &t.name), t.name.as_str()))
            .collect();
        near.sort();
        let near: Vec<&str> = near.iter().take(3).map(|(_, n)| *n).collect();
        Err(format!(
            "unknown instance type `{name}`; closest in the pricing catalog ({}): {}",
            self.origin,
            near.join(", ")
        ))
    }

    /// The Fargate rates for a combination, or an error listing what exists.
    pub fn fargate_rates(
        &self,
        region: &str,
        os: Os,
        arch: Arch,
        capacity: Capacity,
    ) -> Result<&FargateRates, String> {
        self.fargate
            .rates
            .iter()
            .find(|r| r.region == region && r.os == os && r.arch == arch && r.capacity == capacity)
            .ok_or_else(|| {
                let here: Vec<String> = self
                    .fargate
                    .rates
                    .iter()
                    .filter(|r| r.region == region)
                    .map(|r| format!("{:?}/{:?}/{:?}", r.os, r.arch, r.capacity))
                    .collect();
                let elsewhere: Vec<&str> = self
                    .fargate
                    .rates
                    .iter()
                    .filter(|r| r.os == os && r.arch == arch && r.capacity == capacity)
                    .map(|r| r.region.as_str())
                    .collect();
                format!(
                    "the pricing catalog ({}) has no Fargate rate for {region} {os:?}/{arch:?}/{capacity:?}; for {region} it has {}; {os:?}/{arch:?}/{capacity:?} is priced in {} (`fargate-sim prices fargate` lists them all)",
                    self.origin,
                    if here.is_empty() { "nothing".to_string() } else { here.join(", ") },
                    if elsewhere.is_empty() { "no region".to_string() } else { elsewhere.join(", ") },
                )
            })
    }
}

/// The candidate nearest to `word`, when it is near enough to be a slip of
/// the keyboard (case aside, at most 1 edit for a word of up to 5
/// characters, 2 up to 8, 3 beyond; `nope` is not a slip for `name`): for
/// "did you mean" suggestions.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = word.to_lowercase();
    let limit = match w.chars().count() {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .map(|c| (edit_distance(&w, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEc2 {
    billing_granularity: String,
    minimum_billed: String,
    instance_types: Vec<RawInstanceType>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstanceType {
    name: String,
    vcpu: f64,
    memory: String,
    arch: Arch,
    on_demand_usd_per_hour: BTreeMap<String, String>,
    note: String,
    #[serde(default)]
    enis: Option<u32>,
    #[serde(default)]
    ipv4_per_eni: Option<u32>,
    #[serde(default)]
    trunk_tasks: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    catalog: String,
    as_of: String,
    fargate: RawFargate,
    ec2: RawEc2,
    eks: RawEks,
    /// Absent from catalogs written before the serverless peers.
    #[serde(default)]
    functions: Vec<RawFunction>,
    #[serde(default)]
    savings_plans: SavingsPlanRates,
    /// Absent from catalogs `prices import` writes: the built-in ones apply.
    #[serde(default)]
    around: Option<RawAround>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAround {
    rates: Vec<super::around::RawAroundRates>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunction {
    name: String,
    provider: String,
    region: String,
    sizing: String,
    mib_per_vcpu: Option<u32>,
    vcpu_min: Option<f64>,
    vcpu_max: Option<f64>,
    vcpu_step: Option<f64>,
    memory_min: String,
    memory_max: String,
    memory_step: String,
    billing: super::functions::FunctionBilling,
    granularity: String,
    minimum_billed: String,
    max_duration: Option<String>,
    concurrency: u32,
    max_instances: u32,
    keep_alive: String,
    cold_start: String,
    vcpu: RawRate,
    memory_gib: RawRate,
    request_usd: String,
    warm_vcpu: Option<RawRate>,
    warm_memory_gib: Option<RawRate>,
    warm_active_vcpu: Option<RawRate>,
    warm_active_memory_gib: Option<RawRate>,
    free_vcpu_seconds: Option<u64>,
    free_gib_seconds: Option<u64>,
    free_requests: Option<u64>,
    #[serde(default)]
    bill_init: bool,
    #[serde(default)]
    warm_while_busy: bool,
    /// Kept-warm time billed in multiples of this (Lambda: "5min").
    warm_granularity: Option<String>,
    /// Ephemeral storage billed above `storage_free`, up to `storage_max`.
    storage_free: Option<String>,
    storage_max: Option<String>,
    storage_gib: Option<RawRate>,
    /// New instances one function may add per `scale_period`.
    scale_instances: Option<u32>,
    scale_period: Option<String>,
    /// The share of concurrency the autoscaler aims at (Cloud Run: 0.6).
    target_utilization: Option<f64>,
    /// Lambda Managed Instances (`billing = "managed_instances"`): the EC2
    /// type, the management fee in percent of its on-demand price, the
    /// instances kept, how often the scaler looks, its CPU target.
    instance_type: Option<String>,
    management_fee_pct: Option<u32>,
    /// The Windows software fee per vCPU (ACI's "Windows software
    /// duration"); absent: the profile is Linux only.
    windows_vcpu: Option<RawRate>,
    min_ec2_instances: Option<u32>,
    scale_evaluation: Option<String>,
    target_cpu: Option<f64>,
    source: String,
}

/// A memory step in tenths of a MiB: "0.1GiB" is exactly 1,024.
fn parse_memory_dmib(v: &str) -> Result<u32, String> {
    let t = v.trim();
    if let Some(n) = t.strip_suffix("GiB") {
        let x: f64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{t}` does not start with a number"))?;
        let d = (x * 10240.0).round();
        if !(1.0..=u32::MAX as f64).contains(&d) {
            return Err(format!("`{t}` is not a usable memory step"));
        }
        return Ok(d as u32);
    }
    parse_memory_mib(t)?
        .checked_mul(10)
        .ok_or_else(|| format!("`{t}` is too large"))
}

impl RawFunction {
    fn parse(self, i: usize) -> Result<super::functions::FunctionProfile, String> {
        use super::functions::{FunctionProfile, FunctionSizing};
        let at = format!("functions[{i}] (`{}`)", self.name);
        let dur = |k: &str, v: &str| parse_duration(v).map_err(|m| format!("{at}.{k}: {m}"));
        let mem = |k: &str, v: &str| parse_memory_mib(v).map_err(|m| format!("{at}.{k}: {m}"));
        let rate = |k: &str, r: &RawRate| r.to_rate().map_err(|m| format!("{at}.{k}: {m}"));
        let cpu = |k: &str, v: Option<f64>| {
            v.and_then(vcpu_to_milli)
                .ok_or_else(|| format!("{at}.{k}: give a positive vCPU count"))
        };
        let (min_mib, max_mib) = (
            mem("memory_min", &self.memory_min)?,
            mem("memory_max", &self.memory_max)?,
        );
        let step_dmib = parse_memory_dmib(&self.memory_step)
            .map_err(|m| format!("{at}.memory_step: {m}"))?
            .max(1);
        if min_mib > max_mib {
            return Err(format!("{at}: memory_min is above memory_max"));
        }
        let sizing = match self.sizing.as_str() {
            "memory" => FunctionSizing::Memory {
                mib_per_vcpu: self.mib_per_vcpu.filter(|m| *m > 0).ok_or_else(|| {
                    format!(
                        "{at}.mib_per_vcpu: sizing = \"memory\" needs the MiB that give one vCPU"
                    )
                })?,
                min_mib,
                max_mib,
                step_mib: mem("memory_step", &self.memory_step)?.max(1),
            },
            "cpu_memory" => FunctionSizing::CpuMemory {
                min_cpu_milli: cpu("vcpu_min", self.vcpu_min)?,
                max_cpu_milli: cpu("vcpu_max", self.vcpu_max)?,
                step_cpu_milli: cpu("vcpu_step", self.vcpu_step)?,
                min_mib,
                max_mib,
                step_dmib,
            },
            other => {
                return Err(format!(
                    "{at}.sizing: `{other}` is not a sizing; use \"memory\" (Lambda) or \"cpu_memory\""
                ));
            }
        };
        if self.concurrency == 0 || self.max_instances == 0 {
            return Err(format!(
                "{at}: concurrency and max_instances must be at least 1"
            ));
        }
        let opt = |k: &str, r: &Option<RawRate>| r.as_ref().map(|r| rate(k, r)).transpose();
        let zero = Rate {
            price: Price::parse("0").expect("zero"),
            per_us: 1_000_000,
        };
        Ok(FunctionProfile {
            sizing,
            billing: self.billing,
            granularity: dur("granularity", &self.granularity)?.max(1),
            minimum_billed: dur("minimum_billed", &self.minimum_billed)?,
            max_duration: self
                .max_duration
                .as_deref()
                .map(|v| dur("max_duration", v))
                .transpose()?,
            concurrency: self.concurrency,
            max_instances: self.max_instances,
            keep_alive: dur("keep_alive", &self.keep_alive)?,
            cold_start: dur("cold_start", &self.cold_start)?,
            vcpu: rate("vcpu", &self.vcpu)?,
            memory_gib: rate("memory_gib", &self.memory_gib)?,
            request: Price::parse(&self.request_usd)
                .map_err(|m| format!("{at}.request_usd: {m}"))?,
            warm_vcpu: opt("warm_vcpu", &self.warm_vcpu)?.unwrap_or(zero),
            warm_memory_gib: opt("warm_memory_gib", &self.warm_memory_gib)?.unwrap_or(zero),
            warm_active_vcpu: opt("warm_active_vcpu", &self.warm_active_vcpu)?,
            warm_active_memory_gib: opt("warm_active_memory_gib", &self.warm_active_memory_gib)?,
            free_tier: match (
                self.free_vcpu_seconds,
                self.free_gib_seconds,
                self.free_requests,
            ) {
                (None, None, None) => None,
                (c, m, r) => Some(super::functions::FreeTier {
                    vcpu_seconds: c.unwrap_or(0),
                    gib_seconds: m.unwrap_or(0),
                    requests: r.unwrap_or(0),
                }),
            },
            bill_init: self.bill_init,
            warm_while_busy: self.warm_while_busy,
            warm_granularity: self
                .warm_granularity
                .as_deref()
                .map(|v| dur("warm_granularity", v))
                .transpose()?
                .unwrap_or(1)
                .max(1),
            storage: match (&self.storage_free, &self.storage_max, &self.storage_gib) {
                (None, None, None) => None,
                (Some(free), Some(max), Some(r)) => Some(super::functions::FunctionStorage {
                    free_mib: mem("storage_free", free)?,
                    max_mib: mem("storage_max", max)?,
                    rate: rate("storage_gib", r)?,
                }),
                _ => {
                    return Err(format!(
                        "{at}: ephemeral storage needs storage_free, storage_max and storage_gib together"
                    ));
                }
            },
            scale_rate: match (self.scale_instances, &self.scale_period) {
                (None, None) => None,
                (Some(n), Some(per)) if n > 0 => Some(super::functions::ScaleRate {
                    instances: n,
                    per: dur("scale_period", per)?.max(1),
                }),
                _ => {
                    return Err(format!(
                        "{at}: a scaling rate needs scale_instances (at least 1) and scale_period together"
                    ));
                }
            },
            target_utilization_pct: match self.target_utilization {
                None => 100,
                Some(u) if u > 0.0 && u <= 1.0 => ((u * 100.0).round() as u32).max(1),
                Some(u) => {
                    return Err(format!(
                        "{at}.target_utilization: {u}: need a share above 0 and at most 1, such as 0.6"
                    ));
                }
            },
            windows_vcpu: opt("windows_vcpu", &self.windows_vcpu)?,
            managed: super::lambda_managed::RawManaged {
                instance_type: self.instance_type.as_deref(),
                fee_pct: self.management_fee_pct,
                min_instances: self.min_ec2_instances,
                evaluation: self
                    .scale_evaluation
                    .as_deref()
                    .map(|v| dur("scale_evaluation", v))
                    .transpose()?,
                target_cpu: self.target_cpu,
            }
            .parse(
                self.billing == super::functions::FunctionBilling::ManagedInstances,
                &at,
            )?,
            name: self.name,
            provider: self.provider,
            region: self.region,
            source: self.source,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFargate {
    billing_granularity: String,
    minimum_billed_linux: String,
    minimum_billed_windows: String,
    free_storage_gib: u32,
    max_storage_gib_ecs: u32,
    max_storage_gib_eks: u32,
    eks_pod_overhead_mib: u32,
    windows_min_vcpu: f64,
    windows_max_vcpu: f64,
    size_grid: Vec<RawSizeRow>,
    rates: Vec<RawFargateRates>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSizeRow {
    vcpu: f64,
    memory: Option<Vec<String>>,
    memory_min: Option<String>,
    memory_max: Option<String>,
    memory_step: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFargateRates {
    region: String,
    os: Os,
    arch: Arch,
    capacity: Capacity,
    vcpu: RawRate,
    memory_gib: RawRate,
    storage_gib: RawRate,
    os_license_vcpu: RawRate,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEks {
    control_plane: RawRate,
    /// The fee for a cluster on extended support (issue 23).
    control_plane_extended: Option<RawRate>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    usd: String,
    per: String,
}

impl RawRate {
    fn to_rate(&self) -> Result<Rate, String> {
        let per_us = match self.per.as_str() {
            "second" => 1_000_000,
            "hour" => 3_600_000_000,
            other => return Err(format!("per = `{other}`: use \"second\" or \"hour\"")),
        };
        Ok(Rate {
            price: Price::parse(&self.usd)?,
            per_us,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_has_74_linux_sizes() {
        let c = Catalog::builtin();
        let combos: usize = c.fargate.size_grid.iter().map(|r| r.memory_mib.len()).sum();
        // [AWS] ECS task size table: 3 + 4 + 7 + 13 + 23 + 12 + 12 = 74 valid Linux sizes up to 16 vCPU.
        assert_eq!(combos, 74);
        assert!(
            c.fargate_rates("us-east-1", Os::Linux, Arch::X86_64, Capacity::OnDemand)
                .is_ok()
        );
        let e = c
            .fargate_rates("mars-1", Os::Linux, Arch::X86_64, Capacity::OnDemand)
            .unwrap_err();
        assert!(e.contains("us-east-1"), "{e}");
    }

    #[test]
    fn instance_types_match_aws_facts_and_suggest_close_names() {
        let c = Catalog::builtin();
        assert_eq!(c.ec2.instance_types.len(), 36);
        assert_eq!(c.ec2.minimum_billed, 60_000_000);
        let m5 = c.instance_type("m5.large").unwrap();
        assert_eq!(
            (m5.cpu_milli, m5.memory_mib, m5.arch),
            (2000, 8192, Arch::X86_64)
        );
        // 61 s of an m5.large at $0.096/h = $0.0016266…
        let cost = m5.on_demand["us-east-1"].cost(61_000_000, 1);
        assert_eq!(cost.0, 1_626_666_666_666_666);
        assert_eq!(c.instance_type("c7g.large").unwrap().arch, Arch::Arm64);
        // Prices are linear within a family (AWS EC2 On-Demand price list: each size doubles the one below).
        let per_vcpu = |n: &str| {
            let t = c.instance_type(n).unwrap();
            t.on_demand["us-east-1"].price.pico_usd * 1000 / t.cpu_milli as u128
        };
        assert_eq!(per_vcpu("m6i.large"), per_vcpu("m6i.4xlarge"));
        let e = c.instance_type("m5.larg").unwrap_err();
        assert!(e.contains("m5.large"), "{e}");
        let e = c.instance_type("c6g.xlarge").unwrap_err();
        assert!(e.contains("c6i.xlarge") || e.contains("c7g.xlarge"), "{e}");
    }
}

/// Which Kubernetes support an EKS cluster is on: standard, or extended
/// (a version past standard support, at a higher cluster fee).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EksSupport {
    #[default]
    Standard,
    Extended,
}

impl Catalog {
    /// The EKS cluster fee for `support` (extended support needs the
    /// catalog's `eks.control_plane_extended`, checked when validating).
    pub fn eks_fee(&self, support: EksSupport) -> Rate {
        match support {
            EksSupport::Standard => self.eks_control_plane,
            EksSupport::Extended => self
                .eks_control_plane_extended
                .unwrap_or(self.eks_control_plane),
        }
    }
}
