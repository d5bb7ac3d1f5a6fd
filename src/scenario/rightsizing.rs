//! The `rightsizing` key of a Fargate or EC2 platform: checked into a
//! [`RightSizing`], its unset values from `[rightsizing]` in
//! data/defaults.toml.

use super::check::{Invalid, invalid};
use super::defaults::RightSizingDefaults;
use super::raw::{RawRightSizing, RawRightSizingTable};
use crate::platform::rightsize::{AfterOom, Policy, RightSizing, Stat};
use crate::units::{parse_memory_mib, vcpu_to_milli};
use std::collections::BTreeMap;

const FORMS: &str = "\"requested\", \"usage\", { policy = \"usage\", cpu = \"p90\", memory = \"p90\", headroom = 0.15 } or { policy = \"fixed\", groups = { web = { cpu = 0.5, memory = \"1GiB\" } } }";

/// `"avg"`, `"max"` or a group percentile `"p1"` to `"p100"`.
pub fn stat(text: &str, key: &str) -> Result<Stat, Invalid> {
    match text {
        "avg" => Ok(Stat::Avg),
        "max" => Ok(Stat::Max),
        other => match crate::platform::rightsize::parse_percentile(other) {
            Some(p) => Ok(Stat::Pct(p)),
            None => Err(invalid(
                key,
                format!(
                    "`{other}`: need \"avg\" (each task's average use), \"max\" (each task's peak) or a percentile of the task's group from \"p1\" to \"p100\", such as \"p90\" (the Vertical Pod Autoscaler's)"
                ),
            )),
        },
    }
}

fn after_oom(text: &str, key: &str) -> Result<AfterOom, Invalid> {
    match text {
        "original" => Ok(AfterOom::Original),
        "next" => Ok(AfterOom::Next),
        other => Err(invalid(
            key,
            format!(
                "`{other}`: need \"original\" (retry at the size the task asked for) or \"next\" (the next larger size)"
            ),
        )),
    }
}

/// A platform's `rightsizing`, or the default (`requested`) when unset.
pub fn rightsizing(
    raw: Option<&RawRightSizing>,
    key: &str,
    d: &RightSizingDefaults,
) -> Result<RightSizing, Invalid> {
    let key = format!("{key}.rightsizing");
    let base = RightSizing {
        policy: Policy::Requested,
        after_oom: after_oom(&d.after_oom, "data/defaults.toml rightsizing.after_oom")?,
        oom_at: d.oom_at,
        bump_ratio: d.oom_bump_ratio,
        bump_min_mib: d.oom_bump_min_mib,
        min_cpu_milli: d.min_cpu_milli,
        min_memory_mib: d.min_memory_mib,
        group_levels: None,
    };
    let usage = |t: Option<&RawRightSizingTable>| -> Result<Policy, Invalid> {
        let cpu = t.and_then(|t| t.cpu.as_deref()).unwrap_or(&d.cpu);
        let memory = t.and_then(|t| t.memory.as_deref()).unwrap_or(&d.memory);
        let headroom = t.and_then(|t| t.headroom).unwrap_or(d.headroom);
        if !(headroom.is_finite() && (-0.9..=10.0).contains(&headroom)) {
            return Err(invalid(
                format!("{key}.headroom"),
                format!(
                    "{headroom}: need a fraction added to the usage from -0.9 to 10, such as 0.2 (20 % above)"
                ),
            ));
        }
        Ok(Policy::Usage {
            cpu: stat(cpu, &format!("{key}.cpu"))?,
            memory: stat(memory, &format!("{key}.memory"))?,
            headroom,
        })
    };
    let t = match raw {
        None => return Ok(base),
        Some(RawRightSizing::Name(n)) => {
            return match n.as_str() {
                "requested" => Ok(base),
                "usage" => Ok(RightSizing {
                    policy: usage(None)?,
                    ..base
                }),
                "fixed" => Err(invalid(
                    &key,
                    "\"fixed\" needs its sizes: { policy = \"fixed\", groups = { web = { cpu = 0.5, memory = \"1GiB\" } } }",
                )),
                other => Err(invalid(&key, format!("`{other}`: need {FORMS}"))),
            };
        }
        Some(RawRightSizing::Table(t)) => t,
    };
    let only = |present: &[(&str, bool)], policy: &str| -> Result<(), Invalid> {
        match present.iter().find(|(_, set)| *set) {
            Some((k, _)) => Err(invalid(
                format!("{key}.{k}"),
                format!("does not apply to policy = \"{policy}\"; remove it"),
            )),
            None => Ok(()),
        }
    };
    let policy = match t.policy.as_str() {
        "requested" => {
            only(
                &[
                    ("cpu", t.cpu.is_some()),
                    ("memory", t.memory.is_some()),
                    ("headroom", t.headroom.is_some()),
                    ("groups", t.groups.is_some()),
                    ("after_oom", t.after_oom.is_some()),
                    ("oom_at", t.oom_at.is_some()),
                    ("min_cpu", t.min_cpu.is_some()),
                    ("min_memory", t.min_memory.is_some()),
                ],
                "requested",
            )?;
            Policy::Requested
        }
        "usage" => {
            only(&[("groups", t.groups.is_some())], "usage")?;
            usage(Some(t))?
        }
        "fixed" => {
            only(
                &[
                    ("cpu", t.cpu.is_some()),
                    ("memory", t.memory.is_some()),
                    ("headroom", t.headroom.is_some()),
                    ("min_cpu", t.min_cpu.is_some()),
                    ("min_memory", t.min_memory.is_some()),
                ],
                "fixed",
            )?;
            let Some(groups) = t.groups.as_ref().filter(|g| !g.is_empty()) else {
                return Err(invalid(
                    format!("{key}.groups"),
                    "policy = \"fixed\" needs sizes per group, such as groups = { web = { cpu = 0.5, memory = \"1GiB\" } }",
                ));
            };
            let mut sizes = BTreeMap::new();
            for (name, s) in groups {
                let k = format!("{key}.groups.{name}");
                let cpu = vcpu_to_milli(s.cpu).ok_or_else(|| {
                    invalid(
                        format!("{k}.cpu"),
                        format!("{}: need a vCPU count above 0, such as 0.5", s.cpu),
                    )
                })?;
                let memory =
                    parse_memory_mib(&s.memory).map_err(|m| invalid(format!("{k}.memory"), m))?;
                sizes.insert(name.clone(), (cpu, memory));
            }
            Policy::Fixed(sizes)
        }
        other => {
            return Err(invalid(
                format!("{key}.policy"),
                format!("`{other}`: need \"requested\", \"usage\" or \"fixed\""),
            ));
        }
    };
    let after = match &t.after_oom {
        Some(a) => after_oom(a, &format!("{key}.after_oom"))?,
        None => base.after_oom,
    };
    let oom_at = t.oom_at.unwrap_or(base.oom_at);
    if !(oom_at.is_finite() && (0.0..=1.0).contains(&oom_at)) {
        return Err(invalid(
            format!("{key}.oom_at"),
            format!(
                "{oom_at}: need the share of its run a task has done when it is killed, from 0 to 1, such as 0.5"
            ),
        ));
    }
    let mut min_cpu_milli = base.min_cpu_milli;
    if let Some(c) = t.min_cpu {
        min_cpu_milli = vcpu_to_milli(c).ok_or_else(|| {
            invalid(
                format!("{key}.min_cpu"),
                format!("{c}: need a vCPU count above 0, such as 0.025 (25m, the Vertical Pod Autoscaler's)"),
            )
        })?;
    }
    let mut min_memory_mib = base.min_memory_mib;
    if let Some(m) = &t.min_memory {
        min_memory_mib = parse_memory_mib(m).map_err(|e| {
            invalid(
                format!("{key}.min_memory"),
                format!("{e}; need a size such as \"250MiB\" (the Vertical Pod Autoscaler's)"),
            )
        })?;
    }
    let sized = RightSizing {
        policy,
        after_oom: after,
        oom_at,
        min_cpu_milli,
        min_memory_mib,
        ..base
    };
    // A minimum applies to a group's size only: refused where no resource
    // is sized per group, rather than silently unused.
    if !sized.per_group() {
        for (k, set) in [
            ("min_cpu", t.min_cpu.is_some()),
            ("min_memory", t.min_memory.is_some()),
        ] {
            if set {
                return Err(invalid(
                    format!("{key}.{k}"),
                    "applies only to a group percentile (cpu or memory = \"p90\", say); remove it or size by percentile",
                ));
            }
        }
    }
    Ok(sized)
}
