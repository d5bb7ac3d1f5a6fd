//! Right-sizing: the size a platform gives a task instead of the one it
//! asked for, chosen from what the task used (`workload/usage.rs`), and what
//! the new size does to the task: memory peaks above it are an out-of-memory
//! kill, and an average CPU above it stretches the run.
//!
//! The policy (a scenario's `rightsizing` key) is the same for Fargate and
//! EC2; each model maps the chosen request onto what it runs (Fargate rounds
//! it up to its size grid, a cluster packs it as is) and asks
//! [`RightSizing::attempt`] what happens to the task at that allocation.

use crate::time::SimTime;
use crate::workload::Task;
use crate::workload::group_usage::{Counts, GroupUsage};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which usage figure a policy sizes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// The task's own average.
    Avg,
    /// The task's own peak.
    Max,
    /// One size for the task's whole group: the group's percentile (1 to
    /// 100, nearest rank) of its tasks' average CPU, or of their memory
    /// peaks, as a recommender sizes a service or a workload.
    Pct(u8),
}

impl Stat {
    /// Whether the figure is the group's rather than the task's own.
    pub fn is_group(self) -> bool {
        matches!(self, Stat::Pct(_))
    }
}

impl std::fmt::Display for Stat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stat::Avg => f.write_str("avg"),
            Stat::Max => f.write_str("max"),
            Stat::Pct(p) => write!(f, "p{p}"),
        }
    }
}

/// The percentile of `"p1"` to `"p100"` (None for anything else: `"p0"`,
/// `"p101"`, `"p09"`, `"p9x"`).
pub fn parse_percentile(text: &str) -> Option<u8> {
    let n = text.strip_prefix('p')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
        return None;
    }
    n.parse::<u8>().ok().filter(|p| (1..=100).contains(p))
}

/// A request raised by `headroom` (0.15: 15 % more), rounded up, at least 1.
pub fn grow(value: u32, headroom: f64) -> u32 {
    ((value as f64 * (1.0 + headroom)).ceil() as u32).max(1)
}

/// A group's request under a percentile form: None for a resource the
/// policy sizes per task, or that no task of the group measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupLevel {
    pub cpu_milli: Option<u32>,
    pub memory_mib: Option<u32>,
}

/// Every group's request, by group (`None`: tasks without a group).
pub type GroupLevels = BTreeMap<Option<Arc<str>>, GroupLevel>;

/// Where a task killed for memory is launched again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterOom {
    /// At the size it asked for in the workload (where it ran in the trace).
    Original,
    /// At the next larger size: Fargate's next memory step on the grid, a
    /// cluster's request with its memory raised as VPA raises it after a
    /// kill; killed again while its peak does not fit, never above the
    /// original request.
    Next,
}

impl AfterOom {
    pub fn as_str(self) -> &'static str {
        match self {
            AfterOom::Original => "original",
            AfterOom::Next => "next",
        }
    }
}

/// How a platform sizes each task.
#[derive(Clone, Debug, PartialEq)]
pub enum Policy {
    /// As the workload asks (no usage read).
    Requested,
    /// From usage: the chosen figure (the task's own, or its group's
    /// percentile) plus `headroom` (0.2: 20 % above), for CPU and memory.
    Usage {
        cpu: Stat,
        memory: Stat,
        headroom: f64,
    },
    /// Fixed sizes per group (milli-vCPU, MiB); other groups as requested.
    Fixed(BTreeMap<String, (u32, u32)>),
}

/// A validated `rightsizing` key.
#[derive(Clone, Debug, PartialEq)]
pub struct RightSizing {
    pub policy: Policy,
    pub after_oom: AfterOom,
    /// Share of its run a task has done when its memory peak is reached and
    /// it is killed (the peak's place in the run is not in any trace).
    pub oom_at: f64,
    /// A cluster's `next` request after a kill: memory × `bump_ratio`, and
    /// at least `bump_min_mib` more (VPA's OOM bump).
    pub bump_ratio: f64,
    pub bump_min_mib: u32,
    /// The least a percentile form gives a group (VPA's pod minimum),
    /// milli-vCPU and MiB.
    pub min_cpu_milli: u32,
    pub min_memory_mib: u32,
    /// Each group's request under a percentile form, from a pass over the
    /// workload before the run ([`RightSizing::with_groups`]).
    pub group_levels: Option<Arc<GroupLevels>>,
}

impl Default for RightSizing {
    fn default() -> RightSizing {
        RightSizing {
            policy: Policy::Requested,
            after_oom: AfterOom::Original,
            oom_at: 0.5,
            bump_ratio: 1.2,
            bump_min_mib: 100,
            min_cpu_milli: 0,
            min_memory_mib: 0,
            group_levels: None,
        }
    }
}

/// What one attempt at an allocation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// How long the container runs until it stops or is killed.
    pub run: SimTime,
    /// Killed for memory after `run` (else it completes).
    pub oom: bool,
    /// Run time added by CPU throttling (0 when not slowed).
    pub extra: SimTime,
}

impl RightSizing {
    /// The memory of a cluster's next attempt after a kill at `memory_mib`.
    pub fn bumped(&self, memory_mib: u32) -> u32 {
        let by_ratio = (memory_mib as f64 * self.bump_ratio)
            .ceil()
            .min(u32::MAX as f64) as u32;
        by_ratio.max(memory_mib.saturating_add(self.bump_min_mib))
    }

    /// Whether tasks run as requested (the platform reads no usage).
    pub fn is_requested(&self) -> bool {
        self.policy == Policy::Requested
    }

    /// Whether the policy sizes a resource per group (a percentile form),
    /// so it needs the groups' usage before the run.
    pub fn per_group(&self) -> bool {
        matches!(&self.policy, Policy::Usage { cpu, memory, .. } if cpu.is_group() || memory.is_group())
    }

    /// The percentiles a percentile form names (CPU's, then memory's).
    pub fn percentiles(&self) -> Vec<u8> {
        let Policy::Usage { cpu, memory, .. } = &self.policy else {
            return Vec::new();
        };
        [cpu, memory]
            .into_iter()
            .filter_map(|s| match s {
                Stat::Pct(p) => Some(*p),
                _ => None,
            })
            .collect()
    }

    /// The policy with each group's request under its percentile form: the
    /// percentile of the group's average CPU, and of its memory peaks,
    /// times 1 + `headroom`, rounded up, at least the minimum. A policy
    /// without a percentile form is returned as it is.
    pub fn with_groups(&self, usage: &GroupUsage) -> RightSizing {
        let Policy::Usage {
            cpu,
            memory,
            headroom,
        } = &self.policy
        else {
            return self.clone();
        };
        if !self.per_group() {
            return self.clone();
        }
        let level = |s: Stat, counts: &Counts, min: u32| match s {
            Stat::Pct(p) if !counts.is_empty() => {
                Some(grow(counts.percentile(p), *headroom).max(min))
            }
            _ => None,
        };
        let levels = usage
            .groups
            .iter()
            .map(|(g, c)| {
                let l = GroupLevel {
                    cpu_milli: level(*cpu, &c.cpu_avg, self.min_cpu_milli),
                    memory_mib: level(*memory, &c.memory_max, self.min_memory_mib),
                };
                (g.clone(), l)
            })
            .collect();
        RightSizing {
            group_levels: Some(Arc::new(levels)),
            ..self.clone()
        }
    }

    /// The request the policy gives `task` (milli-vCPU, MiB), or None to
    /// keep the task's own: no usage known, or its group not listed.
    pub fn target(&self, task: &Task) -> Option<(u32, u32)> {
        match &self.policy {
            Policy::Requested => None,
            Policy::Usage {
                cpu,
                memory,
                headroom,
            } => {
                let u = task.usage.as_deref()?;
                let grow = |v: u32| grow(v, *headroom);
                let level = self
                    .group_levels
                    .as_ref()
                    .and_then(|l| l.get(&task.group))
                    .copied()
                    .unwrap_or_default();
                // A peak that was not measured (averages only) cannot size
                // at `max`, nor from its group's peaks: that resource keeps
                // its request.
                let pick = |s: Stat, avg: u32, max: u32, request: u32, group: Option<u32>| match s {
                    Stat::Avg => grow(avg),
                    Stat::Max if u.peak_known => grow(max),
                    Stat::Max => request,
                    Stat::Pct(_) => group.unwrap_or(request),
                };
                let group_memory = level.memory_mib.filter(|_| u.peak_known);
                Some((
                    pick(
                        *cpu,
                        u.cpu_avg_milli,
                        u.cpu_max_milli,
                        task.cpu_milli,
                        level.cpu_milli,
                    ),
                    pick(
                        *memory,
                        u.memory_avg_mib,
                        u.memory_max_mib,
                        task.memory_mib,
                        group_memory,
                    ),
                ))
            }
            Policy::Fixed(groups) => groups.get(task.group.as_deref()?).copied(),
        }
    }

    /// What `task` does on an allocation of `cpu_milli` and `memory_mib`:
    /// with an average CPU above the allocation its run stretches by their
    /// ratio (a hard CPU limit); with a memory peak above it, it is killed
    /// `oom_at` of the way through that run. A task without usage runs as
    /// in the workload.
    pub fn attempt(&self, task: &Task, cpu_milli: u32, memory_mib: u32) -> Attempt {
        let Some(u) = task.usage.as_deref() else {
            return Attempt {
                run: task.duration,
                oom: false,
                extra: 0,
            };
        };
        let mut run = task.duration;
        if u.cpu_avg_milli > cpu_milli && cpu_milli > 0 {
            let stretched = (task.duration as u128 * u.cpu_avg_milli as u128)
                .div_ceil(cpu_milli as u128)
                .min(crate::time::MAX_SPAN as u128) as SimTime;
            run = stretched.max(task.duration);
        }
        let extra = run - task.duration;
        if u.memory_max_mib > memory_mib {
            let killed = (run as f64 * self.oom_at).round() as SimTime;
            return Attempt {
                run: killed,
                oom: true,
                extra: 0,
            };
        }
        Attempt {
            run,
            oom: false,
            extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Usage;

    fn task(cpu: u32, mem: u32, usage: (u32, u32, u32, u32)) -> Task {
        Task {
            id: 0,
            label: None,
            submit: 0,
            duration: 600_000_000,
            cpu_milli: cpu,
            memory_mib: mem,
            storage_gib: 0,
            group: Some("g".into()),
            usage: Some(Box::new(Usage {
                cpu_avg_milli: usage.0,
                cpu_max_milli: usage.1,
                memory_avg_mib: usage.2,
                memory_max_mib: usage.3,
                peak_known: true,
            })),
        }
    }

    #[test]
    fn usage_policy_adds_headroom_to_the_chosen_figure() {
        let r = RightSizing {
            policy: Policy::Usage {
                cpu: Stat::Avg,
                memory: Stat::Max,
                headroom: 0.2,
            },
            ..RightSizing::default()
        };
        // 300 m average → 360 m; 1500 MiB peak → 1800 MiB.
        assert_eq!(
            r.target(&task(1000, 4096, (300, 900, 1000, 1500))),
            Some((360, 1800))
        );
    }

    #[test]
    fn percentile_forms_give_every_task_of_a_group_one_size() {
        // Ten tasks of group g: average CPU 50..500 m, memory peaks
        // 100..1000 MiB. p90 by nearest rank is the 9th value: 450 m and
        // 900 MiB; + 15 % = 517.5 → 518 m and 1035 MiB.
        let mut usage = GroupUsage::default();
        let tasks: Vec<Task> = (1..=10)
            .map(|i| task(1000, 4096, (50 * i, 60 * i, 80 * i, 100 * i)))
            .collect();
        for t in &tasks {
            usage.add(t);
        }
        let r = RightSizing {
            policy: Policy::Usage {
                cpu: Stat::Pct(90),
                memory: Stat::Pct(90),
                headroom: 0.15,
            },
            min_cpu_milli: 25,
            min_memory_mib: 250,
            ..RightSizing::default()
        };
        assert!(r.per_group());
        // Before the groups are known, nothing moves.
        assert_eq!(r.target(&tasks[0]), Some((1000, 4096)));
        let r = r.with_groups(&usage);
        for t in &tasks {
            assert_eq!(r.target(t), Some((518, 1035)));
        }
        // The tenth task's 1000 MiB peak fits 1035; at no headroom (900
        // MiB) it is killed, and the minimum lifts a small group's size.
        let tight = RightSizing {
            policy: Policy::Usage {
                cpu: Stat::Pct(90),
                memory: Stat::Pct(90),
                headroom: 0.0,
            },
            min_cpu_milli: 500,
            min_memory_mib: 250,
            ..RightSizing::default()
        }
        .with_groups(&usage);
        assert_eq!(tight.target(&tasks[9]), Some((500, 900)));
        assert!(tight.attempt(&tasks[9], 500, 900).oom);
        assert!(!tight.attempt(&tasks[8], 500, 900).oom);
        // A per-task resource stays per task beside a group one.
        let mixed = RightSizing {
            policy: Policy::Usage {
                cpu: Stat::Pct(50),
                memory: Stat::Max,
                headroom: 0.0,
            },
            ..RightSizing::default()
        }
        .with_groups(&usage);
        assert_eq!(mixed.target(&tasks[2]), Some((250, 300)));
        assert_eq!(mixed.percentiles(), vec![50]);
    }

    #[test]
    fn averages_only_keep_the_request_at_max_and_size_from_the_average() {
        let mut t = task(1000, 4096, (0, 0, 0, 0));
        t.usage = Some(Box::new(Usage::averages_only(400, 1500)));
        let at = |cpu: Stat, memory: Stat| RightSizing {
            policy: Policy::Usage {
                cpu,
                memory,
                headroom: 0.2,
            },
            ..RightSizing::default()
        };
        // No peak: `max` keeps the 1000 m / 4096 MiB request.
        assert_eq!(at(Stat::Max, Stat::Max).target(&t), Some((1000, 4096)));
        // From the averages: 400 m → 480 m; 1500 MiB → 1800 MiB.
        assert_eq!(at(Stat::Avg, Stat::Avg).target(&t), Some((480, 1800)));
        assert_eq!(at(Stat::Avg, Stat::Max).target(&t), Some((480, 4096)));
        // Judged against the average: 1500 MiB fits 1800, no kill.
        assert!(!at(Stat::Avg, Stat::Avg).attempt(&t, 480, 1800).oom);
    }

    #[test]
    fn cpu_above_the_allocation_stretches_and_memory_above_kills() {
        let r = RightSizing::default();
        let t = task(1000, 4096, (500, 900, 1000, 1500));
        // 500 m of work on 250 m: twice as long, 600 s more.
        assert_eq!(
            r.attempt(&t, 250, 2048),
            Attempt {
                run: 1_200_000_000,
                oom: false,
                extra: 600_000_000
            }
        );
        // A 1500 MiB peak in 1024 MiB (500 m of work on 512 m: not slowed):
        // killed half-way through its 600 s run.
        assert_eq!(
            r.attempt(&t, 512, 1024),
            Attempt {
                run: 300_000_000,
                oom: true,
                extra: 0
            }
        );
        assert_eq!(r.attempt(&t, 1000, 2048).run, 600_000_000);
    }
}
