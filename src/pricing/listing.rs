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
