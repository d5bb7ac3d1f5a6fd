//! The line under the terminal table and the `explain` proposal for a
//! right-sizing platform, against the first platform of the same kind that
//! runs the tasks as requested: the "before" of a right-sizing change is
//! that second platform, so a user reads before and after side by side.

use super::format::{format_seconds, format_usd};
use super::summary::PlatformSummary;

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

/// For `explain`: each right-sizing platform that costs less than its
/// as-requested twin, as (the twin's name, the saving in dollars, the
/// proposal in words with its risk, without a final period: the reader
/// ends the sentence).
pub fn proposals(platforms: &[PlatformSummary]) -> Vec<(String, f64, String)> {
    let mut out = Vec::new();
    for p in platforms {
        let Some(r) = &p.rightsizing else { continue };
        let Some(q) = platforms
            .iter()
            .find(|q| q.kind == p.kind && q.rightsizing.is_none() && q.name != p.name)
        else {
            continue;
        };
        let saving = q.cost.total_usd - p.cost.total_usd;
        if saving <= 0.0 {
            continue;
        }
        let pct = |v: Option<f64>| v.map_or("—".into(), |f| format!("{:.1}%", f * 100.0));
        out.push((
            q.name.clone(),
            saving,
            format!(
                "size its tasks from their usage as {} does ({}): saves {} ({:.1}% of its bill); the risk: {} of tasks killed for memory and run again ({} of work lost), {} slowed by CPU (+{}), finishing at {} against {}. `fargate-sim rightsize` on this run's folder prints the sizes per group",
                p.name,
                r.policy,
                format_usd(saving),
                if q.cost.total_usd > 0.0 { saving / q.cost.total_usd * 100.0 } else { 0.0 },
                pct(r.kill_rate),
                format_seconds(r.oom_lost_seconds),
                pct(r.slowed_rate),
                format_seconds(r.slowed_extra_seconds),
                format_seconds(p.simulated_end_s),
                format_seconds(q.simulated_end_s),
            ),
        ));
    }
    out
}
