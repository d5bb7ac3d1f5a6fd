//! `summary.json`: per platform, the cost (total and by component), the
//! billed quantities, what happened to the tasks, and the latencies. Field
//! names are a contract documented in docs/outputs.md; later versions add fields
//! and never rename one.

use crate::platform::{Detail, PlatformSpec, Tally};
use crate::pricing::Money;
use crate::scenario::Scenario;
use crate::simulate::{PlatformRun, RunOutput};
use crate::stats::SpanSummary;
use crate::time::sim_to_seconds;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole summary of a run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub tool: String,
    pub version: String,
    pub scenario: ScenarioInfo,
    pub platforms: Vec<PlatformSummary>,
    /// Things about the inputs worth knowing (ignored trace columns, …).
    pub notes: Vec<String>,
    /// Every price and default used, with its source.
    #[serde(default)]
    pub assumptions: Vec<crate::report::assumptions::Assumption>,
    /// Trace rows skipped (`on_bad_row = "skip"`), by reason.
    #[serde(default)]
    pub skipped_rows: BTreeMap<String, u64>,
    /// The account's real bill beside the simulated one, when the workload
    /// came from AWS cost data (`format = "aws-cur"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_bill: Option<crate::report::real_bill::RealBillSummary>,
    /// The run repeated with other seeds (`run --replications N`), when
    /// asked: each option's total in every run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<Replications>,
}

/// The runs' totals, written into `summary.json` as `replications`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Replications {
    /// The seed of each run, this run's first.
    pub seeds: Vec<u64>,
    /// Each option's totals, in the order of the summary's platforms.
    pub platforms: Vec<ReplicatedOption>,
}

/// One option over the runs: its whole bill and its start p95 in each.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReplicatedOption {
    pub name: String,
    /// The whole bill (compute and around it) of each run, in seed order.
    pub cost_total_usd: Vec<f64>,
    pub mean_usd: f64,
    /// Sample standard deviation over the runs.
    pub sd_usd: f64,
    /// The 95% Student-t interval of the mean.
    pub ci95_usd: [f64; 2],
    /// Runs in which the option left work undone (see `report::compare`): its
    /// totals there pay for less work than the others'.
    pub runs_with_work_undone: u32,
    /// The p95 time from submit to running of each run, in seed order
    /// (null in a run that started no task).
    #[serde(default)]
    pub start_p95_s: Vec<Option<f64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Where the seed came from: "scenario file", "--seed …", "--set seed=…"
    /// or the default.
    #[serde(default)]
    pub seed_source: String,
    /// The `--set KEY=VALUE` overrides this run applied to the file, in
    /// order (empty for the file as written).
    #[serde(default)]
    pub overrides: Vec<String>,
    /// The horizon in seconds, or null when the run went until the workload drained.
    pub horizon_s: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlatformSummary {
    pub name: String,
    pub kind: String,
    /// The platform's settings after defaults were applied.
    pub options: BTreeMap<String, String>,
    pub cost: Cost,
    pub billed: Billed,
    pub tasks: Tasks,
    pub latency: Latency,
    /// The simulated time the platform's run ended, in seconds.
    pub simulated_end_s: f64,
    /// Events the engine handled (arrivals included).
    pub events: u64,
    /// The source of the rates used.
    pub rates_source: String,
    /// Cluster statistics, for EC2 platforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterSummary>,
    /// Invocations, cold starts and throttles, for function platforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionSummary>,
    /// Each Fargate capacity provider's part (`FARGATE`, `FARGATE_SPOT`),
    /// for Fargate platforms; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_providers: Vec<ProviderSummary>,
    /// A self-check: Little's law on the platform's tasks. L integrates the
    /// count of tasks in the system event by event; λW sums each task's time
    /// in the system. They agree unless the bookkeeping is wrong.
    #[serde(default)]
    pub littles_law: crate::report::services::LittlesLaw,
    /// The scenario's services on this platform (absent when it has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<crate::report::services::ServiceSummary>,
    /// Present when the backlog grew without bound: many tasks still
    /// waiting at the end, more than in the last quarter of the run, and no
    /// capacity the platform could add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbounded_backlog: Option<BacklogSummary>,
    /// What right-sizing did (absent under `rightsizing = "requested"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rightsizing: Option<super::rightsizing::RightSizingSummary>,
}

/// A backlog that will not catch up (`platform::backlog`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BacklogSummary {
    /// Tasks (service replicas included) still waiting at the end.
    pub waiting_at_end: u64,
    /// Their share of the submitted tasks.
    pub waiting_share: f64,
    /// Tasks waiting when the last quarter of the run began, and when.
    pub waiting_before: u64,
    pub before_s: f64,
    /// How fast the backlog grew from then to the end, in tasks an hour.
    pub growth_per_hour: f64,
    /// Why no capacity could be added: `at_max` (a cluster at its `max`),
    /// `fixed_fleet` (`autoscaler = "none"`) or `launch_rate` (Fargate's
    /// task-launch rate).
    pub capped: String,
}

fn backlog_summary(t: &Tally) -> Option<BacklogSummary> {
    use crate::platform::backlog::Capped;
    let u = t.backlog.unbounded(t.submitted)?;
    Some(BacklogSummary {
        waiting_at_end: u.waiting_at_end,
        waiting_share: u.waiting_at_end as f64 / t.submitted as f64,
        waiting_before: u.waiting_before,
        before_s: sim_to_seconds(u.before),
        growth_per_hour: u.growth_per_hour(),
        capped: match u.capped {
            Capped::AtMax => "at_max",
            Capped::FixedFleet => "fixed_fleet",
            Capped::LaunchRate => "launch_rate",
        }
        .into(),
    })
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Cost {
    /// The whole bill: compute and around compute.
    pub total_usd: f64,
    /// Cost per completed task (null when none completed).
    pub per_completed_task_usd: Option<f64>,
    /// Compute: the components below (vCPU, memory, instances, fees).
    pub components: Components,
    /// Compute alone (the sum of `components`, Spot savings aside).
    #[serde(default)]
    pub compute_usd: f64,
    /// What surrounds compute: EBS, public IPv4, load balancers, NAT,
    /// logs, ECR (the sum of `around`).
    #[serde(default)]
    pub around_usd: f64,
    /// The charges around compute, one line each.
    #[serde(default)]
    pub around: Vec<AroundLine>,
}

impl Cost {
    /// Compute alone; a summary written before the bill around compute
    /// has only the total.
    pub fn compute(&self) -> f64 {
        if self.compute_usd > 0.0 || self.around_usd > 0.0 {
            self.compute_usd
        } else {
            self.total_usd
        }
    }

    /// The charges around compute by component, summed, largest first.
    pub fn around_by_component(&self) -> Vec<(String, f64)> {
        let mut m: BTreeMap<String, f64> = BTreeMap::new();
        for l in &self.around {
            *m.entry(l.component.clone()).or_default() += l.cost_usd;
        }
        let mut v: Vec<(String, f64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// One charge around compute (hourly lines of a resource are summed).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AroundLine {
    pub component: String,
    pub service: String,
    pub resource: String,
    pub description: String,
    /// In `unit`s: GB-Mo, Hrs, GB, LCU-Hrs, NLCU-Hrs.
    pub quantity: f64,
    pub unit: String,
    pub price_usd: f64,
    pub cost_usd: f64,
}

/// The around-compute lines of a run, hourly ones summed per resource and
/// component (exact sums, converted once).
pub fn around_lines(lines: &[crate::pricing::around::CostLine]) -> Vec<AroundLine> {
    let mut merged: Vec<(crate::pricing::around::CostLine, Money)> = Vec::new();
    for l in lines {
        if let Some((m, cost)) = merged.iter_mut().find(|(m, _)| {
            m.component == l.component
                && m.resource == l.resource
                && m.price == l.price
                && m.per_unit == l.per_unit
        }) {
            m.quantity += l.quantity;
            *cost += l.cost();
        } else {
            let mut first = l.clone();
            if l.hour.is_some() {
                first.description = match l.component {
                    crate::pricing::around::Component::LoadBalancerCapacity => {
                        format!("{} over the run's hours", l.unit)
                    }
                    _ => l.description.clone(),
                };
            }
            merged.push((first, l.cost()));
        }
    }
    merged
        .into_iter()
        .map(|(l, cost)| AroundLine {
            component: l.component.name().to_string(),
            service: l.component.service().to_string(),
            resource: l.resource.clone(),
            description: l.description.clone(),
            quantity: l.pricing_quantity(),
            unit: l.unit.to_string(),
            price_usd: l.price.usd(),
            cost_usd: cost.usd(),
        })
        .collect()
}

/// Cost components in USD. Every component is always present (0 when it
/// does not apply), so the columns of a table of runs never shift.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Components {
    pub vcpu_usd: f64,
    pub memory_usd: f64,
    pub storage_usd: f64,
    pub os_license_usd: f64,
    pub instances_usd: f64,
    pub control_plane_usd: f64,
    pub requests_usd: f64,
    /// What Spot saved against the same usage on demand (not in the total).
    #[serde(default)]
    pub spot_savings_usd: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Billed {
    pub vcpu_seconds: f64,
    pub memory_gib_seconds: f64,
    /// Ephemeral storage above the free allowance, GiB-seconds.
    pub storage_gib_seconds: f64,
    /// Billed task time summed over tasks, seconds.
    pub task_seconds: f64,
}

/// Task counts: the workload's tasks, without service replicas (those are
/// in `service_replicas`). `submitted = completed + failed + unschedulable +
/// running_at_end + waiting_at_end` always holds; "not run" in every
/// output is `unschedulable + waiting_at_end + failed`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tasks {
    pub submitted: u64,
    pub completed: u64,
    /// Given up after an interruption (`on_interruption = "fail"`).
    pub failed: u64,
    /// Spot interruptions (a task interrupted twice counts twice).
    pub interrupted: u64,
    pub unschedulable: u64,
    /// Launched but not finished when the horizon cut the run.
    pub running_at_end: u64,
    /// Not yet launched when the horizon cut the run.
    pub waiting_at_end: u64,
    pub unschedulable_reasons: BTreeMap<String, u64>,
    /// Run time lost to interruptions, seconds.
    pub wasted_seconds: f64,
    /// Useful container run time (completed tasks, and tasks still running
    /// at the end up to the end), seconds.
    #[serde(default)]
    pub run_seconds: f64,
    /// Lost work (issue 34): billed time of the attempts that did not
    /// finish (interrupted by Spot, evicted by consolidation), seconds.
    #[serde(default)]
    pub wasted_billed_seconds: f64,
    /// … and what those attempts cost: billed (serverless) or their share
    /// of their instances (EC2), dollars; part of the total, not added to it.
    #[serde(default)]
    pub wasted_cost_usd: f64,
    /// `wasted_seconds` by workload group (generator, service or trace
    /// group); absent when no grouped task lost work.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub wasted_seconds_by_group: BTreeMap<String, f64>,
    /// What became of the services' replicas on Fargate and EC2 (absent
    /// when the platform ran none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_replicas: Option<ReplicaCounts>,
}

/// Service replicas by how they ended; the same identity as [`Tasks`]
/// holds. A replica stopped by scale-in counts as completed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ReplicaCounts {
    pub submitted: u64,
    pub completed: u64,
    pub failed: u64,
    pub interrupted: u64,
    pub unschedulable: u64,
    pub running_at_end: u64,
    pub waiting_at_end: u64,
    pub unschedulable_reasons: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    /// Submit to launch (launch limits, and later waiting for capacity).
    pub wait: SpanSummary,
    /// Launch to running (provisioning and image pull).
    pub startup: SpanSummary,
    /// Submit to running.
    pub time_to_start: SpanSummary,
    /// Time to start at percentiles 0, 1, …, 100 (101 values, seconds;
    /// empty when no task started), for the distribution chart.
    #[serde(default)]
    pub time_to_start_percentiles_s: Vec<f64>,
}

/// What a function platform (Lambda, Cloud Run, ACI) did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FunctionSummary {
    pub profile: String,
    pub provider: String,
    /// Tasks started, each one invocation or request.
    pub invocations: u64,
    /// Instances started on demand, each paying a cold start.
    pub cold_starts: u64,
    /// Tasks that waited for a cold start, and tasks that found a warm instance.
    pub cold_invocations: u64,
    pub warm_invocations: u64,
    /// cold_invocations / invocations.
    pub cold_start_rate: Option<f64>,
    /// Tasks that found every allowed instance busy.
    pub throttles: u64,
    pub peak_instances: u64,
    /// What keeping minimum instances (provisioned concurrency) warm cost,
    /// part of the total.
    pub kept_warm_usd: f64,
    /// What the monthly free tier (prorated to the run) took off the bill,
    /// when `free_tier = true`.
    pub free_tier_usd: f64,
    /// Submit to start of tasks that waited for a cold start, and of the rest.
    pub cold_time_to_start: SpanSummary,
    pub warm_time_to_start: SpanSummary,
}

/// The function block of a function platform's run.
fn function_summary(run: &mut PlatformRun) -> Option<FunctionSummary> {
    let (Detail::Function(st), PlatformSpec::Function(spec)) = (&mut run.detail, &run.spec) else {
        return None;
    };
    Some(FunctionSummary {
        profile: spec.profile.name.clone(),
        provider: spec.profile.provider.clone(),
        invocations: st.invocations,
        cold_starts: st.cold_starts,
        cold_invocations: st.cold_invocations,
        warm_invocations: st.warm_invocations,
        cold_start_rate: (st.invocations > 0)
            .then(|| st.cold_invocations as f64 / st.invocations as f64),
        throttles: st.throttles,
        peak_instances: st.peak_instances,
        kept_warm_usd: st.kept_warm.usd(),
        free_tier_usd: st.free_tier_saving.usd(),
        cold_time_to_start: st.cold_start_latency.summary(),
        warm_time_to_start: st.warm_start_latency.summary(),
    })
}

/// One Fargate capacity provider's share of a platform's tasks and bill.
/// Service replicas are counted with the tasks here.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ProviderSummary {
    /// `FARGATE` or `FARGATE_SPOT`.
    pub provider: String,
    /// The strategy's base and weight for it.
    pub base: u32,
    pub weight: u32,
    /// Attempts launched here, retries after an interruption included.
    pub launches: u64,
    /// launches / all launches of the platform (null when none).
    pub share_of_launches: Option<f64>,
    pub completed: u64,
    pub interrupted: u64,
    /// Run time lost to interruptions here, seconds (billed all the same).
    pub wasted_seconds: f64,
    pub vcpu_seconds: f64,
    /// Billed task time, seconds.
    pub task_seconds: f64,
    /// What its usage cost at its own rates (the EKS fee not included).
    pub cost_usd: f64,
    /// cost_usd / the platform's compute cost (null when that is 0).
    pub share_of_cost: Option<f64>,
}

/// The provider blocks of a Fargate platform's run: every provider its
/// strategy uses.
fn provider_summaries(run: &PlatformRun) -> Vec<ProviderSummary> {
    let Detail::Fargate(st) = &run.detail else {
        return Vec::new();
    };
    use crate::platform::fargate::Provider;
    let launches: u64 = st.providers.iter().map(|p| p.launches).sum();
    let cost: u128 = st.providers.iter().map(|p| p.cost.0).sum();
    Provider::BOTH
        .into_iter()
        .filter(|p| st.strategy.uses(*p))
        .map(|p| {
            let s = &st.providers[p.index()];
            let item = st.strategy.item(p);
            ProviderSummary {
                provider: p.ecs_name().to_string(),
                base: item.base,
                weight: item.weight,
                launches: s.launches,
                share_of_launches: (launches > 0).then(|| s.launches as f64 / launches as f64),
                completed: s.completed,
                interrupted: s.interrupted,
                wasted_seconds: s.wasted_us as f64 / 1e6,
                vcpu_seconds: s.cpu_milli_us as f64 / 1e9,
                task_seconds: s.billed_task_us as f64 / 1e6,
                cost_usd: s.cost.usd(),
                share_of_cost: (cost > 0).then(|| s.cost.0 as f64 / cost as f64),
            }
        })
        .collect()
}

/// What an EC2 cluster did (absent for serverless platforms).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClusterSummary {
    pub instances_launched: u64,
    pub spot_instances_launched: u64,
    pub instance_interruptions: u64,
    /// Billed instance-hours (60-second minimum per instance applied).
    pub instance_hours: f64,
    pub peak_instances: u64,
    /// Instances launched in each availability zone (zone 1 first).
    #[serde(default)]
    pub instances_by_zone: Vec<u64>,
    /// Seconds the cluster sat at its `max` instances while tasks waited
    /// for room (0 for a fixed fleet).
    #[serde(default)]
    pub pinned_at_max_s: f64,
    /// Time-weighted mean number of instances over the run.
    pub mean_instances: f64,
    /// Instance cost allocated to tasks: each task's share of its instance
    /// (the larger of its cpu and memory share) over its time there.
    pub allocated_usd: f64,
    /// Instance cost not allocated to any task.
    pub idle_usd: f64,
    /// idle_usd / instances_usd.
    pub idle_fraction: Option<f64>,
    /// The reserved baseline, when the platform has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<ReservedSummary>,
    /// Karpenter's disruption loop: nodes it removed, pods it evicted (each
    /// restarted elsewhere, its run so far lost), and replacements it
    /// launched.
    #[serde(default)]
    pub nodes_consolidated: u64,
    #[serde(default)]
    pub pods_moved: u64,
    #[serde(default)]
    pub consolidation_replacements: u64,
}

/// Reserved instances: what they cost and how much of them was used.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReservedSummary {
    pub instance_type: String,
    pub count: u32,
    pub discount: f64,
    /// Paid for the whole run, used or not (part of instances_usd).
    pub fee_usd: f64,
    /// Instance-hours the reservations covered, and what those hours would
    /// have cost on demand (taken off instances_usd).
    pub covered_instance_hours: f64,
    pub covered_on_demand_usd: f64,
    /// covered hours / (count × the run's hours).
    pub utilisation: f64,
}

fn options(spec: &PlatformSpec) -> BTreeMap<String, String> {
    let mut o = BTreeMap::new();
    match spec {
        PlatformSpec::Fargate(f) => {
            use super::format::snake as s;
            o.insert("region".into(), f.region.clone());
            o.insert("launch_type".into(), s(&f.launch_type));
            if f.eks_support == crate::pricing::catalog::EksSupport::Extended {
                o.insert("support".into(), "extended".into());
            }
            o.insert("os".into(), s(&f.os));
            o.insert("arch".into(), s(&f.arch));
            use crate::platform::fargate::Provider;
            o.insert("capacity".into(), f.strategy.label());
            o.insert("sizing".into(), s(&f.sizing));
            if let Some(r) = super::rightsizing::describe(&f.rightsizing) {
                o.insert("rightsizing".into(), r);
            }
            o.insert(
                "launch_limit".into(),
                format!(
                    "burst {}, refill {}/s",
                    f.launch_burst, f.launch_refill_per_s
                ),
            );
            o.insert("startup.provisioning".into(), f.provisioning.to_string());
            o.insert("startup.image_pull".into(), f.image_pull.to_string());
            if f.strategy.uses(Provider::Spot) {
                o.insert(
                    "spot.interruptions_per_hour".into(),
                    f.interruptions_per_hour.to_string(),
                );
                if let Some(share) = f.interruption_monthly_share {
                    o.insert(
                        "spot.interruption_frequency".into(),
                        format!(
                            "{}% of capacity a month",
                            crate::platform::spot_rate::share_percent(share)
                        ),
                    );
                }
                o.insert(
                    "spot.notice_s".into(),
                    sim_to_seconds(f.interruption_notice).to_string(),
                );
                o.insert("spot.on_interruption".into(), s(&f.on_interruption));
            }
        }
        PlatformSpec::Function(f) => {
            o.insert("profile".into(), f.profile.name.clone());
            o.insert("free_tier".into(), f.free_tier.to_string());
            if f.free_tier {
                o.insert(
                    "free_tier_month".into(),
                    "30.4375 days (365.25/12), prorated to the run; horizon = \"1mo\" is one such month".into(),
                );
            }
            o.insert("region".into(), f.profile.region.clone());
            o.insert("cold_start".into(), f.cold_start.to_string());
            o.insert(
                "keep_alive_s".into(),
                sim_to_seconds(f.keep_alive).to_string(),
            );
            o.insert("concurrency".into(), f.concurrency.to_string());
            o.insert("min_instances".into(), f.min_instances.to_string());
            o.insert("max_instances".into(), f.max_instances.to_string());
            o.insert("on_throttle".into(), super::format::snake(&f.on_throttle));
            o.insert(
                "target_utilization".into(),
                format!("{}", f.target_utilization_pct as f64 / 100.0),
            );
            o.insert(
                "scale_rate".into(),
                f.scale_rate.map_or("unlimited".into(), |r| {
                    format!(
                        "{} instances per {}",
                        r.instances,
                        crate::time::format_span(r.per)
                    )
                }),
            );
            if let Some(m) = &f.managed {
                // Lambda Managed Instances: the fleet's keys, in place of
                // the per-environment ones that do not apply.
                o.insert("instance_type".into(), m.instance_type.clone());
                o.insert("min_instances".into(), m.min_instances.to_string());
                o.insert(
                    "target_utilization".into(),
                    format!("{}", m.target_cpu_pct as f64 / 100.0),
                );
                o.insert("management_fee_pct".into(), m.fee_pct.to_string());
                o.remove("scale_rate");
            }
            if !f.provisioned.is_empty() {
                let hm = |t: crate::time::SimTime| {
                    format!("{:02}:{:02}", t / 3_600_000_000, t / 60_000_000 % 60)
                };
                let windows: Vec<String> = f
                    .provisioned
                    .iter()
                    .map(|w| format!("{}-{} x{}", hm(w.from), hm(w.to), w.concurrency))
                    .collect();
                o.insert("provisioned_schedule".into(), windows.join(", "));
            }
        }
        PlatformSpec::Ec2(e) => {
            if e.eks_support == crate::pricing::catalog::EksSupport::Extended {
                o.insert("support".into(), "extended".into());
            }
            let names: Vec<&str> = e.instance_types.iter().map(|t| t.name.as_str()).collect();
            o.insert("region".into(), e.region.clone());
            o.insert("orchestrator".into(), super::format::snake(&e.orchestrator));
            if let Some(r) = super::rightsizing::describe(&e.rightsizing) {
                o.insert("rightsizing".into(), r);
            }
            o.insert("instance_types".into(), names.join(", "));
            o.insert("initial".into(), e.initial.to_string());
            o.insert("min".into(), e.min.to_string());
            match &e.autoscaler {
                crate::platform::ec2::Autoscaler::Karpenter { limits, .. } => {
                    o.insert("limits".into(), limits.to_string());
                }
                _ => {
                    o.insert("max".into(), e.max.to_string());
                }
            }
            let capacity = match (e.on_demand_weight > 0.0, e.spot_weight > 0.0) {
                (true, false) => "on_demand".to_string(),
                (false, true) => "spot".to_string(),
                _ => format!("on_demand {} : spot {}", e.on_demand_weight, e.spot_weight),
            };
            let capacity = if e.on_demand_base > 0 {
                format!("{capacity}, on-demand base {} instances", e.on_demand_base)
            } else {
                capacity
            };
            o.insert("capacity".into(), capacity);
            o.insert(
                "placement".into(),
                e.placement
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            o.insert("autoscaler".into(), e.autoscaler.name().into());
            o.insert("instance_launch".into(), e.instance_launch.to_string());
            o.insert(
                "container_start.image_pull".into(),
                e.image_pull.to_string(),
            );
            o.insert("container_start.cached".into(), e.cached_start.to_string());
            o.insert(
                "reserved".into(),
                format!(
                    "{} vCPU, {}% of memory",
                    crate::units::format_vcpu(e.reserved_cpu_milli),
                    e.reserved_memory_percent
                ),
            );
            if e.spot_weight > 0.0 {
                o.insert("spot.discount".into(), e.spot_discount.to_string());
                o.insert(
                    "spot.interruptions_per_hour".into(),
                    e.spot_interruptions_per_hour.to_string(),
                );
                if let Some(share) = e.spot_interruption_monthly_share {
                    o.insert(
                        "spot.interruption_frequency".into(),
                        format!(
                            "{}% of capacity a month",
                            crate::platform::spot_rate::share_percent(share)
                        ),
                    );
                }
            }
        }
    }
    o
}

fn tasks(t: &Tally) -> Tasks {
    let r = &t.replicas;
    let mut reasons = t.unschedulable_reasons.clone();
    for (why, n) in &r.unschedulable_reasons {
        if let Some(v) = reasons.get_mut(why) {
            *v -= n;
            if *v == 0 {
                reasons.remove(why);
            }
        }
    }
    Tasks {
        submitted: t.submitted - r.submitted,
        completed: t.completed - r.completed,
        failed: t.failed - r.failed,
        interrupted: t.interrupted - r.interrupted,
        unschedulable: t.unschedulable - r.unschedulable,
        running_at_end: t.running_at_end - r.running_at_end,
        waiting_at_end: t.waiting_at_end - r.waiting_at_end,
        unschedulable_reasons: reasons,
        service_replicas: (r.submitted > 0).then(|| ReplicaCounts {
            submitted: r.submitted,
            completed: r.completed,
            failed: r.failed,
            interrupted: r.interrupted,
            unschedulable: r.unschedulable,
            running_at_end: r.running_at_end,
            waiting_at_end: r.waiting_at_end,
            unschedulable_reasons: r.unschedulable_reasons.clone(),
        }),
        wasted_seconds: t.wasted_task_us as f64 / 1e6,
        run_seconds: t.run_task_us as f64 / 1e6,
        wasted_billed_seconds: t.wasted_billed_us as f64 / 1e6,
        wasted_cost_usd: t.wasted_cost.usd(),
        wasted_seconds_by_group: t
            .wasted_by_group
            .iter()
            .map(|(g, us)| (g.to_string(), *us as f64 / 1e6))
            .collect(),
    }
}

/// The latency block (see [`crate::stats::StartLatency::summaries`]).
fn latency(t: &mut Tally) -> Latency {
    let percentiles: Vec<f64> = (0..=100).map(|p| p as f64 / 100.0).collect();
    let (wait, startup, time_to_start, found) = t.starts.summaries(&percentiles);
    Latency {
        wait,
        startup,
        time_to_start,
        time_to_start_percentiles_s: found.into_iter().flatten().map(sim_to_seconds).collect(),
    }
}

/// Builds the summary of one platform.
pub fn platform_summary(run: &mut PlatformRun) -> PlatformSummary {
    let cost = run.cost;
    let end_us = run.end.end;
    let cluster = match &run.detail {
        Detail::Cluster(c) => Some(c),
        _ => None,
    }
    .map(|c| {
        let idle = Money(cost.instances.0.saturating_sub(cost.instances_allocated.0));
        ClusterSummary {
            instances_launched: c.instances_launched,
            spot_instances_launched: c.spot_instances_launched,
            instance_interruptions: c.instance_interruptions,
            instance_hours: c.billed_instance_us as f64 / 3.6e9,
            peak_instances: c.peak_instances,
            instances_by_zone: c.instances_by_zone.clone(),
            pinned_at_max_s: c.pinned_at_max_us as f64 / 1e6,
            nodes_consolidated: c.nodes_consolidated,
            pods_moved: c.pods_moved,
            consolidation_replacements: c.consolidation_replacements,
            mean_instances: if end_us > 0 {
                c.instance_us as f64 / end_us as f64
            } else {
                0.0
            },
            allocated_usd: cost.instances_allocated.usd(),
            idle_usd: idle.usd(),
            idle_fraction: (cost.instances.0 > 0).then(|| idle.usd() / cost.instances.usd()),
            reserved: match &run.spec {
                PlatformSpec::Ec2(e) => e.reservations.map(|r| ReservedSummary {
                    instance_type: e
                        .instance_types
                        .first()
                        .map_or_else(String::new, |t| t.name.clone()),
                    count: r.count,
                    discount: r.discount,
                    fee_usd: c.reserved_fee.usd(),
                    covered_instance_hours: c.reserved_covered_us as f64 / 3.6e9,
                    covered_on_demand_usd: c.reserved_credit.usd(),
                    utilisation: if end_us > 0 {
                        c.reserved_covered_us as f64 / (r.count as f64 * end_us as f64)
                    } else {
                        0.0
                    },
                }),
                _ => None,
            },
        }
    });
    let whole = run.whole_bill();
    let around_total = run.around_total();
    let around = around_lines(&run.around);
    let t = &mut run.tally;
    let task_counts = tasks(t);
    let latency = latency(t);
    PlatformSummary {
        name: run.spec.name().to_string(),
        kind: run.spec.kind().to_string(),
        options: options(&run.spec),
        cost: Cost {
            total_usd: whole.usd(),
            per_completed_task_usd: whole.per(task_counts.completed).map(Money::usd),
            compute_usd: cost.total().usd(),
            around_usd: around_total.usd(),
            around,
            components: Components {
                vcpu_usd: cost.vcpu.usd(),
                memory_usd: cost.memory.usd(),
                storage_usd: cost.storage.usd(),
                os_license_usd: cost.os_license.usd(),
                instances_usd: cost.instances.usd(),
                control_plane_usd: cost.control_plane.usd(),
                spot_savings_usd: cost.spot_savings.usd(),
                requests_usd: cost.requests.usd(),
            },
        },
        billed: Billed {
            vcpu_seconds: t.cpu_milli_us as f64 / 1e9,
            memory_gib_seconds: t.memory_mib_us as f64 / (1024.0 * 1e6),
            storage_gib_seconds: t.storage_gib_us as f64 / 1e6,
            task_seconds: t.billed_task_us as f64 / 1e6,
        },
        tasks: task_counts,
        latency,
        simulated_end_s: sim_to_seconds(run.end.end),
        events: run.end.events,
        rates_source: run.rates_source.clone(),
        cluster,
        function: function_summary(run),
        capacity_providers: provider_summaries(run),
        littles_law: crate::report::services::LittlesLaw::of(
            run.end.tasks_in_system_us,
            run.tally.time_in_system_us,
            run.end.end,
        ),
        services: run
            .services
            .iter_mut()
            .map(crate::report::services::summary)
            .collect(),
        unbounded_backlog: backlog_summary(&run.tally),
        rightsizing: super::rightsizing::summary(
            &run.spec,
            &run.tally.rightsizing,
            run.tally.submitted - run.tally.replicas.submitted,
            run.tally.group_costs.as_ref(),
            run.cost.total(),
        ),
    }
}

/// Builds the whole summary.
pub fn summarize(scenario: &Scenario, output: &mut RunOutput) -> Summary {
    Summary {
        tool: "fargate-sim".into(),
        version: crate::VERSION.into(),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            seed_source: scenario.seed_source.clone(),
            overrides: scenario.overrides.clone(),
            horizon_s: scenario.horizon.map(sim_to_seconds),
        },
        platforms: {
            let mut platforms: Vec<PlatformSummary> =
                output.platforms.iter_mut().map(platform_summary).collect();
            let runs: Vec<_> = output
                .platforms
                .iter()
                .map(|p| {
                    (
                        p.spec.name().to_string(),
                        p.cost.total(),
                        p.tally.group_costs.clone(),
                    )
                })
                .collect();
            let mut blocks: Vec<_> = platforms
                .iter_mut()
                .map(|p| (p.name.clone(), p.kind.clone(), &mut p.rightsizing))
                .collect();
            super::rightsizing::fill_before(&mut blocks, &runs);
            platforms
        },
        notes: output.notes.clone(),
        assumptions: Vec::new(),
        skipped_rows: output
            .platforms
            .first()
            .map(|p| p.skipped_rows.clone())
            .unwrap_or_default(),
        real_bill: None,
        replications: None,
    }
}
