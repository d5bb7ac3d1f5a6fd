//! Behavioural defaults (start-up times, launch limits, Spot behaviour),
//! read from `data/defaults.toml`, where each carries its source.

use crate::service::scaling::{Resolution, Signal};
use crate::time::{SimTime, parse_duration};
use crate::workload::SpanDist;
use serde::Deserialize;

/// The defaults file shipped with the tool.
pub const BUILTIN_DEFAULTS: &str = include_str!("../../data/defaults.toml");

/// Typed defaults.
#[derive(Clone, Debug)]
pub struct Defaults {
    pub fargate_launch_burst: u32,
    pub fargate_launch_refill_per_s: f64,
    /// The launch bucket of an account that launches only EKS pods.
    pub fargate_eks_launch_burst: u32,
    pub fargate_eks_launch_refill_per_s: f64,
    pub fargate_launch_source: String,
    pub fargate_provisioning: SpanDist,
    /// The shared image pull (`[image_pull]`), EC2's first pull too.
    pub fargate_image_pull: SpanDist,
    pub fargate_startup_source: String,
    /// Provisioning of an EKS pod on Fargate (`[fargate.eks_startup]`).
    pub fargate_eks_provisioning: SpanDist,
    pub fargate_eks_startup_source: String,
    /// Pods EKS binds to Fargate a second (`[fargate.eks_scheduler]`).
    pub fargate_eks_pod_binding_per_s: f64,
    pub fargate_eks_scheduler_source: String,
    pub image_pull_source: String,
    pub fargate_spot_notice: SimTime,
    /// The Spot Advisor frequency (share of capacity reclaimed a month) and
    /// the per-task-hour hazard it converts to.
    pub fargate_spot_interruption_share: f64,
    pub fargate_spot_interruptions_per_hour: f64,
    pub fargate_spot_source: String,
    pub ec2: Ec2Defaults,
    pub traces: TraceDefaults,
    pub service: ServiceDefaults,
    /// The bill around compute (`[bill]`, issue 25).
    pub bill: crate::scenario::raw_bill::BillDefaults,
    /// Right-sizing (`[rightsizing]`): a usage policy's defaults and what
    /// follows a kill for memory.
    pub rightsizing: RightSizingDefaults,
}

/// Defaults of the `rightsizing` key (`[rightsizing]` in data/defaults.toml).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RightSizingDefaults {
    /// "avg", "max" or a group percentile such as "p90".
    pub cpu: String,
    pub memory: String,
    pub headroom: f64,
    /// "original" or "next".
    pub after_oom: String,
    /// Share of the run done when a task is killed for memory.
    pub oom_at: f64,
    /// A cluster's "next" request after a kill: memory × ratio, at least
    /// `oom_bump_min_mib` more.
    pub oom_bump_ratio: f64,
    pub oom_bump_min_mib: u32,
    /// The least a percentile form gives a group (VPA's pod minimum).
    pub min_cpu_milli: u32,
    pub min_memory_mib: u32,
    pub source: String,
}

/// Defaults of services and their autoscaling (`[service]`).
#[derive(Clone, Debug)]
pub struct ServiceDefaults {
    pub scale_out_minutes: u32,
    pub scale_in_minutes: u32,
    pub scale_in_ratio: f64,
    pub scale_out_cooldown: SimTime,
    pub scale_in_cooldown: SimTime,
    pub step_minutes: u32,
    pub step_cooldown: SimTime,
    /// Standard (one-minute) metric: period, publication delay, alarm
    /// evaluation interval.
    pub standard_signal: Signal,
    /// High-resolution (20 s) metric: the same.
    pub high_signal: Signal,
    pub signal_source: String,
    pub concurrency: u32,
    pub queue_limit: u32,
    pub timeout: SimTime,
    pub deregistration_delay: SimTime,
    pub stop_timeout: SimTime,
    pub health_check_interval: SimTime,
    pub routing: crate::service::Routing,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServiceDefaults {
    scale_out_minutes: u32,
    scale_in_minutes: u32,
    scale_in_ratio: f64,
    scale_out_cooldown: String,
    scale_in_cooldown: String,
    step_minutes: u32,
    step_cooldown: String,
    metric_period: String,
    metric_delay: String,
    alarm_every: String,
    high_resolution_period: String,
    high_resolution_delay: String,
    high_resolution_alarm_every: String,
    signal_source: String,
    concurrency: u32,
    queue_limit: u32,
    timeout: String,
    deregistration_delay: String,
    stop_timeout: String,
    health_check_interval: String,
    routing: String,
    source: String,
}

/// Defaults of the trace adapters (`[traces]` in data/defaults.toml).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceDefaults {
    pub alibaba_2017: MachineDefault,
    pub alibaba_2018: MachineDefault,
    pub google: MachineDefault,
    pub swf: SwfDefault,
    pub azure_functions: RequestDefault,
    pub azure_llm: LlmDefault,
}

/// The machine a trace's normalised resources refer to.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineDefault {
    /// vCPU.
    pub machine_cpu: f64,
    /// A memory size ("64GiB").
    pub machine_memory: String,
    pub source: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwfDefault {
    pub vcpu_per_processor: f64,
    pub memory_per_processor: String,
    pub source: String,
}

/// The size of a task made from one request or invocation.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDefault {
    pub request_cpu: f64,
    pub request_memory: String,
    pub source: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmDefault {
    pub request_cpu: f64,
    pub request_memory: String,
    pub overhead: String,
    pub prefill_per_token: String,
    pub decode_per_token: String,
    pub source: String,
}

/// Defaults of the EC2 cluster model.
#[derive(Clone, Debug)]
pub struct Ec2Defaults {
    pub instance_launch: SpanDist,
    pub instance_launch_source: String,
    pub image_pull: SpanDist,
    pub cached_start: SpanDist,
    pub container_start_source: String,
    pub reserved_memory_percent: f64,
    pub reserved_cpu_milli: u32,
    pub reserved_source: String,
    /// What an EKS node keeps for itself (kubelet, eviction, DaemonSets).
    pub eks_node: crate::platform::ec2::EksNode,
    pub eks_node_source: String,
    pub spot_discount: f64,
    pub spot_notice: SimTime,
    pub spot_interruption_share: f64,
    pub spot_interruptions_per_hour: f64,
    pub spot_source: String,
    pub ecs_target_percent: u32,
    pub ecs_min_step: u32,
    pub ecs_max_step: u32,
    pub ecs_warmup: SimTime,
    pub ecs_scale_in_after: SimTime,
    pub ecs_metric_period: SimTime,
    pub ecs_alarm_delay: SimTime,
    pub ecs_scale_in_ramp: bool,
    pub ecs_source: String,
    /// Tasks in PROVISIONING per cluster that scale-out counts.
    pub ecs_provisioning_limit: u32,
    /// Tasks the ECS service scheduler launches per service per minute.
    pub ecs_service_launch_per_minute: u32,
    pub ecs_launch_source: String,
    pub karpenter_batch_idle: SimTime,
    pub karpenter_batch_max: SimTime,
    /// None: "Never" (no consolidation).
    pub karpenter_consolidate_after: Option<SimTime>,
    pub karpenter_policy: crate::platform::ec2::spec::ConsolidationPolicy,
    pub karpenter_budget: crate::platform::ec2::spec::Budget,
    pub karpenter_poll: SimTime,
    pub karpenter_validation_delay: SimTime,
    pub karpenter_source: String,
    /// ECS tasks' network mode and ENI trunking, and the zones a cluster spans.
    pub network_mode: crate::platform::ec2::NetworkMode,
    pub eni_trunking: bool,
    pub zones: u32,
    pub network_source: String,
    /// The placement chain of an ECS and of an EKS cluster.
    pub placement_ecs: Vec<crate::platform::ec2::placement::Strategy>,
    pub placement_eks: Vec<crate::platform::ec2::placement::Strategy>,
    pub placement_source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    fargate: RawFargate,
    ec2: RawEc2,
    image_pull: RawImagePull,
    traces: TraceDefaults,
    service: RawServiceDefaults,
    bill: crate::scenario::raw_bill::BillDefaults,
    rightsizing: RightSizingDefaults,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEc2 {
    instance_launch: RawEc2Launch,
    container_start: RawEc2Start,
    reserved: RawEc2Reserved,
    eks_node: RawEksNode,
    spot: RawEc2Spot,
    ecs_managed: RawEcs,
    ecs_launch: RawEcsLaunch,
    karpenter: RawKarpenter,
    network: RawNetwork,
    placement: RawPlacement,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    mode: crate::platform::ec2::NetworkMode,
    eni_trunking: bool,
    zones: u32,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlacement {
    ecs: Vec<String>,
    eks: Vec<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEcsLaunch {
    provisioning_tasks: u32,
    service_tasks_per_minute: u32,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEc2Launch {
    launch: crate::scenario::raw::RawDist,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEc2Start {
    cached: crate::scenario::raw::RawDist,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImagePull {
    pull: crate::scenario::raw::RawDist,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEksNode {
    memory_mib: u32,
    memory_mib_per_pod: u32,
    eviction_memory_mib: u32,
    cpu_percent_of_cores: Vec<f64>,
    cpu_percent_of_other_cores: f64,
    daemonset_cpu_vcpu: f64,
    daemonset_memory_mib: u32,
    max_pods_unknown: u32,
    daemonset_pods: u32,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEc2Reserved {
    memory_percent: f64,
    cpu_vcpu: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEc2Spot {
    discount: f64,
    notice: String,
    interruption_frequency: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEcs {
    target_capacity_percent: u32,
    minimum_scaling_step: u32,
    maximum_scaling_step: u32,
    instance_warmup: String,
    scale_in_after: String,
    metric_period: String,
    alarm_delay: String,
    scale_in: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKarpenter {
    batch_idle: String,
    batch_max: String,
    consolidation_policy: String,
    consolidate_after: String,
    budget: String,
    disruption_poll: String,
    validation_delay: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFargate {
    launch_limit: RawLaunch,
    startup: RawStartup,
    eks_startup: RawStartup,
    eks_scheduler: RawEksScheduler,
    spot: RawSpot,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEksScheduler {
    pod_binding_per_second: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLaunch {
    burst: u32,
    refill_per_second: f64,
    eks_only_burst: u32,
    eks_only_refill_per_second: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStartup {
    provisioning: crate::scenario::raw::RawDist,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpot {
    notice: String,
    interruption_frequency: String,
    source: String,
}

impl Defaults {
    /// The built-in defaults: parsed once a process (their comment lines
    /// left out), then copied.
    pub fn builtin() -> Defaults {
        static BUILTIN: std::sync::OnceLock<Defaults> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(Defaults::parse_builtin).clone()
    }

    fn parse_builtin() -> Defaults {
        let text = crate::io::toml_text::blank_comment_lines(BUILTIN_DEFAULTS);
        let raw: Raw = toml::from_str(&text).expect("built-in defaults parse (checked by tests)");
        let f = raw.fargate;
        let dist = |d: &crate::scenario::raw::RawDist, key: &str| {
            crate::scenario::check::span_dist(d, key)
                .expect("built-in defaults are valid (checked by tests)")
        };
        let d = |t: &str| parse_duration(t).expect("valid default duration");
        let share = |t: &str| {
            crate::platform::spot_rate::parse_frequency(t).expect("valid default frequency")
        };
        let image_pull = dist(&raw.image_pull.pull, "image_pull.pull");
        let e = raw.ec2;
        let ec2_share = share(&e.spot.interruption_frequency);
        let chain = |list: &[String]| {
            list.iter()
                .map(|s| {
                    crate::platform::ec2::placement::Strategy::parse(s)
                        .expect("built-in placement defaults are valid (checked by tests)")
                })
                .collect::<Vec<_>>()
        };
        let ec2 = Ec2Defaults {
            instance_launch: dist(&e.instance_launch.launch, "ec2.instance_launch.launch"),
            instance_launch_source: e.instance_launch.source,
            image_pull: image_pull.clone(),
            cached_start: dist(&e.container_start.cached, "ec2.container_start.cached"),
            container_start_source: e.container_start.source,
            reserved_memory_percent: e.reserved.memory_percent,
            reserved_cpu_milli: (e.reserved.cpu_vcpu * 1000.0).round() as u32,
            reserved_source: e.reserved.source,
            eks_node: crate::platform::ec2::EksNode {
                memory_mib: e.eks_node.memory_mib,
                memory_mib_per_pod: e.eks_node.memory_mib_per_pod,
                eviction_memory_mib: e.eks_node.eviction_memory_mib,
                cpu_percent_of_cores: e.eks_node.cpu_percent_of_cores,
                cpu_percent_of_other_cores: e.eks_node.cpu_percent_of_other_cores,
                daemonset_cpu_milli: (e.eks_node.daemonset_cpu_vcpu * 1000.0).round() as u32,
                daemonset_memory_mib: e.eks_node.daemonset_memory_mib,
                max_pods_unknown: e.eks_node.max_pods_unknown,
                daemonset_pods: e.eks_node.daemonset_pods,
            },
            eks_node_source: e.eks_node.source,
            spot_discount: e.spot.discount,
            spot_notice: d(&e.spot.notice),
            spot_interruption_share: ec2_share,
            spot_interruptions_per_hour: crate::platform::spot_rate::hazard_per_hour(ec2_share),
            spot_source: e.spot.source,
            ecs_target_percent: e.ecs_managed.target_capacity_percent,
            ecs_min_step: e.ecs_managed.minimum_scaling_step,
            ecs_max_step: e.ecs_managed.maximum_scaling_step,
            ecs_warmup: d(&e.ecs_managed.instance_warmup),
            ecs_scale_in_after: d(&e.ecs_managed.scale_in_after),
            ecs_metric_period: d(&e.ecs_managed.metric_period),
            ecs_alarm_delay: d(&e.ecs_managed.alarm_delay),
            ecs_scale_in_ramp: e.ecs_managed.scale_in == "ramp",
            ecs_source: e.ecs_managed.source,
            ecs_provisioning_limit: e.ecs_launch.provisioning_tasks,
            ecs_service_launch_per_minute: e.ecs_launch.service_tasks_per_minute,
            ecs_launch_source: e.ecs_launch.source,
            karpenter_batch_idle: d(&e.karpenter.batch_idle),
            karpenter_batch_max: d(&e.karpenter.batch_max),
            karpenter_consolidate_after: crate::scenario::check::consolidate_after(
                "ec2.karpenter.consolidate_after",
                &e.karpenter.consolidate_after,
            )
            .expect("valid default consolidate_after"),
            karpenter_policy: crate::scenario::check::consolidation_policy(
                "ec2.karpenter.consolidation_policy",
                &e.karpenter.consolidation_policy,
            )
            .expect("valid default consolidation_policy"),
            karpenter_budget: crate::scenario::check::budget(
                "ec2.karpenter.budget",
                &e.karpenter.budget,
            )
            .expect("valid default budget"),
            karpenter_poll: d(&e.karpenter.disruption_poll),
            karpenter_validation_delay: d(&e.karpenter.validation_delay),
            karpenter_source: e.karpenter.source,
            network_mode: e.network.mode,
            eni_trunking: e.network.eni_trunking,
            zones: e.network.zones,
            network_source: e.network.source,
            placement_ecs: chain(&e.placement.ecs),
            placement_eks: chain(&e.placement.eks),
            placement_source: e.placement.source,
        };
        let sv = raw.service;
        let service = ServiceDefaults {
            scale_out_minutes: sv.scale_out_minutes,
            scale_in_minutes: sv.scale_in_minutes,
            scale_in_ratio: sv.scale_in_ratio,
            scale_out_cooldown: d(&sv.scale_out_cooldown),
            scale_in_cooldown: d(&sv.scale_in_cooldown),
            step_minutes: sv.step_minutes,
            step_cooldown: d(&sv.step_cooldown),
            standard_signal: Signal {
                resolution: Resolution::Standard,
                period: d(&sv.metric_period),
                delay: d(&sv.metric_delay),
                alarm_every: d(&sv.alarm_every),
            },
            high_signal: Signal {
                resolution: Resolution::High,
                period: d(&sv.high_resolution_period),
                delay: d(&sv.high_resolution_delay),
                alarm_every: d(&sv.high_resolution_alarm_every),
            },
            signal_source: sv.signal_source,
            concurrency: sv.concurrency,
            queue_limit: sv.queue_limit,
            timeout: d(&sv.timeout),
            deregistration_delay: d(&sv.deregistration_delay),
            stop_timeout: d(&sv.stop_timeout),
            health_check_interval: d(&sv.health_check_interval),
            routing: match sv.routing.as_str() {
                "round_robin" => crate::service::Routing::RoundRobin,
                "least_outstanding_requests" => crate::service::Routing::LeastOutstanding,
                other => panic!(
                    "data/defaults.toml [service] routing = `{other}`: use round_robin or least_outstanding_requests"
                ),
            },
            source: sv.source,
        };
        Defaults {
            ec2,
            service,
            bill: raw.bill,
            traces: raw.traces,
            rightsizing: raw.rightsizing,
            fargate_launch_burst: f.launch_limit.burst,
            fargate_launch_refill_per_s: f.launch_limit.refill_per_second,
            fargate_eks_launch_burst: f.launch_limit.eks_only_burst,
            fargate_eks_launch_refill_per_s: f.launch_limit.eks_only_refill_per_second,
            fargate_launch_source: f.launch_limit.source,
            fargate_provisioning: dist(&f.startup.provisioning, "fargate.startup.provisioning"),
            fargate_image_pull: image_pull,
            fargate_startup_source: f.startup.source,
            fargate_eks_provisioning: dist(
                &f.eks_startup.provisioning,
                "fargate.eks_startup.provisioning",
            ),
            fargate_eks_startup_source: f.eks_startup.source,
            fargate_eks_pod_binding_per_s: f.eks_scheduler.pod_binding_per_second,
            fargate_eks_scheduler_source: f.eks_scheduler.source,
            image_pull_source: raw.image_pull.source,
            fargate_spot_notice: parse_duration(&f.spot.notice).expect("valid notice"),
            fargate_spot_interruption_share: share(&f.spot.interruption_frequency),
            fargate_spot_interruptions_per_hour: crate::platform::spot_rate::hazard_per_hour(
                share(&f.spot.interruption_frequency),
            ),
            fargate_spot_source: f.spot.source,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_defaults_parse() {
        let d = super::Defaults::builtin();
        assert_eq!(d.fargate_launch_burst, 100);
        assert_eq!(d.fargate_launch_refill_per_s, 20.0);
        // Total start-up median ≈ 8 s + 27 s: inside AWS's "30-45 seconds".
        let mean = d.fargate_provisioning.mean_seconds() + d.fargate_image_pull.mean_seconds();
        assert!((30.0..50.0).contains(&mean), "{mean}");
        // One image pull for EC2 and Fargate.
        assert_eq!(d.ec2.image_pull, d.fargate_image_pull);
        // EKS-only accounts: a burst of 20, then 20 a second.
        assert_eq!(d.fargate_eks_launch_burst, 20);
        assert_eq!(d.fargate_eks_launch_refill_per_s, 20.0);
        // "<5%" a month: -ln(0.95) / 720 h.
        assert_eq!(d.fargate_spot_interruption_share, 0.05);
        let l = d.fargate_spot_interruptions_per_hour;
        assert!((l - 0.000_071_240_7).abs() < 1e-10, "{l}");
        assert_eq!(l, d.ec2.spot_interruptions_per_hour);
    }
}
