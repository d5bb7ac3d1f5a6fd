//! Right-sizing per task group (issue 27): each group's tasks, kills,
//! slowdowns and bill on a right-sizing platform, beside its bill on the
//! first platform of the same kind that runs tasks as requested (the
//! "before", as in `rightsizing_lines.rs`). The rows go into the summary's
//! `rightsizing.groups`, `rightsizing.csv` and the HTML report.
//!
//! A group's bill is what its tasks were billed on a serverless platform
//! and their share of their instances on EC2 (the larger of the task's CPU
//! and memory share of the instance, over the time it held it: the split
//! `platform/ec2/model.rs` makes for every task). The part of a bill no
//! group carries (idle instance time, per-platform fees, tasks without a
//! group) is the row `(rest)`.

use super::summary::PlatformSummary;
use crate::platform::books::RightSizingTally;
use crate::pricing::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

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
        });
    }
    out
}

/// The "before" of every right-sizing platform's groups: the group's bill
/// on the first platform of the same kind that runs tasks as requested.
/// `runs` gives each platform's name, total and group costs.
pub fn fill_before(platforms: &mut [PlatformSummary], runs: &[PlatformCosts]) {
    let twins: Vec<Option<String>> = platforms
        .iter()
        .map(|p| {
            p.rightsizing.as_ref()?;
            platforms
                .iter()
                .find(|q| q.kind == p.kind && q.rightsizing.is_none() && q.name != p.name)
                .map(|q| q.name.clone())
        })
        .collect();
    for (p, twin) in platforms.iter_mut().zip(twins) {
        let (Some(r), Some(twin)) = (p.rightsizing.as_mut(), twin) else {
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

/// The columns of `rightsizing.csv`, in order (docs/outputs.md repeats them).
pub const COLUMNS: [&str; 14] = [
    "platform",
    "group",
    "tasks",
    "resized",
    "tasks_killed",
    "kill_rate",
    "oom_lost_s",
    "slowed",
    "slowed_rate",
    "slowed_extra_s",
    "cost_usd",
    "before_usd",
    "saving_usd",
    "before_platform",
];

/// `rightsizing.csv`: one row per right-sizing platform and group, or None
/// when no platform right-sizes.
pub fn csv(platforms: &[PlatformSummary]) -> Option<String> {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    let mut any = false;
    for p in platforms {
        let Some(r) = &p.rightsizing else { continue };
        any = true;
        let twin = platforms
            .iter()
            .find(|q| q.kind == p.kind && q.rightsizing.is_none() && q.name != p.name)
            .map_or(String::new(), |q| crate::io::csv::quote(&q.name));
        let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
        for g in &r.groups {
            out.push_str(&format!(
                "{},{},{},{},{},{},{:.3},{},{},{:.3},{},{},{},{}\n",
                crate::io::csv::quote(&p.name),
                crate::io::csv::quote(&g.group),
                g.tasks,
                g.resized,
                g.tasks_killed,
                f(g.kill_rate),
                g.oom_lost_seconds,
                g.slowed,
                f(g.slowed_rate),
                g.slowed_extra_seconds,
                f(g.cost_usd),
                f(g.before_usd),
                f(g.saving_usd),
                twin,
            ));
        }
    }
    any.then_some(out)
}

/// The HTML table of the groups of every right-sizing platform.
pub fn html(platforms: &[PlatformSummary]) -> String {
    use super::format::{format_seconds, format_usd};
    use super::html::esc;
    let mut h = String::from(
        "<table class=\"cmp\"><thead><tr><th>platform</th><th>group</th><th>tasks</th><th>resized</th><th>killed for memory</th><th>slowed by CPU</th><th>extra time</th><th>bill before</th><th>bill after</th><th>saving</th></tr></thead><tbody>\n",
    );
    let pct = |v: Option<f64>| v.map_or("–".into(), |f| format!("{:.1}%", f * 100.0));
    let usd = |v: Option<f64>| v.map_or("–".into(), format_usd);
    for p in platforms {
        let Some(r) = &p.rightsizing else { continue };
        for g in &r.groups {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} ({})</td><td class=\"n\">{} ({})</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                esc(&p.name),
                esc(&g.group),
                g.tasks,
                g.resized,
                g.tasks_killed,
                pct(g.kill_rate),
                g.slowed,
                pct(g.slowed_rate),
                format_seconds(g.slowed_extra_seconds + g.oom_lost_seconds),
                usd(g.before_usd),
                usd(g.cost_usd),
                usd(g.saving_usd),
            ));
        }
    }
    h.push_str("</tbody></table>\n<p class=\"meta\">before = the group's bill on the first platform of the same kind that runs tasks as requested. On EC2 a group's bill is its tasks' share of their instances (the larger of CPU and memory share, over the time held); (rest) is what no group carries: idle instance time, fees, tasks without a group. extra time = run time lost to kills plus run time added by CPU limits. Also in rightsizing.csv.</p>\n");
    h
}
