//! The bill-around-compute keys as written (`scenario::bill` checks them):
//! plain serde structs, apart so that `raw` needs nothing else of the bill.

use serde::Deserialize;

/// `[bill]`: what the workload's tasks send and write.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBill {
    /// Bytes each task sends out of the VPC ("1GiB").
    pub egress_per_task: Option<String>,
    /// Bytes each task exchanges with tasks in other zones.
    pub cross_zone_per_task: Option<String>,
    /// Log bytes each task writes to CloudWatch Logs.
    pub log_per_task: Option<String>,
    /// The container image's size (ECR storage, pulled bytes).
    pub image_size: Option<String>,
    /// "same_region" (default), "other_region" or "internet".
    pub image_source: Option<String>,
}

/// `bill = { .. }` on a platform.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatformBill {
    /// "public" (default) or "private".
    pub subnet: Option<String>,
    pub nat_gateways: Option<i64>,
    pub root_volume: Option<String>,
    pub data_volume: Option<String>,
    pub leave_out: Option<Vec<String>>,
    /// Container Insights on the platform's cluster: true, false or
    /// "enhanced" (refused: no sourced rate).
    pub container_insights: Option<Switch>,
    /// Interface VPC endpoints for ECR and CloudWatch Logs (private subnet).
    pub vpc_endpoints: Option<bool>,
}

/// A key that takes `true`, `false` or a word.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Switch {
    Flag(bool),
    Word(String),
}

/// Defaults of the bill around compute (`[bill]` in data/defaults.toml).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillDefaults {
    pub subnet: String,
    pub root_volume_ecs: String,
    pub root_volume_eks: String,
    pub request_size: String,
    pub response_size: String,
    pub requests_per_connection: u64,
    pub rules: u64,
    pub source: String,
    /// Container Insights metrics of an ECS cluster (cluster dimension):
    /// on EC2 (with ContainerInstanceCount) and on Fargate.
    pub insights_cluster_metrics_ec2: u32,
    pub insights_cluster_metrics_fargate: u32,
    /// Container Insights metrics of each ECS service.
    pub insights_service_metrics: u32,
    /// Interface endpoints per zone for ECR pulls and awslogs.
    pub vpc_endpoints_per_zone: u32,
}
