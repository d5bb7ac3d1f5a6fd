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
//!
//! A task is added at its launch and taken away at its stop from what the
//! model holds of it then; nothing is kept by slot. The tasks a row may
//! still have to correct for wait in launch order, and leave from the
//! front once settled: a copy of each task's meter by slot, touched again
//! at its stop minutes of simulated time later, had been a tenth of the
//! peers' 20/s replay's simulation thread.

use super::strategy::Provider;
use crate::platform::series::Gauges;
use crate::time::SimTime;
use std::collections::VecDeque;

/// Launches between two lettings-go of the settled tasks at the front of
/// [`Meters::unsettled`]. Let go at every launch, the loop ran zero, one or
/// two times at random (its exit branch, most likely, often mispredicted):
/// 7 ms of the peers' 5/s replay's simulation thread (issue 24). A row
/// skips a settled task that is still there (it corrects for nothing), so
/// it walks at most this many more.
const PRUNE_SLACK: usize = 64;

/// One launched task, as the rows see it.
#[derive(Clone, Copy, Debug)]
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
    /// Its provider, and whether it is a service replica.
    pub provider: u8,
    pub replica: bool,
}

impl Meter {
    /// Whether a row at any time after `now` finds the task past both its
    /// billing start and its running time (true at every time after).
    #[inline]
    fn settled(&self, now: SimTime) -> bool {
        self.billing_start < now && self.running <= now
    }
}

/// A launched task that a row may still find before its billing start or
/// its running time.
#[derive(Clone, Copy, Debug)]
struct Unsettled {
    meter: Meter,
    /// Its launch and slot: the task's identity while it is in flight.
    launch: SimTime,
    slot: u32,
    /// Cleared when the task stops before it settles.
    live: bool,
}

/// Sums over the tasks in flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Totals {
    tasks: u64,
    replicas: u64,
    task_cpu_milli: u64,
    task_memory_mib: u64,
    /// By provider: Σ size and Σ size × billing start, for milli-vCPU,
    /// MiB and extra GiB (the billed sizes of all providers are the sums
    /// of the first).
    sizes: [[u64; 3]; 2],
    sizes_by_start: [[u128; 3]; 2],
}

impl Totals {
    /// Adds (`add` true) or takes away the meter's task.
    #[inline]
    fn apply(&mut self, m: &Meter, add: bool) {
        let p = m.provider as usize & 1;
        let s = [m.cpu_milli, m.memory_mib, m.storage_extra_gib];
        let bs = m.billing_start as u128;
        macro_rules! go {
            ($op:ident) => {{
                if m.replica {
                    self.replicas = self.replicas.$op(1);
                } else {
                    self.tasks = self.tasks.$op(1);
                }
                self.task_cpu_milli = self.task_cpu_milli.$op(m.task_cpu_milli as u64);
                self.task_memory_mib = self.task_memory_mib.$op(m.task_memory_mib as u64);
                for k in 0..3 {
                    self.sizes[p][k] = self.sizes[p][k].$op(s[k] as u64);
                    self.sizes_by_start[p][k] = self.sizes_by_start[p][k].$op(s[k] as u128 * bs);
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

/// The totals of the tasks in flight, and those not yet settled.
#[derive(Debug, Default)]
pub struct Meters {
    /// Launched tasks a row may have to correct for, in launch order: each
    /// not settled at its launch (see [`Meter::settled`]); those stopped or
    /// settled leave from the front at a later launch, in batches.
    unsettled: VecDeque<Unsettled>,
    /// The length of `unsettled` at which the settled tasks are next let
    /// go from its front (see [`PRUNE_SLACK`]).
    prune_at: usize,
    totals: Totals,
}

impl Meters {
    /// The task `m` measures was launched into `slot` at `now`. Always
    /// inlined: called, its meter went by memory, written field by field
    /// and read back in 16-byte words for the queue, and the wide reads
    /// waited for the narrow writes to reach the cache (issue 24).
    #[inline(always)]
    pub fn launched(&mut self, slot: u32, m: Meter, now: SimTime) {
        // Rows come at times after `now` from here on: what is settled now
        // stays settled for all of them. Let go in batches (see
        // `PRUNE_SLACK`).
        if self.unsettled.len() >= self.prune_at {
            while let Some(u) = self.unsettled.front()
                && (!u.live || u.meter.settled(now))
            {
                self.unsettled.pop_front();
            }
            self.prune_at = self.unsettled.len() + PRUNE_SLACK;
        }
        self.totals.apply(&m, true);
        if !m.settled(now) {
            self.unsettled.push_back(Unsettled {
                meter: m,
                launch: now,
                slot,
                live: true,
            });
        }
    }

    /// The task `m` measures, launched into `slot` at `launch`, stopped at
    /// `now`.
    #[inline]
    pub fn stopped(&mut self, slot: u32, m: &Meter, launch: SimTime, now: SimTime) {
        self.totals.apply(m, false);
        if !m.settled(now) {
            // Stopped during its start-up (rare): not settled at its launch
            // either, so still waiting here, and no row may correct for it.
            self.forget(slot, launch);
        }
    }

    /// Marks the unsettled task launched into `slot` at `launch` as gone.
    #[cold]
    #[inline(never)]
    fn forget(&mut self, slot: u32, launch: SimTime) {
        let found = self
            .unsettled
            .iter_mut()
            .rev()
            .find(|u| u.live && u.slot == slot && u.launch == launch);
        debug_assert!(found.is_some(), "an unsettled task is kept");
        if let Some(u) = found {
            u.live = false;
        }
    }

    /// Every task is gone.
    pub fn clear_all(&mut self) {
        *self = Meters::default();
    }

    /// The gauges of the tasks in flight at `at` (the waiting count is the
    /// model's), and each provider's usage accrued past its billing start
    /// by `at`: milli-vCPU·µs, MiB·µs and extra GiB·µs. `at` is after every
    /// launch's time.
    pub fn read(&self, at: SimTime) -> (Gauges, [[u128; 3]; 2]) {
        let mut t = self.totals;
        let mut starting = 0;
        for u in &self.unsettled {
            let m = &u.meter;
            if !u.live {
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
            cpu_milli_provisioned: t.sizes[0][0].wrapping_add(t.sizes[1][0]),
            memory_mib_provisioned: t.sizes[0][1].wrapping_add(t.sizes[1][1]),
            cpu_milli_allocated: t.task_cpu_milli,
            memory_mib_allocated: t.task_memory_mib,
            ..Gauges::default()
        };
        let usage = std::array::from_fn(|p| {
            std::array::from_fn(|k| (at as u128) * (t.sizes[p][k] as u128) - t.sizes_by_start[p][k])
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
    fn scan(slots: &[Option<(Meter, SimTime)>], at: SimTime) -> (Gauges, [[u128; 3]; 2]) {
        let mut g = Gauges::default();
        let mut usage = [[0u128; 3]; 2];
        for (m, _) in slots.iter().flatten() {
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
        let mut model: Vec<Option<(Meter, SimTime)>> = Vec::new();
        let mut now: SimTime = 0;
        let mut rows = 0;
        // Stops during a task's start-up, which a row must then forget.
        let mut stopped_unsettled = 0;
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
                        provider: rnd(2) as u8,
                        replica: rnd(8) == 0,
                    };
                    let slot = match model.iter().position(Option::is_none) {
                        Some(s) => s,
                        None => {
                            model.push(None);
                            model.len() - 1
                        }
                    };
                    model[slot] = Some((m, now));
                    meters.launched(slot as u32, m, now);
                }
                5..=8 => {
                    let live: Vec<usize> =
                        (0..model.len()).filter(|&s| model[s].is_some()).collect();
                    if !live.is_empty() {
                        let s = live[rnd(live.len() as u64) as usize];
                        let (m, launch) = model[s].take().expect("live");
                        stopped_unsettled += usize::from(!m.settled(now));
                        meters.stopped(s as u32, &m, launch, now);
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
        assert!(stopped_unsettled > 1_000, "{stopped_unsettled}");
        assert!(meters.unsettled.len() < 1_000, "{}", meters.unsettled.len());
    }
}
