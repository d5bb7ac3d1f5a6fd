//! Every price and default a run used, with where it came from, so that a
//! reviewer can challenge it. Written to `summary.json` (`assumptions`) and
//! shown in `report.html`.
//!
//! A behavioural value that equals the built-in default cites the default's
//! source from `data/defaults.toml`; one that differs says it was set in the
//! scenario (or by `--set`).

use crate::platform::PlatformSpec;
use crate::platform::ec2::Autoscaler;
use crate::pricing::{Catalog, Rate};
use crate::scenario::Scenario;
use crate::scenario::defaults::Defaults;
use crate::time::format_span;
use serde::{Deserialize, Serialize};

/// One assumption.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Assumption {
    /// "all", "workload", "service <name>", or the platforms it applies to
    /// (several, comma-separated, when they share the same value and source).
    pub applies_to: String,
    pub item: String,
    pub value: String,
    pub source: String,
}

const SCENARIO: &str = "set in the scenario (or by --set)";

fn per_hour(r: &Rate) -> String {
    format!("${:.6}/h", r.usd_per_hour())
}

/// The assumptions of `scenario` priced by `catalog`. A row that is the same
/// (item, value and source) for several platforms is listed once, naming
/// them.
pub fn list(scenario: &Scenario, catalog: &Catalog) -> Vec<Assumption> {
    let names: Vec<&str> = scenario.platforms.iter().map(|p| p.name()).collect();
    let mut out = per_platform(scenario, catalog);
    out.extend(services(scenario));
    out.extend(super::around::list(scenario, catalog).into_iter().map(
        |(applies_to, item, value, source)| Assumption {
            applies_to,
            item,
            value,
            source,
        },
    ));
    merge_platforms(out, &names)
}

/// Folds rows that are identical for several platforms into the first, whose
/// `applies_to` then names them all ("fargate, fargate-spot").
fn merge_platforms(rows: Vec<Assumption>, platforms: &[&str]) -> Vec<Assumption> {
    let mut out: Vec<Assumption> = Vec::with_capacity(rows.len());
    // For each kept row that belongs to platforms: the platforms it names.
    let mut named: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for row in rows {
        if platforms.contains(&row.applies_to.as_str())
            && let Some(k) = out.iter().enumerate().position(|(k, o)| {
                !named[k].is_empty()
                    && !named[k].contains(&row.applies_to)
                    && o.item == row.item
                    && o.value == row.value
                    && o.source == row.source
            })
        {
            named[k].push(row.applies_to);
            out[k].applies_to = named[k].join(", ");
            continue;
        }
        named.push(if platforms.contains(&row.applies_to.as_str()) {
            vec![row.applies_to.clone()]
        } else {
            Vec::new()
        });
        out.push(row);
    }
    out
}

/// Each service's autoscaling: bounds, policies, the metric's road to the
/// alarm, alarms and cooldowns, scheduled actions. Listed once per service:
/// the same on every platform.
fn services(scenario: &Scenario) -> Vec<Assumption> {
    use crate::service::scaling::{Bound, Policy, Resolution};
    let d = Defaults::builtin();
    let sd = &d.service;
    let mut out = Vec::new();
    let mut add = |applies: &str, item: String, value: String, source: &str| {
        out.push(Assumption {
            applies_to: applies.to_string(),
            item,
            value,
            source: source.to_string(),
        })
    };
    let same = |a: bool, src: &str| if a { src.to_string() } else { SCENARIO.into() };
    for svc in &scenario.workload.services {
        let n = format!("service {}", svc.name);
        add(
            &n,
            "replicas".into(),
            format!(
                "min {}, max {}, {} desired at the start",
                svc.min, svc.max, svc.desired
            ),
            SCENARIO,
        );
        if svc.scaling.is_empty() {
            add(
                &n,
                "autoscaling".into(),
                "none: the desired count changes only by scheduled actions".into(),
                SCENARIO,
            );
        }
        for (j, p) in svc.scaling.iter().enumerate() {
            let item = |what: &str| {
                if svc.scaling.len() == 1 {
                    what.to_string()
                } else {
                    format!("policy {}: {what}", j + 1)
                }
            };
            let sig = p.signal();
            let default_sig = match sig.resolution {
                Resolution::Standard => sd.standard_signal,
                Resolution::High => sd.high_signal,
            };
            let resolution = match sig.resolution {
                Resolution::Standard => "standard resolution",
                Resolution::High => "high resolution",
            };
            add(
                &n,
                item("metric"),
                format!(
                    "{} ({resolution}): a datapoint every {}, visible to the alarm {} after its period ends; alarm evaluated every {}",
                    p.metric().name(),
                    format_span(sig.period),
                    format_span(sig.delay),
                    format_span(sig.alarm_every)
                ),
                &same(sig == default_sig, &sd.signal_source),
            );
            match p {
                Policy::TargetTracking(t) => {
                    add(
                        &n,
                        item("policy"),
                        format!("target tracking, target {}", t.target),
                        SCENARIO,
                    );
                    add(
                        &n,
                        item("alarms"),
                        format!(
                            "scale out after {} datapoints above {}; {}",
                            t.out_datapoints,
                            t.target,
                            if t.disable_scale_in {
                                "scale-in disabled".to_string()
                            } else {
                                format!(
                                    "scale in after {} datapoints below {} ({} × target)",
                                    t.in_datapoints,
                                    t.target * t.in_ratio,
                                    t.in_ratio
                                )
                            }
                        ),
                        &same(
                            t.out_datapoints == sd.scale_out_minutes
                                && t.in_datapoints == sd.scale_in_minutes
                                && t.in_ratio == sd.scale_in_ratio,
                            &sd.source,
                        ),
                    );
                    add(
                        &n,
                        item("cooldowns"),
                        format!(
                            "scale out {}, scale in {}",
                            format_span(t.out_cooldown),
                            format_span(t.in_cooldown)
                        ),
                        &same(
                            t.out_cooldown == sd.scale_out_cooldown
                                && t.in_cooldown == sd.scale_in_cooldown,
                            &sd.source,
                        ),
                    );
                }
                Policy::Step(st) => {
                    let steps: Vec<String> = st
                        .steps
                        .iter()
                        .map(|x| match x.bound {
                            Bound::Above(a) => format!("at or above {a}: {:+}", x.change),
                            Bound::Below(b) => format!("at or below {b}: {:+}", x.change),
                        })
                        .collect();
                    add(
                        &n,
                        item("policy"),
                        format!("step scaling ({})", steps.join("; ")),
                        SCENARIO,
                    );
                    add(
                        &n,
                        item("alarm"),
                        format!("a step acts after {} datapoints", st.datapoints),
                        &same(st.datapoints == sd.step_minutes, &sd.source),
                    );
                    add(
                        &n,
                        item("cooldown"),
                        format_span(st.cooldown),
                        &same(st.cooldown == sd.step_cooldown, &sd.source),
                    );
                }
            }
        }
        if !svc.schedule.is_empty() {
            let actions: Vec<String> = svc
                .schedule
                .iter()
                .map(|a| {
                    let mut parts = Vec::new();
                    if let Some(m) = a.min {
                        parts.push(format!("min {m}"));
                    }
                    if let Some(m) = a.max {
                        parts.push(format!("max {m}"));
                    }
                    let mins = a.at / crate::time::MINUTE;
                    format!("{:02}:{:02} {}", mins / 60, mins % 60, parts.join(", "))
                })
                .collect();
            add(&n, "scheduled actions".into(), actions.join("; "), SCENARIO);
        }
    }
    out
}

/// The pricing, workload and platform rows.
fn per_platform(scenario: &Scenario, catalog: &Catalog) -> Vec<Assumption> {
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
            Format::Alibaba2017 | Format::Alibaba2017Instance => Some(&tr.alibaba_2017),
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
                if let Some(m) = &f.managed {
                    add(
                        n,
                        "managed instances",
                        format!(
                            "{} at {}, + {} % management fee; {} to {} instances, CPU target {} %, {} requests per vCPU",
                            m.instance_type,
                            per_hour(&m.price),
                            m.fee_pct,
                            m.min_instances,
                            m.max_instances,
                            m.target_cpu_pct,
                            m.per_vcpu_concurrency
                        ),
                        &pr.source,
                    );
                }
            }
            PlatformSpec::Fargate(f) => {
                use crate::platform::fargate::{LaunchType, Provider};
                let fc = &catalog.fargate;
                let mixed = f.strategy.is_mixed();
                if mixed {
                    add(
                        n,
                        "capacity provider strategy",
                        f.strategy.to_string(),
                        SCENARIO,
                    );
                }
                for p in Provider::BOTH.into_iter().filter(|p| f.strategy.uses(*p)) {
                    let on = if mixed {
                        format!(" ({})", p.ecs_name())
                    } else {
                        String::new()
                    };
                    match catalog.fargate_rates(&f.region, f.os, f.arch, p.capacity()) {
                        Ok(r) => {
                            add(n, &format!("vCPU rate{on}"), per_hour(&r.vcpu), &r.source);
                            add(
                                n,
                                &format!("memory rate (per GiB){on}"),
                                per_hour(&r.memory_gib),
                                &r.source,
                            );
                            add(
                                n,
                                &format!("ephemeral storage above the free 20 GiB (per GiB){on}"),
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
                }
                let eks = f.launch_type == LaunchType::Eks;
                let (default_burst, default_refill, default_provisioning, provisioning_src) = if eks
                {
                    (
                        d.fargate_eks_launch_burst,
                        d.fargate_eks_launch_refill_per_s,
                        &d.fargate_eks_provisioning,
                        &d.fargate_eks_startup_source,
                    )
                } else {
                    (
                        d.fargate_launch_burst,
                        d.fargate_launch_refill_per_s,
                        &d.fargate_provisioning,
                        &d.fargate_startup_source,
                    )
                };
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
                        f.launch_burst == default_burst && f.launch_refill_per_s == default_refill,
                        &d.fargate_launch_source,
                    ),
                );
                add(
                    n,
                    "provisioning (launch to image pull, not billed)",
                    f.provisioning.to_string(),
                    &same(f.provisioning == *default_provisioning, provisioning_src),
                );
                add(
                    n,
                    "image pull and start (billed)",
                    f.image_pull.to_string(),
                    &same(f.image_pull == d.fargate_image_pull, &d.image_pull_source),
                );
                if f.strategy.uses(Provider::Spot) {
                    add(
                        n,
                        "Spot interruptions per task-hour",
                        match f.interruption_monthly_share {
                            Some(share) => format!(
                                "{} ({}% of capacity reclaimed a month)",
                                f.interruptions_per_hour,
                                crate::platform::spot_rate::share_percent(share)
                            ),
                            None => f.interruptions_per_hour.to_string(),
                        },
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
                if eks && f.pod_binding_per_s > 0.0 {
                    add(
                        n,
                        "EKS pod binding (all pods, one at a time)",
                        format!("{}/s", f.pod_binding_per_s),
                        &same(
                            f.pod_binding_per_s == d.fargate_eks_pod_binding_per_s,
                            &d.fargate_eks_scheduler_source,
                        ),
                    );
                }
                if eks {
                    add(
                        n,
                        "EKS control plane",
                        per_hour(&catalog.eks_fee(f.eks_support)),
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
                    &same(e.image_pull == ed.image_pull, &d.image_pull_source),
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
                        match e.spot_interruption_monthly_share {
                            Some(share) => format!(
                                "{} ({}% of capacity reclaimed a month)",
                                e.spot_interruptions_per_hour,
                                crate::platform::spot_rate::share_percent(share)
                            ),
                            None => e.spot_interruptions_per_hour.to_string(),
                        },
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
                        consolidation,
                        limits,
                    } => (
                        format!(
                            "Karpenter: batch idle {}, batch max {}; {}; NodePool limits: {limits}",
                            format_span(*batch_idle),
                            format_span(*batch_max),
                            match consolidation {
                                None => "consolidateAfter Never (no consolidation)".to_string(),
                                Some(c) => format!(
                                    "{} after {}, budget {}, polled every {}, commands validated after {}",
                                    c.policy.name(),
                                    format_span(c.consolidate_after),
                                    c.budget,
                                    format_span(c.poll),
                                    format_span(c.validation_delay)
                                ),
                            }
                        ),
                        ed.karpenter_source.clone(),
                    ),
                };
                add(n, "autoscaler", value, &source);
                let default_chain = if e.orchestrator == crate::platform::ec2::Orchestrator::Eks {
                    &ed.placement_eks
                } else {
                    &ed.placement_ecs
                };
                add(
                    n,
                    "placement",
                    e.placement
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    &same(&e.placement == default_chain, &ed.placement_source),
                );
                add(
                    n,
                    "availability zones",
                    e.zones.to_string(),
                    &same(e.zones == ed.zones, &ed.network_source),
                );
                if e.orchestrator == crate::platform::ec2::Orchestrator::Ecs {
                    add(
                        n,
                        "task network mode",
                        match (e.network_mode, e.eni_trunking) {
                            (crate::platform::ec2::NetworkMode::Awsvpc, true) => {
                                "awsvpc with ENI trunking".to_string()
                            }
                            (m, _) => crate::report::format::snake(&m),
                        },
                        &same(
                            e.network_mode == ed.network_mode && e.eni_trunking == ed.eni_trunking,
                            &ed.network_source,
                        ),
                    );
                } else {
                    add(
                        n,
                        "pods per node",
                        format!(
                            "max pods (VPC CNI ENI formula) less {} DaemonSet pods",
                            e.daemonset_pods
                        ),
                        &ed.eks_node_source,
                    );
                }
                if e.orchestrator == crate::platform::ec2::Orchestrator::Eks {
                    add(
                        n,
                        "EKS control plane",
                        per_hour(&catalog.eks_fee(e.eks_support)),
                        &catalog.eks_source,
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(applies: &str, item: &str, value: &str) -> Assumption {
        Assumption {
            applies_to: applies.into(),
            item: item.into(),
            value: value.into(),
            source: "s".into(),
        }
    }

    #[test]
    fn a_row_shared_by_platforms_is_listed_once_naming_them() {
        let rows = vec![
            row("all", "seed", "1"),
            row("a", "launch limit", "burst 100"),
            row("a", "vCPU rate", "$1"),
            row("b", "launch limit", "burst 100"),
            row("b", "vCPU rate", "$2"),
            row("c", "launch limit", "burst 100"),
            row("service api", "replicas", "min 1"),
        ];
        let out = merge_platforms(rows, &["a", "b", "c"]);
        assert_eq!(
            out,
            vec![
                row("all", "seed", "1"),
                row("a, b, c", "launch limit", "burst 100"),
                row("a", "vCPU rate", "$1"),
                row("b", "vCPU rate", "$2"),
                row("service api", "replicas", "min 1"),
            ]
        );
    }
}
