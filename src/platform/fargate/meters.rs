//! What a time-series row reads of each launched task, kept apart from the
//! task itself (issue 24). A row counts the tasks starting and running and
//! adds up their billed size and accrued usage; reading those few fields
//! from the launched tasks themselves (about 180 bytes each, the task's
//! label and plan among them) was a pass over every task in flight per
//! row, twice, and 3 % of a 1 M-task replay. A meter is 40 bytes, one pass
//! serves both.

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
    /// Whether the slot holds a task, whose provider and whether it is a
    /// service replica.
    pub live: bool,
    pub provider: u8,
    pub replica: bool,
}

/// The meters of every slot, by slot.
#[derive(Debug, Default)]
pub struct Meters {
    slots: Vec<Meter>,
}

impl Meters {
    /// Slot `slot` now holds the task `m` measures.
    #[inline]
    pub fn set(&mut self, slot: u32, m: Meter) {
        let i = slot as usize;
        if i >= self.slots.len() {
            self.slots.resize(i + 1, Meter::default());
        }
        self.slots[i] = m;
    }

    /// Slot `slot` is empty again.
    #[inline]
    pub fn clear(&mut self, slot: u32) {
        if let Some(m) = self.slots.get_mut(slot as usize) {
            m.live = false;
        }
    }

    /// Every slot is empty.
    pub fn clear_all(&mut self) {
        self.slots.clear();
    }

    /// The gauges of the tasks in flight at `at` (the waiting count is the
    /// model's), and each provider's usage accrued past its billing start
    /// by `at`: milli-vCPU·µs, MiB·µs and extra GiB·µs.
    pub fn read(&self, at: SimTime) -> (Gauges, [[u128; 3]; 2]) {
        let mut g = Gauges::default();
        let mut usage = [[0u128; 3]; 2];
        for m in self.slots.iter().filter(|m| m.live) {
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
                let u = &mut usage[m.provider as usize & 1];
                u[0] += m.cpu_milli as u128 * span;
                u[1] += m.memory_mib as u128 * span;
                u[2] += m.storage_extra_gib as u128 * span;
            }
        }
        (g, usage)
    }
}

/// The provider's index in [`Meter::provider`].
#[inline]
pub fn provider_index(p: Provider) -> u8 {
    p.index() as u8
}
