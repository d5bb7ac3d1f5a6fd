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
use std::collections::BTreeMap;

/// Which of a task's usage figures a policy sizes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    Avg,
    Max,
}

impl Stat {
    pub fn as_str(self) -> &'static str {
        match self {
            Stat::Avg => "avg",
            Stat::Max => "max",
        }
    }
}

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
    /// From the task's own usage: the chosen figure plus `headroom` (0.2:
    /// 20 % above), for CPU and for memory.
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
}

impl Default for RightSizing {
    fn default() -> RightSizing {
        RightSizing {
            policy: Policy::Requested,
            after_oom: AfterOom::Original,
            oom_at: 0.5,
            bump_ratio: 1.2,
            bump_min_mib: 100,
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
                let grow = |v: u32| ((v as f64 * (1.0 + headroom)).ceil() as u32).max(1);
                // A peak that was not measured (averages only) cannot size
                // at `max`: that resource keeps its request.
                let pick = |s: Stat, avg: u32, max: u32, request: u32| match s {
                    Stat::Avg => grow(avg),
                    Stat::Max if u.peak_known => grow(max),
                    Stat::Max => request,
                };
                Some((
                    pick(*cpu, u.cpu_avg_milli, u.cpu_max_milli, task.cpu_milli),
                    pick(*memory, u.memory_avg_mib, u.memory_max_mib, task.memory_mib),
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
