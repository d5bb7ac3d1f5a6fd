//! From the raw file to typed values that cannot hold a bad one. Every error
//! names the key path (`platforms[1].spot.notice`), the value and what would
//! be accepted; `scenario::locate` adds the line and column.

use super::check::{self, Invalid, count, duration, invalid, positive_factor, rate, span_dist};
use super::raw::*;
use super::spec::{ReportSpec, Scenario, WorkloadSpec};
use super::workload::{generator, trace_spec};
use crate::platform::ec2::placement::Strategy;
use crate::platform::ec2::spec::{Consolidation, NodePoolLimits};
use crate::platform::ec2::{Autoscaler, Ec2Spec, NetworkMode, Orchestrator};
use crate::platform::fargate::strategy::Item;
use crate::platform::fargate::{CapacityStrategy, LaunchType, OnInterruption, Provider, Sizing};
use crate::platform::{FargateSpec, PlatformSpec};
use crate::pricing::{Arch, Capacity, Catalog, Os};
use crate::scenario::defaults::Defaults;
use crate::time::SimTime;
use crate::workload::SpanDist;
use std::collections::BTreeSet;
use std::path::Path;

/// A serverless peer: its profile from the catalog, with the scenario's
/// overrides of cold start, keep-alive, concurrency and instance limits.
fn function(
    f: &RawPlatform,
    key: &str,
    catalog: &Catalog,
) -> Result<crate::platform::function::FunctionSpec, Invalid> {
    use crate::platform::function::{FunctionSpec, OnThrottle};
    let names = || {
        catalog
            .functions
            .iter()
            .map(|p| format!("\"{}\"", p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(name) = &f.profile else {
        return Err(invalid(
            format!("{key}.profile"),
            format!(
                "kind = \"function\" needs a profile; the catalog has {}",
                names()
            ),
        ));
    };
    let Some(profile) = catalog.functions.iter().find(|p| &p.name == name) else {
        return Err(invalid(
            format!("{key}.profile"),
            format!("`{name}` is not in the pricing catalog; it has {}", names()),
        ));
    };
    if f.capacity.is_some() {
        return Err(invalid(
            format!("{key}.capacity"),
            "a function profile sets its own rates; for Spot use a Spot profile such as \"aci-spot\"",
        ));
    }
    if f.support.is_some() {
        return Err(invalid(
            format!("{key}.support"),
            "does not apply to kind = \"function\" (it sets an EKS cluster's fee)",
        ));
    }
    let count = |k: &str, v: Option<i64>, default: u32, lo: i64| -> Result<u32, Invalid> {
        match v {
            None => Ok(default),
            Some(n) if (lo..=1_000_000).contains(&n) => Ok(n as u32),
            Some(n) => Err(invalid(
                format!("{key}.{k}"),
                format!("{n}: need {lo} to 1,000,000"),
            )),
        }
    };
    let concurrency = count("concurrency", f.concurrency, profile.concurrency, 1)?;
    let max_instances = count("max_instances", f.max_instances, profile.max_instances, 1)?;
    let managed =
        super::lambda_managed::managed(f, key, profile, catalog, concurrency, max_instances)?;
    let min_instances = if managed.is_some() {
        0
    } else {
        count("min_instances", f.min_instances, 0, 0)?
    };
    if min_instances > max_instances {
        return Err(invalid(
            format!("{key}.min_instances"),
            format!("{min_instances} is above max_instances ({max_instances})"),
        ));
    }
    let keep_alive = match &f.keep_alive {
        None => profile.keep_alive,
        Some(t) => duration(&format!("{key}.keep_alive"), t)?,
    };
    let cold_start = match &f.cold_start {
        None => crate::workload::SpanDist::Constant(profile.cold_start),
        Some(d) => span_dist(d, &format!("{key}.cold_start"))?,
    };
    Ok(FunctionSpec {
        name: f.name.clone(),
        profile: profile.clone(),
        cold_start,
        keep_alive,
        concurrency,
        min_instances,
        max_instances,
        on_throttle: f.on_throttle.unwrap_or(OnThrottle::Queue),
        free_tier: match f.free_tier {
            Some(true) if profile.free_tier.is_none() => {
                return Err(invalid(
                    format!("{key}.free_tier"),
                    format!("profile `{name}` has no free tier in the pricing catalog"),
                ));
            }
            v => v.unwrap_or(false),
        },
        provisioned: super::function_keys::provisioned_schedule(
            key,
            f.provisioned_schedule.as_deref(),
            max_instances,
        )?,
        target_utilization_pct: super::function_keys::target_utilization(
            key,
            f.target_utilization,
            profile,
        )?,
        scale_rate: super::function_keys::scale_rate(key, f.scale_rate.as_ref(), profile)?,
        windows: super::lambda_managed::windows(f, key, profile)?,
        managed,
    })
}

/// A Fargate capacity provider strategy from `capacity = { on_demand = …,
/// spot = …, on_demand_base = … }`, held to the ECS API's rules: whole
/// weights 0 to 1,000, a base 0 to 100,000 on at most one provider, and a
/// weight above 0 somewhere.
fn fargate_strategy(m: &RawMix, key: &str) -> Result<CapacityStrategy, Invalid> {
    let weight = |name: &str, w: f64| -> Result<u32, Invalid> {
        if w.is_finite() && w.fract() == 0.0 && (0.0..=1000.0).contains(&w) {
            Ok(w as u32)
        } else {
            Err(invalid(
                format!("{key}.{name}"),
                format!(
                    "{w}: an ECS capacity provider weight is a whole number from 0 to 1000, such as {name} = 3"
                ),
            ))
        }
    };
    let base = |name: &str, b: Option<i64>| -> Result<u32, Invalid> {
        match b {
            None => Ok(0),
            Some(b) if (0..=100_000).contains(&b) => Ok(b as u32),
            Some(b) => Err(invalid(
                format!("{key}.{name}"),
                format!(
                    "{b}: an ECS capacity provider base is a whole number of tasks from 0 to 100000, such as {name} = 2"
                ),
            )),
        }
    };
    let strategy = CapacityStrategy {
        on_demand: Item {
            base: base("on_demand_base", m.on_demand_base)?,
            weight: weight("on_demand", m.on_demand)?,
        },
        spot: Item {
            base: base("spot_base", m.spot_base)?,
            weight: weight("spot", m.spot)?,
        },
    };
    if strategy.on_demand.base > 0 && strategy.spot.base > 0 {
        return Err(invalid(
            format!("{key}.spot_base"),
            "\"Only one capacity provider in a capacity provider strategy can have a base defined\" (ECS API); keep on_demand_base or spot_base, not both",
        ));
    }
    if strategy.on_demand.weight == 0 && strategy.spot.weight == 0 {
        return Err(invalid(
            key,
            "a capacity provider strategy needs a weight above 0 on at least one provider (ECS API); such as { on_demand = 1, spot = 3, on_demand_base = 2 }",
        ));
    }
    Ok(strategy)
}

/// The Spot interruption hazard per hour and, when given in the Spot
/// Instance Advisor's unit, the monthly share it came from. `unit` is
/// "task-hour" or "instance-hour".
fn spot_hazard(
    spot: Option<&RawSpot>,
    key: &str,
    (default_share, default_per_hour): (f64, f64),
    unit: &str,
) -> Result<(f64, Option<f64>), Invalid> {
    let frequency = spot.and_then(|s| s.interruption_frequency.as_deref());
    let per_hour = spot.and_then(|s| s.interruptions_per_hour);
    match (frequency, per_hour) {
        (Some(_), Some(_)) => Err(invalid(
            format!("{key}.spot.interruptions_per_hour"),
            "give interruption_frequency (the Spot Instance Advisor's share of capacity reclaimed a month, such as \"<5%\") or interruptions_per_hour (a hazard per hour), not both",
        )),
        (Some(t), None) => {
            let share = crate::platform::spot_rate::parse_frequency(t)
                .map_err(|m| invalid(format!("{key}.spot.interruption_frequency"), m))?;
            Ok((
                crate::platform::spot_rate::hazard_per_hour(share),
                Some(share),
            ))
        }
        (None, Some(r)) => {
            if !r.is_finite() || !(0.0..=3600.0).contains(&r) {
                return Err(invalid(
                    format!("{key}.spot.interruptions_per_hour"),
                    format!(
                        "{r}: need a rate from 0 to 3600 per {unit}, or interruption_frequency in the Spot Instance Advisor's unit, such as \"5-10%\""
                    ),
                ));
            }
            Ok((r, None))
        }
        (None, None) => Ok((default_per_hour, Some(default_share))),
    }
}

fn fargate(
    f: &RawPlatform,
    key: &str,
    region: &str,
    catalog: &Catalog,
    defaults: &Defaults,
    base_dir: &Path,
) -> Result<FargateSpec, Invalid> {
    // A task definition gives the platform its OS and architecture
    // (`runtimePlatform`), unless the scenario sets them.
    let from_td = match &f.task_definition {
        None => None,
        Some(t) => {
            let shape = super::artifacts::read(&base_dir.join(t))
                .map_err(|m| invalid(format!("{key}.task_definition"), m))?;
            if shape.fargate_compatible == Some(false) {
                return Err(invalid(
                    format!("{key}.task_definition"),
                    format!(
                        "{t}: requiresCompatibilities does not include FARGATE, so ECS would refuse to run it on Fargate; add \"FARGATE\" there, or compare it on an ec2 platform"
                    ),
                ));
            }
            Some(shape)
        }
    };
    let launch_type = f.launch_type.unwrap_or(LaunchType::Ecs);
    let os =
        f.os.or(from_td.as_ref().and_then(|s| s.os))
            .unwrap_or(Os::Linux);
    let arch = f
        .arch
        .or(from_td.as_ref().and_then(|s| s.arch))
        .unwrap_or(Arch::X86_64);
    let strategy = match &f.capacity {
        None => CapacityStrategy::single(Capacity::OnDemand),
        Some(RawCapacity::Named(c)) => CapacityStrategy::single(*c),
        Some(RawCapacity::Mix(m)) => fargate_strategy(m, &format!("{key}.capacity"))?,
    };
    let uses_spot = strategy.uses(Provider::Spot);
    if f.spot.as_ref().is_some_and(|s| s.discount.is_some()) {
        return Err(invalid(
            format!("{key}.spot.discount"),
            "applies to EC2 only; Fargate Spot rates come from the pricing catalog",
        ));
    }
    // "Windows OS and ARM architecture are currently only available for
    // Amazon ECS" [AWS] Fargate pricing page; Fargate Spot is Linux only.
    if launch_type == LaunchType::Eks && (os != Os::Linux || arch != Arch::X86_64) {
        return Err(invalid(
            format!("{key}.launch_type"),
            "EKS pods on Fargate run Linux on x86_64 only; use launch_type = \"ecs\" for Windows or arm64",
        ));
    }
    if os == Os::Windows && arch != Arch::X86_64 {
        return Err(invalid(
            format!("{key}.arch"),
            "Windows on Fargate is x86_64 only",
        ));
    }
    // EKS on Fargate has no Spot capacity (aws/containers-roadmap issue 622
    // is the open request for it).
    if launch_type == LaunchType::Eks && uses_spot {
        return Err(invalid(
            format!("{key}.capacity"),
            "EKS pods on Fargate cannot run on Fargate Spot (it is an open request, aws/containers-roadmap issue 622); use capacity = \"on_demand\", or launch_type = \"ecs\" to compare Fargate Spot",
        ));
    }
    if arch == Arch::Arm64 && uses_spot {
        return Err(invalid(
            format!("{key}.capacity"),
            format!(
                "{}; use arch = \"x86_64\" with Spot, or capacity = \"on_demand\" on arm64",
                crate::pricing::catalog::ARM64_SPOT
            ),
        ));
    }
    if os == Os::Windows && uses_spot {
        return Err(invalid(
            format!("{key}.capacity"),
            "Fargate Spot is Linux only; use capacity = \"on_demand\"",
        ));
    }
    let region_key = check::region_key(key, f.region.is_some());
    let region = f.region.clone().unwrap_or_else(|| region.to_string());
    for p in Provider::BOTH.into_iter().filter(|p| strategy.uses(*p)) {
        catalog
            .fargate_rates(&region, os, arch, p.capacity())
            .map_err(|m| {
                let hint = catalog.region_hint(&region);
                invalid(&region_key, format!("{m}{hint}"))
            })?;
    }
    // "Accounts launching only Amazon EKS pods have a burst rate of 20"
    // [AWS] throttling.html: an EKS platform is such an account.
    let (default_burst, default_refill) = match launch_type {
        LaunchType::Ecs => (
            defaults.fargate_launch_burst,
            defaults.fargate_launch_refill_per_s,
        ),
        LaunchType::Eks => (
            defaults.fargate_eks_launch_burst,
            defaults.fargate_eks_launch_refill_per_s,
        ),
    };
    let default_provisioning = match launch_type {
        LaunchType::Ecs => &defaults.fargate_provisioning,
        LaunchType::Eks => &defaults.fargate_eks_provisioning,
    };
    let (launch_burst, launch_refill_per_s) = match &f.launch_limit {
        None => (default_burst, default_refill),
        Some(l) => {
            let burst = match l.burst {
                None => default_burst,
                Some(b) if (1..=1_000_000).contains(&b) => b as u32,
                Some(b) => {
                    return Err(invalid(
                        format!("{key}.launch_limit.burst"),
                        format!("{b}: need 1 to 1,000,000"),
                    ));
                }
            };
            let refill = match &l.refill {
                None => default_refill,
                Some(r) => {
                    let v = rate(&format!("{key}.launch_limit.refill"), r)?;
                    if v < 0.001 {
                        return Err(invalid(
                            format!("{key}.launch_limit.refill"),
                            "must be at least 0.001/s",
                        ));
                    }
                    v
                }
            };
            (burst, refill)
        }
    };
    let (provisioning, image_pull) = match &f.startup {
        None => (
            default_provisioning.clone(),
            defaults.fargate_image_pull.clone(),
        ),
        Some(s) => (
            match &s.provisioning {
                Some(d) => span_dist(d, &format!("{key}.startup.provisioning"))?,
                None => default_provisioning.clone(),
            },
            match &s.image_pull {
                Some(d) => span_dist(d, &format!("{key}.startup.image_pull"))?,
                None => defaults.fargate_image_pull.clone(),
            },
        ),
    };
    if f.spot.is_some() && !uses_spot {
        return Err(invalid(
            format!("{key}.spot"),
            "Spot settings are given but capacity is \"on_demand\"; set capacity = \"spot\" (or a strategy with spot) or remove [spot]",
        ));
    }
    let (interruptions_per_hour, interruption_monthly_share) = spot_hazard(
        f.spot.as_ref(),
        key,
        (
            defaults.fargate_spot_interruption_share,
            defaults.fargate_spot_interruptions_per_hour,
        ),
        "task-hour",
    )?;
    let spot = f.spot.clone();
    let interruption_notice = match spot.as_ref().and_then(|s| s.notice.as_ref()) {
        Some(n) => duration(&format!("{key}.spot.notice"), n)?,
        None => defaults.fargate_spot_notice,
    };
    let eks_support = super::function_keys::eks_support(
        key,
        f.support.as_deref(),
        launch_type == LaunchType::Eks,
        "launch_type",
        catalog,
    )?;
    Ok(FargateSpec {
        eks_support,
        name: f.name.clone(),
        region,
        launch_type,
        os,
        arch,
        strategy,
        sizing: f.sizing.unwrap_or(Sizing::RoundUp),
        launch_burst,
        launch_refill_per_s,
        provisioning,
        image_pull,
        interruptions_per_hour: if uses_spot {
            interruptions_per_hour
        } else {
            0.0
        },
        interruption_monthly_share: interruption_monthly_share.filter(|_| uses_spot),
        interruption_notice,
        on_interruption: spot
            .and_then(|s| s.on_interruption)
            .unwrap_or(OnInterruption::Retry),
        service_launch_per_minute: service_launch_rate(
            f,
            key,
            launch_type == LaunchType::Ecs,
            "set launch_type = \"ecs\"",
            defaults.ec2.ecs_service_launch_per_minute,
        )?,
        pod_binding_per_s: pod_binding_rate(f, key, launch_type, defaults)?,
        rightsizing: Box::new(super::rightsizing::rightsizing(
            f.rightsizing.as_ref(),
            key,
            &defaults.rightsizing,
        )?),
    })
}

/// EKS's binding of pods to Fargate (`pod_binding_rate`): the calibrated
/// default for EKS pods, refused on ECS (no Kubernetes scheduler there).
fn pod_binding_rate(
    f: &RawPlatform,
    key: &str,
    launch_type: LaunchType,
    d: &Defaults,
) -> Result<f64, Invalid> {
    let k = format!("{key}.pod_binding_rate");
    match (launch_type, &f.pod_binding_rate) {
        (LaunchType::Ecs, Some(_)) => Err(invalid(
            k,
            "is how fast EKS binds pods to Fargate; ECS tasks have no such step: remove it, or set launch_type = \"eks\"",
        )),
        (LaunchType::Ecs, None) => Ok(0.0),
        (LaunchType::Eks, None) => Ok(d.fargate_eks_pod_binding_per_s),
        (LaunchType::Eks, Some(r)) => {
            let v = rate(&k, r)?;
            if !(0.001..=100_000.0).contains(&v) {
                return Err(invalid(
                    k,
                    format!(
                        "{r}: need 0.001/s to 100000/s, such as pod_binding_rate = \"{}/s\" (the calibrated default); a rate far above the launch limit turns the step off",
                        d.fargate_eks_pod_binding_per_s
                    ),
                ));
            }
            Ok(v)
        }
    }
}

/// The ECS service scheduler's launch rate per service (`service_launch_per_minute`):
/// the quota by default on ECS, refused where no ECS service launches the
/// tasks (EKS); `to_ecs` says how to make the platform an ECS one.
fn service_launch_rate(
    p: &RawPlatform,
    key: &str,
    ecs: bool,
    to_ecs: &str,
    quota: u32,
) -> Result<u32, Invalid> {
    let k = format!("{key}.service_launch_per_minute");
    if !ecs {
        if p.service_launch_per_minute.is_some() {
            return Err(invalid(
                k,
                format!("is an ECS service scheduler quota; EKS has none: remove it, or {to_ecs}"),
            ));
        }
        return Ok(0);
    }
    let n = count(&k, p.service_launch_per_minute, quota, 1_000_000)?;
    if n == 0 {
        return Err(invalid(
            k,
            format!(
                "0: need at least 1 task per service per minute (the ECS quota is {quota}), such as service_launch_per_minute = {quota}"
            ),
        ));
    }
    Ok(n)
}

fn ec2(
    p: &RawPlatform,
    key: &str,
    region: &str,
    catalog: &Catalog,
    defaults: &Defaults,
) -> Result<Ec2Spec, Invalid> {
    let d = &defaults.ec2;
    let region = p.region.clone().unwrap_or_else(|| region.to_string());
    let names = p.instance_types.as_ref().ok_or_else(|| {
        invalid(
            format!("{key}.instance_types"),
            "an EC2 platform needs instance_types, such as [\"m5.large\"] (see `data/pricing.toml` for the list)",
        )
    })?;
    if names.is_empty() {
        return Err(invalid(
            format!("{key}.instance_types"),
            "needs at least one instance type",
        ));
    }
    let mut instance_types = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let k = format!("{key}.instance_types[{i}]");
        let t = catalog.instance_type(n).map_err(|m| invalid(&k, m))?;
        if !t.on_demand.contains_key(&region) {
            let hint = catalog.region_hint(&region);
            // In a list of several types, the simplest fix is to drop this
            // one (not when the Region itself looks mistyped).
            let drop = if names.len() > 1 && hint.is_empty() {
                format!("; or take {n} out of instance_types")
            } else {
                String::new()
            };
            let fix = if hint.is_empty() {
                format!(
                    "; write a catalog that has it from an AWS Price List offer file with `fargate-sim prices import AmazonEC2.json --out my-pricing.toml`, then run with `--pricing my-pricing.toml` (or pricing = \"my-pricing.toml\" in the scenario); `fargate-sim prices ec2 --region {region}` lists what the catalog has there"
                )
            } else {
                hint
            };
            return Err(invalid(
                &k,
                format!(
                    "the pricing catalog ({}) has no {region} price for {n}{fix}{drop}",
                    catalog.origin
                ),
            ));
        }
        instance_types.push(t.clone());
    }
    let autoscaler = match p.autoscaler.as_deref().unwrap_or("none") {
        "none" => Autoscaler::None,
        "ecs_managed" => {
            let e = p.ecs_managed.clone().unwrap_or(RawEcsManaged {
                target_capacity: None,
                minimum_scaling_step: None,
                maximum_scaling_step: None,
                instance_warmup: None,
                scale_in_after: None,
                alarm_delay: None,
                scale_in: None,
                provisioning_limit: None,
            });
            let k = format!("{key}.ecs_managed");
            let target_percent = count(
                &format!("{k}.target_capacity"),
                e.target_capacity,
                d.ecs_target_percent,
                100,
            )?;
            if target_percent == 0 {
                return Err(invalid(
                    format!("{k}.target_capacity"),
                    "0: need 1 to 100 (percent)",
                ));
            }
            let min_step = count(
                &format!("{k}.minimum_scaling_step"),
                e.minimum_scaling_step,
                d.ecs_min_step,
                10_000,
            )?
            .max(1);
            let max_step = count(
                &format!("{k}.maximum_scaling_step"),
                e.maximum_scaling_step,
                d.ecs_max_step,
                10_000,
            )?;
            if max_step < min_step {
                return Err(invalid(
                    format!("{k}.maximum_scaling_step"),
                    "must be at least minimum_scaling_step",
                ));
            }
            let dur_or =
                |field: &str, v: &Option<String>, dflt: SimTime| -> Result<SimTime, Invalid> {
                    v.as_deref()
                        .map(|s| duration(&format!("{k}.{field}"), s))
                        .transpose()
                        .map(|x| x.unwrap_or(dflt))
                };
            let scale_in_ramp = match e.scale_in.as_deref() {
                None => d.ecs_scale_in_ramp,
                Some("ramp") => true,
                Some("all_at_once") => false,
                Some(other) => {
                    return Err(invalid(
                        format!("{k}.scale_in"),
                        format!(
                            "unknown scale-in `{other}`; use \"ramp\" (the Auto Scaling group's, a part each minute; the default) or \"all_at_once\" (every surplus empty instance in one step)"
                        ),
                    ));
                }
            };
            let provisioning_limit = count(
                &format!("{k}.provisioning_limit"),
                e.provisioning_limit,
                d.ecs_provisioning_limit,
                1_000_000,
            )?;
            if provisioning_limit == 0 {
                return Err(invalid(
                    format!("{k}.provisioning_limit"),
                    format!(
                        "0: need at least 1 (tasks in PROVISIONING that scale-out counts; the ECS quota is {}), such as provisioning_limit = {}",
                        d.ecs_provisioning_limit, d.ecs_provisioning_limit
                    ),
                ));
            }
            Autoscaler::EcsManaged {
                alarm_delay: dur_or("alarm_delay", &e.alarm_delay, d.ecs_alarm_delay)?,
                scale_in_ramp,
                provisioning_limit,
                target_percent,
                min_step,
                max_step,
                warmup: dur_or("instance_warmup", &e.instance_warmup, d.ecs_warmup)?,
                scale_in_after: dur_or("scale_in_after", &e.scale_in_after, d.ecs_scale_in_after)?,
                metric_period: d.ecs_metric_period,
            }
        }
        "karpenter" => {
            let kp = p.karpenter.clone().unwrap_or(RawKarpenter {
                batch_idle: None,
                batch_max: None,
                consolidate_after: None,
                consolidation_policy: None,
                budget: None,
                limits: None,
                do_not_disrupt: None,
                pod_disruption_budgets: None,
            });
            let k = format!("{key}.karpenter");
            let dur_or =
                |field: &str, v: &Option<String>, dflt: SimTime| -> Result<SimTime, Invalid> {
                    v.as_deref()
                        .map(|s| duration(&format!("{k}.{field}"), s))
                        .transpose()
                        .map(|x| x.unwrap_or(dflt))
                };
            let batch_idle = dur_or("batch_idle", &kp.batch_idle, d.karpenter_batch_idle)?;
            let batch_max = dur_or("batch_max", &kp.batch_max, d.karpenter_batch_max)?;
            if batch_max < batch_idle {
                return Err(invalid(
                    format!("{k}.batch_max"),
                    "must be at least batch_idle",
                ));
            }
            let consolidate_after = match &kp.consolidate_after {
                Some(t) => check::consolidate_after(&format!("{k}.consolidate_after"), t)?,
                None => d.karpenter_consolidate_after,
            };
            let policy = match &kp.consolidation_policy {
                Some(t) => check::consolidation_policy(&format!("{k}.consolidation_policy"), t)?,
                None => d.karpenter_policy,
            };
            let budget = match &kp.budget {
                None => d.karpenter_budget,
                Some(RawBudget::Text(t)) => check::budget(&format!("{k}.budget"), t)?,
                Some(RawBudget::Count(n)) => check::budget(&format!("{k}.budget"), &n.to_string())?,
            };
            let limits = karpenter_limits(&k, kp.limits.as_ref(), p.max)?;
            Autoscaler::Karpenter {
                batch_idle,
                batch_max,
                consolidation: consolidate_after.map(|after| Consolidation {
                    policy,
                    consolidate_after: after,
                    budget,
                    poll: d.karpenter_poll,
                    validation_delay: d.karpenter_validation_delay,
                }),
                limits,
            }
        }
        other => {
            return Err(invalid(
                format!("{key}.autoscaler"),
                format!(
                    "unknown autoscaler `{other}`; use \"none\", \"ecs_managed\" or \"karpenter\""
                ),
            ));
        }
    };
    if p.ecs_managed.is_some() && !matches!(autoscaler, Autoscaler::EcsManaged { .. }) {
        return Err(invalid(
            format!("{key}.ecs_managed"),
            "is given but autoscaler is not \"ecs_managed\"",
        ));
    }
    if p.karpenter.is_some() && !matches!(autoscaler, Autoscaler::Karpenter { .. }) {
        return Err(invalid(
            format!("{key}.karpenter"),
            "is given but autoscaler is not \"karpenter\"",
        ));
    }
    let fixed = matches!(autoscaler, Autoscaler::None);
    let initial = count(
        &format!("{key}.initial"),
        p.initial,
        if fixed { 1 } else { 0 },
        100_000,
    )?;
    let min = count(
        &format!("{key}.min"),
        p.min,
        if fixed { initial } else { 0 },
        100_000,
    )?;
    let max = match &autoscaler {
        // Karpenter has no instance count: `max` is its NodePool's
        // `limits.nodes` (checked above), and without it nothing but the
        // cpu and memory limits bounds the nodes.
        Autoscaler::Karpenter { limits, .. } => limits
            .nodes
            .map_or(u32::MAX, |n| n.min(u32::MAX as u64) as u32),
        _ => count(
            &format!("{key}.max"),
            p.max,
            if fixed { initial } else { 100 },
            100_000,
        )?,
    };
    if fixed && initial == 0 {
        return Err(invalid(
            format!("{key}.initial"),
            "a fixed fleet (autoscaler = \"none\") needs at least one instance",
        ));
    }
    if min > max || initial > max || initial < min {
        return Err(invalid(
            format!("{key}.initial"),
            format!("need min ≤ initial ≤ max; got min {min}, initial {initial}, max {max}"),
        ));
    }
    let mut on_demand_base = 0;
    let (on_demand_weight, spot_weight) = match &p.capacity {
        None | Some(RawCapacity::Named(Capacity::OnDemand)) => (1.0, 0.0),
        Some(RawCapacity::Named(Capacity::Spot)) => (0.0, 1.0),
        Some(RawCapacity::Mix(m)) => {
            if m.spot_base.is_some() {
                return Err(invalid(
                    format!("{key}.capacity.spot_base"),
                    "an EC2 cluster's base is on-demand instances (the Auto Scaling group's OnDemandBaseCapacity); use on_demand_base, or a Fargate platform for a Spot base",
                ));
            }
            on_demand_base = match m.on_demand_base {
                None => 0,
                Some(b) if (0..=100_000).contains(&b) => b as u32,
                Some(b) => {
                    return Err(invalid(
                        format!("{key}.capacity.on_demand_base"),
                        format!(
                            "{b}: need a whole number of instances from 0 to 100000, such as on_demand_base = 2"
                        ),
                    ));
                }
            };
            if !(m.on_demand.is_finite()
                && m.spot.is_finite()
                && m.on_demand >= 0.0
                && m.spot >= 0.0
                && m.on_demand + m.spot > 0.0)
            {
                return Err(invalid(
                    format!("{key}.capacity"),
                    "weights must be ≥ 0 and not both 0",
                ));
            }
            (m.on_demand, m.spot)
        }
    };
    if p.spot.is_some() && spot_weight == 0.0 {
        return Err(invalid(
            format!("{key}.spot"),
            "Spot settings are given but capacity has no Spot; set capacity = \"spot\" or a mix",
        ));
    }
    let spot = p.spot.clone();
    let spot_discount = spot
        .as_ref()
        .and_then(|s| s.discount)
        .unwrap_or(d.spot_discount);
    if !(0.0..=0.95).contains(&spot_discount) {
        return Err(invalid(
            format!("{key}.spot.discount"),
            format!("{spot_discount}: need 0 to 0.95 (AWS: up to 90%)"),
        ));
    }
    let (spot_interruptions_per_hour, spot_interruption_share) = spot_hazard(
        spot.as_ref(),
        key,
        (d.spot_interruption_share, d.spot_interruptions_per_hour),
        "instance-hour",
    )?;
    let spot_notice = match spot.as_ref().and_then(|s| s.notice.as_ref()) {
        Some(n) => duration(&format!("{key}.spot.notice"), n)?,
        None => d.spot_notice,
    };
    let retry_interrupted = spot
        .as_ref()
        .and_then(|s| s.on_interruption)
        .unwrap_or(OnInterruption::Retry)
        == OnInterruption::Retry;
    let orchestrator = p.orchestrator.unwrap_or(Orchestrator::Ecs);
    let placement = match &p.placement {
        None if orchestrator == Orchestrator::Eks => d.placement_eks.clone(),
        None => d.placement_ecs.clone(),
        Some(OneOrMany(list)) => {
            if list.is_empty() {
                return Err(invalid(
                    format!("{key}.placement"),
                    "needs at least one strategy",
                ));
            }
            let v = list
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    Strategy::parse(s).map_err(|m| invalid(format!("{key}.placement[{i}]"), m))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if v.len() > 1 && v[0] == Strategy::Random {
                return Err(invalid(
                    format!("{key}.placement[0]"),
                    "random picks one instance; it can only come last",
                ));
            }
            if let Some(i) = v.iter().skip(1).position(|s| *s == Strategy::SpreadZone) {
                return Err(invalid(
                    format!("{key}.placement[{}]", i + 1),
                    "spread:zone chooses the zone before any instance; it can only come first, such as [\"spread:zone\", \"binpack\"]",
                ));
            }
            v
        }
    };
    let dist_or = |v: &Option<RawDist>, k: &str, dflt: &SpanDist| -> Result<SpanDist, Invalid> {
        match v {
            Some(x) => span_dist(x, &format!("{key}.{k}")),
            None => Ok(dflt.clone()),
        }
    };
    let cs = p.container_start.clone().unwrap_or(RawContainerStart {
        image_pull: None,
        cached: None,
    });
    let reserved_cpu_milli = match p.reserved.as_ref().and_then(|r| r.cpu) {
        None => d.reserved_cpu_milli,
        Some(c) if c.is_finite() && (0.0..=64.0).contains(&c) => (c * 1000.0).round() as u32,
        Some(c) => {
            return Err(invalid(
                format!("{key}.reserved.cpu"),
                format!("{c}: need 0 to 64 vCPU"),
            ));
        }
    };
    let reservations = match &p.reserved_instances {
        None => None,
        Some(r) => {
            if !(1..=100_000).contains(&r.count) {
                return Err(invalid(
                    format!("{key}.reserved_instances.count"),
                    format!("{}: need 1 to 100,000 reserved instances", r.count),
                ));
            }
            if !(r.discount.is_finite() && (0.0..1.0).contains(&r.discount)) {
                return Err(invalid(
                    format!("{key}.reserved_instances.discount"),
                    format!(
                        "{}: need the reservation's discount off on-demand, from 0 up to 1 (such as 0.35 for a typical one-year reservation quote)",
                        r.discount
                    ),
                ));
            }
            Some(crate::platform::ec2::Reservations {
                count: r.count as u32,
                discount: r.discount,
            })
        }
    };
    let reserved_memory_percent = match p.reserved.as_ref().and_then(|r| r.memory_percent) {
        None => d.reserved_memory_percent,
        Some(m) if m.is_finite() && (0.0..90.0).contains(&m) => m,
        Some(m) => {
            return Err(invalid(
                format!("{key}.reserved.memory_percent"),
                format!("{m}: need 0 to 90"),
            ));
        }
    };
    // An EKS node keeps room for the kubelet, eviction and its DaemonSets
    // (the EKS AMI's rules), unless the scenario sets `reserved` itself.
    if p.daemonsets.is_some() && orchestrator != Orchestrator::Eks {
        return Err(invalid(
            format!("{key}.daemonsets"),
            "DaemonSets run on EKS nodes; set orchestrator = \"eks\" or remove daemonsets",
        ));
    }
    let eks_node = if orchestrator == Orchestrator::Eks && p.reserved.is_none() {
        let mut node = d.eks_node.clone();
        for (i, ds) in p.daemonsets.iter().flatten().enumerate() {
            let at = format!("{key}.daemonsets[{i}]");
            let cpu = match ds.cpu {
                None => 0,
                Some(c) if c.is_finite() && (0.0..=64.0).contains(&c) => {
                    (c * 1000.0).round() as u32
                }
                Some(c) => {
                    return Err(invalid(
                        format!("{at}.cpu"),
                        format!("{c}: need 0 to 64 vCPU"),
                    ));
                }
            };
            let memory = match &ds.memory {
                None => 0,
                Some(m) => crate::units::parse_memory_mib(m)
                    .map_err(|e| invalid(format!("{at}.memory"), e))?,
            };
            node.daemonset_cpu_milli += cpu;
            node.daemonset_memory_mib += memory;
            node.daemonset_pods += 1;
        }
        Some(node)
    } else {
        if p.daemonsets.is_some() {
            return Err(invalid(
                format!("{key}.daemonsets"),
                "`reserved` replaces the EKS node's own reservation, DaemonSets included; put their requests in reserved, or remove reserved",
            ));
        }
        None
    };
    let network_mode = match p.network_mode.as_deref() {
        None => d.network_mode,
        Some(_) if orchestrator == Orchestrator::Eks => {
            return Err(invalid(
                format!("{key}.network_mode"),
                "EKS pods get their addresses from the VPC CNI, and max pods (from the instance type's ENIs) caps them; network_mode is for ECS clusters, so remove it",
            ));
        }
        Some("bridge") => NetworkMode::Bridge,
        Some("host") => NetworkMode::Host,
        Some("awsvpc") => NetworkMode::Awsvpc,
        Some(other) => {
            return Err(invalid(
                format!("{key}.network_mode"),
                format!(
                    "`{other}`: need \"bridge\" (the ECS default), \"host\" or \"awsvpc\" (one ENI per task; add eni_trunking = true for more tasks per instance)"
                ),
            ));
        }
    };
    let eni_trunking = match p.eni_trunking {
        None => d.eni_trunking && network_mode == NetworkMode::Awsvpc,
        Some(on) if network_mode != NetworkMode::Awsvpc => {
            return Err(invalid(
                format!("{key}.eni_trunking"),
                format!(
                    "{on}: ENI trunking is for tasks in awsvpc mode; write network_mode = \"awsvpc\" too, or remove eni_trunking"
                ),
            ));
        }
        Some(on) => on,
    };
    let zones = match p.zones {
        None => d.zones,
        Some(z) if (1..=6).contains(&z) => z as u32,
        Some(z) => {
            return Err(invalid(
                format!("{key}.zones"),
                format!(
                    "{z}: need 1 to 6 availability zones (every Region has at least 3; us-east-1 has 6), such as zones = 3"
                ),
            ));
        }
    };
    let daemonset_pods = match &eks_node {
        Some(node) => node.daemonset_pods,
        None if orchestrator == Orchestrator::Eks => d.eks_node.daemonset_pods,
        None => 0,
    };
    let service_launch_per_minute = service_launch_rate(
        p,
        key,
        orchestrator == Orchestrator::Ecs,
        "set orchestrator = \"ecs\"",
        d.ecs_service_launch_per_minute,
    )?;
    let eks_support = super::function_keys::eks_support(
        key,
        p.support.as_deref(),
        orchestrator == Orchestrator::Eks,
        "orchestrator",
        catalog,
    )?;
    Ok(Ec2Spec {
        eks_support,
        name: p.name.clone(),
        region,
        orchestrator,
        instance_types,
        initial,
        min,
        max,
        on_demand_weight,
        spot_weight,
        on_demand_base,
        spot_discount,
        spot_interruption_monthly_share: spot_interruption_share.filter(|_| spot_weight > 0.0),
        spot_interruptions_per_hour: if spot_weight > 0.0 {
            spot_interruptions_per_hour
        } else {
            0.0
        },
        spot_notice,
        retry_interrupted,
        placement,
        autoscaler,
        instance_launch: dist_or(&p.instance_launch, "instance_launch", &d.instance_launch)?,
        image_pull: dist_or(&cs.image_pull, "container_start.image_pull", &d.image_pull)?,
        cached_start: dist_or(&cs.cached, "container_start.cached", &d.cached_start)?,
        reserved_cpu_milli,
        reserved_memory_percent,
        reservations,
        eks_node,
        network_mode,
        eni_trunking,
        daemonset_pods,
        max_pods_unknown: d.eks_node.max_pods_unknown,
        zones,
        service_launch_per_minute,
        // Filled in by `pod_disruption::resolve` once the workload is known.
        pod_disruption: Default::default(),
        rightsizing: super::rightsizing::rightsizing(
            p.rightsizing.as_ref(),
            key,
            &defaults.rightsizing,
        )?,
        // Filled in by `placement_constraints::resolve` likewise.
        constraints: Default::default(),
    })
}

/// Validates a whole scenario. `base_dir` resolves relative paths.
pub fn scenario(
    raw: &RawScenario,
    base_dir: &Path,
    catalog: &Catalog,
    defaults: &Defaults,
) -> Result<Scenario, Invalid> {
    if raw.name.trim().is_empty() {
        return Err(invalid("name", "must not be empty"));
    }
    let seed = match raw.seed {
        None => 0,
        Some(s) if s >= 0 => s as u64,
        Some(s) => return Err(invalid("seed", format!("{s}: need a non-negative integer"))),
    };
    let horizon = raw
        .horizon
        .as_deref()
        .map(|h| duration("horizon", h))
        .transpose()?;
    if horizon == Some(0) {
        return Err(invalid(
            "horizon",
            "must be above 0; leave it out to run until the workload drains",
        ));
    }
    let w = &raw.workload;
    let trace = match &w.trace {
        Some(t) => {
            let spec = trace_spec(w, &base_dir.join(t), base_dir, defaults)?;
            if spec.format == crate::workload::formats::Format::Requests {
                return Err(invalid(
                    "workload.trace",
                    "is a request trace (`request_s`), which has no task sizes; give it to a service instead: [[workload.services]] requests = { trace = \"…\" }",
                ));
            }
            Some(spec)
        }
        None => {
            for (key, set) in [
                ("format", w.format.is_some()),
                ("on_bad_row", w.on_bad_row.is_some()),
                ("order", w.order.is_some()),
                ("from", w.from.is_some()),
                ("until", w.until.is_some()),
                ("sample", w.sample.is_some()),
                ("time_scale", w.time_scale.is_some()),
                ("options", w.options.is_some()),
                ("usage", w.usage.is_some()),
            ] {
                if set {
                    return Err(invalid(
                        format!("workload.{key}"),
                        "applies to a trace, and this workload has no `trace`",
                    ));
                }
            }
            None
        }
    };
    let mut generators = Vec::new();
    let mut names = BTreeSet::new();
    for (i, g) in w.generators.iter().enumerate() {
        let gen_ = generator(g, i, horizon, base_dir)?;
        if !names.insert(gen_.name.clone()) {
            return Err(invalid(
                format!("workload.generators[{i}].name"),
                format!("`{}` is used twice; generator names must differ", gen_.name),
            ));
        }
        generators.push(gen_);
    }
    let services = super::services::services(w, horizon, base_dir, defaults)?;
    if trace.is_none() && generators.is_empty() && services.is_empty() {
        return Err(invalid(
            "workload",
            "needs a `trace` file, at least one [[workload.generators]], or at least one [[workload.services]]",
        ));
    }
    let region = raw
        .region
        .clone()
        .unwrap_or_else(|| "us-east-1".to_string());
    if raw.platforms.is_empty() {
        return Err(invalid(
            "platforms",
            "needs at least one [[platforms]] entry, such as { name = \"fargate\", kind = \"fargate\" }",
        ));
    }
    let mut platforms = Vec::new();
    let mut pnames = BTreeSet::new();
    for (i, p) in raw.platforms.iter().enumerate() {
        let key = format!("platforms[{i}]");
        if let Some(k) = p.foreign_keys().first() {
            let kind = match p.kind {
                PlatformKind::Fargate => "fargate",
                PlatformKind::Ec2 => "ec2",
                PlatformKind::Function => "function",
            };
            return Err(invalid(
                format!("{key}.{k}"),
                format!("does not apply to kind = \"{kind}\""),
            ));
        }
        let spec = match p.kind {
            PlatformKind::Fargate => {
                PlatformSpec::Fargate(fargate(p, &key, &region, catalog, defaults, base_dir)?)
            }
            PlatformKind::Ec2 => {
                PlatformSpec::Ec2(Box::new(ec2(p, &key, &region, catalog, defaults)?))
            }
            PlatformKind::Function => {
                let f = function(p, &key, catalog)?;
                super::function_keys::storage_billable(&generators, &f)?;
                PlatformSpec::Function(Box::new(f))
            }
        };
        let name = spec.name().to_string();
        if name.trim().is_empty() {
            return Err(invalid(format!("{key}.name"), "must not be empty"));
        }
        if !pnames.insert(name.clone()) {
            return Err(invalid(
                format!("{key}.name"),
                format!("`{name}` is used twice; platform names must differ"),
            ));
        }
        platforms.push(spec);
    }
    super::lambda_managed::no_services(&platforms, !services.is_empty())?;
    super::pod_disruption::resolve(raw, &mut platforms, &generators, &services, trace.is_some())?;
    super::placement_constraints::resolve(
        raw,
        &mut platforms,
        &generators,
        &services,
        trace.is_some(),
    )?;
    let mut report = ReportSpec::default();
    if let Some(text) = &raw.report.interval {
        report.interval = duration("report.interval", text)?;
        if report.interval < crate::time::SECOND {
            return Err(invalid(
                "report.interval",
                format!(
                    "`{text}` is below one second; use \"1s\" or more, such as \"1m\" or \"1h\""
                ),
            ));
        }
    }
    if let Some(on) = raw.report.task_records {
        report.task_records = on;
    }
    if let Some(text) = &raw.report.task_records_compression {
        use super::spec::TaskRecordsCompression as C;
        report.task_records_compression = C::NAMES
            .iter()
            .find(|(name, _)| name == text)
            .map(|(_, c)| *c)
            .ok_or_else(|| {
                let names: Vec<String> = C::NAMES.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                invalid(
                    "report.task_records_compression",
                    format!(
                        "`{text}` is not a compression; write one of {} (\"light\" by default)",
                        names.join(", ")
                    ),
                )
            })?;
    }
    let bills =
        super::bill::settings(raw, &platforms, catalog, &defaults.bill, defaults.ec2.zones)?;
    Ok(Scenario {
        bills,
        report,
        name: raw.name.clone(),
        description: raw.description.clone(),
        seed,
        seed_source: if raw.seed.is_some() {
            "scenario file".into()
        } else {
            "default (the scenario sets no seed)".into()
        },
        overrides: Vec::new(),
        horizon,
        workload: WorkloadSpec {
            trace,
            generators,
            services,
            load_scale: positive_factor("workload.load_scale", w.load_scale)?,
            duration_scale: positive_factor("workload.duration_scale", w.duration_scale)?,
        },
        platforms,
    })
}

/// A Karpenter NodePool's `limits` (cpu in vCPU, memory as a size, nodes
/// as a count). The platform's `max` is accepted as `limits.nodes`, not
/// both.
fn karpenter_limits(
    k: &str,
    raw: Option<&RawNodePoolLimits>,
    max: Option<i64>,
) -> Result<NodePoolLimits, Invalid> {
    let mut limits = NodePoolLimits::default();
    if let Some(l) = raw {
        if let Some(cpu) = l.cpu {
            let milli = crate::units::vcpu_to_milli(cpu).ok_or_else(|| {
                invalid(
                    format!("{k}.limits.cpu"),
                    format!("{cpu}: need a vCPU count above 0, such as cpu = 64"),
                )
            })?;
            limits.cpu_milli = Some(milli as u64);
        }
        if let Some(m) = &l.memory {
            let mib = crate::units::parse_memory_mib(m).map_err(|e| {
                invalid(
                    format!("{k}.limits.memory"),
                    format!("{e}; such as memory = \"256GiB\""),
                )
            })?;
            limits.memory_mib = Some(mib as u64);
        }
        if let Some(n) = l.nodes {
            limits.nodes = Some(count(&format!("{k}.limits.nodes"), Some(n), 0, 100_000)? as u64);
        }
    }
    if let Some(n) = max {
        let key = k.trim_end_matches(".karpenter");
        if limits.nodes.is_some() {
            return Err(invalid(
                format!("{key}.max"),
                "is given with karpenter.limits.nodes; on Karpenter `max` means limits.nodes, so give one of them (Karpenter limits a NodePool by cpu and memory: karpenter.limits = { cpu = 64, memory = \"256GiB\" })",
            ));
        }
        limits.nodes = Some(count(&format!("{key}.max"), Some(n), 0, 100_000)? as u64);
    }
    Ok(limits)
}
