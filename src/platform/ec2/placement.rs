//! Task placement on a cluster of instances, as ECS names the strategies:
//! `binpack` (on cpu or memory: the instance with the least of it left that
//! still fits), `spread` (the instance running the fewest tasks), `random`,
//! and `first_fit` (the earliest-launched instance that fits). Strategies
//! chain: the first picks, the next break its ties.
//!
//! Placement never scans every instance for every task: free capacity is kept
//! in ordered indexes, so a binpack placement is a range query, and a spread
//! placement walks the least-loaded instances first. Only the indexes the
//! strategies need are kept.

use rand::RngExt;
use rand_pcg::Pcg64Mcg;
use std::collections::{BTreeMap, BTreeSet};

/// A resource a `binpack` strategy packs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Cpu,
    Memory,
}

/// One placement strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Binpack(Resource),
    Spread,
    Random,
    FirstFit,
}

impl Strategy {
    /// Parses `binpack`, `binpack:cpu`, `binpack:memory`, `spread`, `random`, `first_fit`.
    pub fn parse(text: &str) -> Result<Strategy, String> {
        Ok(match text.trim() {
            "binpack" | "binpack:memory" => Strategy::Binpack(Resource::Memory),
            "binpack:cpu" => Strategy::Binpack(Resource::Cpu),
            "spread" => Strategy::Spread,
            "random" => Strategy::Random,
            "first_fit" => Strategy::FirstFit,
            other => {
                return Err(format!(
                    "unknown placement strategy `{other}`; use binpack (binpack:memory), binpack:cpu, spread, random or first_fit"
                ));
            }
        })
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Strategy::Binpack(Resource::Memory) => "binpack:memory",
            Strategy::Binpack(Resource::Cpu) => "binpack:cpu",
            Strategy::Spread => "spread",
            Strategy::Random => "random",
            Strategy::FirstFit => "first_fit",
        })
    }
}

/// Free capacity of one instance that can take tasks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slot {
    pub free_cpu: u32,
    pub free_mem: u32,
    pub tasks: u32,
    /// Whether the instance takes tasks (ready, not draining).
    pub open: bool,
}

/// The placement view of a cluster: instances by id, and indexes over the
/// open ones.
pub struct Placer {
    strategies: Vec<Strategy>,
    slots: Vec<Slot>,
    /// Open instances bucketed by free CPU, each bucket ordered by
    /// (free memory, id). Distinct free-CPU values are few (sizes are
    /// multiples of a quarter vCPU), so "the instance with the least memory
    /// (or CPU) left that fits" is one range query per bucket, never a scan
    /// past instances that lack the other resource.
    /// Bucket entries are `pack(free memory, id)`: one u64 compares faster
    /// than a tuple.
    grid: BTreeMap<u32, BTreeSet<u64>>,
    /// (tasks, tie-break key, id), kept only for spread; the tie-break key is
    /// the second strategy's (free memory or CPU for binpack, else 0).
    by_tasks: Option<BTreeSet<(u32, u32, u32)>>,
    /// Open ids, kept only for first_fit and random.
    open_ids: Option<BTreeSet<u32>>,
    rng: Pcg64Mcg,
}

/// A grid entry: free memory in the high half, the id in the low half, so
/// entries order by (free memory, id).
#[inline]
fn pack(free_mem: u32, id: u32) -> u64 {
    ((free_mem as u64) << 32) | id as u64
}

#[inline]
fn unpack(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

impl Placer {
    /// A placer for the chain `strategies` (non-empty), with `rng` for `random`.
    pub fn new(strategies: Vec<Strategy>, rng: Pcg64Mcg) -> Placer {
        let uses = |s: Strategy| strategies.contains(&s);
        Placer {
            by_tasks: uses(Strategy::Spread).then(BTreeSet::new),
            open_ids: (uses(Strategy::FirstFit) || uses(Strategy::Random)).then(BTreeSet::new),
            strategies,
            slots: Vec::new(),
            grid: BTreeMap::new(),
            rng,
        }
    }

    /// The state of instance `id`.
    pub fn slot(&self, id: u32) -> Slot {
        self.slots[id as usize]
    }

    /// The tie-break key that orders spread's candidates within a task count.
    fn spread_tiebreak(&self, s: Slot) -> u32 {
        match self.strategies.get(1) {
            Some(Strategy::Binpack(Resource::Memory)) => s.free_mem,
            Some(Strategy::Binpack(Resource::Cpu)) => s.free_cpu,
            _ => 0,
        }
    }

    fn index(&mut self, id: u32) {
        let s = self.slots[id as usize];
        if !s.open {
            return;
        }
        self.grid
            .entry(s.free_cpu)
            .or_default()
            .insert(pack(s.free_mem, id));
        let tie = self.spread_tiebreak(s);
        if let Some(i) = &mut self.by_tasks {
            i.insert((s.tasks, tie, id));
        }
        if let Some(i) = &mut self.open_ids {
            i.insert(id);
        }
    }

    fn unindex(&mut self, id: u32) {
        let s = self.slots[id as usize];
        if !s.open {
            return;
        }
        if let Some(bucket) = self.grid.get_mut(&s.free_cpu) {
            bucket.remove(&pack(s.free_mem, id));
            if bucket.is_empty() {
                self.grid.remove(&s.free_cpu);
            }
        }
        let tie = self.spread_tiebreak(s);
        if let Some(i) = &mut self.by_tasks {
            i.remove(&(s.tasks, tie, id));
        }
        if let Some(i) = &mut self.open_ids {
            i.remove(&id);
        }
    }

    /// Opens instance `id` (ids are given in launch order) with this capacity.
    pub fn open(&mut self, id: u32, cpu: u32, mem: u32) {
        if self.slots.len() <= id as usize {
            self.slots.resize(id as usize + 1, Slot::default());
        }
        self.slots[id as usize] = Slot {
            free_cpu: cpu,
            free_mem: mem,
            tasks: 0,
            open: true,
        };
        self.index(id);
    }

    /// Stops placing on instance `id` (draining or terminated).
    pub fn close(&mut self, id: u32) {
        self.unindex(id);
        self.slots[id as usize].open = false;
    }

    /// Gives back a task's resources on instance `id`.
    pub fn release(&mut self, id: u32, cpu: u32, mem: u32) {
        self.unindex(id);
        let s = &mut self.slots[id as usize];
        s.free_cpu += cpu;
        s.free_mem += mem;
        s.tasks -= 1;
        self.index(id);
    }

    fn take(&mut self, id: u32, cpu: u32, mem: u32) {
        self.unindex(id);
        let s = &mut self.slots[id as usize];
        // The invariant every strategy must keep: capacity is never exceeded.
        assert!(
            s.open && s.free_cpu >= cpu && s.free_mem >= mem,
            "placement chose an instance without room"
        );
        s.free_cpu -= cpu;
        s.free_mem -= mem;
        s.tasks += 1;
        self.index(id);
    }

    /// Fitting instances, one per free-CPU bucket: (free mem, free cpu, id)
    /// of the one with the least memory left in each bucket.
    fn best_per_bucket(&self, cpu: u32, mem: u32) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
        self.grid
            .range(cpu..)
            .filter_map(move |(&free_cpu, bucket)| {
                bucket.range(pack(mem, 0)..).next().map(|&k| {
                    let (free_mem, id) = unpack(k);
                    (free_mem, free_cpu, id)
                })
            })
    }

    /// Whether a task of this size fits on some open instance.
    pub fn fits_anywhere(&self, cpu: u32, mem: u32) -> bool {
        self.best_per_bucket(cpu, mem).next().is_some()
    }

    fn fits(&self, id: u32, cpu: u32, mem: u32) -> bool {
        let s = self.slots[id as usize];
        s.open && s.free_cpu >= cpu && s.free_mem >= mem
    }

    /// The ordering key of instance `id` under strategy `s` (lower is preferred).
    fn key(&self, s: Strategy, id: u32) -> u64 {
        let slot = self.slots[id as usize];
        match s {
            Strategy::Binpack(Resource::Memory) => slot.free_mem as u64,
            Strategy::Binpack(Resource::Cpu) => slot.free_cpu as u64,
            Strategy::Spread => slot.tasks as u64,
            Strategy::FirstFit | Strategy::Random => id as u64,
        }
    }

    /// Chooses an instance for a task and reserves its resources there.
    /// Returns `None` when it fits nowhere.
    pub fn place(&mut self, cpu: u32, mem: u32) -> Option<u32> {
        let primary = self.strategies[0];
        // Candidates that fit and tie on the primary strategy's key.
        let mut ties: Vec<u32> = Vec::new();
        match primary {
            Strategy::Binpack(Resource::Memory) => {
                // Least memory left, then least CPU left, then lowest id.
                let (best, _, id) = self.best_per_bucket(cpu, mem).min()?;
                if self.strategies.len() == 1 {
                    ties.push(id);
                } else {
                    for bucket in self.grid.range(cpu..).map(|(_, b)| b) {
                        ties.extend(
                            bucket
                                .range(pack(best, 0)..=pack(best, u32::MAX))
                                .map(|&k| unpack(k).1),
                        );
                    }
                }
            }
            Strategy::Binpack(Resource::Cpu) => {
                // The first bucket (least CPU left) with room for the memory.
                let (_, bucket) = self
                    .grid
                    .range(cpu..)
                    .find(|(_, b)| b.range(pack(mem, 0)..).next().is_some())?;
                ties.extend(bucket.range(pack(mem, 0)..).map(|&k| unpack(k).1).take(
                    if self.strategies.len() == 1 {
                        1
                    } else {
                        usize::MAX
                    },
                ));
            }
            Strategy::Spread => {
                if !self.fits_anywhere(cpu, mem) {
                    return None;
                }
                let index = self.by_tasks.as_ref().expect("kept for spread");
                let low = match self.strategies.get(1) {
                    Some(Strategy::Binpack(Resource::Memory)) => mem,
                    Some(Strategy::Binpack(Resource::Cpu)) => cpu,
                    _ => 0,
                };
                // Walk task counts upwards; within one, start at the least
                // tie-break key that can fit.
                let mut k = index.first().map(|e| e.0)?;
                loop {
                    let found = index
                        .range((k, low, 0)..(k + 1, 0, 0))
                        .find(|&&(_, _, id)| self.fits(id, cpu, mem));
                    if let Some(&(_, _, id)) = found {
                        ties.push(id);
                        break;
                    }
                    k = index.range((k + 1, 0, 0)..).next()?.0;
                }
            }
            Strategy::FirstFit => {
                if !self.fits_anywhere(cpu, mem) {
                    return None;
                }
                let index = self.open_ids.as_ref().expect("kept for first_fit");
                if let Some(&id) = index.iter().find(|&&id| self.fits(id, cpu, mem)) {
                    ties.push(id);
                }
            }
            Strategy::Random => {
                if !self.fits_anywhere(cpu, mem) {
                    return None;
                }
                let index = self.open_ids.as_ref().expect("kept for random");
                let n = index.len();
                // Rejection sampling: cheap while a fair share of instances fit.
                for _ in 0..64 {
                    let nth = self.rng.random_range(0..n);
                    let id = *index.iter().nth(nth).expect("in range");
                    if self.fits(id, cpu, mem) {
                        ties.push(id);
                        break;
                    }
                }
                if ties.is_empty() {
                    let fitting: Vec<u32> = index
                        .iter()
                        .copied()
                        .filter(|&id| self.fits(id, cpu, mem))
                        .collect();
                    ties.push(fitting[self.rng.random_range(0..fitting.len())]);
                }
            }
        }
        ties.retain(|&id| self.fits(id, cpu, mem));
        let chosen = if ties.len() <= 1 {
            *ties.first()?
        } else {
            let rest = &self.strategies[1..];
            *ties
                .iter()
                .min_by_key(|&&id| {
                    (
                        rest.iter().map(|s| self.key(*s, id)).collect::<Vec<u64>>(),
                        id,
                    )
                })
                .expect("non-empty")
        };
        self.take(chosen, cpu, mem);
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn placer(s: &[Strategy]) -> Placer {
        let mut p = Placer::new(s.to_vec(), Pcg64Mcg::seed_from_u64(1));
        p.open(0, 2000, 8000);
        p.open(1, 2000, 8000);
        p
    }

    #[test]
    fn binpack_fills_one_instance_before_the_next() {
        let mut p = placer(&[Strategy::Binpack(Resource::Memory)]);
        assert_eq!(p.place(500, 2000), Some(0));
        assert_eq!(p.place(500, 2000), Some(0));
        assert_eq!(p.place(500, 5000), Some(1)); // does not fit on 0 (4000 left)
        assert_eq!(p.place(500, 3000), Some(1)); // 1 has 3000 left, 0 has 4000: least left wins
        assert_eq!(p.place(1000, 4000), Some(0));
        assert_eq!(p.place(1, 1), None);
    }

    #[test]
    fn spread_alternates_and_respects_capacity() {
        let mut p = placer(&[Strategy::Spread]);
        let ids: Vec<u32> = (0..4).map(|_| p.place(500, 1000).unwrap()).collect();
        assert_eq!(ids, vec![0, 1, 0, 1]);
        assert_eq!(p.place(1500, 1000), None);
        p.release(0, 500, 1000);
        assert_eq!(p.place(1000, 1000), Some(0));
    }

    #[test]
    fn spread_then_binpack_breaks_ties_by_memory_left() {
        let mut p = placer(&[Strategy::Spread, Strategy::Binpack(Resource::Memory)]);
        assert_eq!(p.place(100, 3000), Some(0));
        assert_eq!(p.place(100, 1000), Some(1));
        // Both run one task; 0 has 5000 MiB left, 1 has 7000: binpack picks 0.
        assert_eq!(p.place(100, 100), Some(0));
    }

    #[test]
    fn first_fit_and_random_only_pick_fitting_open_instances() {
        let mut p = placer(&[Strategy::FirstFit]);
        assert_eq!(p.place(2000, 100), Some(0));
        assert_eq!(p.place(100, 100), Some(1));
        let mut r = placer(&[Strategy::Random]);
        r.close(0);
        for _ in 0..4 {
            assert_eq!(r.place(100, 100), Some(1));
        }
    }
}
