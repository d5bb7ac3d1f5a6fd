//! Task placement on a cluster of instances, as ECS names the strategies:
//! `binpack` (on cpu or memory: the instance with the least of it left that
//! still fits), `spread` (the instance running the fewest tasks),
//! `spread:zone` (the availability zone running the fewest tasks, as ECS's
//! spread over `attribute:ecs.availability-zone`), `random`, and
//! `first_fit` (the earliest-launched instance that fits). Strategies chain:
//! the first picks, the next break its ties; after `spread:zone` the rest
//! of the chain picks within the chosen zone.
//!
//! An instance also has a task limit (ENIs for `awsvpc` tasks, max pods on
//! an EKS node): a full instance takes no task whatever room it has left.
//!
//! Placement never scans every instance for every task: free capacity is kept
//! in ordered indexes, so a binpack placement is a range query, and a spread
//! placement walks the least-loaded instances first. Only the indexes the
//! strategies need are kept; with `spread:zone` they are kept per zone.

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
    /// Spread over instances (`instanceId`).
    Spread,
    /// Spread over availability zones (`attribute:ecs.availability-zone`).
    SpreadZone,
    Random,
    FirstFit,
}

impl Strategy {
    /// Parses `binpack`, `binpack:cpu`, `binpack:memory`, `spread`
    /// (`spread:instance`), `spread:zone`, `random`, `first_fit`.
    pub fn parse(text: &str) -> Result<Strategy, String> {
        Ok(match text.trim() {
            "binpack" | "binpack:memory" => Strategy::Binpack(Resource::Memory),
            "binpack:cpu" => Strategy::Binpack(Resource::Cpu),
            "spread" | "spread:instance" => Strategy::Spread,
            "spread:zone" => Strategy::SpreadZone,
            "random" => Strategy::Random,
            "first_fit" => Strategy::FirstFit,
            other => {
                return Err(format!(
                    "unknown placement strategy `{other}`; use binpack (binpack:memory), binpack:cpu, spread (spread:instance), spread:zone, random or first_fit"
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
            Strategy::SpreadZone => "spread:zone",
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
    /// The most tasks the instance may run at once (`u32::MAX`: no limit).
    pub max_tasks: u32,
    /// The availability zone (0-based) the instance runs in.
    pub zone: u32,
    /// Whether the instance takes tasks (ready, not draining).
    pub open: bool,
}

impl Slot {
    /// Whether the instance takes tasks and has a task slot left.
    fn takes_tasks(&self) -> bool {
        self.open && self.tasks < self.max_tasks
    }
}

/// The indexes over the open instances that are not full, for one zone
/// (or for the whole cluster when no strategy looks at zones).
#[derive(Default)]
struct Index {
    /// Instances bucketed by free CPU, each bucket ordered by
    /// (free memory, id). Distinct free-CPU values are few (sizes are
    /// multiples of a quarter vCPU), so "the instance with the least memory
    /// (or CPU) left that fits" is one range query per bucket, never a scan
    /// past instances that lack the other resource.
    /// Bucket entries are `pack(free memory, id)`: one u64 compares faster
    /// than a tuple.
    grid: BTreeMap<u32, BTreeSet<u64>>,
    /// (tasks, tie-break key, id), kept only for spread; the tie-break key is
    /// the next strategy's (free memory or CPU for binpack, else 0).
    by_tasks: Option<BTreeSet<(u32, u32, u32)>>,
    /// Open ids, kept only for first_fit and random.
    open_ids: Option<BTreeSet<u32>>,
}

/// The placement view of a cluster: instances by id, and indexes over the
/// open ones.
pub struct Placer {
    /// The chain that picks an instance within one index: the whole chain,
    /// or with `spread:zone` first the rest of it (first fit when nothing
    /// follows).
    chain: Vec<Strategy>,
    /// Whether the indexes are kept per zone (`spread:zone` comes first).
    zoned: bool,
    slots: Vec<Slot>,
    /// One index per zone when zoned, else one.
    indexes: Vec<Index>,
    /// Tasks running on open instances, per zone.
    zone_tasks: Vec<u32>,
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
    /// A placer for the chain `strategies` (non-empty; `spread:zone`, if
    /// present, first), with `rng` for `random`.
    pub fn new(strategies: Vec<Strategy>, rng: Pcg64Mcg) -> Placer {
        assert!(!strategies.is_empty(), "a placement chain has a strategy");
        let zoned = strategies.first() == Some(&Strategy::SpreadZone);
        let chain: Vec<Strategy> = if zoned {
            let rest: Vec<Strategy> = strategies[1..]
                .iter()
                .copied()
                .filter(|s| *s != Strategy::SpreadZone)
                .collect();
            if rest.is_empty() {
                vec![Strategy::FirstFit]
            } else {
                rest
            }
        } else {
            strategies
                .iter()
                .copied()
                .filter(|s| *s != Strategy::SpreadZone)
                .collect()
        };
        Placer {
            chain,
            zoned,
            slots: Vec::new(),
            indexes: Vec::new(),
            zone_tasks: Vec::new(),
            rng,
        }
    }

    fn new_index(&self) -> Index {
        let uses = |s: Strategy| self.chain.contains(&s);
        Index {
            grid: BTreeMap::new(),
            by_tasks: uses(Strategy::Spread).then(BTreeSet::new),
            open_ids: (uses(Strategy::FirstFit) || uses(Strategy::Random)).then(BTreeSet::new),
        }
    }

    /// The state of instance `id`.
    pub fn slot(&self, id: u32) -> Slot {
        self.slots[id as usize]
    }

    /// Tasks running on open instances in each zone.
    pub fn zone_tasks(&self) -> &[u32] {
        &self.zone_tasks
    }

    /// The index instance `s` belongs to.
    #[inline]
    fn index_of(&self, s: Slot) -> usize {
        if self.zoned { s.zone as usize } else { 0 }
    }

    /// The tie-break key that orders spread's candidates within a task count.
    fn spread_tiebreak(&self, s: Slot) -> u32 {
        match self.chain.get(1) {
            Some(Strategy::Binpack(Resource::Memory)) => s.free_mem,
            Some(Strategy::Binpack(Resource::Cpu)) => s.free_cpu,
            _ => 0,
        }
    }

    fn index(&mut self, id: u32) {
        let s = self.slots[id as usize];
        if !s.takes_tasks() {
            return;
        }
        let tie = self.spread_tiebreak(s);
        let ix = self.index_of(s);
        let index = &mut self.indexes[ix];
        index
            .grid
            .entry(s.free_cpu)
            .or_default()
            .insert(pack(s.free_mem, id));
        if let Some(i) = &mut index.by_tasks {
            i.insert((s.tasks, tie, id));
        }
        if let Some(i) = &mut index.open_ids {
            i.insert(id);
        }
    }

    fn unindex(&mut self, id: u32) {
        let s = self.slots[id as usize];
        if !s.takes_tasks() {
            return;
        }
        let tie = self.spread_tiebreak(s);
        let ix = self.index_of(s);
        let index = &mut self.indexes[ix];
        if let Some(bucket) = index.grid.get_mut(&s.free_cpu) {
            bucket.remove(&pack(s.free_mem, id));
            if bucket.is_empty() {
                index.grid.remove(&s.free_cpu);
            }
        }
        if let Some(i) = &mut index.by_tasks {
            i.remove(&(s.tasks, tie, id));
        }
        if let Some(i) = &mut index.open_ids {
            i.remove(&id);
        }
    }

    /// Opens instance `id` (ids are given in launch order) with this
    /// capacity, no task limit, in zone 0.
    pub fn open(&mut self, id: u32, cpu: u32, mem: u32) {
        self.open_in(id, cpu, mem, u32::MAX, 0);
    }

    /// Opens instance `id` with this capacity, at most `max_tasks` tasks at
    /// once, in `zone`.
    pub fn open_in(&mut self, id: u32, cpu: u32, mem: u32, max_tasks: u32, zone: u32) {
        if self.slots.len() <= id as usize {
            self.slots.resize(id as usize + 1, Slot::default());
        }
        if self.zone_tasks.len() <= zone as usize {
            self.zone_tasks.resize(zone as usize + 1, 0);
        }
        let ix = if self.zoned { zone as usize } else { 0 };
        while self.indexes.len() <= ix {
            let index = self.new_index();
            self.indexes.push(index);
        }
        self.slots[id as usize] = Slot {
            free_cpu: cpu,
            free_mem: mem,
            tasks: 0,
            max_tasks,
            zone,
            open: true,
        };
        self.index(id);
    }

    /// Stops placing on instance `id` (draining or terminated). Its tasks
    /// no longer count in its zone.
    pub fn close(&mut self, id: u32) {
        self.unindex(id);
        let s = &mut self.slots[id as usize];
        if s.open {
            self.zone_tasks[s.zone as usize] -= s.tasks;
        }
        s.open = false;
    }

    /// Gives back a task's resources on instance `id`.
    pub fn release(&mut self, id: u32, cpu: u32, mem: u32) {
        self.unindex(id);
        let s = &mut self.slots[id as usize];
        s.free_cpu += cpu;
        s.free_mem += mem;
        s.tasks -= 1;
        if s.open {
            self.zone_tasks[s.zone as usize] -= 1;
        }
        self.index(id);
    }

    fn take(&mut self, id: u32, cpu: u32, mem: u32) {
        self.unindex(id);
        let s = &mut self.slots[id as usize];
        // The invariant every strategy must keep: capacity is never exceeded.
        assert!(
            s.takes_tasks() && s.free_cpu >= cpu && s.free_mem >= mem,
            "placement chose an instance without room"
        );
        s.free_cpu -= cpu;
        s.free_mem -= mem;
        s.tasks += 1;
        self.zone_tasks[s.zone as usize] += 1;
        self.index(id);
    }

    /// Fitting instances of index `ix`, one per free-CPU bucket: (free mem,
    /// free cpu, id) of the one with the least memory left in each bucket.
    fn best_per_bucket(
        &self,
        ix: usize,
        cpu: u32,
        mem: u32,
    ) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
        self.indexes[ix]
            .grid
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
        (0..self.indexes.len()).any(|ix| self.best_per_bucket(ix, cpu, mem).next().is_some())
    }

    fn fits(&self, id: u32, cpu: u32, mem: u32) -> bool {
        let s = self.slots[id as usize];
        s.takes_tasks() && s.free_cpu >= cpu && s.free_mem >= mem
    }

    /// The ordering key of instance `id` under strategy `s` (lower is preferred).
    fn key(&self, s: Strategy, id: u32) -> u64 {
        let slot = self.slots[id as usize];
        match s {
            Strategy::Binpack(Resource::Memory) => slot.free_mem as u64,
            Strategy::Binpack(Resource::Cpu) => slot.free_cpu as u64,
            Strategy::Spread => slot.tasks as u64,
            Strategy::SpreadZone => self.zone_tasks[slot.zone as usize] as u64,
            Strategy::FirstFit | Strategy::Random => id as u64,
        }
    }

    /// Reserves a task's resources on instance `id` if it is open and has
    /// the room and a task slot: a pod Karpenter's consolidation moved
    /// there (issue 21). Returns whether it did.
    pub fn place_on(&mut self, id: u32, cpu: u32, mem: u32) -> bool {
        if (id as usize) < self.slots.len() && self.fits(id, cpu, mem) {
            self.take(id, cpu, mem);
            true
        } else {
            false
        }
    }

    /// Chooses an instance for a task and reserves its resources there.
    /// Returns `None` when it fits nowhere.
    pub fn place(&mut self, cpu: u32, mem: u32) -> Option<u32> {
        let chosen = if self.zoned {
            // The zones, fewest tasks first (then the lowest zone); the
            // first with room takes the task.
            let mut zones: Vec<usize> = (0..self.indexes.len()).collect();
            zones.sort_by_key(|&z| (self.zone_tasks.get(z).copied().unwrap_or(0), z));
            zones
                .into_iter()
                .find_map(|z| self.choose_in(z, cpu, mem))?
        } else {
            self.choose_in(0, cpu, mem)?
        };
        self.take(chosen, cpu, mem);
        Some(chosen)
    }

    /// Chooses, among the instances `allowed` admits, one for a task of
    /// this size and reserves its resources there (a constrained task,
    /// issue 21). It scans every instance, ordering them by the chain's
    /// keys in turn (`spread:zone` by the zone's tasks, `random` and
    /// `first_fit` by id), then by id. Returns `None` when none fits.
    pub fn place_filtered(
        &mut self,
        cpu: u32,
        mem: u32,
        allowed: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        let mut strategies = Vec::with_capacity(self.chain.len() + 1);
        if self.zoned {
            strategies.push(Strategy::SpreadZone);
        }
        strategies.extend(self.chain.iter().copied());
        let chosen = (0..self.slots.len() as u32)
            .filter(|&id| self.fits(id, cpu, mem) && allowed(id))
            .min_by_key(|&id| {
                let keys: Vec<u64> = strategies.iter().map(|&s| self.key(s, id)).collect();
                (keys, id)
            })?;
        self.take(chosen, cpu, mem);
        Some(chosen)
    }

    /// The instance of index `ix` the chain picks for a task of this size.
    fn choose_in(&mut self, ix: usize, cpu: u32, mem: u32) -> Option<u32> {
        let index = self.indexes.get(ix)?;
        let primary = self.chain[0];
        let more = self.chain.len() > 1;
        // Candidates that fit and tie on the primary strategy's key.
        let mut ties: Vec<u32> = Vec::new();
        match primary {
            Strategy::Binpack(Resource::Memory) => {
                // Least memory left, then least CPU left, then lowest id.
                let (best, _, id) = self.best_per_bucket(ix, cpu, mem).min()?;
                if !more {
                    ties.push(id);
                } else {
                    for bucket in index.grid.range(cpu..).map(|(_, b)| b) {
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
                let (_, bucket) = index
                    .grid
                    .range(cpu..)
                    .find(|(_, b)| b.range(pack(mem, 0)..).next().is_some())?;
                ties.extend(
                    bucket
                        .range(pack(mem, 0)..)
                        .map(|&k| unpack(k).1)
                        .take(if more { usize::MAX } else { 1 }),
                );
            }
            Strategy::Spread => {
                self.best_per_bucket(ix, cpu, mem).next()?;
                let by_tasks = index.by_tasks.as_ref().expect("kept for spread");
                let low = match self.chain.get(1) {
                    Some(Strategy::Binpack(Resource::Memory)) => mem,
                    Some(Strategy::Binpack(Resource::Cpu)) => cpu,
                    _ => 0,
                };
                // Walk task counts upwards; within one, start at the least
                // tie-break key that can fit.
                let mut k = by_tasks.first().map(|e| e.0)?;
                loop {
                    let found = by_tasks
                        .range((k, low, 0)..(k + 1, 0, 0))
                        .find(|&&(_, _, id)| self.fits(id, cpu, mem));
                    if let Some(&(_, _, id)) = found {
                        ties.push(id);
                        break;
                    }
                    k = by_tasks.range((k + 1, 0, 0)..).next()?.0;
                }
            }
            Strategy::FirstFit | Strategy::SpreadZone => {
                self.best_per_bucket(ix, cpu, mem).next()?;
                let open_ids = index.open_ids.as_ref().expect("kept for first_fit");
                if let Some(&id) = open_ids.iter().find(|&&id| self.fits(id, cpu, mem)) {
                    ties.push(id);
                }
            }
            Strategy::Random => {
                self.best_per_bucket(ix, cpu, mem).next()?;
                let open_ids = index.open_ids.as_ref().expect("kept for random");
                let n = open_ids.len();
                // Rejection sampling: cheap while a fair share of instances fit.
                for _ in 0..64 {
                    let nth = self.rng.random_range(0..n);
                    let id = *open_ids.iter().nth(nth).expect("in range");
                    if self.fits(id, cpu, mem) {
                        ties.push(id);
                        break;
                    }
                }
                if ties.is_empty() {
                    let fitting: Vec<u32> = open_ids
                        .iter()
                        .copied()
                        .filter(|&id| self.fits(id, cpu, mem))
                        .collect();
                    ties.push(fitting[self.rng.random_range(0..fitting.len())]);
                }
            }
        }
        ties.retain(|&id| self.fits(id, cpu, mem));
        if ties.len() <= 1 {
            return ties.first().copied();
        }
        let rest = &self.chain[1..];
        ties.iter()
            .min_by_key(|&&id| {
                (
                    rest.iter().map(|s| self.key(*s, id)).collect::<Vec<u64>>(),
                    id,
                )
            })
            .copied()
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
    #[test]
    fn a_full_instance_takes_no_task_whatever_room_it_has() {
        // Two awsvpc tasks per c5.large without trunking: the third small
        // task goes to the second instance although the first has room.
        let mut p = Placer::new(
            vec![Strategy::Binpack(Resource::Memory)],
            Pcg64Mcg::seed_from_u64(1),
        );
        p.open_in(0, 2000, 3768, 2, 0);
        p.open_in(1, 2000, 3768, 2, 0);
        assert_eq!(p.place(100, 100), Some(0));
        assert_eq!(p.place(100, 100), Some(0));
        assert_eq!(p.place(100, 100), Some(1));
        assert_eq!(p.place(100, 100), Some(1));
        assert_eq!(p.place(100, 100), None);
        assert!(!p.fits_anywhere(1, 1));
        p.release(0, 100, 100);
        assert_eq!(p.place(100, 100), Some(0));
    }

    #[test]
    fn spread_zone_balances_zones_then_binpacks_within_one() {
        // Zones 0, 1, 2 with instances 0+3, 1, 2. Spread over zones sends
        // tasks to zones 0, 1, 2, 0, 1, 2...; within zone 0 binpack keeps
        // filling instance 0 (least memory left) until it is full.
        let mut p = Placer::new(
            vec![Strategy::SpreadZone, Strategy::Binpack(Resource::Memory)],
            Pcg64Mcg::seed_from_u64(1),
        );
        for (id, zone) in [(0, 0), (1, 1), (2, 2), (3, 0)] {
            p.open_in(id, 2000, 8000, u32::MAX, zone);
        }
        let ids: Vec<u32> = (0..6).map(|_| p.place(500, 1000).unwrap()).collect();
        assert_eq!(ids, vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(p.zone_tasks(), &[2, 2, 2]);
        // Rounds of three fill instances 0, 1 and 2 (four tasks of 0.5 vCPU
        // each); then only zone 0 has room (instance 3), and the tasks still
        // go there: spreading is best effort.
        let ids: Vec<u32> = (0..9).map(|_| p.place(500, 1000).unwrap()).collect();
        assert_eq!(ids, vec![0, 1, 2, 0, 1, 2, 3, 3, 3]);
        assert_eq!(p.zone_tasks(), &[7, 4, 4]);
        assert_eq!(p.place(2000, 1000), None);
        p.close(3);
        assert_eq!(p.zone_tasks(), &[4, 4, 4]);
    }

    #[test]
    fn spread_zone_alone_takes_the_first_fitting_instance_of_the_zone() {
        let mut p = Placer::new(vec![Strategy::SpreadZone], Pcg64Mcg::seed_from_u64(1));
        p.open_in(0, 1000, 8000, u32::MAX, 0);
        p.open_in(1, 1000, 8000, u32::MAX, 1);
        p.open_in(2, 1000, 8000, u32::MAX, 0);
        let ids: Vec<u32> = (0..4).map(|_| p.place(500, 100).unwrap()).collect();
        assert_eq!(ids, vec![0, 1, 0, 1]);
        assert_eq!(p.place(500, 100), Some(2));
        assert_eq!(p.place(1000, 100), None);
    }
}
