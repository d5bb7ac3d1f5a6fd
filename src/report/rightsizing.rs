//! What right-sizing did on a platform: the `rightsizing` block of its
//! summary and the policy in words. The lines that compare it with its
//! as-requested twin are in `rightsizing_lines.rs`.

use crate::platform::PlatformSpec;
use crate::platform::books::RightSizingTally;
use crate::platform::rightsize::{Policy, RightSizing};
use crate::pricing::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    pub groups: Vec<GroupRow>,
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
        } => {
            // A percentile is the group's: say so, and the minimum it keeps.
            let per_group = |s: &crate::platform::rightsize::Stat| {
                if s.is_group() {
                    format!("{s} of the group")
                } else {
                    s.to_string()
                }
            };
            let min = if r.per_group() {
                format!(
                    ", at least {}m / {} MiB a group",
                    r.min_cpu_milli, r.min_memory_mib
                )
            } else {
                String::new()
            };
            Some(format!(
                "usage: cpu {}, memory {}, {:+}% headroom{min}; {after}",
                per_group(cpu),
                per_group(memory),
                (headroom * 100.0 * 1000.0).round() / 1000.0
            ))
        }
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
    group_costs: Option<&GroupCosts>,
    total: Money,
) -> Option<RightSizingSummary> {
    let r = policy(spec)?;
    let policy = describe(r)?;
    let rate = |n: u64| (submitted > 0).then(|| n as f64 / submitted as f64);
    let mut groups = rows(t, group_costs, total);
    // The size a percentile form gave each group (rows are named, the
    // levels keyed by the group: `(none)` is the tasks without one).
    if let Some(levels) = &r.group_levels {
        for row in &mut groups {
            let key: Option<Arc<str>> = (row.group != NONE).then(|| Arc::from(row.group.as_str()));
            if let Some(l) = levels.get(&key) {
                row.size_cpu_vcpu = l.cpu_milli.map(|m| m as f64 / 1000.0);
                row.size_memory_mib = l.memory_mib;
            }
        }
    }
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
        groups,
    })
}

// Per task group (issue 27): each group's tasks, kills, slowdowns and bill
// on a right-sizing platform, beside its bill on the first platform of the
// same kind that runs tasks as requested (the "before", as in
// `rightsizing_lines.rs`). A group's bill is what its tasks were billed on a
// serverless platform and their share of their instances on EC2 (the larger
// of the task's CPU and memory share of the instance, over the time it held
// it: the split `platform/ec2/model.rs` makes for every task). The part of
// the compute bill no group carries (idle instance time, per-platform fees,
// tasks without a group) is the row `(rest)`. `rightsizing.csv` is written
// from these rows (`rightsizing_groups.rs`), and report.html shows them.

/// Each group's billed cost on a platform, by group name.
pub type GroupCosts = BTreeMap<Arc<str>, Money>;

/// A platform's name, compute bill and group costs (when kept).
pub type PlatformCosts = (String, Money, Option<GroupCosts>);

/// The name of the row holding what no group carries.
pub const REST: &str = "(rest)";
/// The name of tasks without a group.
pub const NONE: &str = "(none)";

/// One group's right-sizing on one platform.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GroupRow {
    pub group: String,
    /// Tasks the policy sized, and those it gave another size.
    pub tasks: u64,
    pub resized: u64,
    /// Distinct tasks killed for memory at least once, their share of the
    /// group's tasks, and the run time lost (billed), seconds.
    pub tasks_killed: u64,
    pub kill_rate: Option<f64>,
    pub oom_lost_seconds: f64,
    /// Attempts slowed by a CPU limit, their share, the run time added.
    pub slowed: u64,
    pub slowed_rate: Option<f64>,
    pub slowed_extra_seconds: f64,
    /// The group's bill here (after), on the as-requested twin (before),
    /// and the saving (before − after), dollars.
    pub cost_usd: Option<f64>,
    pub before_usd: Option<f64>,
    pub saving_usd: Option<f64>,
    /// Under a percentile form: the request every task of the group with
    /// usage was given (vCPU, MiB); absent for a resource sized per task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_cpu_vcpu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_memory_mib: Option<u32>,
}

fn name(g: &Option<Arc<str>>) -> String {
    g.as_deref().unwrap_or(NONE).to_string()
}

/// The rows of a platform's groups (without the "before", filled by
/// [`fill_before`]), then the `(rest)` row of the bill no group carries.
pub fn rows(t: &RightSizingTally, costs: Option<&GroupCosts>, total: Money) -> Vec<GroupRow> {
    let cost_of = |g: &Option<Arc<str>>| -> Option<f64> {
        let costs = costs?;
        g.as_ref()
            .map(|g| costs.get(g).copied().map_or(0.0, Money::usd))
    };
    let mut out: Vec<GroupRow> = t
        .groups
        .iter()
        .map(|(g, c)| {
            let rate = |n: u64| (c.tasks > 0).then(|| n as f64 / c.tasks as f64);
            GroupRow {
                group: name(g),
                tasks: c.tasks,
                resized: c.resized,
                tasks_killed: c.tasks_killed,
                kill_rate: rate(c.tasks_killed),
                oom_lost_seconds: c.oom_lost_us as f64 / 1e6,
                slowed: c.slowed,
                slowed_rate: rate(c.slowed),
                slowed_extra_seconds: c.slowed_extra_us as f64 / 1e6,
                cost_usd: cost_of(g),
                before_usd: None,
                saving_usd: None,
                size_cpu_vcpu: None,
                size_memory_mib: None,
            }
        })
        .collect();
    if let Some(costs) = costs {
        let carried = costs.values().fold(Money::ZERO, |a, m| a + *m);
        out.push(GroupRow {
            group: REST.into(),
            tasks: 0,
            resized: 0,
            tasks_killed: 0,
            kill_rate: None,
            oom_lost_seconds: 0.0,
            slowed: 0,
            slowed_rate: None,
            slowed_extra_seconds: 0.0,
            cost_usd: Some(total.usd() - carried.usd()),
            before_usd: None,
            saving_usd: None,
            size_cpu_vcpu: None,
            size_memory_mib: None,
        });
    }
    out
}

/// The "before" of every right-sizing platform's groups: the group's bill
/// on the first platform of the same kind that runs tasks as requested.
/// `platforms` gives each platform's name, kind and right-sizing block (in
/// the summary's order); `runs` each platform's name, compute bill and
/// group costs.
pub fn fill_before(
    platforms: &mut [(String, String, &mut Option<RightSizingSummary>)],
    runs: &[PlatformCosts],
) {
    let twins: Vec<Option<String>> = platforms
        .iter()
        .map(|(name, kind, r)| {
            r.as_ref()?;
            platforms
                .iter()
                .find(|(n, k, q)| k == kind && q.is_none() && n != name)
                .map(|(n, ..)| n.clone())
        })
        .collect();
    for ((_, _, r), twin) in platforms.iter_mut().zip(twins) {
        let (Some(r), Some(twin)) = (r.as_mut(), twin) else {
            continue;
        };
        let Some((_, total, Some(costs))) = runs.iter().find(|(n, ..)| *n == twin) else {
            continue;
        };
        let carried = costs.values().fold(Money::ZERO, |a, m| a + *m);
        for row in &mut r.groups {
            let before = if row.group == REST {
                Some(total.usd() - carried.usd())
            } else if row.group == NONE {
                None
            } else {
                Some(
                    costs
                        .iter()
                        .find(|(k, _)| k.as_ref() == row.group)
                        .map_or(0.0, |(_, m)| m.usd()),
                )
            };
            row.before_usd = before;
            row.saving_usd = match (before, row.cost_usd) {
                (Some(b), Some(a)) => Some(b - a),
                _ => None,
            };
        }
    }
}
