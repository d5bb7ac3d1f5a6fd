//! Which options a verdict may compare, and when a difference is a finding.
//!
//! A total is only comparable with another when both options did the same
//! work: a cluster whose tasks could not fit costs little because it ran
//! nothing. The terminal notes, the HTML verdict, `explain` and `breakeven`
//! all ask this module, so they name the same options and the same undone
//! work. The thresholds below are documented in docs/outputs.md.

use super::format::{format_seconds, thousands};
use super::summary::{PlatformSummary, Tasks};

/// An option is not compared when it completed fewer than this share of the
/// tasks the best option completed.
pub const COMPLETED_SHARE: f64 = 0.95;
/// … or when more than this share of its tasks was left waiting at the end
/// or given up after an interruption.
pub const UNDONE_SHARE: f64 = 0.01;
/// Two latencies differ only by more than this share of the larger, and by
/// more than [`LATENCY_NOISE_S`] (start-up times are random draws; a second
/// between platforms is noise).
pub const LATENCY_NOISE_SHARE: f64 = 0.05;
pub const LATENCY_NOISE_S: f64 = 1.0;
/// Two costs differ only by more than this share of the larger.
pub const COST_NOISE_SHARE: f64 = 0.01;
/// A cluster held at its `max` with tasks waiting for at least this long is
/// called out.
pub const PINNED_MIN_S: f64 = 60.0;

/// Tasks that did not run to completion and were not running at the end:
/// unschedulable, still waiting at the end, or given up after an
/// interruption. The one meaning of "not run" in every output.
pub fn not_run(t: &Tasks) -> u64 {
    t.unschedulable + t.waiting_at_end + t.failed
}

fn count(n: u64) -> String {
    thousands(&n.to_string())
}

/// Why tasks could never run, each reason in words: one reason alone as it
/// is, several each with how many it stopped (`count` writes the number).
/// The one wording of validate, the verdicts and `explain`.
pub fn counted_reasons(
    reasons: &std::collections::BTreeMap<String, u64>,
    count: impl Fn(u64) -> String,
) -> Vec<String> {
    if reasons.len() == 1 {
        return reasons.keys().cloned().collect();
    }
    reasons
        .iter()
        .map(|(r, n)| format!("{} because {r}", count(*n)))
        .collect()
}

/// The undone work of an option in words ("2,820 of 2,820 tasks not run
/// (2,820 could never run: …)"), or None when it left none.
pub fn undone_work(p: &PlatformSummary) -> Option<String> {
    let t = &p.tasks;
    let mut parts = Vec::new();
    if t.waiting_at_end > 0 {
        parts.push(format!(
            "{} still waiting at the end",
            count(t.waiting_at_end)
        ));
    }
    if t.failed > 0 {
        parts.push(format!(
            "{} given up after an interruption",
            count(t.failed)
        ));
    }
    if t.unschedulable > 0 {
        let reasons = counted_reasons(&t.unschedulable_reasons, count);
        parts.push(format!(
            "{} could never run: {}",
            count(t.unschedulable),
            reasons.join("; ")
        ));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "{} of {} tasks not run ({})",
            count(not_run(t)),
            count(t.submitted),
            parts.join("; ")
        )
    })
}

/// Whether an option left work undone: a task that could never run, or more
/// than [`UNDONE_SHARE`] of its tasks not run. On plain counts (means over
/// replications in an experiment's table are fine).
pub fn left_work_undone(submitted: f64, not_run: f64, unschedulable: f64) -> bool {
    unschedulable > 0.0 || not_run > UNDONE_SHARE * submitted
}

/// Whether an option completed fewer than [`COMPLETED_SHARE`] of the tasks
/// the best option completed.
pub fn completed_too_few(completed: f64, best_completed: f64) -> bool {
    completed < COMPLETED_SHARE * best_completed
}

/// Why an option cannot be compared on cost or latency with the others, or
/// None when it did (about) the same work as the best of them.
pub fn excluded_because(p: &PlatformSummary, best_completed: u64) -> Option<String> {
    let t = &p.tasks;
    let undone = undone_work(p);
    if left_work_undone(
        t.submitted as f64,
        not_run(t) as f64,
        t.unschedulable as f64,
    ) {
        return undone;
    }
    if completed_too_few(t.completed as f64, best_completed as f64) {
        let mut left = Vec::new();
        if t.running_at_end > 0 {
            left.push(format!(
                "{} still running at the end",
                count(t.running_at_end)
            ));
        }
        left.extend(undone);
        return Some(format!(
            "completed {} of {} tasks, against {} on the best option{}",
            count(t.completed),
            count(t.submitted),
            count(best_completed),
            if left.is_empty() {
                String::new()
            } else {
                format!(" ({})", left.join("; "))
            }
        ));
    }
    None
}

/// The options split into those compared and those left out, with why.
pub struct Field<'a> {
    pub compared: Vec<&'a PlatformSummary>,
    pub excluded: Vec<(&'a PlatformSummary, String)>,
}

impl<'a> Field<'a> {
    /// The compared options, cheapest first (by whole bill).
    pub fn by_cost(&self) -> Vec<&'a PlatformSummary> {
        let mut compared = self.compared.clone();
        compared.sort_by(|a, b| a.cost.total_usd.total_cmp(&b.cost.total_usd));
        compared
    }
}

/// Splits the options: only those that did the same work are compared.
pub fn field(ps: &[PlatformSummary]) -> Field<'_> {
    let best = ps.iter().map(|p| p.tasks.completed).max().unwrap_or(0);
    let mut f = Field {
        compared: Vec::new(),
        excluded: Vec::new(),
    };
    for p in ps {
        match excluded_because(p, best) {
            Some(why) => f.excluded.push((p, why)),
            None => f.compared.push(p),
        }
    }
    f
}

/// Whether two latencies (seconds) are the same within the run's noise.
pub fn same_latency(a: f64, b: f64) -> bool {
    let d = (a - b).abs();
    d <= LATENCY_NOISE_S || d <= LATENCY_NOISE_SHARE * a.abs().max(b.abs())
}

/// Whether two costs (dollars) are the same within the noise.
pub fn same_cost(a: f64, b: f64) -> bool {
    (a - b).abs() <= COST_NOISE_SHARE * a.abs().max(b.abs())
}

/// A cluster held at its `max` with tasks waiting, in words with the advice
/// that fits its autoscaler, or None (not a cluster, or not for long).
pub fn pinned(p: &PlatformSummary) -> Option<String> {
    let c = p.cluster.as_ref()?;
    if c.pinned_at_max_s < PINNED_MIN_S {
        return None;
    }
    let max = p.options.get("max").map_or("?", String::as_str);
    let long = format_seconds(c.pinned_at_max_s);
    Some(
        if p.options.get("autoscaler").map(String::as_str) == Some("karpenter") {
            let limits = p.options.get("limits").map_or("?", String::as_str);
            format!(
                "{} sat at its NodePool limits ({limits}) for {long} with pods pending; raise `karpenter.limits`",
                p.name
            )
        } else {
            format!(
                "{} sat at its max of {max} instances for {long} with tasks waiting; raise `max` (the Auto Scaling group's maximum size)",
                p.name
            )
        },
    )
}

/// A task count for a sentence: "1.2 M" from a million, else with
/// thousands separators.
fn tasks_count(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} M", n as f64 / 1e6)
    } else {
        count(n)
    }
}

/// A backlog that grew without bound (`platform::backlog`), in words: how
/// many tasks wait, how fast the backlog grew at the end, and why the
/// platform could not add capacity; or None.
pub fn unbounded_backlog(p: &PlatformSummary) -> Option<String> {
    let b = p.unbounded_backlog.as_ref()?;
    let option = |k: &str| p.options.get(k).map_or("?", String::as_str);
    let why = match b.capped.as_str() {
        "at_max" if option("autoscaler") == "karpenter" => {
            format!("while it sat at its limit of {} nodes", option("max"))
        }
        "at_max" => format!("while it sat at its max of {} instances", option("max")),
        "fixed_fleet" => format!(
            "on its fixed fleet of {} instances (autoscaler = \"none\")",
            option("initial")
        ),
        _ => format!(
            "held to Fargate's task-launch rate ({})",
            option("launch_limit")
        ),
    };
    Some(format!(
        "{} has {} tasks waiting and will not catch up: {:.0}% of the tasks submitted, and the backlog grew by {} tasks an hour over the last quarter of the run, {why}",
        p.name,
        tasks_count(b.waiting_at_end),
        b.waiting_share * 100.0,
        count(b.growth_per_hour.round() as u64),
    ))
}

/// When no platform was given any work (no task submitted, no service):
/// the sentence saying so, for the table's warnings, the HTML verdict and
/// `explain`; every total is then $0 and compares nothing.
pub fn no_work(ps: &[PlatformSummary]) -> Option<&'static str> {
    let idle = |p: &PlatformSummary| p.tasks.submitted == 0 && p.services.is_empty();
    (!ps.is_empty() && ps.iter().all(idle)).then_some(
        "the workload submitted no task and no service ran, so every total is $0.00 and nothing is compared; check the generators' rates, `start` and `until`, the trace's `from`, `until` and `sample`, and the `horizon` (`fargate-sim validate` counts the tasks)",
    )
}
