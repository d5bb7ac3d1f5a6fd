//! Work an option threw away and ran again (issue 34): attempts that did
//! not finish because Karpenter's consolidation evicted their pod or Spot
//! took their capacity, each started again from zero.
//!
//! Such an option did the workload's tasks, so `compare` still compares it,
//! but its total pays for more than the work: the terminal table, the HTML
//! verdict and `explain` all say how much more, from these sentences, and
//! how to avoid it where the scenario can express the fix.

use super::format::{format_seconds, format_usd, thousands};
use super::summary::PlatformSummary;

/// Lost run time above this share of the useful run time is called out in
/// the table's warnings and the verdicts (below it, summary.json still has
/// it).
pub const NOTABLE_SHARE: f64 = 0.01;

/// Task-hours for a sentence: "21,199.5 task-hours", "0.50 task-hours".
pub fn task_hours(seconds: f64) -> String {
    let h = seconds / 3600.0;
    let text = if h < 10.0 {
        format!("{h:.2}")
    } else {
        format!("{h:.1}")
    };
    match text.split_once('.') {
        Some((whole, frac)) => format!("{}.{frac} task-hours", thousands(whole)),
        None => format!("{text} task-hours"),
    }
}

/// A share for a sentence: "64%", "under 1%".
fn share(part: f64, whole: f64) -> String {
    let p = 100.0 * part / whole;
    if p < 1.0 {
        "under 1%".to_string()
    } else {
        format!("{p:.0}%")
    }
}

fn count(n: u64) -> String {
    thousands(&n.to_string())
}

/// Pods evicted by consolidation, and attempts interrupted otherwise (Spot),
/// of the workload's tasks.
fn causes(p: &PlatformSummary) -> (u64, u64) {
    let evicted = p
        .cluster
        .as_ref()
        .map_or(0, |c| c.pods_moved)
        .min(p.tasks.interrupted);
    (evicted, p.tasks.interrupted - evicted)
}

/// Whether the option lost enough work to be called out.
pub fn notable(p: &PlatformSummary) -> bool {
    let t = &p.tasks;
    t.wasted_seconds > 0.0 && t.wasted_seconds > NOTABLE_SHARE * t.run_seconds
}

/// What the option threw away, in words, or None when it lost nothing:
/// "karpenter threw away 265.2 task-hours of run time (64% on top of the
/// 415.2 task-hours its tasks ran to completion): 1,673 pods evicted by
/// Karpenter's consolidation, each started again from zero; those attempts
/// were billed 272.6 task-hours, $13.08 of its $40.52".
pub fn sentence(p: &PlatformSummary) -> Option<String> {
    let t = &p.tasks;
    if t.wasted_seconds <= 0.0 || t.interrupted == 0 {
        return None;
    }
    let (evicted, interrupted) = causes(p);
    let mut why = Vec::new();
    if evicted > 0 {
        why.push(format!(
            "{} pod(s) evicted by Karpenter's consolidation",
            count(evicted)
        ));
    }
    if interrupted > 0 {
        why.push(format!(
            "{} attempt(s) interrupted by Spot",
            count(interrupted)
        ));
    }
    let share = if t.run_seconds > 0.0 {
        format!(
            " ({} on top of the {} its tasks ran to completion)",
            share(t.wasted_seconds, t.run_seconds),
            task_hours(t.run_seconds)
        )
    } else {
        String::new()
    };
    Some(format!(
        "{} threw away {} of run time{share}: {}, each started again from zero; those attempts were billed {}, {} of its {}",
        p.name,
        task_hours(t.wasted_seconds),
        why.join(" and "),
        task_hours(t.wasted_billed_seconds),
        format_usd(t.wasted_cost_usd),
        format_usd(p.cost.total_usd)
    ))
}

/// For a verdict that crowns `p` (the cheapest): what its win includes,
/// or None when it lost no notable work.
pub fn crown_caveat(p: &PlatformSummary) -> Option<String> {
    notable(p).then(|| {
        format!(
            "{} ran every task, but not only once: it threw away and ran again {} ({} of its total), so it did more work than the tasks needed",
            p.name,
            task_hours(p.tasks.wasted_seconds),
            format_usd(p.tasks.wasted_cost_usd)
        )
    })
}

/// When `p`'s last task ended well after the other options' (a quarter
/// later or more), in words: "its run ended 10.7h after the start, against
/// 4.9h on fargate".
pub fn finished_later(p: &PlatformSummary, all: &[PlatformSummary]) -> Option<String> {
    let other = all
        .iter()
        .filter(|q| q.name != p.name && q.tasks.completed == p.tasks.completed)
        .min_by(|a, b| a.simulated_end_s.total_cmp(&b.simulated_end_s))?;
    (p.simulated_end_s > 1.25 * other.simulated_end_s).then(|| {
        format!(
            "its last task ended {} after the start, against {} on {}",
            format_seconds(p.simulated_end_s),
            format_seconds(other.simulated_end_s),
            other.name
        )
    })
}

/// How to keep the option from throwing work away, where the scenario can
/// say so: on Karpenter, protect the groups that lost work from
/// consolidation (`karpenter.do_not_disrupt`), or consolidate only empty
/// nodes.
pub fn fix(p: &PlatformSummary) -> Option<String> {
    let (evicted, _) = causes(p);
    if evicted == 0 || p.options.get("autoscaler").map(String::as_str) != Some("karpenter") {
        return None;
    }
    let mut groups: Vec<(&String, &f64)> = p.tasks.wasted_seconds_by_group.iter().collect();
    groups.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    let names: Vec<String> = groups
        .iter()
        .take(3)
        .map(|(g, _)| format!("\"{g}\""))
        .collect();
    let list = if names.is_empty() {
        "\"GROUP\"".to_string()
    } else {
        names.join(", ")
    };
    Some(format!(
        "Karpenter does evict running pods of Jobs when it consolidates (only a pod annotated karpenter.sh/do-not-disrupt keeps its node); if {}'s tasks cannot resume, annotate them: `karpenter = {{ do_not_disrupt = [{list}] }}` (try --set 'platforms.{}.karpenter.do_not_disrupt=[{list}]'), or consolidate only empty nodes with `consolidation_policy = \"WhenEmpty\"`; both keep nodes up longer, so run it to see what that costs",
        p.name, p.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_hours_and_shares_read_well() {
        assert_eq!(task_hours(1800.0), "0.50 task-hours");
        assert_eq!(task_hours(954_548.661_22), "265.2 task-hours");
        assert_eq!(task_hours(76_318_200.0), "21,199.5 task-hours");
        assert_eq!(share(0.25, 148.0), "under 1%");
        assert_eq!(share(265.2, 415.2), "64%");
    }
}
