//! A validated function platform: what a scenario's `kind = "function"`
//! entry becomes after checking (a catalog profile and the scenario's
//! overrides of its limits).

use crate::pricing::functions::FunctionProfile;
use crate::time::SimTime;
use crate::workload::SpanDist;

/// What happens to work when every instance allowed is busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnThrottle {
    /// Wait for the next free slot (an asynchronous invocation retried).
    Queue,
    /// Count it as failed (a synchronous caller given a 429).
    Fail,
}

/// A validated function platform from a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionSpec {
    pub name: String,
    pub profile: FunctionProfile,
    pub cold_start: SpanDist,
    pub keep_alive: SimTime,
    pub concurrency: u32,
    pub min_instances: u32,
    pub max_instances: u32,
    pub on_throttle: OnThrottle,
    /// Apply the profile's monthly free tier, prorated to the run's length.
    pub free_tier: bool,
    /// Provisioned concurrency for part of each day, on top of
    /// `min_instances` (`provisioned_schedule`).
    pub provisioned: Vec<ProvisionWindow>,
    /// The share of an instance's concurrency filled before another is
    /// added, percent (Cloud Run: 60).
    pub target_utilization_pct: u32,
    /// How fast one function adds instances (Lambda: 1,000 per 10 s).
    pub scale_rate: Option<crate::pricing::functions::ScaleRate>,
    /// Windows containers (`os = "windows"`): the profile's Windows
    /// software fee is billed on every billed vCPU-second.
    pub windows: bool,
    /// Lambda Managed Instances: the fleet of EC2 instances (None on the
    /// other profiles).
    pub managed: Option<super::managed_spec::ManagedSpec>,
}

/// Minimum (provisioned) instances from `from` to `to` every day, each an
/// offset from the day's start (the run starts at 00:00 of day 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvisionWindow {
    pub from: SimTime,
    pub to: SimTime,
    pub concurrency: u32,
}
