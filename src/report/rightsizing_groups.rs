//! `rightsizing.csv`: the rows of every right-sizing platform's
//! `rightsizing.groups` (issue 27; the rows are built in `rightsizing.rs`).

use super::summary::PlatformSummary;

/// The columns of `rightsizing.csv`, in order (docs/outputs.md repeats them).
/// The last two are the group's new size under a percentile form (the
/// request each of its tasks was given), empty when each task was sized
/// from its own usage.
pub const COLUMNS: [&str; 16] = [
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
    "size_cpu_vcpu",
    "size_memory_mib",
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
                "{},{},{},{},{},{},{:.3},{},{},{:.3},{},{},{},{},{},{}\n",
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
                g.size_cpu_vcpu
                    .map_or(String::new(), |v| crate::report::format::clean_number(
                        &v.to_string()
                    )),
                g.size_memory_mib.map_or(String::new(), |m| m.to_string()),
            ));
        }
    }
    any.then_some(out)
}
