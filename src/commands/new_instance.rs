//! The EC2 cluster's instance type in a `fargate-sim new --trace` starter:
//! the smallest general-purpose (m5) type, from m5.xlarge up, that holds
//! every task read from the trace after the OS reservation; when none does,
//! the one that holds the most, with a comment saying how many tasks it
//! leaves out and why. A starter whose cluster fits none of the large tasks
//! leaves the cluster "not compared" for no reason the user chose.

use crate::platform::spec::PlatformSpec;
use crate::pricing::catalog::Catalog;
use crate::scenario::spec::Scenario;
use crate::scenario::starter::StarterInstance;

/// The family the starter's cluster is drawn from.
const FAMILY: &str = "m5.";
/// The starter's type when the trace's tasks all fit it (and the smallest
/// considered): a written starter without a trace uses it too.
pub const DEFAULT_TYPE: &str = "m5.xlarge";

/// How many of the trace's tasks each candidate type holds.
#[derive(Debug)]
pub struct InstanceTally {
    /// Candidate types, smallest first, with the vCPU (milli) and memory
    /// (MiB) a task may use on them after the OS reservation.
    candidates: Vec<(String, u32, u32)>,
    /// Tasks each candidate holds.
    fit: Vec<u64>,
    tasks: u64,
    largest_cpu_milli: u32,
    largest_memory_mib: u32,
    /// Fargate's largest size (vCPU milli, memory MiB), for the comment.
    fargate_largest: Option<(u32, u32)>,
}

impl InstanceTally {
    /// The candidates for the first EC2 platform of `scenario` (the
    /// starter's cluster), priced in its region; none without one.
    pub fn new(scenario: &Scenario, catalog: &Catalog) -> InstanceTally {
        let mut candidates = Vec::new();
        if let Some(ec2) = scenario.platforms.iter().find_map(|p| match p {
            PlatformSpec::Ec2(e) => Some(e),
            _ => None,
        }) {
            let smallest = catalog.instance_type(DEFAULT_TYPE).ok();
            let mut types: Vec<_> = catalog
                .ec2
                .instance_types
                .iter()
                .filter(|t| t.name.starts_with(FAMILY) && t.on_demand.contains_key(&ec2.region))
                .filter(|t| {
                    smallest
                        .is_none_or(|s| t.cpu_milli >= s.cpu_milli && t.memory_mib >= s.memory_mib)
                })
                .collect();
            types.sort_by_key(|t| (t.cpu_milli, t.memory_mib));
            for t in types {
                let (c, m) = ec2.schedulable(t);
                candidates.push((t.name.clone(), c, m));
            }
        }
        InstanceTally {
            fit: vec![0; candidates.len()],
            candidates,
            tasks: 0,
            largest_cpu_milli: 0,
            largest_memory_mib: 0,
            fargate_largest: catalog
                .fargate
                .size_grid
                .last()
                .and_then(|r| Some((r.cpu_milli, *r.memory_mib.last()?))),
        }
    }

    /// Counts one task of the trace.
    pub fn add(&mut self, cpu_milli: u32, memory_mib: u32) {
        self.tasks += 1;
        self.largest_cpu_milli = self.largest_cpu_milli.max(cpu_milli);
        self.largest_memory_mib = self.largest_memory_mib.max(memory_mib);
        for (n, (_, c, m)) in self.fit.iter_mut().zip(&self.candidates) {
            if cpu_milli <= *c && memory_mib <= *m {
                *n += 1;
            }
        }
    }

    /// The type to write and why; None when there is nothing to choose
    /// from (no EC2 platform, no priced candidate, no task), leaving the
    /// default. `whole`: whether every task of the trace was counted.
    pub fn choose(&self, whole: bool) -> Option<StarterInstance> {
        if self.candidates.is_empty() || self.tasks == 0 {
            return None;
        }
        let largest = format!(
            "{} and {}",
            vcpu(self.largest_cpu_milli),
            gib(self.largest_memory_mib)
        );
        let read = if whole {
            format!("the trace's {} tasks", self.tasks)
        } else {
            format!("the first {} tasks read", self.tasks)
        };
        if let Some(i) = self.fit.iter().position(|&n| n == self.tasks) {
            let name = self.candidates[i].0.clone();
            let comment = if i == 0 {
                Vec::new()
            } else {
                vec![format!(
                    "The largest of {read} asks for {largest}: {name} is the smallest {FAMILY}* type that holds it (after the OS reservation)."
                )]
            };
            return Some(StarterInstance { name, comment });
        }
        // None holds them all: the one that holds the most (the smallest of
        // equals).
        let most = self.fit.iter().copied().max().unwrap_or(0);
        let i = self.fit.iter().position(|&n| n == most).unwrap_or(0);
        let (name, c, m) = &self.candidates[i];
        let fargate = match self.fargate_largest {
            Some((c, m)) => format!(" (nor on Fargate above {} / {})", vcpu(c), gib(m)),
            None => String::new(),
        };
        Some(StarterInstance {
            name: name.clone(),
            comment: vec![
                format!(
                    "No {FAMILY}* type in the catalog holds the largest of {read} ({largest}): {name} offers tasks {} and {} after the OS reservation and holds {most} of them; the other {} cannot run on this cluster{fargate}, which the report counts as not run.",
                    vcpu(*c),
                    gib(*m),
                    self.tasks - most
                ),
                "For larger types, `fargate-sim prices import` adds them from an AWS price list file; run with `--pricing FILE`.".to_string(),
            ],
        })
    }
}

/// "128 vCPU", "0.25 vCPU".
fn vcpu(milli: u32) -> String {
    let text = format!("{:.3}", milli as f64 / 1000.0);
    format!("{} vCPU", text.trim_end_matches('0').trim_end_matches('.'))
}

/// "256 GiB", "62.8 GiB".
fn gib(mib: u32) -> String {
    let text = format!("{:.1}", mib as f64 / 1024.0);
    format!("{} GiB", text.trim_end_matches(".0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_without_trailing_zeros() {
        assert_eq!(vcpu(128_000), "128 vCPU");
        assert_eq!(vcpu(250), "0.25 vCPU");
        assert_eq!(gib(262_144), "256 GiB");
        // m5.4xlarge less ECS's 1.9 % (1246 MiB, rounded up): 64290 MiB.
        assert_eq!(gib(65_536 - 1246), "62.8 GiB");
    }
}
