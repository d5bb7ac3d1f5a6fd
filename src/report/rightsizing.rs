//! What right-sizing did on a platform: the `rightsizing` block of its
//! summary and the policy in words. The lines that compare it with its
//! as-requested twin are in `rightsizing_lines.rs`.

use crate::platform::PlatformSpec;
use crate::platform::books::RightSizingTally;
use crate::platform::rightsize::{Policy, RightSizing};
use serde::{Deserialize, Serialize};

/// A right-sizing platform's counts (absent under `rightsizing = "requested"`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RightSizingSummary {
    /// The policy in words, such as `usage: cpu max, memory max, +15%`.
    pub policy: String,
    /// Tasks launched at a size other than their request.
    pub resized: u64,
    /// Tasks left as requested (no usage in the workload, or group not listed).
    pub kept: u64,
    /// Out-of-memory kills (a task killed twice counts twice).
    pub oom_kills: u64,
    /// Distinct tasks killed at least once, and their share of the submitted.
    pub tasks_killed: u64,
    pub kill_rate: Option<f64>,
    /// Run time lost to kills (billed all the same), seconds.
    pub oom_lost_seconds: f64,
    /// Tasks slowed by a CPU limit below their average use, their share,
    /// and the run time the limits added, seconds.
    pub slowed: u64,
    pub slowed_rate: Option<f64>,
    pub slowed_extra_seconds: f64,
    /// The same per task group, with each group's bill before and after
    /// (issue 27; `rightsizing_groups.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<super::rightsizing_groups::GroupRow>,
}

/// The policy of a platform in words, or None when it runs tasks as requested.
pub fn describe(r: &RightSizing) -> Option<String> {
    let after = format!(
        "after a kill: {}, killed {:.0}% through the run",
        r.after_oom.as_str(),
        r.oom_at * 100.0
    );
    match &r.policy {
        Policy::Requested => None,
        Policy::Usage {
            cpu,
            memory,
            headroom,
        } => Some(format!(
            "usage: cpu {}, memory {}, {:+}% headroom; {after}",
            cpu.as_str(),
            memory.as_str(),
            (headroom * 100.0 * 1000.0).round() / 1000.0
        )),
        Policy::Fixed(groups) => Some(format!(
            "fixed sizes for {} group(s); {after}",
            groups.len()
        )),
    }
}

/// A platform's policy, if it is a kind that right-sizes.
pub fn policy(spec: &PlatformSpec) -> Option<&RightSizing> {
    match spec {
        PlatformSpec::Fargate(f) => Some(f.rightsizing.as_ref()),
        PlatformSpec::Ec2(e) => Some(&e.rightsizing),
        _ => None,
    }
}

/// The summary block of a platform, None when it runs tasks as requested.
pub fn summary(
    spec: &PlatformSpec,
    t: &RightSizingTally,
    submitted: u64,
    group_costs: Option<&std::collections::BTreeMap<std::sync::Arc<str>, crate::pricing::Money>>,
    total: crate::pricing::Money,
) -> Option<RightSizingSummary> {
    let policy = describe(policy(spec)?)?;
    let rate = |n: u64| (submitted > 0).then(|| n as f64 / submitted as f64);
    Some(RightSizingSummary {
        policy,
        resized: t.resized,
        kept: t.kept,
        oom_kills: t.oom_killed,
        tasks_killed: t.tasks_killed,
        kill_rate: rate(t.tasks_killed),
        oom_lost_seconds: t.oom_lost_us as f64 / 1e6,
        slowed: t.slowed,
        slowed_rate: rate(t.slowed),
        slowed_extra_seconds: t.slowed_extra_us as f64 / 1e6,
        groups: super::rightsizing_groups::rows(t, group_costs, total),
    })
}
