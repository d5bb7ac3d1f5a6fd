//! Every price and default a run used, with where it came from, so that a
//! reviewer can challenge it. Written to `summary.json` (`assumptions`) and
//! shown in `report.html`.
//!
//! A behavioural value that equals the built-in default cites the default's
//! source from `data/defaults.toml`; one that differs says it was set in the
//! scenario (or by `--set`).

use crate::platform::PlatformSpec;
use crate::platform::ec2::Autoscaler;
use crate::pricing::{Capacity, Catalog, Rate};
use crate::scenario::Scenario;
use crate::scenario::defaults::Defaults;
use crate::time::format_span;
use serde::{Deserialize, Serialize};

/// One assumption.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Assumption {
    /// The platform it applies to, or "all".
    pub applies_to: String,
    pub item: String,
    pub value: String,
    pub source: String,
}

const SCENARIO: &str = "set in the scenario (or by --set)";

fn per_hour(r: &Rate) -> String {
    format!("${:.6}/h", r.usd_per_hour())
}

/// The assumptions of `scenario` priced by `catalog`.
pub fn list(scenario: &Scenario, catalog: &Catalog) -> Vec<Assumption> {
    let d = Defaults::builtin();
    let mut out = Vec::new();
    let mut add = |applies: &str, item: &str, value: String, source: &str| {
        out.push(Assumption {
            applies_to: applies.to_string(),
            item: item.to_string(),
            value,
            source: source.to_string(),
        })
    };
    let pricing_src = format!("pricing catalog {} ({})", catalog.name, catalog.origin);
    add(
        "all",
        "pricing catalog",
        format!("{}, prices as of {}", catalog.name, catalog.as_of),
        &pricing_src,
    );
    add(
        "all",
        "seed",
        scenario.seed.to_string(),
        &scenario.seed_source,
    );
    for o in &scenario.overrides {
        let (key, value) = o.split_once('=').unwrap_or((o.as_str(), ""));
        add(
            "all",
            &format!("override {}", key.trim()),
            value.trim().to_string(),
            "--set on the command line (replaces the scenario file's value)",
        );
    }
    if let Some(t) = &scenario.workload.trace {
        use crate::workload::formats::Format;
        let tr = &d.traces;
        let mib = |m: u32| format!("{m} MiB");
        add(
            "workload",
            "trace",
            format!("{} (format {})", t.path.display(), t.format.name()),
            "scenario",
        );
        let p = &t.params;
        let machine = match t.format {
            Format::Alibaba2017 => Some(&tr.alibaba_2017),
            Format::Alibaba2018Task | Format::Alibaba2018Instance => Some(&tr.alibaba_2018),
            Format::Google2011 | Format::Google2019 => Some(&tr.google),
            _ => None,
        };
        if let Some(m) = machine {
            add(
                "workload",
                "machine that normalised sizes refer to",
                format!(
                    "{} vCPU, {}",
                    crate::units::format_vcpu(p.machine_cpu_milli),
                    mib(p.machine_memory_mib)
                ),
                &m.source,
            );
        }
        match t.format {
            Format::Swf => add(
                "workload",
                "SWF processor",
                format!(
                    "{} vCPU, {} when the log has no memory",
                    p.vcpu_per_processor,
                    mib(p.memory_per_processor_mib)
                ),
                &tr.swf.source,
            ),
            Format::AzureFunctions2019 | Format::AzureFunctions2021 => add(
                "workload",
                "size of an invocation",
                format!(
                    "{} vCPU, {}",
                    crate::units::format_vcpu(p.request_cpu_milli),
                    mib(p.request_memory_mib.unwrap_or(0))
                ),
                &tr.azure_functions.source,
            ),
            Format::AzureLlm2023 => add(
                "workload",
                "LLM request",
                format!(
                    "{} vCPU, {}; {} ms + {} ms per prompt token + {} ms per generated token",
                    crate::units::format_vcpu(p.request_cpu_milli),
                    mib(p.request_memory_mib.unwrap_or(0)),
                    p.llm_overhead_us as f64 / 1000.0,
                    p.llm_prefill_us_per_token as f64 / 1000.0,
                    p.llm_decode_us_per_token as f64 / 1000.0
                ),
                &tr.azure_llm.source,
            ),
            _ => {}
        }
    }
    for p in &scenario.platforms {
        let n = p.name();
        match p {
            PlatformSpec::Function(f) => {
                let pr = &f.profile;
                add(
                    n,
                    "profile",
                    format!("{} ({})", pr.name, pr.provider),
                    &pr.source,
                );
                add(n, "vCPU rate", per_hour(&pr.vcpu), &pr.source);
                add(
                    n,
                    "memory rate (per GiB)",
                    per_hour(&pr.memory_gib),
                    &pr.source,
                );
                add(
                    n,
                    "request fee",
                    format!("${} per million", pr.request.usd() * 1e6),
                    &pr.source,
                );
                add(
                    n,
                    "billing",
                    format!(
                        "{:?}, rounded up to {}",
                        pr.billing,
                        crate::time::format_span(pr.granularity)
                    ),
                    &pricing_src,
                );
                add(
                    n,
                    "cold start / keep-alive",
                    format!(
                        "{} / {}",
                        f.cold_start,
                        crate::time::format_span(f.keep_alive)
                    ),
                    &pricing_src,
                );
            }
            PlatformSpec::Fargate(f) => {
                let fc = &catalog.fargate;
                match catalog.fargate_rates(&f.region, f.os, f.arch, f.capacity) {
                    Ok(r) => {
                        add(n, "vCPU rate", per_hour(&r.vcpu), &r.source);
                        add(
                            n,
                            "memory rate (per GiB)",
                            per_hour(&r.memory_gib),
                            &r.source,
                        );
                        add(
                            n,
                            "ephemeral storage above the free 20 GiB (per GiB)",
                            per_hour(&r.storage_gib),
                            &r.source,
                        );
                        if r.os_license_vcpu.price.pico_usd > 0 {
                            add(
                                n,
                                "OS licence (per vCPU)",
                                per_hour(&r.os_license_vcpu),
                                &r.source,
                            );
                        }
                    }
                    Err(e) => add(n, "rates", e, &pricing_src),
                }
                let minimum = match f.os {
                    crate::pricing::Os::Linux => fc.minimum_billed_linux,
                    crate::pricing::Os::Windows => fc.minimum_billed_windows,
                };
                add(
                    n,
                    "billing",
                    format!(
                        "per {} with a {} minimum, from image pull to stop",
                        format_span(fc.billing_granularity),
                        format_span(minimum)
                    ),
                    "pricing catalog [fargate], from aws.amazon.com/fargate/pricing",
                );
                let same = |a: bool, src: &str| if a { src.to_string() } else { SCENARIO.into() };
                add(
                    n,
                    "launch limit",
                    format!(
                        "burst {}, refill {}/s",
                        f.launch_burst, f.launch_refill_per_s
                    ),
                    &same(
                        f.launch_burst == d.fargate_launch_burst
                            && f.launch_refill_per_s == d.fargate_launch_refill_per_s,
                        &d.fargate_launch_source,
                    ),
                );
                add(
                    n,
                    "provisioning (launch to image pull, not billed)",
                    f.provisioning.to_string(),
                    &same(
                        f.provisioning == d.fargate_provisioning,
                        &d.fargate_startup_source,
                    ),
                );
                add(
                    n,
                    "image pull and start (billed)",
                    f.image_pull.to_string(),
                    &same(
                        f.image_pull == d.fargate_image_pull,
                        &d.fargate_startup_source,
                    ),
                );
                if f.capacity == Capacity::Spot {
                    add(
                        n,
                        "Spot interruptions per task-hour",
                        f.interruptions_per_hour.to_string(),
                        &same(
                            f.interruptions_per_hour == d.fargate_spot_interruptions_per_hour,
                            &d.fargate_spot_source,
                        ),
                    );
                    add(
                        n,
                        "Spot interruption notice",
                        format_span(f.interruption_notice),
                        &same(
                            f.interruption_notice == d.fargate_spot_notice,
                            &d.fargate_spot_source,
                        ),
                    );
                }
                if f.launch_type == crate::platform::fargate::LaunchType::Eks {
                    add(
                        n,
                        "EKS control plane",
                        per_hour(&catalog.eks_control_plane),
                        &catalog.eks_source,
                    );
                }
            }
            PlatformSpec::Ec2(e) => {
                let ed = &d.ec2;
                for t in &e.instance_types {
                    let value = t.on_demand.get(&e.region).map_or_else(
                        || "no price in this region".to_string(),
                        |r| {
                            format!(
                                "{} on demand ({} vCPU, {} MiB)",
                                per_hour(r),
                                t.cpu_milli / 1000,
                                t.memory_mib
                            )
                        },
                    );
                    add(n, &format!("instance {}", t.name), value, &t.note);
                }
                add(
                    n,
                    "billing",
                    format!(
                        "per {} with a {} minimum, from launch request to termination",
                        format_span(catalog.ec2.billing_granularity),
                        format_span(catalog.ec2.minimum_billed)
                    ),
                    "pricing catalog [ec2], from aws.amazon.com/ec2/pricing/on-demand",
                );
                let same = |a: bool, src: &str| if a { src.to_string() } else { SCENARIO.into() };
                add(
                    n,
                    "instance launch (request to ready)",
                    e.instance_launch.to_string(),
                    &same(
                        e.instance_launch == ed.instance_launch,
                        &ed.instance_launch_source,
                    ),
                );
                add(
                    n,
                    "container start (image not cached)",
                    e.image_pull.to_string(),
                    &same(e.image_pull == ed.image_pull, &ed.container_start_source),
                );
                add(
                    n,
                    "container start (image cached)",
                    e.cached_start.to_string(),
                    &same(
                        e.cached_start == ed.cached_start,
                        &ed.container_start_source,
                    ),
                );
                add(
                    n,
                    "reserved for OS and agent",
                    format!(
                        "{} vCPU, {}% of memory",
                        crate::units::format_vcpu(e.reserved_cpu_milli),
                        e.reserved_memory_percent
                    ),
                    &same(
                        e.reserved_cpu_milli == ed.reserved_cpu_milli
                            && e.reserved_memory_percent == ed.reserved_memory_percent,
                        &ed.reserved_source,
                    ),
                );
                if e.spot_weight > 0.0 {
                    add(
                        n,
                        "Spot discount",
                        format!("{:.0}% below on demand", e.spot_discount * 100.0),
                        &same(e.spot_discount == ed.spot_discount, &ed.spot_source),
                    );
                    add(
                        n,
                        "Spot interruptions per instance-hour",
                        e.spot_interruptions_per_hour.to_string(),
                        &same(
                            e.spot_interruptions_per_hour == ed.spot_interruptions_per_hour,
                            &ed.spot_source,
                        ),
                    );
                }
                let (value, source) = match &e.autoscaler {
                    Autoscaler::None => {
                        ("fixed size, no scaling".to_string(), SCENARIO.to_string())
                    }
                    Autoscaler::EcsManaged {
                        target_percent,
                        min_step,
                        max_step,
                        warmup,
                        scale_in_after,
                        metric_period,
                        alarm_delay,
                        scale_in_ramp,
                        provisioning_limit,
                    } => (
                        format!(
                            "ECS managed scaling: target {target_percent}%, steps {min_step}..{max_step}, warm-up {}, alarm delay {}, scale in after {} ({}), metric every {}, counts at most {provisioning_limit} tasks in PROVISIONING",
                            format_span(*warmup),
                            format_span(*alarm_delay),
                            format_span(*scale_in_after),
                            if *scale_in_ramp {
                                "a part each minute"
                            } else {
                                "all at once"
                            },
                            format_span(*metric_period)
                        ),
                        ed.ecs_source.clone(),
                    ),
                    Autoscaler::Karpenter {
                        batch_idle,
                        batch_max,
                        consolidate_after,
                    } => (
                        format!(
                            "Karpenter: batch idle {}, batch max {}, consolidate empty nodes after {}",
                            format_span(*batch_idle),
                            format_span(*batch_max),
                            format_span(*consolidate_after)
                        ),
                        ed.karpenter_source.clone(),
                    ),
                };
                add(n, "autoscaler", value, &source);
                if e.orchestrator == crate::platform::ec2::Orchestrator::Eks {
                    add(
                        n,
                        "EKS control plane",
                        per_hour(&catalog.eks_control_plane),
                        &catalog.eks_source,
                    );
                }
            }
        }
    }
    out
}
