//! What right-sizing did on a platform (`rightsizing` in its summary) and
//! the line under the terminal table that compares it with a platform of
//! the same kind that runs the tasks as requested: the "before" of a
//! right-sizing change is that second platform, so a user reads before and
//! after side by side in every output.

use super::format::{format_seconds, format_usd};
use super::summary::PlatformSummary;
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
    })
}

/// One line per right-sizing platform: what it resized, killed and slowed,
/// and its bill against the first platform of its kind that runs tasks as
/// requested (when the scenario has one).
pub fn lines(platforms: &[PlatformSummary]) -> String {
    let mut out = String::new();
    for p in platforms {
        let Some(r) = &p.rightsizing else { continue };
        let pct = |v: Option<f64>| v.map_or("—".into(), |f| format!("{:.1}%", f * 100.0));
        let mut line = format!(
            "right-sizing on {} ({}): {} tasks resized; {} killed for memory ({}, {} of work lost, billed); {} slowed by CPU ({}, +{})",
            p.name,
            r.policy,
            r.resized,
            r.tasks_killed,
            pct(r.kill_rate),
            format_seconds(r.oom_lost_seconds),
            r.slowed,
            pct(r.slowed_rate),
            format_seconds(r.slowed_extra_seconds),
        );
        let before = platforms
            .iter()
            .find(|q| q.kind == p.kind && q.rightsizing.is_none() && q.name != p.name);
        if let Some(q) = before {
            let (a, b) = (p.cost.total_usd, q.cost.total_usd);
            let saving = b - a;
            let share = if b > 0.0 {
                format!(" ({:.1}%)", saving / b * 100.0)
            } else {
                String::new()
            };
            line.push_str(&format!(
                "; {} against {} on {} (as requested): {} {}{share}",
                format_usd(a),
                format_usd(b),
                q.name,
                if saving >= 0.0 { "saves" } else { "costs" },
                format_usd(saving.abs()),
            ));
            if let (Some(c), Some(d)) = (&p.cluster, &q.cluster) {
                line.push_str(&format!(
                    ", {} instances launched against {} (peak {} against {})",
                    c.instances_launched, d.instances_launched, c.peak_instances, d.peak_instances
                ));
            }
            line.push_str(&format!(
                ", finished at {} against {}",
                format_seconds(p.simulated_end_s),
                format_seconds(q.simulated_end_s)
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
