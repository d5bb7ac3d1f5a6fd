//! `fargate-sim prices`: the pricing catalog as tables a person can read:
//! Fargate rates, the Fargate size grid, EC2 instance types, billing rules,
//! each with where it came from.

use super::catalog::{Arch, Catalog, Os};
use comfy_table::{CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    t
}

fn right(t: &mut Table, cols: std::ops::Range<usize>) {
    for c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn usd(v: f64) -> String {
    // Enough digits for the smallest rates (storage per GiB-hour).
    let s = format!("{v:.6}");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    format!("${whole}.{frac:0<2}")
}

fn gib(mib: u32) -> String {
    let g = mib as f64 / 1024.0;
    if g.fract() == 0.0 {
        format!("{g:.0}")
    } else {
        format!("{g}")
    }
}

/// What to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    All,
    Fargate,
    Sizes,
    Ec2,
    Functions,
}

/// Renders the catalog, limited to `region` when given.
pub fn render(catalog: &Catalog, section: Section, region: Option<&str>) -> String {
    let mut out = format!(
        "pricing catalog: {} ({}, as of {})\n",
        catalog.name, catalog.origin, catalog.as_of
    );
    let show = |s: Section| section == Section::All || section == s;
    let f = &catalog.fargate;
    if show(Section::Fargate) {
        let mut t = table(vec![
            "region",
            "os",
            "arch",
            "capacity",
            "per vCPU-hour",
            "per GiB-hour",
            "storage per GiB-hour",
            "licence per vCPU-hour",
            "source",
        ]);
        for r in f
            .rates
            .iter()
            .filter(|r| region.is_none_or(|x| x == r.region))
        {
            t.add_row(vec![
                r.region.clone(),
                match r.os {
                    Os::Linux => "linux",
                    Os::Windows => "windows",
                }
                .to_string(),
                match r.arch {
                    Arch::X86_64 => "x86_64",
                    Arch::Arm64 => "arm64",
                }
                .to_string(),
                format!("{:?}", r.capacity)
                    .to_lowercase()
                    .replace("ondemand", "on_demand"),
                usd(r.vcpu.usd_per_hour()),
                usd(r.memory_gib.usd_per_hour()),
                usd(r.storage_gib.usd_per_hour()),
                usd(r.os_license_vcpu.usd_per_hour()),
                r.source.clone(),
            ]);
        }
        right(&mut t, 4..8);
        out.push_str(&format!(
            "\nFargate rates (billed per {} s from the image pull, minimum {} s on Linux and {} s on Windows; {} GiB of storage free, up to {} GiB on ECS and {} GiB on EKS; EKS adds {} MiB to each pod)\n{t}\n",
            f.billing_granularity / 1_000_000,
            f.minimum_billed_linux / 1_000_000,
            f.minimum_billed_windows / 1_000_000,
            f.free_storage_gib,
            f.max_storage_gib_ecs,
            f.max_storage_gib_eks,
            f.eks_pod_overhead_mib,
        ));
    }
    if show(Section::Sizes) {
        let mut t = table(vec!["vCPU", "memory (GiB)", "sizes"]);
        for row in &f.size_grid {
            let first = row.memory_mib.first().copied().unwrap_or(0);
            let last = row.memory_mib.last().copied().unwrap_or(0);
            let memory = if row.memory_mib.len() > 4 {
                let step = row.memory_mib.get(1).map_or(0, |m| m - first);
                format!("{} to {} in steps of {}", gib(first), gib(last), gib(step))
            } else {
                row.memory_mib
                    .iter()
                    .map(|m| gib(*m))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            t.add_row(vec![
                crate::units::format_vcpu(row.cpu_milli),
                memory,
                row.memory_mib.len().to_string(),
            ]);
        }
        out.push_str(&format!(
            "\nFargate sizes (a request is rounded up to the smallest that fits; Windows uses {} to {} vCPU)\n{t}\n",
            crate::units::format_vcpu(f.windows_min_cpu_milli),
            crate::units::format_vcpu(f.windows_max_cpu_milli)
        ));
    }
    if show(Section::Ec2) {
        let mut regions: Vec<&String> = catalog
            .ec2
            .instance_types
            .iter()
            .flat_map(|t| t.on_demand.keys())
            .filter(|r| region.is_none_or(|x| x == r.as_str()))
            .collect();
        regions.sort();
        regions.dedup();
        let mut header = vec![
            "type".to_string(),
            "vCPU".into(),
            "memory (GiB)".into(),
            "arch".into(),
        ];
        header.extend(regions.iter().map(|r| format!("{r} per hour")));
        header.push("source".into());
        let mut t = table(header.iter().map(String::as_str).collect());
        for it in &catalog.ec2.instance_types {
            let mut row = vec![
                it.name.clone(),
                crate::units::format_vcpu(it.cpu_milli),
                gib(it.memory_mib),
                match it.arch {
                    Arch::X86_64 => "x86_64",
                    Arch::Arm64 => "arm64",
                }
                .to_string(),
            ];
            row.extend(regions.iter().map(|r| {
                it.on_demand
                    .get(*r)
                    .map_or("—".into(), |p| usd(p.usd_per_hour()))
            }));
            row.push(it.note.clone());
            t.add_row(row);
        }
        right(&mut t, 1..3);
        right(&mut t, 4..4 + regions.len());
        out.push_str(&format!(
            "\nEC2 instance types, Linux on demand (billed per {} s, minimum {} s; Spot is a discount off these, set per platform); EKS control plane {} per cluster-hour ({})\n{t}\n",
            catalog.ec2.billing_granularity / 1_000_000,
            catalog.ec2.minimum_billed / 1_000_000,
            usd(catalog.eks_control_plane.usd_per_hour()),
            catalog.eks_source
        ));
    }
    if show(Section::Functions) && !catalog.functions.is_empty() {
        use super::functions::{FunctionBilling, FunctionSizing};
        let mut t = table(vec![
            "profile",
            "provider",
            "region",
            "per vCPU-hour",
            "per GiB-hour",
            "per 1M requests",
            "billing",
            "sizes",
            "at once",
            "instances",
            "cold start / keep-alive",
            "source",
        ]);
        for p in catalog
            .functions
            .iter()
            .filter(|p| region.is_none_or(|x| x == p.region))
        {
            let span = crate::time::format_span;
            let billing = match p.billing {
                FunctionBilling::Invocation => "each invocation",
                FunctionBilling::InstanceActive => "busy instances",
                FunctionBilling::InstanceLifetime => "instance lifetime",
                FunctionBilling::ManagedInstances => "EC2 instances + fee",
            };
            let sizes = match &p.sizing {
                FunctionSizing::Memory {
                    mib_per_vcpu,
                    min_mib,
                    max_mib,
                    ..
                } => format!("{min_mib}–{max_mib} MiB, 1 vCPU per {mib_per_vcpu} MiB"),
                FunctionSizing::CpuMemory {
                    min_cpu_milli,
                    max_cpu_milli,
                    min_mib,
                    max_mib,
                    ..
                } => format!(
                    "{}–{} vCPU, {}–{} GiB",
                    crate::units::format_vcpu(*min_cpu_milli),
                    crate::units::format_vcpu(*max_cpu_milli),
                    gib(*min_mib),
                    gib(*max_mib)
                ),
            };
            t.add_row(vec![
                p.name.clone(),
                p.provider.clone(),
                p.region.clone(),
                usd(p.vcpu.usd_per_hour()),
                usd(p.memory_gib.usd_per_hour()),
                usd(p.request.usd() * 1e6),
                format!("{billing}, per {}", span(p.granularity)),
                sizes,
                p.concurrency.to_string(),
                p.max_instances.to_string(),
                format!("{} / {}", span(p.cold_start), span(p.keep_alive)),
                p.source.clone(),
            ]);
        }
        right(&mut t, 3..6);
        out.push_str(&format!(
            "\nServerless peers (kind = \"function\", profile = …; each key can be overridden per platform)\n{t}\n"
        ));
    }
    out
}

/// The same listing as one JSON document (`prices --format json`; shape in
/// docs/outputs.md): the parts asked for, limited to `region` when given.
/// Rates are dollars an hour, times seconds, sizes vCPU and MiB.
pub fn to_json(catalog: &Catalog, section: Section, region: Option<&str>) -> serde_json::Value {
    use super::functions::{FunctionBilling, FunctionSizing};
    use serde_json::{Value, json};
    let show = |s: Section| section == Section::All || section == s;
    let secs = |t: crate::time::SimTime| t as f64 / 1e6;
    let vcpu = |milli: u32| milli as f64 / 1000.0;
    let in_region = |r: &str| region.is_none_or(|x| x == r);
    let f = &catalog.fargate;
    let mut out = serde_json::Map::new();
    out.insert(
        "catalog".into(),
        json!({ "name": catalog.name, "origin": catalog.origin, "as_of": catalog.as_of }),
    );
    out.insert("region".into(), json!(region));
    if show(Section::Fargate) {
        out.insert(
            "fargate".into(),
            json!({
                "billing_granularity_s": secs(f.billing_granularity),
                "minimum_billed_linux_s": secs(f.minimum_billed_linux),
                "minimum_billed_windows_s": secs(f.minimum_billed_windows),
                "free_storage_gib": f.free_storage_gib,
                "max_storage_gib_ecs": f.max_storage_gib_ecs,
                "max_storage_gib_eks": f.max_storage_gib_eks,
                "eks_pod_overhead_mib": f.eks_pod_overhead_mib,
                "rates": f.rates.iter().filter(|r| in_region(&r.region)).map(|r| json!({
                    "region": r.region,
                    "os": r.os,
                    "arch": r.arch,
                    "capacity": r.capacity,
                    "vcpu_usd_per_hour": r.vcpu.usd_per_hour(),
                    "memory_gib_usd_per_hour": r.memory_gib.usd_per_hour(),
                    "storage_gib_usd_per_hour": r.storage_gib.usd_per_hour(),
                    "os_license_vcpu_usd_per_hour": r.os_license_vcpu.usd_per_hour(),
                    "source": r.source,
                })).collect::<Vec<_>>(),
            }),
        );
    }
    if show(Section::Sizes) {
        out.insert(
            "sizes".into(),
            json!({
                "windows_min_vcpu": vcpu(f.windows_min_cpu_milli),
                "windows_max_vcpu": vcpu(f.windows_max_cpu_milli),
                "grid": f.size_grid.iter().map(|r| json!({
                    "vcpu": vcpu(r.cpu_milli),
                    "memory_mib": r.memory_mib,
                })).collect::<Vec<_>>(),
            }),
        );
    }
    if show(Section::Ec2) {
        out.insert(
            "ec2".into(),
            json!({
                "billing_granularity_s": secs(catalog.ec2.billing_granularity),
                "minimum_billed_s": secs(catalog.ec2.minimum_billed),
                "eks_control_plane_usd_per_hour": catalog.eks_control_plane.usd_per_hour(),
                "eks_source": catalog.eks_source,
                "instance_types": catalog.ec2.instance_types.iter().map(|t| json!({
                    "name": t.name,
                    "vcpu": vcpu(t.cpu_milli),
                    "memory_mib": t.memory_mib,
                    "arch": t.arch,
                    "on_demand_usd_per_hour": t.on_demand.iter()
                        .filter(|(r, _)| in_region(r))
                        .map(|(r, p)| (r.clone(), json!(p.usd_per_hour())))
                        .collect::<serde_json::Map<String, Value>>(),
                    "source": t.note,
                })).collect::<Vec<_>>(),
            }),
        );
    }
    if show(Section::Functions) {
        let profiles: Vec<Value> = catalog
            .functions
            .iter()
            .filter(|p| in_region(&p.region))
            .map(|p| {
                let sizes = match &p.sizing {
                    FunctionSizing::Memory {
                        mib_per_vcpu,
                        min_mib,
                        max_mib,
                        ..
                    } => json!({ "min_memory_mib": min_mib, "max_memory_mib": max_mib, "mib_per_vcpu": mib_per_vcpu }),
                    FunctionSizing::CpuMemory {
                        min_cpu_milli,
                        max_cpu_milli,
                        min_mib,
                        max_mib,
                        ..
                    } => json!({
                        "min_vcpu": vcpu(*min_cpu_milli),
                        "max_vcpu": vcpu(*max_cpu_milli),
                        "min_memory_mib": min_mib,
                        "max_memory_mib": max_mib,
                    }),
                };
                json!({
                    "profile": p.name,
                    "provider": p.provider,
                    "region": p.region,
                    "vcpu_usd_per_hour": p.vcpu.usd_per_hour(),
                    "memory_gib_usd_per_hour": p.memory_gib.usd_per_hour(),
                    "per_million_requests_usd": p.request.usd() * 1e6,
                    "billing": match p.billing {
                        FunctionBilling::Invocation => "invocation",
                        FunctionBilling::InstanceActive => "instance_active",
                        FunctionBilling::InstanceLifetime => "instance_lifetime",
                        FunctionBilling::ManagedInstances => "managed_instances",
                    },
                    "granularity_s": secs(p.granularity),
                    "sizes": sizes,
                    "concurrency": p.concurrency,
                    "max_instances": p.max_instances,
                    "cold_start_s": secs(p.cold_start),
                    "keep_alive_s": secs(p.keep_alive),
                    "source": p.source,
                })
            })
            .collect();
        out.insert("functions".into(), Value::Array(profiles));
    }
    Value::Object(out)
}
