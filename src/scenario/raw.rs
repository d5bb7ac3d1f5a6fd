//! The scenario file as written: plain serde structs that mirror the TOML.
//! Unknown keys are errors, so a typo never falls back to a default.
//! `scenario::validate` turns these into typed values.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub seed: Option<i64>,
    pub horizon: Option<String>,
    /// A pricing catalog file replacing the built-in one.
    pub pricing: Option<String>,
    /// The default region of every platform.
    pub region: Option<String>,
    pub workload: RawWorkload,
    #[serde(default)]
    pub platforms: Vec<RawPlatform>,
    /// What the run writes besides the summary.
    #[serde(default)]
    pub report: RawReport,
    /// An experiment over this scenario, read by `fargate-sim sweep`
    /// (`experiment::Sweep`); a single run ignores it.
    #[serde(default)]
    pub sweep: Option<toml::Value>,
    /// What the workload's tasks send and write (the bill around compute).
    #[serde(default)]
    pub bill: Option<super::raw_bill::RawBill>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// The time series' interval ("1m" by default).
    pub interval: Option<String>,
    /// Whether to write tasks.parquet (true by default).
    pub task_records: Option<bool>,
    /// How tasks.parquet is compressed ("light" by default).
    pub task_records_compression: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// A trace file, relative to the scenario file.
    pub trace: Option<String>,
    /// The trace's format (detected from the header when left out).
    pub format: Option<String>,
    /// "error" (default) or "skip".
    pub on_bad_row: Option<String>,
    /// "sort" or "error"; the default depends on the format.
    pub order: Option<String>,
    /// Keep tasks submitted from here (a duration from the trace's origin).
    pub from: Option<String>,
    /// Keep tasks submitted before this.
    pub until: Option<String>,
    /// Keep this fraction of the trace's tasks (seeded).
    pub sample: Option<f64>,
    /// Multiply the trace's submit times by this.
    pub time_scale: Option<f64>,
    /// Parameters of the format's adapter.
    pub options: Option<RawTraceOptions>,
    /// A Container Insights performance log giving the usage of an
    /// `ecs-tasks` or `kubernetes-pods` trace's tasks (issue 27).
    pub usage: Option<String>,
    pub load_scale: Option<f64>,
    pub duration_scale: Option<f64>,
    #[serde(default)]
    pub generators: Vec<RawGenerator>,
    /// Long-running services fed by requests (`crate::service`).
    #[serde(default)]
    pub services: Vec<RawService>,
}

/// One `[[workload.services]]` entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: String,
    /// Each replica's vCPU and memory (or `task_definition` / `pod`).
    pub cpu: Option<f64>,
    pub memory: Option<String>,
    pub task_definition: Option<String>,
    pub pod: Option<String>,
    #[serde(default)]
    pub replicas: RawReplicas,
    pub concurrency: Option<i64>,
    /// "replica" (default) or "shared".
    pub queue: Option<String>,
    pub queue_limit: Option<i64>,
    pub timeout: Option<String>,
    /// A distribution, or "trace" for the request trace's own durations.
    pub service_time: Option<RawDist>,
    pub requests: RawRequests,
    #[serde(default)]
    pub scaling: Vec<RawScaling>,
    #[serde(default)]
    pub schedule: Vec<RawScheduled>,
    pub slo: Option<RawSlo>,
    /// "warm" (default: replicas already running at time 0) or "cold".
    pub start: Option<String>,
    /// "standard" (one-minute CPU metric, default) or "high" (20 s).
    pub metric_resolution: Option<String>,
    /// How late a metric datapoint reaches the alarms ("180s").
    pub metric_delay: Option<String>,
    /// "round_robin" (default) or "least_outstanding_requests".
    pub routing: Option<String>,
    /// How long a replica leaving the load balancer is held (a duration).
    pub deregistration_delay: Option<String>,
    /// From SIGTERM to SIGKILL when a replica is stopped (a duration).
    pub stop_timeout: Option<String>,
    /// When a new replica passes its first health check (a duration).
    pub health_check_interval: Option<String>,
    // The bill around compute (`scenario::bill`).
    /// "alb", "nlb" or "none" (default).
    pub load_balancer: Option<String>,
    pub request_size: Option<String>,
    pub response_size: Option<String>,
    pub requests_per_connection: Option<i64>,
    /// Listener rules evaluated per request.
    pub rules: Option<i64>,
    /// Log bytes written per request.
    pub log_per_request: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplicas {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub desired: Option<i64>,
}

/// Where a service's requests come from: a rate curve (`curve`) or a request
/// trace (`trace` and the trace keys of `[workload]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequests {
    /// "constant", "diurnal", "step" or "spike".
    pub curve: Option<String>,
    /// "poisson" (default) or "even".
    pub arrivals: Option<String>,
    pub rate: Option<String>,
    pub min_rate: Option<String>,
    pub max_rate: Option<String>,
    pub peak_at: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub base: Option<String>,
    pub peak: Option<String>,
    pub at: Option<String>,
    pub length: Option<String>,
    // A request trace, read like `[workload]`'s trace.
    pub trace: Option<String>,
    pub format: Option<String>,
    pub on_bad_row: Option<String>,
    pub order: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub sample: Option<f64>,
    pub time_scale: Option<f64>,
    pub options: Option<RawTraceOptions>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScaling {
    /// "target_tracking" or "step".
    pub policy: String,
    /// "cpu" or "requests_per_target".
    pub metric: String,
    pub target: Option<f64>,
    pub scale_out_datapoints: Option<i64>,
    pub scale_in_datapoints: Option<i64>,
    /// Older spellings of the two above, for one-minute datapoints.
    pub scale_out_minutes: Option<i64>,
    pub scale_in_minutes: Option<i64>,
    pub scale_in_ratio: Option<f64>,
    pub scale_out_cooldown: Option<String>,
    pub scale_in_cooldown: Option<String>,
    pub disable_scale_in: Option<bool>,
    pub datapoints: Option<i64>,
    /// Older spelling of `datapoints`, for one-minute datapoints.
    pub minutes: Option<i64>,
    pub cooldown: Option<String>,
    pub steps: Option<Vec<RawStep>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub above: Option<f64>,
    pub below: Option<f64>,
    pub change: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduled {
    /// A time of day, "08:00".
    pub at: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub percentile: f64,
    pub latency: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraceOptions {
    pub machine_cpu: Option<f64>,
    pub machine_memory: Option<String>,
    pub expand_instances: Option<bool>,
    pub vcpu_per_processor: Option<f64>,
    pub memory_per_processor: Option<String>,
    pub request_cpu: Option<f64>,
    pub request_memory: Option<String>,
    pub llm_overhead: Option<String>,
    pub llm_prefill_per_token: Option<String>,
    pub llm_decode_per_token: Option<String>,
    pub durations_file: Option<String>,
    pub memory_file: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGenerator {
    pub name: Option<String>,
    pub arrivals: RawArrivals,
    pub duration: RawDist,
    pub sizes: Vec<RawSize>,
    pub count: Option<i64>,
    pub start: Option<String>,
    pub until: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "process", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawArrivals {
    Poisson {
        rate: String,
    },
    Diurnal {
        min_rate: String,
        max_rate: String,
        peak_at: String,
    },
    Burst {
        at: Vec<String>,
        size: i64,
    },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSize {
    pub cpu: Option<f64>,
    pub memory: Option<String>,
    pub storage: Option<String>,
    pub weight: Option<f64>,
    /// Take cpu, memory and storage from an ECS task definition (JSON).
    pub task_definition: Option<String>,
    /// Take cpu and memory from a Kubernetes pod spec or Deployment (YAML).
    pub pod: Option<String>,
    /// What tasks of this size use, as fractions of the request.
    pub usage: Option<RawUsageDraw>,
}

/// A size's usage: for CPU and memory, the range `[low, high]` of fractions
/// of the request each task's average and peak are drawn from.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUsageDraw {
    pub cpu: Vec<f64>,
    pub memory: Vec<f64>,
}

/// A distribution of spans: a plain duration (`"30s"`) or a table.
#[derive(Clone, Debug)]
pub enum RawDist {
    Constant(String),
    Table(RawDistTable),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistTable {
    pub dist: String,
    pub value: Option<String>,
    pub mean: Option<String>,
    pub median: Option<String>,
    pub p90: Option<String>,
    pub mu: Option<f64>,
    pub sigma: Option<f64>,
    pub values: Option<Vec<String>>,
    pub min: Option<String>,
    pub max: Option<String>,
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration such as \"30s\" or a table such as { dist = \"lognormal\", median = \"30s\", p90 = \"45s\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawDist, E> {
                Ok(RawDist::Constant(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                RawDistTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawDist::Table)
            }
        }
        d.deserialize_any(V)
    }
}

/// The deployment models a platform can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformKind {
    Fargate,
    Ec2,
    /// A serverless peer (Lambda, Cloud Run, ACI) named by `profile`.
    Function,
}

/// One `[[platforms]]` entry. A plain struct holding every kind's keys (not
/// a serde-tagged enum) so that toml keeps the line and column of each error;
/// validation refuses keys that do not apply to the entry's kind.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatform {
    pub name: String,
    pub kind: PlatformKind,
    pub region: Option<String>,
    pub capacity: Option<RawCapacity>,
    pub spot: Option<RawSpot>,
    // Fargate keys.
    pub launch_type: Option<crate::platform::fargate::LaunchType>,
    pub os: Option<crate::pricing::Os>,
    pub arch: Option<crate::pricing::Arch>,
    pub sizing: Option<crate::platform::fargate::Sizing>,
    pub launch_limit: Option<RawLaunchLimit>,
    pub startup: Option<RawStartup>,
    /// An ECS task definition whose runtimePlatform sets os and arch.
    pub task_definition: Option<String>,
    /// The bill around compute: subnet, volumes, charges left out.
    pub bill: Option<super::raw_bill::RawPlatformBill>,
    /// EKS only: pods EKS binds to Fargate a second (`"8.7/s"`).
    pub pod_binding_rate: Option<String>,
    // EC2 keys.
    pub orchestrator: Option<crate::platform::ec2::Orchestrator>,
    pub instance_types: Option<Vec<String>>,
    pub initial: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub placement: Option<OneOrMany>,
    pub autoscaler: Option<String>,
    pub ecs_managed: Option<RawEcsManaged>,
    /// ECS only (EC2 and Fargate): tasks the service scheduler launches
    /// per service per minute.
    pub service_launch_per_minute: Option<i64>,
    pub karpenter: Option<RawKarpenter>,
    pub instance_launch: Option<RawDist>,
    pub container_start: Option<RawContainerStart>,
    pub reserved: Option<RawReserved>,
    pub reserved_instances: Option<RawReservations>,
    /// EKS only: DaemonSets of the scenario's own on every node.
    pub daemonsets: Option<Vec<RawDaemonSet>>,
    /// ECS: the tasks' network mode (`bridge`, `host`, `awsvpc`).
    pub network_mode: Option<String>,
    /// ECS `awsvpc`: whether ENI trunking is on.
    pub eni_trunking: Option<bool>,
    /// Availability zones the cluster spans.
    pub zones: Option<i64>,
    /// ECS task placement constraints per workload group (issue 21):
    /// `[{ type = "distinctInstance", group = "web" }]`.
    pub constraints: Option<Vec<RawConstraint>>,
    /// ECS `bridge`/`host` mode: a static host port per workload group,
    /// `{ web = 80 }`.
    pub host_ports: Option<std::collections::BTreeMap<String, i64>>,
    /// EKS: workload groups under required pod anti-affinity on
    /// `kubernetes.io/hostname` against themselves (issue 21).
    pub pod_anti_affinity: Option<Vec<String>>,
    /// EKS: a node selector per workload group (issue 21),
    /// `{ batch = { "node.kubernetes.io/instance-type" = "c5.large" } }`.
    pub node_selector: Option<
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, RawLabelValue>>,
    >,
    /// EKS (cluster or Fargate): `"standard"` or `"extended"` support.
    pub support: Option<String>,
    // Function keys.
    pub profile: Option<String>,
    pub cold_start: Option<RawDist>,
    pub keep_alive: Option<String>,
    pub concurrency: Option<i64>,
    pub min_instances: Option<i64>,
    pub max_instances: Option<i64>,
    pub on_throttle: Option<crate::platform::function::OnThrottle>,
    pub free_tier: Option<bool>,
    /// Provisioned concurrency for part of each day.
    pub provisioned_schedule: Option<Vec<RawProvisionWindow>>,
    /// The autoscaler's target share of concurrency (Cloud Run: 0.6).
    pub target_utilization: Option<f64>,
    /// How fast one function adds instances (Lambda: 1,000 per 10 s).
    pub scale_rate: Option<RawScaleRate>,
    // Fargate and EC2: each task's size from its usage (issue 27).
    pub rightsizing: Option<RawRightSizing>,
}

/// `rightsizing`: a policy's name (`"requested"`, `"usage"`) or a table.
#[derive(Clone, Debug)]
pub enum RawRightSizing {
    Name(String),
    Table(RawRightSizingTable),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRightSizingTable {
    pub policy: String,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub headroom: Option<f64>,
    pub after_oom: Option<String>,
    pub oom_at: Option<f64>,
    /// `fixed`: sizes per group, `{ web = { cpu = 0.5, memory = "1GiB" } }`.
    pub groups: Option<BTreeMap<String, RawFixedSize>>,
    /// Percentile forms: the least a group is given (vCPU, and a size
    /// such as "250MiB").
    pub min_cpu: Option<f64>,
    pub min_memory: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixedSize {
    pub cpu: f64,
    pub memory: String,
}

impl<'de> Deserialize<'de> for RawRightSizing {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawRightSizing;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"requested\", \"usage\" or a table such as { policy = \"usage\", headroom = 0.2 }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawRightSizing, E> {
                Ok(RawRightSizing::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawRightSizing, A::Error> {
                RawRightSizingTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawRightSizing::Table)
            }
        }
        d.deserialize_any(V)
    }
}

impl RawPlatform {
    /// The keys given that belong to the other kind, for a clear error.
    pub fn foreign_keys(&self) -> Vec<&'static str> {
        let fargate = [
            ("launch_type", self.launch_type.is_some()),
            ("os", self.os.is_some()),
            ("arch", self.arch.is_some()),
            ("sizing", self.sizing.is_some()),
            ("launch_limit", self.launch_limit.is_some()),
            ("startup", self.startup.is_some()),
            ("task_definition", self.task_definition.is_some()),
            ("pod_binding_rate", self.pod_binding_rate.is_some()),
        ];
        let ec2 = [
            ("orchestrator", self.orchestrator.is_some()),
            ("instance_types", self.instance_types.is_some()),
            ("initial", self.initial.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("placement", self.placement.is_some()),
            ("autoscaler", self.autoscaler.is_some()),
            ("ecs_managed", self.ecs_managed.is_some()),
            ("karpenter", self.karpenter.is_some()),
            ("instance_launch", self.instance_launch.is_some()),
            ("container_start", self.container_start.is_some()),
            ("reserved", self.reserved.is_some()),
            ("reserved_instances", self.reserved_instances.is_some()),
            ("daemonsets", self.daemonsets.is_some()),
            ("network_mode", self.network_mode.is_some()),
            ("eni_trunking", self.eni_trunking.is_some()),
            ("zones", self.zones.is_some()),
            ("constraints", self.constraints.is_some()),
            ("host_ports", self.host_ports.is_some()),
            ("pod_anti_affinity", self.pod_anti_affinity.is_some()),
            ("node_selector", self.node_selector.is_some()),
        ];
        let function = [
            ("profile", self.profile.is_some()),
            ("cold_start", self.cold_start.is_some()),
            ("keep_alive", self.keep_alive.is_some()),
            ("concurrency", self.concurrency.is_some()),
            ("min_instances", self.min_instances.is_some()),
            ("max_instances", self.max_instances.is_some()),
            ("on_throttle", self.on_throttle.is_some()),
            ("free_tier", self.free_tier.is_some()),
            ("provisioned_schedule", self.provisioned_schedule.is_some()),
            ("target_utilization", self.target_utilization.is_some()),
            ("scale_rate", self.scale_rate.is_some()),
        ];
        // Keys of both Fargate and EC2 platforms (ECS settings).
        let ecs = [(
            "service_launch_per_minute",
            self.service_launch_per_minute.is_some(),
        )];
        // Fargate and EC2 keys: foreign to a function platform only.
        let containers = [("rightsizing", self.rightsizing.is_some())];
        let other: Vec<&(&'static str, bool)> = match self.kind {
            PlatformKind::Fargate => ec2.iter().chain(&function).collect(),
            PlatformKind::Ec2 => fargate.iter().chain(&function).collect(),
            PlatformKind::Function => fargate
                .iter()
                .chain(&ec2)
                .chain(&ecs)
                .chain(&containers)
                .filter(|(k, _)| *k != "capacity" && *k != "instance_types" && *k != "os")
                .collect(),
        };
        other
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// `capacity`: `"on_demand"`, `"spot"`, or a mix by weight `{ on_demand = 1, spot = 3 }`,
/// with a base on one of them (`on_demand_base = 2`): an ECS capacity
/// provider strategy.
#[derive(Clone, Debug)]
pub enum RawCapacity {
    Named(crate::pricing::Capacity),
    Mix(RawMix),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMix {
    #[serde(default)]
    pub on_demand: f64,
    #[serde(default)]
    pub spot: f64,
    /// Tasks (Fargate) or instances (EC2), at a minimum, on demand or on Spot.
    pub on_demand_base: Option<i64>,
    pub spot_base: Option<i64>,
}

impl<'de> Deserialize<'de> for RawCapacity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawCapacity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"on_demand\", \"spot\", or a mix such as { on_demand = 1, spot = 3, on_demand_base = 2 }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawCapacity, E> {
                match v {
                    "on_demand" => Ok(RawCapacity::Named(crate::pricing::Capacity::OnDemand)),
                    "spot" => Ok(RawCapacity::Named(crate::pricing::Capacity::Spot)),
                    other => Err(E::invalid_value(serde::de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawCapacity, A::Error> {
                RawMix::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawCapacity::Mix)
            }
        }
        d.deserialize_any(V)
    }
}

/// One string or a list of strings (`placement = "binpack"` or `["spread", "binpack"]`).
#[derive(Clone, Debug)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a strategy name or a list of them, such as [\"spread\", \"binpack:memory\"]",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut v = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    v.push(s);
                }
                Ok(OneOrMany(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEcsManaged {
    pub target_capacity: Option<i64>,
    pub minimum_scaling_step: Option<i64>,
    pub maximum_scaling_step: Option<i64>,
    pub instance_warmup: Option<String>,
    pub scale_in_after: Option<String>,
    pub alarm_delay: Option<String>,
    pub scale_in: Option<String>,
    pub provisioning_limit: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKarpenter {
    pub batch_idle: Option<String>,
    pub batch_max: Option<String>,
    pub consolidate_after: Option<String>,
    /// "WhenEmptyOrUnderutilized" or "WhenEmpty".
    pub consolidation_policy: Option<String>,
    /// Disruption budget `nodes`: "10%" or a count.
    pub budget: Option<RawBudget>,
    /// NodePool limits.
    pub limits: Option<RawNodePoolLimits>,
    /// Workload groups whose pods carry `karpenter.sh/do-not-disrupt`.
    pub do_not_disrupt: Option<Vec<String>>,
    /// A PodDisruptionBudget per workload group: `{ api = { max_unavailable = 1 } }`.
    pub pod_disruption_budgets: Option<std::collections::BTreeMap<String, RawPdb>>,
}

/// One PodDisruptionBudget.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPdb {
    pub max_unavailable: i64,
}

/// A disruption budget as written: "10%", "5" or 5.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum RawBudget {
    Count(i64),
    Text(String),
}

/// NodePool `limits = { cpu = 64, memory = "256GiB", nodes = 10 }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodePoolLimits {
    pub cpu: Option<f64>,
    pub memory: Option<String>,
    pub nodes: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContainerStart {
    pub image_pull: Option<RawDist>,
    pub cached: Option<RawDist>,
}

/// A DaemonSet's requests on every node of an EKS cluster.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDaemonSet {
    pub name: Option<String>,
    pub cpu: Option<f64>,
    pub memory: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReserved {
    pub cpu: Option<f64>,
    pub memory_percent: Option<f64>,
}

/// Reserved instances of the cluster's first type.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReservations {
    pub count: i64,
    pub discount: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLaunchLimit {
    pub burst: Option<i64>,
    pub refill: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStartup {
    pub provisioning: Option<RawDist>,
    pub image_pull: Option<RawDist>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    /// EC2 only: the Spot discount off on-demand (0 to 0.95).
    pub discount: Option<f64>,
    /// The Spot Instance Advisor's unit: a bucket ("<5%") or a share of
    /// capacity reclaimed a month ("7%").
    pub interruption_frequency: Option<String>,
    /// A hazard per task- or instance-hour (a what-if, or a measured rate).
    pub interruptions_per_hour: Option<f64>,
    pub notice: Option<String>,
    pub on_interruption: Option<crate::platform::fargate::OnInterruption>,
}

/// One ECS task placement constraint, as a task definition or service
/// writes it (`type`, `expression`), with the workload group it applies to.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConstraint {
    #[serde(rename = "type")]
    pub kind: String,
    pub group: String,
    pub expression: Option<String>,
}

/// A node selector's value: one label value (`nodeSelector`), or a list
/// (required node affinity, operator `In`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum RawLabelValue {
    One(String),
    Any(Vec<String>),
}

/// One `provisioned_schedule` entry: `{ from = "08:00", to = "16:00",
/// concurrency = 100 }`, every day of the run.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvisionWindow {
    pub from: String,
    pub to: String,
    pub concurrency: i64,
}

/// `scale_rate`: `{ instances = 1000, per = "10s" }` or `"unlimited"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum RawScaleRate {
    Named(String),
    Rate(RawScaleRateTable),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScaleRateTable {
    pub instances: i64,
    pub per: String,
}
