//! What a time-series row reads of the launched tasks, kept apart from the
//! tasks themselves (issue 24). A row counts the tasks starting and running
//! and adds up their billed size and accrued usage. Walking every task in
//! flight for each row (twice: the gauges, then the cost) was 3 % of a
//! 1 M-task replay; a row is now the running totals of every launched task,
//! corrected by the few launched tasks whose billing start or running time
//! may still be ahead of the row (those launched during the last start-up,
//! about the launch rate × the start-up time).
//!
//! The figures are the same integers the walk added up: the usage accrued
//! by a row at `at` is Σ size × (at − billing start) over the tasks past
//! their billing start, kept as `at` × Σ size − Σ size × billing start.

use super::strategy::Provider;
use crate::platform::series::Gauges;
use crate::time::SimTime;

/// One slot's task, as the rows see it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meter {
    pub billing_start: SimTime,
    pub running: SimTime,
    /// The billed size.
    pub cpu_milli: u32,
    pub memory_mib: u32,
    /// The requested size.
    pub task_cpu_milli: u32,
    pub task_memory_mib: u32,
    pub storage_extra_gib: u32,
    /// Whether the slot holds a task, its provider, and whether it is a
    /// service replica.
    pub live: bool,
    pub provider: u8,
    pub replica: bool,
    /// Whether the slot is in [`Meters::recent`] (kept by [`Meters`];
    /// a new meter leaves it at its default).
    pub(super) recent: bool,
}

impl Meter {
    /// Whether a row at any time after `now` finds the task past both its
    /// billing start and its running time.
    #[inline]
    fn settled(&self, now: SimTime) -> bool {
        self.billing_start < now && self.running <= now
    }
}

/// Sums over the live slots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Totals {
    tasks: u64,
    replicas: u64,
    cpu_milli: u64,
    memory_mib: u64,
    task_cpu_milli: u64,
    task_memory_mib: u64,
    /// By provider: Σ size and Σ size × billing start, for milli-vCPU,
    /// MiB and extra GiB.
    sizes: [[u128; 3]; 2],
    sizes_by_start: [[u128; 3]; 2],
}

impl Totals {
    /// Adds (`sign` true) or takes away the meter's task.
    #[inline]
    fn apply(&mut self, m: &Meter, add: bool) {
        let p = m.provider as usize & 1;
        let s = [
            m.cpu_milli as u128,
            m.memory_mib as u128,
            m.storage_extra_gib as u128,
        ];
        let bs = m.billing_start as u128;
        macro_rules! go {
            ($op:ident) => {{
                if m.replica {
                    self.replicas = self.replicas.$op(1);
                } else {
                    self.tasks = self.tasks.$op(1);
                }
                self.cpu_milli = self.cpu_milli.$op(m.cpu_milli as u64);
                self.memory_mib = self.memory_mib.$op(m.memory_mib as u64);
                self.task_cpu_milli = self.task_cpu_milli.$op(m.task_cpu_milli as u64);
                self.task_memory_mib = self.task_memory_mib.$op(m.task_memory_mib as u64);
                for k in 0..3 {
                    self.sizes[p][k] = self.sizes[p][k].$op(s[k]);
                    self.sizes_by_start[p][k] = self.sizes_by_start[p][k].$op(s[k] * bs);
                }
            }};
        }
        if add {
            go!(wrapping_add)
        } else {
            go!(wrapping_sub)
        }
    }
}

/// The meters of every slot, by slot, and their totals.
#[derive(Debug, Default)]
pub struct Meters {
    slots: Vec<Meter>,
    /// Slots whose task was not yet settled when last looked at (see
    /// [`Meter::settled`]); a row corrects the totals for these only.
    recent: Vec<u32>,
    /// The length of `recent` after its last pruning.
    pruned: usize,
    totals: Totals,
}

impl Meters {
    /// Slot `slot` now holds the task `m` measures, launched at `now`.
    #[inline]
    pub fn set(&mut self, slot: u32, mut m: Meter, now: SimTime) {
        let i = slot as usize;
        if i >= self.slots.len() {
            self.slots.resize(i + 1, Meter::default());
        }
        let old = self.slots[i];
        if old.live {
            self.totals.apply(&old, false);
        }
        m.live = true;
        m.recent = old.recent;
        if !m.recent && !m.settled(now) {
            m.recent = true;
            self.recent.push(slot);
        }
        self.totals.apply(&m, true);
        self.slots[i] = m;
        // Pruned when it has grown to four times what the last pruning
        // left (twice was a scan of the list every launch, 2 % of a 1 M-task
        // replay's simulation thread; a row reads at most four times the
        // unsettled tasks, and rows are few).
        if self.recent.len() > (4 * self.pruned).max(64) {
            self.prune(now);
        }
    }

    /// Drops from `recent` the slots empty or settled at `now` (no row
    /// comes before `now` any more).
    #[cold]
    fn prune(&mut self, now: SimTime) {
        let slots = &mut self.slots;
        self.recent.retain(|&s| {
            let m = &mut slots[s as usize];
            let keep = m.live && !m.settled(now);
            m.recent = keep;
            keep
        });
        self.pruned = self.recent.len();
    }

    /// Slot `slot` is empty again.
    #[inline]
    pub fn clear(&mut self, slot: u32) {
        if let Some(m) = self.slots.get_mut(slot as usize)
            && m.live
        {
            m.live = false;
            let m = *m;
            self.totals.apply(&m, false);
        }
    }

    /// Every slot is empty.
    pub fn clear_all(&mut self) {
        *self = Meters::default();
    }

    /// The gauges of the tasks in flight at `at` (the waiting count is the
    /// model's), and each provider's usage accrued past its billing start
    /// by `at`: milli-vCPU·µs, MiB·µs and extra GiB·µs. `at` is no earlier
    /// than any launch's time.
    pub fn read(&self, at: SimTime) -> (Gauges, [[u128; 3]; 2]) {
        let mut t = self.totals;
        let mut starting = 0;
        for &s in &self.recent {
            let m = &self.slots[s as usize];
            if !m.live {
                continue;
            }
            if !m.replica && m.running > at {
                starting += 1;
            }
            if m.billing_start >= at {
                // Not billed yet: out of the capacity and the usage (it
                // stays in the task counts).
                t.apply(m, false);
                if m.replica {
                    t.replicas += 1;
                } else {
                    t.tasks += 1;
                }
            }
        }
        let g = Gauges {
            tasks_starting: starting,
            tasks_running: t.tasks - starting,
            replicas_running: t.replicas,
            cpu_milli_provisioned: t.cpu_milli,
            memory_mib_provisioned: t.memory_mib,
            cpu_milli_allocated: t.task_cpu_milli,
            memory_mib_allocated: t.task_memory_mib,
            ..Gauges::default()
        };
        let usage = std::array::from_fn(|p| {
            std::array::from_fn(|k| (at as u128) * t.sizes[p][k] - t.sizes_by_start[p][k])
        });
        (g, usage)
    }
}

/// The provider's index in [`Meter::provider`].
#[inline]
pub fn provider_index(p: Provider) -> u8 {
    p.index() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a row read by walking every live slot, as the model did.
    fn scan(slots: &[Option<Meter>], at: SimTime) -> (Gauges, [[u128; 3]; 2]) {
        let mut g = Gauges::default();
        let mut usage = [[0u128; 3]; 2];
        for m in slots.iter().flatten() {
            if m.replica {
                g.replicas_running += 1;
            } else if m.running <= at {
                g.tasks_running += 1;
            } else {
                g.tasks_starting += 1;
            }
            if m.billing_start < at {
                g.cpu_milli_provisioned += m.cpu_milli as u64;
                g.memory_mib_provisioned += m.memory_mib as u64;
                g.cpu_milli_allocated += m.task_cpu_milli as u64;
                g.memory_mib_allocated += m.task_memory_mib as u64;
                let span = (at - m.billing_start) as u128;
                let u = &mut usage[m.provider as usize];
                u[0] += m.cpu_milli as u128 * span;
                u[1] += m.memory_mib as u128 * span;
                u[2] += m.storage_extra_gib as u128 * span;
            }
        }
        (g, usage)
    }

    #[test]
    fn rows_from_the_totals_equal_a_walk_over_every_slot() {
        // Launches, stops and rows at random times, the clock never going
        // back; start-ups of 0 to 90 s, some of them replicas and Spot.
        let mut x: u64 = 7;
        let mut rnd = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let mut meters = Meters::default();
        let mut model: Vec<Option<Meter>> = Vec::new();
        let mut now: SimTime = 0;
        let mut rows = 0;
        for step in 0..200_000 {
            now += rnd(400_000);
            match rnd(10) {
                0..=4 => {
                    let bs = now + rnd(3) * rnd(60_000_000);
                    let m = Meter {
                        billing_start: bs,
                        running: bs + rnd(2) * rnd(30_000_000),
                        cpu_milli: 250 << rnd(5),
                        memory_mib: 512 << rnd(6),
                        task_cpu_milli: 100 + rnd(4000) as u32,
                        task_memory_mib: 100 + rnd(30_000) as u32,
                        storage_extra_gib: rnd(3) as u32 * 10,
                        live: true,
                        provider: rnd(2) as u8,
                        replica: rnd(8) == 0,
                        recent: false,
                    };
                    let slot = match model.iter().position(Option::is_none) {
                        Some(s) => s,
                        None => {
                            model.push(None);
                            model.len() - 1
                        }
                    };
                    model[slot] = Some(m);
                    meters.set(slot as u32, m, now);
                }
                5..=8 => {
                    let live: Vec<usize> =
                        (0..model.len()).filter(|&s| model[s].is_some()).collect();
                    if !live.is_empty() {
                        let s = live[rnd(live.len() as u64) as usize];
                        model[s] = None;
                        meters.clear(s as u32);
                    }
                }
                _ => {
                    // A row comes before anything else at its time.
                    now += 1 + rnd(1_000_000);
                    let (g, u) = meters.read(now);
                    let (wg, wu) = scan(&model, now);
                    assert_eq!(u, wu, "usage at step {step}");
                    assert_eq!(
                        (g.tasks_starting, g.tasks_running, g.replicas_running),
                        (wg.tasks_starting, wg.tasks_running, wg.replicas_running),
                        "counts at step {step}"
                    );
                    assert_eq!(
                        (g.cpu_milli_provisioned, g.memory_mib_provisioned),
                        (wg.cpu_milli_provisioned, wg.memory_mib_provisioned)
                    );
                    assert_eq!(
                        (g.cpu_milli_allocated, g.memory_mib_allocated),
                        (wg.cpu_milli_allocated, wg.memory_mib_allocated)
                    );
                    rows += 1;
                }
            }
        }
        assert!(rows > 10_000);
        assert!(meters.recent.len() < 1_000, "{}", meters.recent.len());
    }
}
